//! Parsers for the full `nvidia-smi -q` report, as text and as XML (`-q -x`).
//!
//! The agent itself runs `--query-gpu` (see [`super::nvidia_smi`]); these
//! exist so an operator can check a saved `-q` report with
//! `gpuchain-agent inventory --nvidia-smi-output FILE`, and so the real
//! `-q` captures cross-check the CSV parser. Only what [`GpuInfo`] needs is
//! read: the rest of the report is skipped, whatever it contains.
//!
//! Both readers are line-based, as nvidia-smi writes both formats: the text
//! report nests sections by 4-space indentation (`Key : value` or a section
//! title alone); the XML has one element per line. The XML reader is not a
//! general XML parser: anything else (several elements on one line, text
//! spanning lines) is a [`HardwareError::MalformedLine`].

use std::collections::BTreeMap;

use super::nvidia_smi::{normalize_value, parse_mib};
use super::{GpuInfo, HardwareError, MigMode};

/// A parsed `-q` report: the GPUs it holds and the count it announces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryReport {
    /// `Attached GPUs` / `<attached_gpus>`, if present.
    pub attached_gpus: Option<u32>,
    /// The GPU sections, in order.
    pub gpus: Vec<GpuInfo>,
}

impl QueryReport {
    /// The GPUs, if the report holds as many as it announces (a report cut
    /// short must not be taken for the host's whole inventory).
    pub fn into_inventory(self) -> Result<Vec<GpuInfo>, HardwareError> {
        if let Some(n) = self.attached_gpus {
            let found = self.gpus.len();
            if usize::try_from(n).ok() != Some(found) {
                return Err(HardwareError::Truncated {
                    announced: n,
                    found,
                });
            }
        }
        super::validate_inventory(&self.gpus)?;
        Ok(self.gpus)
    }
}

/// One GPU section: `path` (section titles and key joined by `/`) to
/// (value, line).
#[derive(Default)]
struct Section {
    line: usize,
    id: String,
    values: BTreeMap<String, (Option<String>, usize)>,
}

impl Section {
    fn get(&self, path: &str) -> Option<&str> {
        self.values.get(path).and_then(|(v, _)| v.as_deref())
    }

    fn required(&self, path: &str) -> Result<(String, usize), HardwareError> {
        match self.values.get(path) {
            Some((Some(v), line)) => Ok((v.clone(), *line)),
            Some((None, line)) => Err(HardwareError::MissingValue {
                line: *line,
                field: path.to_string(),
            }),
            None => Err(HardwareError::MissingValue {
                line: self.line,
                field: path.to_string(),
            }),
        }
    }
}

/// The paths each format uses for the fields of [`GpuInfo`].
struct Paths {
    name: &'static str,
    uuid: &'static str,
    serial: &'static str,
    memory: &'static str,
    bus_id: &'static str,
    mig: &'static str,
}

const TEXT_PATHS: Paths = Paths {
    name: "Product Name",
    uuid: "GPU UUID",
    serial: "Serial Number",
    memory: "FB Memory Usage/Total",
    bus_id: "PCI/Bus Id",
    mig: "MIG Mode/Current",
};

const XML_PATHS: Paths = Paths {
    name: "product_name",
    uuid: "uuid",
    serial: "serial",
    memory: "fb_memory_usage/total",
    bus_id: "pci/pci_bus_id",
    mig: "mig_mode/current_mig",
};

fn to_gpu(s: &Section, driver: Option<&str>, p: &Paths) -> Result<GpuInfo, HardwareError> {
    let driver_version = driver
        .map(str::to_string)
        .ok_or_else(|| HardwareError::MissingValue {
            line: s.line,
            field: "driver version".into(),
        })?;
    let (memory, memory_line) = s.required(p.memory)?;
    let memory_mib = parse_mib(&memory).ok_or_else(|| HardwareError::InvalidValue {
        line: memory_line,
        field: p.memory.into(),
        value: memory.clone(),
        reason: "expected a number of MiB".into(),
    })?;
    let mig_mode = match s.values.get(p.mig) {
        None | Some((None, _)) => MigMode::NotSupported,
        Some((Some(v), line)) => match v.as_str() {
            "Enabled" => MigMode::Enabled,
            "Disabled" => MigMode::Disabled,
            other => {
                return Err(HardwareError::InvalidValue {
                    line: *line,
                    field: p.mig.into(),
                    value: other.into(),
                    reason: "expected Enabled, Disabled or N/A".into(),
                })
            }
        },
    };
    let pci_bus_id = match s.get(p.bus_id) {
        Some(v) => v.to_string(),
        None if !s.id.is_empty() => s.id.clone(),
        None => s.required(p.bus_id)?.0,
    };
    let gpu = GpuInfo {
        uuid: s.required(p.uuid)?.0,
        name: s.required(p.name)?.0,
        memory_mib,
        driver_version,
        pci_bus_id,
        mig_mode,
        serial: s.get(p.serial).map(str::to_string),
        compute_cap: None,
        pci_device_id: None,
        index: None,
        mig_devices: Vec::new(),
    };
    super::validate_gpu(&gpu).map_err(|e| HardwareError::MalformedLine {
        line: s.line,
        reason: e.to_string(),
    })?;
    Ok(gpu)
}

fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.split('\n').enumerate().filter_map(|(i, raw)| {
        let line = raw.strip_suffix('\r').unwrap_or(raw).trim_end();
        (!line.trim().is_empty()).then_some((i.saturating_add(1), line))
    })
}

fn parse_count(value: &str, line: usize, field: &str) -> Result<u32, HardwareError> {
    value
        .trim()
        .parse()
        .map_err(|_| HardwareError::InvalidValue {
            line,
            field: field.into(),
            value: value.into(),
            reason: "expected a count".into(),
        })
}

/// Parses the text report of `nvidia-smi -q`.
pub fn parse_query_text(text: &str) -> Result<QueryReport, HardwareError> {
    let mut driver: Option<String> = None;
    let mut attached: Option<u32> = None;
    let mut sections: Vec<Section> = Vec::new();
    // Open section titles inside the current GPU: (indent, title).
    let mut stack: Vec<(usize, String)> = Vec::new();
    for (line_no, line) in lines(text) {
        let indent = line.len().saturating_sub(line.trim_start().len());
        let content = line.trim();
        if indent == 0 {
            stack.clear();
            if content.starts_with("===") {
                continue;
            }
            if let Some(id) = content.strip_prefix("GPU ") {
                if !content.contains(" : ") {
                    sections.push(Section {
                        line: line_no,
                        id: id.trim().to_string(),
                        values: BTreeMap::new(),
                    });
                    continue;
                }
            }
            let Some((key, value)) = content.split_once(':') else {
                return Err(HardwareError::MalformedLine {
                    line: line_no,
                    reason: "expected `Key : value` or `GPU <bus id>`".into(),
                });
            };
            match key.trim() {
                // 610+ drivers call the kernel driver version `KMD Version`.
                "Driver Version" | "KMD Version" => driver = normalize_value(value),
                "Attached GPUs" => attached = Some(parse_count(value, line_no, "Attached GPUs")?),
                _ => {}
            }
            continue;
        }
        let Some(section) = sections.last_mut() else {
            return Err(HardwareError::MalformedLine {
                line: line_no,
                reason: "indented line before any `GPU <bus id>` section".into(),
            });
        };
        while stack.last().is_some_and(|(i, _)| *i >= indent) {
            stack.pop();
        }
        let (key, value) = match content.split_once(':') {
            Some((k, v)) => (k.trim(), v.trim()),
            None => (content, ""),
        };
        let mut path = String::new();
        for (_, title) in &stack {
            path.push_str(title);
            path.push('/');
        }
        path.push_str(key);
        if value.is_empty() && !content.contains(':') {
            stack.push((indent, key.to_string()));
        } else {
            // First occurrence wins (the MIG device sections repeat paths
            // deeper down, never at the same path).
            section
                .values
                .entry(path)
                .or_insert_with(|| (normalize_value(value), line_no));
        }
    }
    let gpus = sections
        .iter()
        .map(|s| to_gpu(s, driver.as_deref(), &TEXT_PATHS))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(QueryReport {
        attached_gpus: attached,
        gpus,
    })
}

fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn is_xml_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
}

/// An element still open while reading the XML.
struct Open {
    name: String,
    /// Text seen directly inside it (a value may continue on the next line).
    text: String,
    /// Line of the opening tag.
    line: usize,
    has_children: bool,
}

/// What the XML reader keeps: the top-level values and the GPU sections.
#[derive(Default)]
struct XmlState {
    driver: Option<String>,
    attached: Option<u32>,
    sections: Vec<Section>,
}

impl XmlState {
    /// Records the value of the element `name` whose parents are `parents`.
    fn record(
        &mut self,
        parents: &[Open],
        name: &str,
        value: &str,
        line: usize,
    ) -> Result<(), HardwareError> {
        match (parents.len(), parents.get(1).map(|o| o.name.as_str())) {
            (1, _) => match name {
                "driver_version" => self.driver = normalize_value(value),
                "attached_gpus" => self.attached = Some(parse_count(value, line, name)?),
                _ => {}
            },
            (n, Some("gpu")) if n >= 2 => {
                if let Some(section) = self.sections.last_mut() {
                    let mut path = String::new();
                    for open in parents.iter().skip(2) {
                        path.push_str(&open.name);
                        path.push('/');
                    }
                    path.push_str(name);
                    section
                        .values
                        .entry(path)
                        .or_insert_with(|| (normalize_value(value), line));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Parses `nvidia-smi -q -x`.
pub fn parse_query_xml(text: &str) -> Result<QueryReport, HardwareError> {
    let mut state = XmlState::default();
    let mut stack: Vec<Open> = Vec::new();
    for (line_no, line) in lines(text) {
        let malformed = |reason: &str| HardwareError::MalformedLine {
            line: line_no,
            reason: reason.to_string(),
        };
        let content = line.trim();
        if content.starts_with("<?") || content.starts_with("<!") {
            continue;
        }
        let Some(inner) = content.strip_prefix('<') else {
            // Text inside the open element (`None` in an empty section, or
            // the rest of a value that began on the line above).
            let open = stack
                .last_mut()
                .ok_or_else(|| malformed("text outside any element"))?;
            if content.contains('<') {
                return Err(malformed("expected one XML element per line"));
            }
            if !open.text.is_empty() {
                open.text.push(' ');
            }
            open.text.push_str(content);
            continue;
        };
        if let Some(close) = inner.strip_prefix('/') {
            let name = close
                .strip_suffix('>')
                .map(str::trim)
                .ok_or_else(|| malformed("bad closing tag"))?;
            let open = stack
                .pop()
                .ok_or_else(|| malformed("closing tag with no open element"))?;
            if open.name != name {
                return Err(malformed("closing tag does not match the open element"));
            }
            if !open.has_children && !open.text.trim().is_empty() {
                let value = xml_unescape(open.text.trim());
                state.record(&stack, name, &value, open.line)?;
            }
            continue;
        }
        let (tag, rest) = inner
            .split_once('>')
            .ok_or_else(|| malformed("unterminated tag"))?;
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let (name, attrs) = match tag.split_once(char::is_whitespace) {
            Some((n, a)) => (n, a.trim()),
            None => (tag, ""),
        };
        if !is_xml_name(name) {
            return Err(malformed("bad element name"));
        }
        if stack.is_empty() && name != "nvidia_smi_log" {
            return Err(malformed("expected <nvidia_smi_log>"));
        }
        if let Some(parent) = stack.last_mut() {
            parent.has_children = true;
        }
        let close = format!("</{name}>");
        if self_closing {
            if !rest.is_empty() {
                return Err(malformed("text after a self-closing element"));
            }
        } else if let Some(value) = rest.strip_suffix(close.as_str()) {
            if value.contains('<') {
                return Err(malformed("expected one XML element per line"));
            }
            state.record(&stack, name, &xml_unescape(value), line_no)?;
        } else {
            if rest.contains('<') {
                return Err(malformed("expected one XML element per line"));
            }
            // `<gpu id="...">` (a child of the root) starts a GPU section.
            if stack.len() == 1 && name == "gpu" {
                let id = attrs
                    .strip_prefix("id=\"")
                    .and_then(|a| a.split_once('"'))
                    .map(|(id, _)| xml_unescape(id))
                    .unwrap_or_default();
                state.sections.push(Section {
                    line: line_no,
                    id,
                    values: BTreeMap::new(),
                });
            }
            stack.push(Open {
                name: name.to_string(),
                text: rest.trim().to_string(),
                line: line_no,
                has_children: false,
            });
        }
    }
    if let Some(open) = stack.last() {
        return Err(HardwareError::MalformedLine {
            line: open.line,
            reason: format!("<{}> is never closed", open.name),
        });
    }
    let gpus = state
        .sections
        .iter()
        .map(|s| to_gpu(s, state.driver.as_deref(), &XML_PATHS))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(QueryReport {
        attached_gpus: state.attached,
        gpus,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TEXT: &str = "==============NVSMI LOG==============\n\nDriver Version : 1.2\nAttached GPUs : 1\nGPU 00000000:01:00.0\n    Product Name : X & Y\n    MIG Mode\n        Current : Enabled\n    GPU UUID : GPU-1\n    PCI\n        Bus Id : 00000000:01:00.0\n    FB Memory Usage\n        Total : 100 MiB\n";

    #[test]
    fn should_parse_text_report_when_minimal() {
        let r = parse_query_text(TEXT).unwrap();
        assert_eq!(r.attached_gpus, Some(1));
        let g = &r.gpus[0];
        assert_eq!(
            (g.uuid.as_str(), g.name.as_str(), g.memory_mib),
            ("GPU-1", "X & Y", 100)
        );
        assert_eq!(g.mig_mode, MigMode::Enabled);
        assert_eq!(g.serial, None);
        assert_eq!(r.into_inventory().unwrap().len(), 1);
    }

    #[test]
    fn should_reject_text_report_when_a_field_is_missing_or_bad() {
        let no_uuid = TEXT.replace("    GPU UUID : GPU-1\n", "");
        assert!(matches!(
            parse_query_text(&no_uuid).unwrap_err(),
            HardwareError::MissingValue { line: 5, ref field } if field == "GPU UUID"
        ));
        let bad_mem = TEXT.replace("100 MiB", "lots");
        assert!(matches!(
            parse_query_text(&bad_mem).unwrap_err(),
            HardwareError::InvalidValue { line: 13, .. }
        ));
        let orphan = "Driver Version : 1\n    Product Name : X\n";
        assert!(matches!(
            parse_query_text(orphan).unwrap_err(),
            HardwareError::MalformedLine { line: 2, .. }
        ));
        let short = TEXT.replace("Attached GPUs : 1", "Attached GPUs : 2");
        let err = parse_query_text(&short)
            .unwrap()
            .into_inventory()
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("announces 2 attached GPUs but holds 1"),
            "{err}"
        );
    }

    const XML: &str = "<?xml version=\"1.0\" ?>\n<nvidia_smi_log>\n<driver_version>1.2</driver_version>\n<attached_gpus>1</attached_gpus>\n<gpu id=\"00000000:01:00.0\">\n<product_name>X &amp; Y</product_name>\n<mig_mode>\n<current_mig>Disabled</current_mig>\n</mig_mode>\n<serial>N/A</serial>\n<uuid>GPU-1</uuid>\n<pci>\n<pci_bus_id>00000000:01:00.0</pci_bus_id>\n</pci>\n<fb_memory_usage>\n<total>100 MiB</total>\n</fb_memory_usage>\n<empty/>\n</gpu>\n</nvidia_smi_log>";

    #[test]
    fn should_parse_xml_report_when_minimal() {
        let r = parse_query_xml(XML).unwrap();
        let g = &r.gpus[0];
        assert_eq!(
            (g.uuid.as_str(), g.name.as_str(), g.memory_mib),
            ("GPU-1", "X & Y", 100)
        );
        assert_eq!(g.mig_mode, MigMode::Disabled);
        assert_eq!(g.pci_bus_id, "00000000:01:00.0");
        assert_eq!(g.serial, None);
    }

    #[test]
    fn should_join_xml_text_when_a_value_spans_lines() {
        let split = XML.replace("<uuid>GPU-1</uuid>", "<uuid>GPU-1\n</uuid>");
        assert_eq!(parse_query_xml(&split).unwrap().gpus[0].uuid, "GPU-1");
        let none = XML.replace("<empty/>", "<mig_devices>\nNone\n</mig_devices>");
        assert!(parse_query_xml(&none).unwrap().gpus[0]
            .mig_devices
            .is_empty());
    }

    #[test]
    fn should_reject_xml_when_it_is_not_one_element_per_line() {
        for (bad, line) in [
            (XML.replace("</pci>", "</pcx>"), 14),
            (XML.replace("<uuid>GPU-1</uuid>", "<uuid>GPU-1"), 19),
            (
                XML.replace("<uuid>GPU-1</uuid>", "<uuid><a>1</a></uuid>"),
                11,
            ),
            (XML.replace("</nvidia_smi_log>", ""), 2),
            (XML.replace("<total>100 MiB</total>", "a<b"), 16),
            (XML.replace("<nvidia_smi_log>", "<other>"), 2),
            (XML.replace("</gpu>", "</gpu></x>"), 19),
        ] {
            match parse_query_xml(&bad).unwrap_err() {
                HardwareError::MalformedLine { line: l, .. } => assert_eq!(l, line, "{bad}"),
                e => panic!("{bad}: {e}"),
            }
        }
    }

    proptest! {
        #[test]
        fn should_never_panic_when_report_is_arbitrary(s in "\\PC*") {
            let _ = parse_query_text(&s);
            let _ = parse_query_xml(&s);
        }

        #[test]
        fn should_never_panic_when_report_lines_are_shuffled(
            cut in 0usize..400,
            drop in proptest::collection::vec(0usize..20, 0..4),
        ) {
            for base in [TEXT, XML] {
                let kept: Vec<&str> = base
                    .lines()
                    .enumerate()
                    .filter(|(i, _)| !drop.contains(i))
                    .map(|(_, l)| l)
                    .collect();
                let text = kept.join("\n");
                let text = text.get(..cut.min(text.len())).unwrap_or(&text);
                let _ = parse_query_text(text);
                let _ = parse_query_xml(text);
            }
        }
    }
}

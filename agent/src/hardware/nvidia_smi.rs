//! Reading GPUs from `nvidia-smi`.
//!
//! The agent asks `nvidia-smi --query-gpu=<AGENT_QUERY_FIELDS> --format=csv,noheader,nounits`
//! (the documented, machine-readable interface) and, when a GPU has MIG
//! enabled, `nvidia-smi -L` for its MIG instances. This module parses:
//!
//! - `--query-gpu` CSV, with or without the header line, with or without
//!   units (`81559 MiB` or `81559`): [`parse_query_csv`] gives raw
//!   [`QueryRecord`]s, [`parse_gpu_csv`] the [`GpuInfo`]s;
//! - `nvidia-smi -L`: [`parse_list`];
//! - the full report, `nvidia-smi -q` and `-q -x`: [`parse_query_text`],
//!   [`parse_query_xml`] (for operators checking a saved report; the agent
//!   does not run them);
//! - [`parse_inventory`] recognises the format ([`detect_format`]) and
//!   rejects the default table view with a
//!   [`HardwareError::UnsupportedFormat`] that says what to run instead: the
//!   table truncates GPU names and shows no uuids, so it cannot identify a GPU.
//!
//! Nothing here panics, whatever the input.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub use super::nvidia_smi_q::{parse_query_text, parse_query_xml, QueryReport};
use super::{validate_inventory, GpuInfo, HardwareError, HardwareSource, MigDevice, MigMode};

/// The fields the agent queries, in order. `name` is last so that a name
/// containing a comma (nvidia-smi does not quote CSV values) still parses.
pub const AGENT_QUERY_FIELDS: &[&str] = &[
    "index",
    "uuid",
    "pci.bus_id",
    "memory.total",
    "driver_version",
    "mig.mode.current",
    "serial",
    "compute_cap",
    "pci.device_id",
    "name",
];

/// The fallback field list for drivers that reject a field of
/// [`AGENT_QUERY_FIELDS`] (`compute_cap` needs driver 510+, `mig.mode.current` 450+).
pub const AGENT_QUERY_FIELDS_MINIMAL: &[&str] = &[
    "index",
    "uuid",
    "pci.bus_id",
    "memory.total",
    "driver_version",
    "serial",
    "name",
];

/// The arguments for `nvidia-smi` to query `fields` the way the agent parses them.
pub fn query_args(fields: &[&str]) -> Vec<String> {
    vec![
        format!("--query-gpu={}", fields.join(",")),
        "--format=csv,noheader,nounits".to_string(),
    ]
}

/// What kind of nvidia-smi output a text is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// Nothing but whitespace.
    Empty,
    /// `--query-gpu ... --format=csv[,noheader][,nounits]`.
    QueryCsv,
    /// `nvidia-smi -L`.
    List,
    /// The default table (`nvidia-smi` with no arguments).
    Table,
    /// `nvidia-smi -q` (text).
    QueryText,
    /// `nvidia-smi -q -x` (XML).
    QueryXml,
}

impl OutputFormat {
    fn describe(self) -> &'static str {
        match self {
            OutputFormat::Empty => "empty",
            OutputFormat::QueryCsv => "--query-gpu csv",
            OutputFormat::List => "nvidia-smi -L",
            OutputFormat::Table => "default table view",
            OutputFormat::QueryText => "nvidia-smi -q",
            OutputFormat::QueryXml => "nvidia-smi -q -x",
        }
    }
}

fn logical_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.split('\n').enumerate().filter_map(|(i, raw)| {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            None
        } else {
            Some((i.saturating_add(1), line))
        }
    })
}

/// Recognises the kind of nvidia-smi output from its first lines.
pub fn detect_format(text: &str) -> OutputFormat {
    let mut lines = logical_lines(text).map(|(_, l)| l.trim());
    let Some(first) = lines.next() else {
        return OutputFormat::Empty;
    };
    if first.starts_with("<?xml") || first.starts_with("<nvidia_smi_log") {
        return OutputFormat::QueryXml;
    }
    if first.starts_with("===") && first.contains("NVSMI LOG") {
        return OutputFormat::QueryText;
    }
    let is_table_line = |l: &str| l.starts_with("+--") || l.starts_with("| NVIDIA-SMI");
    // The table may start with a timestamp line.
    if is_table_line(first) || lines.next().is_some_and(is_table_line) {
        return OutputFormat::Table;
    }
    if first.starts_with("GPU ") && first.contains("(UUID: ") && !first.contains(',') {
        return OutputFormat::List;
    }
    OutputFormat::QueryCsv
}

fn unsupported(format: OutputFormat) -> HardwareError {
    let hint = match format {
        OutputFormat::Table => {
            "the default table truncates GPU names and shows no uuids; run `nvidia-smi --query-gpu=... --format=csv,noheader,nounits`"
        }
        OutputFormat::QueryText | OutputFormat::QueryXml => {
            "this is a -q report, not --query-gpu csv; read it with parse_inventory / parse_query_text / parse_query_xml"
        }
        OutputFormat::List => {
            "`nvidia-smi -L` has no memory, driver or bus id; it only adds MIG instances to --query-gpu output"
        }
        OutputFormat::Empty | OutputFormat::QueryCsv => "expected --query-gpu csv output",
    };
    HardwareError::UnsupportedFormat {
        format: format.describe(),
        hint: format!("{hint} (fields: {})", AGENT_QUERY_FIELDS.join(",")),
    }
}

/// Messages nvidia-smi prints instead of data.
const NVIDIA_SMI_ERRORS: &[&str] = &[
    "NVIDIA-SMI has failed",
    "No devices were found",
    "is not a valid field to query",
    "Failed to initialize NVML",
    "Unable to determine the device handle",
    "Driver/library version mismatch",
    "Insufficient Permissions",
];

/// One row of `--query-gpu` output: each column's value, `None` where
/// nvidia-smi printed no value (`[N/A]`, `N/A`, `[Not Supported]`, any other
/// `[...]` status, or nothing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryRecord {
    /// 1-based line number in the parsed text.
    pub line: usize,
    /// Column name (header name without its ` [unit]`) to value.
    pub values: BTreeMap<String, Option<String>>,
}

impl QueryRecord {
    /// The column's value, `None` if the column is absent or has no value.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.values.get(field).and_then(|v| v.as_deref())
    }

    /// Whether the output has this column (possibly without a value).
    pub fn has(&self, field: &str) -> bool {
        self.values.contains_key(field)
    }
}

/// Turns a raw cell into a value: trimmed, `None` for the "no value" markers.
pub fn normalize_value(raw: &str) -> Option<String> {
    let v = raw.trim();
    if v.is_empty() || v == "N/A" || (v.starts_with('[') && v.ends_with(']')) {
        None
    } else {
        Some(v.to_string())
    }
}

/// `memory.total [MiB]` -> `memory.total`.
fn header_name(cell: &str) -> &str {
    let cell = cell.trim();
    match cell.find(" [") {
        Some(i) if cell.ends_with(']') => cell.get(..i).unwrap_or(cell).trim(),
        _ => cell,
    }
}

fn is_field_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
}

/// A header names at least one identifying field and only has field-name cells.
fn looks_like_header(line: &str) -> bool {
    let names: Vec<&str> = line.split(',').map(header_name).collect();
    names.iter().all(|n| is_field_name(n))
        && names.iter().any(|n| {
            matches!(
                *n,
                "name" | "uuid" | "index" | "memory.total" | "pci.bus_id"
            )
        })
}

/// Splits a data line into exactly `n` cells. nvidia-smi does not quote
/// values, so if there are more commas than columns the surplus is given to
/// the `name` column (the only free-text field), if there is one.
fn split_cells<'a>(
    line: &'a str,
    line_no: usize,
    columns: &[String],
) -> Result<Vec<&'a str>, HardwareError> {
    let n = columns.len();
    let parts: Vec<&str> = line.split(',').collect();
    if parts.len() == n {
        return Ok(parts);
    }
    let malformed = || HardwareError::MalformedLine {
        line: line_no,
        reason: format!(
            "expected {n} comma-separated values ({}), found {}",
            columns.join(","),
            parts.len()
        ),
    };
    let Some(name_at) = columns.iter().position(|c| c == "name") else {
        return Err(malformed());
    };
    let Some(extra) = parts.len().checked_sub(n) else {
        return Err(malformed());
    };
    // Byte offsets of the commas, to cut the name out of the raw line.
    let commas: Vec<usize> = line.match_indices(',').map(|(i, _)| i).collect();
    let start = if name_at == 0 {
        0
    } else {
        commas
            .get(name_at.saturating_sub(1))
            .map_or(0, |c| c.saturating_add(1))
    };
    let end_comma = name_at.checked_add(extra).ok_or_else(malformed)?;
    let end = commas.get(end_comma).copied().unwrap_or(line.len());
    let name = line.get(start..end).ok_or_else(malformed)?;
    let mut cells: Vec<&str> = Vec::with_capacity(n);
    cells.extend(parts.iter().take(name_at).copied());
    cells.push(name);
    let after = end_comma.checked_add(1).ok_or_else(malformed)?;
    cells.extend(parts.iter().skip(after).copied());
    if cells.len() == n {
        Ok(cells)
    } else {
        Err(malformed())
    }
}

/// Parses `--query-gpu` CSV output into records.
///
/// If the first non-blank line is a header (`--format=csv`), its names name
/// the columns (units in brackets are dropped) and `fields` is ignored;
/// otherwise (`noheader`) `fields` names them and is required.
/// Blank and whitespace-only lines are skipped, CRLF is accepted.
pub fn parse_query_csv(
    text: &str,
    fields: Option<&[&str]>,
) -> Result<Vec<QueryRecord>, HardwareError> {
    let format = detect_format(text);
    if format == OutputFormat::Empty {
        return Ok(Vec::new());
    }
    if format != OutputFormat::QueryCsv {
        return Err(unsupported(format));
    }
    let mut columns: Option<Vec<String>> = None;
    let mut records = Vec::new();
    for (line_no, line) in logical_lines(text) {
        if NVIDIA_SMI_ERRORS.iter().any(|m| line.contains(m)) {
            return Err(HardwareError::NvidiaSmiReported {
                line: line_no,
                message: line.trim().to_string(),
            });
        }
        let cols = match &columns {
            Some(cols) => cols,
            None => {
                if looks_like_header(line) {
                    columns = Some(
                        line.split(',')
                            .map(|c| header_name(c).to_string())
                            .collect(),
                    );
                    continue;
                }
                let given = fields.ok_or(HardwareError::NoHeader { line: line_no })?;
                columns.insert(given.iter().map(|f| f.to_string()).collect())
            }
        };
        let cells = split_cells(line, line_no, cols)?;
        let values = cols
            .iter()
            .zip(cells)
            .map(|(c, v)| (c.clone(), normalize_value(v)))
            .collect();
        records.push(QueryRecord {
            line: line_no,
            values,
        });
    }
    Ok(records)
}

/// Parses a memory size in MiB: `81559` or `81559 MiB`.
pub fn parse_mib(value: &str) -> Option<u64> {
    let v = value.trim();
    let v = v.strip_suffix("MiB").unwrap_or(v).trim();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok()
}

fn parse_mig_mode(record: &QueryRecord) -> Result<MigMode, HardwareError> {
    match record.get("mig.mode.current") {
        None => Ok(MigMode::NotSupported),
        Some("Enabled") => Ok(MigMode::Enabled),
        Some("Disabled") => Ok(MigMode::Disabled),
        Some(other) => Err(HardwareError::InvalidValue {
            line: record.line,
            field: "mig.mode.current".into(),
            value: other.into(),
            reason: "expected Enabled, Disabled or [N/A]".into(),
        }),
    }
}

/// Builds a [`GpuInfo`] from a record. `uuid`, `name`, `memory.total`,
/// `driver_version` and `pci.bus_id` are required; a missing
/// `mig.mode.current` means [`MigMode::NotSupported`].
pub fn record_to_gpu(record: &QueryRecord) -> Result<GpuInfo, HardwareError> {
    let required = |field: &str| -> Result<String, HardwareError> {
        if !record.has(field) {
            return Err(HardwareError::MissingColumn {
                field: field.into(),
                columns: record.values.keys().cloned().collect::<Vec<_>>().join(","),
            });
        }
        record
            .get(field)
            .map(str::to_string)
            .ok_or_else(|| HardwareError::MissingValue {
                line: record.line,
                field: field.into(),
            })
    };
    let uuid = required("uuid")?;
    let name = required("name")?;
    let memory = required("memory.total")?;
    let memory_mib = parse_mib(&memory).ok_or_else(|| HardwareError::InvalidValue {
        line: record.line,
        field: "memory.total".into(),
        value: memory.clone(),
        reason: "expected a number of MiB".into(),
    })?;
    let index = match record.get("index") {
        None => None,
        Some(v) => Some(v.parse::<u32>().map_err(|_| HardwareError::InvalidValue {
            line: record.line,
            field: "index".into(),
            value: v.into(),
            reason: "expected a GPU index".into(),
        })?),
    };
    let gpu = GpuInfo {
        uuid,
        name,
        memory_mib,
        driver_version: required("driver_version")?,
        pci_bus_id: required("pci.bus_id")?,
        mig_mode: parse_mig_mode(record)?,
        serial: record.get("serial").map(str::to_string),
        compute_cap: record.get("compute_cap").map(str::to_string),
        pci_device_id: record.get("pci.device_id").map(str::to_string),
        index,
        mig_devices: Vec::new(),
    };
    super::validate_gpu(&gpu).map_err(|e| HardwareError::MalformedLine {
        line: record.line,
        reason: e.to_string(),
    })?;
    Ok(gpu)
}

/// Parses `--query-gpu` CSV output into a validated inventory (see
/// [`parse_query_csv`] for `fields`, [`record_to_gpu`] for what is required).
pub fn parse_gpu_csv(text: &str, fields: Option<&[&str]>) -> Result<Vec<GpuInfo>, HardwareError> {
    let gpus = parse_query_csv(text, fields)?
        .iter()
        .map(record_to_gpu)
        .collect::<Result<Vec<_>, _>>()?;
    validate_inventory(&gpus)?;
    Ok(gpus)
}

/// Parses output the agent may be handed by an operator: `--query-gpu` CSV
/// (header or, without one, columns [`AGENT_QUERY_FIELDS`]), or a full
/// `-q` / `-q -x` report (which must hold as many GPUs as it announces).
/// The default table view and `-L` are rejected with
/// [`HardwareError::UnsupportedFormat`].
pub fn parse_inventory(text: &str) -> Result<Vec<GpuInfo>, HardwareError> {
    match detect_format(text) {
        OutputFormat::QueryText => parse_query_text(text)?.into_inventory(),
        OutputFormat::QueryXml => parse_query_xml(text)?.into_inventory(),
        _ => parse_gpu_csv(text, Some(AGENT_QUERY_FIELDS)),
    }
}

/// One GPU of `nvidia-smi -L`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedGpu {
    pub index: u32,
    pub name: String,
    pub uuid: String,
    pub mig_devices: Vec<MigDevice>,
}

/// Parses `nvidia-smi -L`:
///
/// ```text
/// GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-…)
///   MIG 3g.40gb     Device  0: (UUID: MIG-…)
/// ```
pub fn parse_list(text: &str) -> Result<Vec<ListedGpu>, HardwareError> {
    let mut gpus: Vec<ListedGpu> = Vec::new();
    for (line_no, line) in logical_lines(text) {
        let malformed = |reason: &str| HardwareError::MalformedLine {
            line: line_no,
            reason: reason.to_string(),
        };
        if NVIDIA_SMI_ERRORS.iter().any(|m| line.contains(m)) {
            return Err(HardwareError::NvidiaSmiReported {
                line: line_no,
                message: line.trim().to_string(),
            });
        }
        let trimmed = line.trim();
        let (head, uuid) = trimmed
            .rsplit_once("(UUID: ")
            .and_then(|(h, u)| Some((h.trim_end(), u.strip_suffix(')')?.trim())))
            .ok_or_else(|| malformed("expected `... (UUID: <uuid>)`"))?;
        if uuid.is_empty() {
            return Err(malformed("empty UUID"));
        }
        if let Some(rest) = head.strip_prefix("GPU ") {
            let (index, name) = rest
                .split_once(':')
                .ok_or_else(|| malformed("expected `GPU <index>: <name>`"))?;
            let index = index
                .trim()
                .parse::<u32>()
                .map_err(|_| malformed("GPU index is not a number"))?;
            let name = name.trim();
            if name.is_empty() {
                return Err(malformed("empty GPU name"));
            }
            gpus.push(ListedGpu {
                index,
                name: name.to_string(),
                uuid: uuid.to_string(),
                mig_devices: Vec::new(),
            });
        } else if let Some(rest) = head.strip_prefix("MIG ") {
            // `<profile> Device <n>:`
            let rest = rest
                .trim_end()
                .strip_suffix(':')
                .ok_or_else(|| malformed("expected `MIG <profile> Device <n>:`"))?;
            let (profile, device) = rest
                .split_once("Device")
                .ok_or_else(|| malformed("expected `MIG <profile> Device <n>:`"))?;
            let profile = profile.trim();
            let index = device
                .trim()
                .parse::<u32>()
                .map_err(|_| malformed("MIG device index is not a number"))?;
            if profile.is_empty() {
                return Err(malformed("empty MIG profile"));
            }
            let gpu = gpus
                .last_mut()
                .ok_or_else(|| malformed("MIG device before any GPU"))?;
            gpu.mig_devices.push(MigDevice {
                profile: profile.to_string(),
                index,
                uuid: uuid.to_string(),
            });
        } else {
            return Err(malformed("expected a `GPU` or `MIG` line"));
        }
    }
    Ok(gpus)
}

/// Copies the MIG instances of `listed` (from `nvidia-smi -L`) onto the GPUs
/// with the same uuid whose MIG mode is enabled.
pub fn merge_mig_devices(gpus: &mut [GpuInfo], listed: &[ListedGpu]) {
    for gpu in gpus.iter_mut().filter(|g| g.mig_mode == MigMode::Enabled) {
        if let Some(l) = listed.iter().find(|l| l.uuid == gpu.uuid) {
            gpu.mig_devices = l.mig_devices.clone();
        }
    }
}

/// Runs `nvidia-smi` on the host and parses its output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandSource {
    /// The nvidia-smi executable (a path, or a name looked up in `PATH`).
    pub program: PathBuf,
    /// How long one nvidia-smi run may take before it is killed.
    pub timeout: Duration,
    /// Whether to run `nvidia-smi -L` to list MIG instances of MIG-enabled GPUs.
    pub list_mig_devices: bool,
}

impl Default for CommandSource {
    fn default() -> Self {
        Self {
            program: PathBuf::from("nvidia-smi"),
            timeout: Duration::from_secs(30),
            list_mig_devices: true,
        }
    }
}

impl CommandSource {
    pub fn new(program: impl Into<PathBuf>) -> Self {
        Self {
            program: program.into(),
            ..Self::default()
        }
    }

    /// Runs the program with `args`; stdout on success.
    fn run(&self, args: &[String]) -> Result<String, HardwareError> {
        let program = self.program.display().to_string();
        let mut child = Command::new(&self.program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| HardwareError::Spawn {
                program: program.clone(),
                source,
            })?;
        // Drain both pipes on threads so a chatty child cannot block.
        let drain = |pipe: Option<Box<dyn Read + Send>>| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                if let Some(mut p) = pipe {
                    let _ = p.read_to_end(&mut buf);
                }
                buf
            })
        };
        let out = drain(
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        );
        let err = drain(
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        );
        let started = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if started.elapsed() >= self.timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(HardwareError::Timeout {
                        program,
                        timeout_ms: self.timeout.as_millis(),
                    });
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(source) => return Err(HardwareError::Spawn { program, source }),
            }
        };
        let stdout = out.join().unwrap_or_default();
        let stderr = err.join().unwrap_or_default();
        if !status.success() {
            let mut output = String::from_utf8_lossy(&stdout).trim().to_string();
            let stderr = String::from_utf8_lossy(&stderr);
            if !stderr.trim().is_empty() {
                if !output.is_empty() {
                    output.push_str(" / ");
                }
                output.push_str(stderr.trim());
            }
            return Err(HardwareError::CommandFailed {
                program,
                status: status.to_string(),
                output,
            });
        }
        String::from_utf8(stdout).map_err(|_| HardwareError::NotUtf8 {
            what: format!("output of {program}"),
        })
    }

    fn query(&self, fields: &[&str]) -> Result<Vec<GpuInfo>, HardwareError> {
        let text = self.run(&query_args(fields))?;
        parse_gpu_csv(&text, Some(fields))
    }
}

fn rejects_a_field(err: &HardwareError) -> bool {
    let text = match err {
        HardwareError::CommandFailed { output, .. } => output.as_str(),
        HardwareError::NvidiaSmiReported { message, .. } => message.as_str(),
        _ => return false,
    };
    text.contains("is not a valid field")
}

impl HardwareSource for CommandSource {
    fn read(&self) -> Result<Vec<GpuInfo>, HardwareError> {
        let mut gpus = match self.query(AGENT_QUERY_FIELDS) {
            Err(e) if rejects_a_field(&e) => self.query(AGENT_QUERY_FIELDS_MINIMAL)?,
            other => other?,
        };
        if self.list_mig_devices && gpus.iter().any(|g| g.mig_mode == MigMode::Enabled) {
            let listed = parse_list(&self.run(&["-L".to_string()])?)?;
            merge_mig_devices(&mut gpus, &listed);
        }
        Ok(gpus)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LINE: &str = "0, GPU-0d0, 00000000:00:09.0, 81559, 590.48.01, Disabled, 1650924060039, 9.0, 0x233010DE, NVIDIA H100 80GB HBM3";

    #[test]
    fn should_parse_agent_query_when_noheader_nounits() {
        let gpus = parse_inventory(LINE).unwrap();
        assert_eq!(
            gpus,
            vec![GpuInfo {
                uuid: "GPU-0d0".into(),
                name: "NVIDIA H100 80GB HBM3".into(),
                memory_mib: 81559,
                driver_version: "590.48.01".into(),
                pci_bus_id: "00000000:00:09.0".into(),
                mig_mode: MigMode::Disabled,
                serial: Some("1650924060039".into()),
                compute_cap: Some("9.0".into()),
                pci_device_id: Some("0x233010DE".into()),
                index: Some(0),
                mig_devices: vec![],
            }]
        );
    }

    #[test]
    fn should_parse_when_units_crlf_and_blank_lines_are_present() {
        let text = format!(
            "\r\n{}\r\n   \r\n{}\r\n",
            LINE.replace("81559", "81559 MiB"),
            LINE.replace("GPU-0d0", "GPU-0d1").replacen("0, ", "1, ", 1)
        );
        let gpus = parse_inventory(&text).unwrap();
        assert_eq!(gpus.len(), 2);
        assert_eq!(gpus[0].memory_mib, 81559);
        assert_eq!(gpus[1].uuid, "GPU-0d1");
        assert_eq!(gpus[1].index, Some(1));
        assert_eq!(gpus[1].name, "NVIDIA H100 80GB HBM3");
    }

    #[test]
    fn should_map_missing_markers_to_none_when_optional() {
        let line =
            "0, GPU-a, 00000000:01:00.0, 46068, 595.80, [N/A], [Not Supported], N/A, , NVIDIA L40S";
        let gpu = &parse_inventory(line).unwrap()[0];
        assert_eq!(gpu.mig_mode, MigMode::NotSupported);
        assert_eq!(gpu.serial, None);
        assert_eq!(gpu.compute_cap, None);
        assert_eq!(gpu.pci_device_id, None);
    }

    #[test]
    fn should_keep_commas_in_name_when_name_is_last_or_middle() {
        let line = LINE.replace("NVIDIA H100 80GB HBM3", "Odd, Name, GPU");
        assert_eq!(parse_inventory(&line).unwrap()[0].name, "Odd, Name, GPU");
        let text = "uuid, name, memory.total [MiB], driver_version, pci.bus_id\nGPU-1, A, B, 100 MiB, 1.0, 0:1\n";
        let gpu = &parse_gpu_csv(text, None).unwrap()[0];
        assert_eq!(gpu.name, "A, B");
        assert_eq!(gpu.memory_mib, 100);
        assert_eq!(gpu.pci_bus_id, "0:1");
    }

    #[test]
    fn should_report_line_number_when_a_line_is_malformed() {
        let text = format!("{LINE}\n\n0, GPU-x, 1\n");
        let err = parse_inventory(&text).unwrap_err();
        assert!(
            matches!(err, HardwareError::MalformedLine { line: 3, .. }),
            "{err}"
        );
        assert!(err
            .to_string()
            .starts_with("line 3: expected 10 comma-separated values"));
    }

    #[test]
    fn should_reject_values_when_they_are_invalid() {
        let cases = [
            (LINE.replace("81559", "80 GiB"), "memory.total"),
            (LINE.replace("81559", "-1"), "memory.total"),
            (
                LINE.replace("81559", "99999999999999999999999"),
                "memory.total",
            ),
            (LINE.replace("Disabled", "Pending"), "mig.mode.current"),
            (LINE.replacen("0, ", "x, ", 1), "index"),
        ];
        for (text, field) in cases {
            match parse_inventory(&text).unwrap_err() {
                HardwareError::InvalidValue {
                    line: 1, field: f, ..
                } => assert_eq!(f, field),
                e => panic!("{text}: {e}"),
            }
        }
        let no_uuid = LINE.replace("GPU-0d0", "[N/A]");
        assert!(matches!(
            parse_inventory(&no_uuid).unwrap_err(),
            HardwareError::MissingValue { line: 1, ref field } if field == "uuid"
        ));
        let zero = LINE.replace("81559", "0");
        assert!(matches!(
            parse_inventory(&zero).unwrap_err(),
            HardwareError::MalformedLine { line: 1, .. }
        ));
        let dup = format!("{LINE}\n{LINE}");
        assert!(matches!(
            parse_inventory(&dup).unwrap_err(),
            HardwareError::DuplicateUuid { .. }
        ));
    }

    #[test]
    fn should_report_nvidia_smi_errors_when_printed_instead_of_data() {
        for msg in [
            "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.",
            "No devices were found",
            "Field \"compute_cap\" is not a valid field to query.",
        ] {
            let err = parse_inventory(msg).unwrap_err();
            assert!(
                matches!(err, HardwareError::NvidiaSmiReported { line: 1, .. }),
                "{err}"
            );
        }
    }

    #[test]
    fn should_need_field_list_when_csv_has_no_header() {
        assert!(matches!(
            parse_query_csv("NVIDIA H100 NVL, 0x232110DE", None).unwrap_err(),
            HardwareError::NoHeader { line: 1 }
        ));
        assert!(parse_query_csv("  \n\r\n", None).unwrap().is_empty());
        assert!(parse_inventory("").unwrap().is_empty());
    }

    #[test]
    fn should_build_query_args_when_given_fields() {
        assert_eq!(
            query_args(AGENT_QUERY_FIELDS),
            vec![
                "--query-gpu=index,uuid,pci.bus_id,memory.total,driver_version,mig.mode.current,serial,compute_cap,pci.device_id,name".to_string(),
                "--format=csv,noheader,nounits".to_string(),
            ]
        );
        assert_eq!(AGENT_QUERY_FIELDS.last(), Some(&"name"));
        assert_eq!(AGENT_QUERY_FIELDS_MINIMAL.last(), Some(&"name"));
    }

    #[test]
    fn should_parse_mib_when_units_are_present_or_absent() {
        assert_eq!(parse_mib("81559"), Some(81559));
        assert_eq!(parse_mib(" 81559 MiB "), Some(81559));
        assert_eq!(parse_mib("81559MiB"), Some(81559));
        for bad in ["", "MiB", "1.5", "+1", "80 GiB", "1 MiB MiB"] {
            assert_eq!(parse_mib(bad), None, "{bad}");
        }
    }

    #[test]
    fn should_reject_list_when_lines_are_malformed() {
        for (text, line) in [
            ("GPU 0: X (UUID: GPU-1)\nbogus", 2),
            ("  MIG 1g.10gb Device 0: (UUID: MIG-1)", 1),
            ("GPU x: X (UUID: GPU-1)", 1),
            ("GPU 0: X (UUID: )", 1),
            ("GPU 0:  (UUID: GPU-1)", 1),
            ("GPU 0: X (UUID: GPU-1)\n  MIG Device 0: (UUID: MIG-1)", 2),
            (
                "GPU 0: X (UUID: GPU-1)\n  MIG 1g Device z: (UUID: MIG-1)",
                2,
            ),
        ] {
            match parse_list(text).unwrap_err() {
                HardwareError::MalformedLine { line: l, .. } => assert_eq!(l, line, "{text}"),
                e => panic!("{text}: {e}"),
            }
        }
    }

    #[test]
    fn should_run_command_and_parse_when_program_prints_csv() {
        let _guard = SCRIPTS.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("fake-smi");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nif [ \"$1\" = -L ]; then echo 'GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-0d0)'; echo '  MIG 7g.80gb Device 0: (UUID: MIG-1)'; exit 0; fi\necho '{}'\n",
                LINE.replace("Disabled", "Enabled")
            ),
        )
        .unwrap();
        make_executable(&script);
        let gpus = CommandSource::new(&script).read().unwrap();
        assert_eq!(gpus.len(), 1);
        assert_eq!(gpus[0].mig_mode, MigMode::Enabled);
        assert_eq!(
            gpus[0].mig_devices,
            vec![MigDevice {
                profile: "7g.80gb".into(),
                index: 0,
                uuid: "MIG-1".into()
            }]
        );
    }

    #[test]
    fn should_fall_back_to_minimal_fields_when_driver_rejects_a_field() {
        let _guard = SCRIPTS.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("old-smi");
        std::fs::write(
            &script,
            "#!/bin/sh\ncase \"$1\" in *compute_cap*) echo 'Field \"compute_cap\" is not a valid field to query.'; exit 2;; esac\necho '0, GPU-1, 00000000:04:00.0, 32510, 418.67, [N/A], Tesla V100-SXM2-32GB'\n",
        )
        .unwrap();
        make_executable(&script);
        let gpus = CommandSource::new(&script).read().unwrap();
        assert_eq!(gpus[0].name, "Tesla V100-SXM2-32GB");
        assert_eq!(gpus[0].mig_mode, MigMode::NotSupported);
        assert_eq!(gpus[0].compute_cap, None);
        assert_eq!(gpus[0].serial, None);
    }

    #[test]
    fn should_fail_when_command_is_missing_fails_or_hangs() {
        let _guard = SCRIPTS.lock().unwrap_or_else(|e| e.into_inner());
        let err = CommandSource::new("/nonexistent/nvidia-smi")
            .read()
            .unwrap_err();
        assert!(matches!(err, HardwareError::Spawn { .. }), "{err}");

        let dir = tempfile::tempdir().unwrap();
        let failing = dir.path().join("failing");
        std::fs::write(&failing, "#!/bin/sh\necho 'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.'\nexit 9\n").unwrap();
        make_executable(&failing);
        let err = CommandSource::new(&failing).read().unwrap_err();
        match err {
            HardwareError::CommandFailed { output, .. } => {
                assert!(output.contains("NVIDIA-SMI has failed"))
            }
            e => panic!("{e}"),
        }

        let hanging = dir.path().join("hanging");
        std::fs::write(&hanging, "#!/bin/sh\nexec sleep 10\n").unwrap();
        make_executable(&hanging);
        let source = CommandSource {
            timeout: Duration::from_millis(200),
            ..CommandSource::new(&hanging)
        };
        assert!(matches!(
            source.read().unwrap_err(),
            HardwareError::Timeout { .. }
        ));
    }

    /// Scripts are written and run under this lock: a fork by another test
    /// while a script is open for writing would make its exec fail (ETXTBSY).
    static SCRIPTS: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn make_executable(path: &std::path::Path) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    proptest! {
        #[test]
        fn should_never_panic_when_input_is_arbitrary(s in "\\PC*") {
            let _ = detect_format(&s);
            let _ = parse_query_csv(&s, None);
            let _ = parse_query_csv(&s, Some(AGENT_QUERY_FIELDS));
            let _ = parse_inventory(&s);
            let _ = parse_list(&s);
        }

        #[test]
        fn should_never_panic_when_input_is_csv_like(
            cells in proptest::collection::vec("[ ,A-Za-z0-9\\[\\]/.:-]{0,12}", 0..14),
            lines in 1usize..4,
        ) {
            let line = cells.join(",");
            let text = vec![line; lines].join("\r\n");
            let _ = parse_inventory(&text);
            let _ = parse_query_csv(&format!("uuid, name, memory.total [MiB]\n{text}"), None);
            let _ = parse_list(&text);
        }

        #[test]
        fn should_round_trip_when_rendering_valid_gpus(
            n in 1usize..9,
            mem in 1u64..1_000_000,
            name in "[A-Za-z0-9 ,-]{1,30}",
            mig in 0u8..3,
        ) {
            let name = name.trim().to_string();
            prop_assume!(!name.is_empty() && !name.starts_with(',') && !name.ends_with(','));
            prop_assume!(name.split(',').all(|p| !p.trim().is_empty()));
            let mig_text = ["Enabled", "Disabled", "[N/A]"][usize::from(mig)];
            let text: String = (0..n)
                .map(|i| format!("{i}, GPU-{i:04}, 00000000:{i:02}:00.0, {mem} MiB, 550.54.14, {mig_text}, [N/A], 9.0, 0x233010DE, {name}\n"))
                .collect();
            let gpus = parse_inventory(&text).unwrap();
            prop_assert_eq!(gpus.len(), n);
            for (i, g) in gpus.iter().enumerate() {
                prop_assert_eq!(&g.uuid, &format!("GPU-{i:04}"));
                prop_assert_eq!(&g.name, &name);
                prop_assert_eq!(g.memory_mib, mem);
                prop_assert_eq!(g.is_leasable(), mig != 0);
            }
        }
    }
}

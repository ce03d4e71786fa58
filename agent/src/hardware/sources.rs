//! Sources that do not touch the GPU: a JSON inventory file and a fixed list.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{validate_inventory, GpuInfo, HardwareError, HardwareSource};

/// The JSON inventory file schema. Either a bare array of [`GpuInfo`] or an
/// object `{"gpus": [...]}` (what `gpuchain-agent inventory` prints):
///
/// ```json
/// {"gpus": [{"uuid": "GPU-…", "name": "NVIDIA H100 80GB HBM3", "memory_mib": 81559,
///            "driver_version": "590.48.01", "pci_bus_id": "00000000:00:09.0",
///            "mig_mode": "disabled", "serial": "1650924060039", "compute_cap": "9.0"}]}
/// ```
///
/// `mig_mode` is `enabled`, `disabled` or `not_supported`; `serial`,
/// `compute_cap`, `pci_device_id`, `index` and `mig_devices` may be left out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventoryFile {
    pub gpus: Vec<GpuInfo>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum InventoryJson {
    Object(InventoryFile),
    List(Vec<GpuInfo>),
}

impl InventoryFile {
    /// Decodes either accepted shape and validates the inventory.
    pub fn parse(json: &str, path: &Path) -> Result<Vec<GpuInfo>, HardwareError> {
        // Decode the two shapes separately so the error names the real problem.
        let trimmed = json.trim_start();
        let gpus = if trimmed.starts_with('[') {
            serde_json::from_str::<Vec<GpuInfo>>(json)
        } else if trimmed.starts_with('{') {
            serde_json::from_str::<InventoryFile>(json).map(|f| f.gpus)
        } else {
            serde_json::from_str::<InventoryJson>(json).map(|v| match v {
                InventoryJson::Object(f) => f.gpus,
                InventoryJson::List(l) => l,
            })
        }
        .map_err(|e| HardwareError::Json {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        validate_inventory(&gpus)?;
        Ok(gpus)
    }
}

/// Reads the inventory from a JSON file (schema: [`InventoryFile`]) on every
/// [`HardwareSource::read`], so a simulation can change the file under a
/// running agent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonFileSource {
    pub path: PathBuf,
}

impl JsonFileSource {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }
}

impl HardwareSource for JsonFileSource {
    fn read(&self) -> Result<Vec<GpuInfo>, HardwareError> {
        let text = std::fs::read_to_string(&self.path).map_err(|source| HardwareError::Io {
            path: self.path.clone(),
            source,
        })?;
        InventoryFile::parse(&text, &self.path)
    }
}

/// A fixed inventory, returned as given (not validated), for tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StaticSource {
    pub gpus: Vec<GpuInfo>,
}

impl StaticSource {
    pub fn new(gpus: Vec<GpuInfo>) -> Self {
        Self { gpus }
    }
}

impl HardwareSource for StaticSource {
    fn read(&self) -> Result<Vec<GpuInfo>, HardwareError> {
        Ok(self.gpus.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hardware::{sample_gpu, MigMode};

    fn write(contents: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), contents).unwrap();
        f
    }

    #[test]
    fn should_read_both_json_shapes_when_file_is_valid() {
        let gpus = vec![sample_gpu("GPU-1"), sample_gpu("GPU-2")];
        let list = write(&serde_json::to_string(&gpus).unwrap());
        let obj = write(&serde_json::to_string(&InventoryFile { gpus: gpus.clone() }).unwrap());
        assert_eq!(JsonFileSource::new(list.path()).read().unwrap(), gpus);
        assert_eq!(JsonFileSource::new(obj.path()).read().unwrap(), gpus);
    }

    #[test]
    fn should_default_optional_fields_when_json_omits_them() {
        let f = write(
            r#"{"gpus":[{"uuid":"GPU-a","name":"NVIDIA L40S","memory_mib":46068,
            "driver_version":"595.80","pci_bus_id":"00000000:01:00.0","mig_mode":"not_supported"}]}"#,
        );
        let gpus = JsonFileSource::new(f.path()).read().unwrap();
        assert_eq!(gpus.len(), 1);
        assert_eq!(gpus[0].memory_mib, 46068);
        assert_eq!(gpus[0].mig_mode, MigMode::NotSupported);
        assert_eq!(gpus[0].serial, None);
        assert!(gpus[0].mig_devices.is_empty());
    }

    #[test]
    fn should_fail_when_json_file_is_missing_or_bad() {
        let err = JsonFileSource::new("/nonexistent/inventory.json")
            .read()
            .unwrap_err();
        assert!(matches!(err, HardwareError::Io { .. }), "{err}");

        for bad in [
            "",
            "nope",
            r#"{"gpus":[{"uuid":"GPU-a"}]}"#,
            r#"{"gpus":[], "extra": 1}"#,
            r#"[{"uuid":"GPU-a","name":"x","memory_mib":-1,"driver_version":"1","pci_bus_id":"b","mig_mode":"disabled"}]"#,
            r#"[{"uuid":"GPU-a","name":"x","memory_mib":1,"driver_version":"1","pci_bus_id":"b","mig_mode":"maybe"}]"#,
        ] {
            let f = write(bad);
            let err = JsonFileSource::new(f.path()).read().unwrap_err();
            assert!(matches!(err, HardwareError::Json { .. }), "{bad}: {err}");
        }

        let dup =
            write(&serde_json::to_string(&vec![sample_gpu("GPU-1"), sample_gpu("GPU-1")]).unwrap());
        let err = JsonFileSource::new(dup.path()).read().unwrap_err();
        assert!(matches!(err, HardwareError::DuplicateUuid { .. }), "{err}");
    }

    #[test]
    fn should_return_given_gpus_when_source_is_static() {
        let gpus = vec![sample_gpu("GPU-1")];
        assert_eq!(StaticSource::new(gpus.clone()).read().unwrap(), gpus);
        assert!(StaticSource::default().read().unwrap().is_empty());
    }
}

//! What the agent knows about the GPUs of its host, and where it reads it.
//!
//! - [`GpuInfo`] is one physical GPU as the agent reports it on-chain (the
//!   `gpus[]` of `MsgSubmitInventory`, see `spec/attestation.md`, "L0").
//! - [`HardwareSource`] is anything that yields the host's GPUs:
//!   [`nvidia_smi::CommandSource`] (runs `nvidia-smi --query-gpu`),
//!   [`JsonFileSource`] (a JSON inventory file, for tests and simulation) and
//!   [`StaticSource`] (a fixed list, for tests).
//! - Every source returns an inventory that passed [`validate_inventory`]
//!   (except [`StaticSource`], which returns exactly what it was given).

pub mod nvidia_smi;
mod nvidia_smi_q;
mod sources;

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use sources::{InventoryFile, JsonFileSource, StaticSource};

/// Whether a GPU is partitioned with Multi-Instance GPU.
///
/// Wave 1 leases whole GPUs only: a GPU whose MIG mode is
/// [`MigMode::Enabled`] is reported but is not leasable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MigMode {
    /// MIG is on (`mig.mode.current` = `Enabled`).
    Enabled,
    /// MIG is supported and off.
    Disabled,
    /// The GPU or driver has no MIG (`[N/A]`, or a driver too old to know the field).
    NotSupported,
}

/// One MIG instance of a GPU, as `nvidia-smi -L` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigDevice {
    /// Profile name, e.g. `1g.10gb` or `1c.3g.71gb`.
    pub profile: String,
    /// The MIG device index within its GPU.
    pub index: u32,
    /// `MIG-...` uuid (older drivers: `MIG-GPU-<gpu uuid>/<gi>/<ci>`).
    pub uuid: String,
}

/// One physical GPU as the agent reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuInfo {
    /// `GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`: unique chain-wide.
    pub uuid: String,
    /// The name the driver reports (NVML), e.g. `NVIDIA H100 80GB HBM3`.
    pub name: String,
    /// Total framebuffer memory in MiB (`memory.total`), e.g. 81559 for an H100 SXM.
    pub memory_mib: u64,
    /// Driver version, e.g. `590.48.01` (two parts on some drivers: `595.80`).
    pub driver_version: String,
    /// PCI bus id, e.g. `00000000:00:09.0`.
    pub pci_bus_id: String,
    /// Current MIG mode.
    pub mig_mode: MigMode,
    /// Board serial number, when the board has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// CUDA compute capability, e.g. `9.0`, when the driver reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute_cap: Option<String>,
    /// PCI device id with vendor, e.g. `0x233010DE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pci_device_id: Option<String>,
    /// nvidia-smi's index of the GPU on this host (not stable across reboots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
    /// The GPU's MIG instances, when MIG is enabled and they were listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mig_devices: Vec<MigDevice>,
}

impl GpuInfo {
    /// Whether the GPU may be offered as a whole-GPU lease (wave 1: not in MIG mode).
    pub fn is_leasable(&self) -> bool {
        !self.mig_enabled()
    }

    /// Whether MIG is on: the `mig_mode` bool of the chain's `GpuReport`
    /// (`gpuchain.attestation.v1`).
    pub fn mig_enabled(&self) -> bool {
        self.mig_mode == MigMode::Enabled
    }
}

/// Anything that can tell the agent which GPUs its host has.
pub trait HardwareSource {
    /// Reads the host's GPUs now.
    fn read(&self) -> Result<Vec<GpuInfo>, HardwareError>;
}

impl<T: HardwareSource + ?Sized> HardwareSource for Box<T> {
    fn read(&self) -> Result<Vec<GpuInfo>, HardwareError> {
        (**self).read()
    }
}

/// Why the hardware could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HardwareError {
    /// A line of nvidia-smi output could not be parsed.
    #[error("line {line}: {reason}")]
    MalformedLine { line: usize, reason: String },
    /// A value had the wrong shape (e.g. `memory.total` not a number of MiB).
    #[error("line {line}: field `{field}`: invalid value {value:?}: {reason}")]
    InvalidValue {
        line: usize,
        field: String,
        value: String,
        reason: String,
    },
    /// A field the inventory needs is not among the CSV columns.
    #[error("the output has no `{field}` column (columns: {columns})")]
    MissingColumn { field: String, columns: String },
    /// A field the inventory needs is `[N/A]`/empty for a GPU.
    #[error("line {line}: field `{field}` has no value")]
    MissingValue { line: usize, field: String },
    /// CSV without a header and no field list to name its columns.
    #[error("line {line}: no header line, and no field list was given to name the columns")]
    NoHeader { line: usize },
    /// The output is nvidia-smi output, but not in a format this parser reads.
    #[error("unsupported nvidia-smi output format ({format}): {hint}")]
    UnsupportedFormat { format: &'static str, hint: String },
    /// A `-q` report holds fewer (or more) GPU sections than it announces.
    #[error("the report announces {announced} attached GPUs but holds {found} GPU sections (truncated output?)")]
    Truncated { announced: u32, found: usize },
    /// nvidia-smi printed an error message instead of data.
    #[error("line {line}: nvidia-smi reported an error: {message}")]
    NvidiaSmiReported { line: usize, message: String },
    /// nvidia-smi could not be started or waited for.
    #[error("could not run {program}: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    /// nvidia-smi exited with a failure status.
    #[error("{program} exited with {status}: {output}")]
    CommandFailed {
        program: String,
        status: String,
        output: String,
    },
    /// nvidia-smi did not finish in time (it was killed).
    #[error("{program} did not finish within {timeout_ms} ms")]
    Timeout { program: String, timeout_ms: u128 },
    /// Output that is not UTF-8.
    #[error("{what} is not valid UTF-8")]
    NotUtf8 { what: String },
    /// A file could not be read.
    #[error("could not read {path}: {source}", path = path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A JSON inventory file could not be decoded.
    #[error("invalid JSON inventory {path}: {reason}", path = path.display())]
    Json { path: PathBuf, reason: String },
    /// The inventory lists one GPU uuid twice.
    #[error("GPU uuid {uuid} is listed twice")]
    DuplicateUuid { uuid: String },
    /// A GPU's fields are not acceptable (see [`validate_gpu`]).
    #[error("GPU {uuid:?}: {reason}")]
    InvalidGpu { uuid: String, reason: String },
}

/// Longest accepted uuid (bytes), as the chain's `MsgSubmitInventory` check.
pub const MAX_UUID_LEN: usize = 96;
/// Longest accepted GPU name (bytes), as the chain's check.
pub const MAX_NAME_LEN: usize = 128;
/// Longest accepted driver version and PCI bus id (bytes), as the chain's check.
pub const MAX_DRIVER_FIELD_LEN: usize = 64;
/// Longest accepted serial, compute capability, PCI device id (bytes).
pub const MAX_FIELD_LEN: usize = 128;

/// Checks one GPU so that the chain's stateless check of
/// `MsgSubmitInventory` accepts it: a `GPU-` uuid of at most
/// [`MAX_UUID_LEN`] bytes of `[A-Za-z0-9-_.:]`; a name, driver version and
/// bus id that are non-empty, within their limits and free of control
/// characters; memory > 0; MIG devices only when MIG is enabled.
pub fn validate_gpu(gpu: &GpuInfo) -> Result<(), HardwareError> {
    let bad = |reason: String| HardwareError::InvalidGpu {
        uuid: gpu.uuid.clone(),
        reason,
    };
    if !gpu.uuid.starts_with("GPU-") || gpu.uuid.len() <= 4 {
        return Err(bad("uuid must start with `GPU-`".into()));
    }
    if gpu.uuid.len() > MAX_UUID_LEN
        || !gpu
            .uuid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
    {
        return Err(bad(format!(
            "uuid must be at most {MAX_UUID_LEN} bytes of [A-Za-z0-9-_.:]"
        )));
    }
    let required = [
        ("name", gpu.name.as_str(), MAX_NAME_LEN),
        (
            "driver_version",
            gpu.driver_version.as_str(),
            MAX_DRIVER_FIELD_LEN,
        ),
        ("pci_bus_id", gpu.pci_bus_id.as_str(), MAX_DRIVER_FIELD_LEN),
    ];
    for (field, value, max) in required {
        check_text(field, value, max).map_err(bad)?;
    }
    let optional = [
        ("serial", gpu.serial.as_deref()),
        ("compute_cap", gpu.compute_cap.as_deref()),
        ("pci_device_id", gpu.pci_device_id.as_deref()),
    ];
    for (field, value) in optional {
        if let Some(value) = value {
            check_text(field, value, MAX_FIELD_LEN).map_err(bad)?;
        }
    }
    if gpu.memory_mib == 0 {
        return Err(bad("memory_mib is 0".into()));
    }
    if !gpu.mig_devices.is_empty() && gpu.mig_mode != MigMode::Enabled {
        return Err(bad("lists MIG devices but MIG mode is not enabled".into()));
    }
    Ok(())
}

fn check_text(field: &str, value: &str, max: usize) -> Result<(), String> {
    if value.trim().is_empty() {
        return Err(format!("{field} is empty"));
    }
    if value.len() > max {
        return Err(format!("{field} is longer than {max} bytes"));
    }
    if value.chars().any(char::is_control) {
        return Err(format!("{field} contains control characters"));
    }
    Ok(())
}

/// Checks every GPU ([`validate_gpu`]) and that no uuid appears twice.
pub fn validate_inventory(gpus: &[GpuInfo]) -> Result<(), HardwareError> {
    let mut seen = BTreeSet::new();
    for gpu in gpus {
        validate_gpu(gpu)?;
        if !seen.insert(gpu.uuid.as_str()) {
            return Err(HardwareError::DuplicateUuid {
                uuid: gpu.uuid.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) fn sample_gpu(uuid: &str) -> GpuInfo {
    GpuInfo {
        uuid: uuid.into(),
        name: "NVIDIA H100 80GB HBM3".into(),
        memory_mib: 81559,
        driver_version: "590.48.01".into(),
        pci_bus_id: "00000000:00:09.0".into(),
        mig_mode: MigMode::Disabled,
        serial: None,
        compute_cap: Some("9.0".into()),
        pci_device_id: None,
        index: Some(0),
        mig_devices: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_accept_inventory_when_gpus_are_valid_and_distinct() {
        let gpus = vec![sample_gpu("GPU-1"), sample_gpu("GPU-2")];
        assert!(validate_inventory(&gpus).is_ok());
        assert!(validate_inventory(&[]).is_ok());
    }

    #[test]
    fn should_reject_inventory_when_uuid_is_listed_twice() {
        let gpus = vec![sample_gpu("GPU-1"), sample_gpu("GPU-1")];
        let err = validate_inventory(&gpus).unwrap_err();
        assert!(matches!(err, HardwareError::DuplicateUuid { ref uuid } if uuid == "GPU-1"));
    }

    #[test]
    fn should_reject_gpu_when_a_field_is_bad() {
        type Mutate = fn(&mut GpuInfo);
        let cases: Vec<(Mutate, &str)> = vec![
            (|g| g.uuid = "MIG-1".into(), "uuid must start with `GPU-`"),
            (|g| g.uuid = "GPU-".into(), "uuid must start with `GPU-`"),
            (
                |g| g.uuid = "GPU-a b".into(),
                "uuid must be at most 96 bytes of",
            ),
            (
                |g| g.uuid = "GPU-a/b".into(),
                "uuid must be at most 96 bytes of",
            ),
            (
                |g| g.uuid = format!("GPU-{}", "a".repeat(93)),
                "uuid must be at most 96",
            ),
            (
                |g| g.driver_version = "1".repeat(65),
                "driver_version is longer than 64",
            ),
            (
                |g| g.pci_bus_id = "1".repeat(65),
                "pci_bus_id is longer than 64",
            ),
            (
                |g| g.compute_cap = Some("\u{7}".into()),
                "compute_cap contains control",
            ),
            (|g| g.name = "  ".into(), "name is empty"),
            (
                |g| g.driver_version = String::new(),
                "driver_version is empty",
            ),
            (
                |g| g.pci_bus_id = "x\n".into(),
                "pci_bus_id contains control",
            ),
            (|g| g.name = "n".repeat(129), "name is longer than 128"),
            (|g| g.serial = Some(String::new()), "serial is empty"),
            (|g| g.memory_mib = 0, "memory_mib is 0"),
            (
                |g| {
                    g.mig_devices = vec![MigDevice {
                        profile: "1g.10gb".into(),
                        index: 0,
                        uuid: "MIG-1".into(),
                    }]
                },
                "lists MIG devices but MIG mode is not enabled",
            ),
        ];
        for (mutate, want) in cases {
            let mut gpu = sample_gpu("GPU-1");
            mutate(&mut gpu);
            let err = validate_gpu(&gpu).unwrap_err().to_string();
            assert!(err.contains(want), "{err} does not contain {want}");
        }
    }

    #[test]
    fn should_accept_gpu_when_fields_are_at_their_limits() {
        let mut gpu = sample_gpu(&format!("GPU-{}", "a".repeat(92)));
        gpu.name = "n".repeat(128);
        gpu.driver_version = "1".repeat(64);
        gpu.pci_bus_id = "0".repeat(64);
        gpu.serial = Some("s".repeat(128));
        assert!(validate_gpu(&gpu).is_ok());
        gpu.uuid = "GPU-0d0:_.-Ab".into();
        assert!(validate_gpu(&gpu).is_ok());
    }

    #[test]
    fn should_not_be_leasable_when_mig_is_enabled() {
        let mut gpu = sample_gpu("GPU-1");
        assert!(gpu.is_leasable());
        gpu.mig_mode = MigMode::NotSupported;
        assert!(gpu.is_leasable());
        gpu.mig_mode = MigMode::Enabled;
        assert!(!gpu.is_leasable());
    }

    #[test]
    fn should_serialize_mig_mode_in_snake_case() {
        let s =
            serde_json::to_string(&[MigMode::Enabled, MigMode::Disabled, MigMode::NotSupported])
                .unwrap();
        assert_eq!(s, r#"["enabled","disabled","not_supported"]"#);
    }
}

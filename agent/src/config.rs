//! The agent's TOML configuration file (documented example:
//! `agent/config.example.toml`).
//!
//! [`AgentConfig::from_toml_str`] / [`AgentConfig::load`] parse and
//! [`AgentConfig::validate`] the file; unknown keys are errors (a typo must
//! not silently fall back to a default).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use crate::daemon::challenges::{ChallengeMode, SolverKind};
use crate::hardware::nvidia_smi::CommandSource;
use crate::hardware::{HardwareSource, JsonFileSource};

/// Default CometBFT RPC endpoint.
pub const DEFAULT_RPC_URL: &str = "http://127.0.0.1:26657";
/// Default Prometheus metrics listen address.
pub const DEFAULT_METRICS_LISTEN: &str = "127.0.0.1:9464";
/// Default seconds between inventory checks.
pub const DEFAULT_REPORT_INTERVAL_SECS: u64 = 300;
/// Shortest accepted report interval.
pub const MIN_REPORT_INTERVAL_SECS: u64 = 10;
/// Longest accepted report interval (one day).
pub const MAX_REPORT_INTERVAL_SECS: u64 = 86_400;
/// Default gas price of the agent's transactions.
pub const DEFAULT_GAS_PRICES: &str = "0.0025ugpc";
/// Default milliseconds between two polls of the chain.
pub const DEFAULT_POLL_INTERVAL_MS: u64 = 2_000;
/// Accepted poll intervals, in milliseconds.
pub const POLL_INTERVAL_MS_RANGE: std::ops::RangeInclusive<u64> = 100..=60_000;
/// Default nvidia-smi timeout.
pub const DEFAULT_NVIDIA_SMI_TIMEOUT_SECS: u64 = 30;

/// The whole configuration file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    pub chain: ChainConfig,
    pub provider: ProviderConfig,
    #[serde(default)]
    pub hardware: HardwareConfig,
    #[serde(default)]
    pub hooks: HooksConfig,
    #[serde(default)]
    pub report: ReportConfig,
    #[serde(default)]
    pub metrics: MetricsConfig,
    #[serde(default)]
    pub log: LogConfig,
    #[serde(default)]
    pub challenge: ChallengeConfig,
}

/// `[chain]`: which chain and node the agent talks to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainConfig {
    /// CometBFT RPC url (`http://` or `https://`).
    #[serde(default = "default_rpc_url")]
    pub rpc_url: String,
    /// The chain id transactions are signed for.
    pub chain_id: String,
    /// Gas price of the agent's transactions, in one denom (`0.0025ugpc`).
    #[serde(default = "default_gas_prices")]
    pub gas_prices: String,
    /// Milliseconds between two polls of the chain (leases, challenges).
    #[serde(default = "default_poll_interval_ms")]
    pub poll_interval_ms: u64,
}

/// `[provider]`: who the agent reports for and which key it signs with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// The provider's (owner's) bech32 address, `gpu1...`.
    pub address: String,
    /// The agent's key file (authorized with `MsgAuthorizeAgent`).
    pub key_file: PathBuf,
    /// This host's name among the provider's hosts (each runs an agent and
    /// reports its own GPUs); unset: the machine's hostname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

/// The longest host name the chain takes.
pub const MAX_HOST_LEN: usize = 64;

/// This machine's hostname (Linux), or "" when it cannot be read.
fn system_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// Whether the chain takes `host` as a host name: 0 to [`MAX_HOST_LEN`]
/// of `[A-Za-z0-9-_.:]`.
fn valid_host(host: &str) -> bool {
    host.len() <= MAX_HOST_LEN
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// The host name used when none is set: the hostname if the chain takes it
/// (a machine without one reads as "(none)"), else "" (one unnamed host).
fn default_host(hostname: String) -> String {
    if valid_host(&hostname) {
        hostname
    } else {
        String::new()
    }
}

/// `[hardware]`: where the GPU inventory is read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "kebab-case", deny_unknown_fields)]
pub enum HardwareConfig {
    /// `source = "nvidia-smi"`: run nvidia-smi.
    NvidiaSmi {
        #[serde(default = "default_nvidia_smi_path")]
        path: PathBuf,
        #[serde(default = "default_nvidia_smi_timeout")]
        timeout_secs: u64,
        #[serde(default = "default_true")]
        list_mig_devices: bool,
    },
    /// `source = "json"`: read a JSON inventory file (tests, simulation).
    Json { path: PathBuf },
}

impl Default for HardwareConfig {
    fn default() -> Self {
        HardwareConfig::NvidiaSmi {
            path: default_nvidia_smi_path(),
            timeout_secs: DEFAULT_NVIDIA_SMI_TIMEOUT_SECS,
            list_mig_devices: true,
        }
    }
}

impl HardwareConfig {
    /// The source this configuration describes.
    pub fn source(&self) -> Box<dyn HardwareSource + Send + Sync> {
        match self {
            HardwareConfig::NvidiaSmi {
                path,
                timeout_secs,
                list_mig_devices,
            } => Box::new(CommandSource {
                program: path.clone(),
                timeout: Duration::from_secs(*timeout_secs),
                list_mig_devices: *list_mig_devices,
            }),
            HardwareConfig::Json { path } => Box::new(JsonFileSource::new(path.clone())),
        }
    }
}

/// `[hooks]`: operator commands run when a lease starts or stops. Each is an
/// argv list run without a shell (`["/usr/local/bin/lease-start", "--fast"]`).
/// What the agent passes them (environment) is defined with the daemon loop.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HooksConfig {
    #[serde(default)]
    pub on_lease_start: Option<Vec<String>>,
    #[serde(default)]
    pub on_lease_stop: Option<Vec<String>>,
}

/// `[report]`: how often the inventory is re-read and re-submitted if changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    #[serde(default = "default_report_interval")]
    pub interval_secs: u64,
}

impl Default for ReportConfig {
    fn default() -> Self {
        Self {
            interval_secs: DEFAULT_REPORT_INTERVAL_SECS,
        }
    }
}

/// `[metrics]`: the Prometheus endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    #[serde(default = "default_true")]
    pub enabled: bool,
    #[serde(default = "default_metrics_listen")]
    pub listen: String,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            listen: default_metrics_listen(),
        }
    }
}

/// `[challenge]`: how the agent answers GPU challenges.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeConfig {
    /// `honest` (default); `wrong` and `ignore` simulate a faulty provider
    /// in end-to-end tests (see [`ChallengeMode`]).
    #[serde(default)]
    pub mode: ChallengeMode,
    /// `cpu` (default) or `cuda` (only in an agent built with
    /// `--features cuda`; see [`SolverKind`]).
    #[serde(default)]
    pub solver: SolverKind,
}

/// Log output format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// `[log]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    #[serde(default)]
    pub format: LogFormat,
    /// A tracing filter, e.g. `info` or `gpuchain_agent=debug,info`.
    #[serde(default = "default_log_level")]
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            level: default_log_level(),
        }
    }
}

fn default_gas_prices() -> String {
    DEFAULT_GAS_PRICES.to_string()
}
fn default_poll_interval_ms() -> u64 {
    DEFAULT_POLL_INTERVAL_MS
}
fn default_rpc_url() -> String {
    DEFAULT_RPC_URL.to_string()
}
fn default_nvidia_smi_path() -> PathBuf {
    PathBuf::from("nvidia-smi")
}
fn default_nvidia_smi_timeout() -> u64 {
    DEFAULT_NVIDIA_SMI_TIMEOUT_SECS
}
fn default_true() -> bool {
    true
}
fn default_report_interval() -> u64 {
    DEFAULT_REPORT_INTERVAL_SECS
}
fn default_metrics_listen() -> String {
    DEFAULT_METRICS_LISTEN.to_string()
}
fn default_log_level() -> String {
    "info".to_string()
}

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("could not read config {path}: {source}", path = path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config: {0}")]
    Parse(String),
    #[error("invalid config: `{field}`: {reason}")]
    Invalid { field: &'static str, reason: String },
}

fn invalid(field: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        field,
        reason: reason.into(),
    }
}

impl AgentConfig {
    /// Parses and validates a TOML configuration.
    pub fn from_toml_str(text: &str) -> Result<Self, ConfigError> {
        let config: AgentConfig =
            toml::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Reads, parses and validates a configuration file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml_str(&text)
    }

    /// The metrics listen address, parsed.
    pub fn metrics_listen(&self) -> Result<SocketAddr, ConfigError> {
        self.metrics
            .listen
            .parse()
            .map_err(|e| invalid("metrics.listen", format!("{e} (expected ip:port)")))
    }

    /// The report interval.
    pub fn report_interval(&self) -> Duration {
        Duration::from_secs(self.report.interval_secs)
    }

    /// Time between two polls of the chain.
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.chain.poll_interval_ms)
    }

    /// The host the agent reports as: `[provider] host`, or the machine's
    /// hostname.
    pub fn host(&self) -> String {
        match &self.provider.host {
            Some(h) => h.clone(),
            None => default_host(system_hostname()),
        }
    }

    /// Checks every value that parsing alone cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let url = self.chain.rpc_url.trim();
        let rest = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"))
            .ok_or_else(|| invalid("chain.rpc_url", "must start with http:// or https://"))?;
        if rest.is_empty() || rest.starts_with('/') || url.chars().any(char::is_whitespace) {
            return Err(invalid("chain.rpc_url", "has no host"));
        }
        let id = &self.chain.chain_id;
        if id.is_empty() || id.len() > 50 {
            return Err(invalid("chain.chain_id", "must be 1 to 50 characters"));
        }
        if !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(invalid(
                "chain.chain_id",
                "may only contain ASCII letters, digits, '-', '_' and '.'",
            ));
        }
        if !self.challenge.solver.available() {
            return Err(invalid(
                "challenge.solver",
                "\"cuda\" needs an agent built with the `cuda` feature \
                 (cargo build -p gpuchain-agent --release --features cuda); use \"cpu\"",
            ));
        }
        gpuchain_types::address::Address::from_bech32(&self.provider.address)
            .map_err(|e| invalid("provider.address", format!("not a gpu1... address: {e}")))?;
        if self.provider.key_file.as_os_str().is_empty() {
            return Err(invalid("provider.key_file", "is empty"));
        }
        if let Some(host) = self.provider.host.as_deref().filter(|h| !valid_host(h)) {
            return Err(invalid(
                "provider.host",
                format!("{host:?} must be 0 to {MAX_HOST_LEN} of [A-Za-z0-9-_.:]"),
            ));
        }
        match &self.hardware {
            HardwareConfig::NvidiaSmi {
                path, timeout_secs, ..
            } => {
                if path.as_os_str().is_empty() {
                    return Err(invalid("hardware.path", "is empty"));
                }
                if *timeout_secs == 0 || *timeout_secs > 600 {
                    return Err(invalid("hardware.timeout_secs", "must be 1 to 600"));
                }
            }
            HardwareConfig::Json { path } => {
                if path.as_os_str().is_empty() {
                    return Err(invalid("hardware.path", "is empty"));
                }
            }
        }
        for (field, hook) in [
            ("hooks.on_lease_start", &self.hooks.on_lease_start),
            ("hooks.on_lease_stop", &self.hooks.on_lease_stop),
        ] {
            if let Some(argv) = hook {
                match argv.first() {
                    None => return Err(invalid(field, "is an empty command")),
                    Some(p) if p.trim().is_empty() => {
                        return Err(invalid(field, "has an empty program"))
                    }
                    Some(_) => {}
                }
            }
        }
        let interval = self.report.interval_secs;
        if !(MIN_REPORT_INTERVAL_SECS..=MAX_REPORT_INTERVAL_SECS).contains(&interval) {
            return Err(invalid(
                "report.interval_secs",
                format!("must be {MIN_REPORT_INTERVAL_SECS} to {MAX_REPORT_INTERVAL_SECS}"),
            ));
        }
        self.metrics_listen()?;
        if !POLL_INTERVAL_MS_RANGE.contains(&self.chain.poll_interval_ms) {
            return Err(invalid(
                "chain.poll_interval_ms",
                format!(
                    "must be {} to {}",
                    POLL_INTERVAL_MS_RANGE.start(),
                    POLL_INTERVAL_MS_RANGE.end()
                ),
            ));
        }
        gpuchain_client::tx::fee_from_gas_prices(&self.chain.gas_prices, 1)
            .map_err(|e| invalid("chain.gas_prices", format!("{e:#}")))?;
        if self.log.level.trim().is_empty() {
            return Err(invalid("log.level", "is empty"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../config.example.toml");

    fn provider_address() -> String {
        gpuchain_types::address::Address::module("provider").to_string()
    }

    fn minimal() -> String {
        format!(
            "[chain]\nchain_id = \"gpuchain-1\"\n[provider]\naddress = \"{}\"\nkey_file = \"agent.key\"\n",
            provider_address()
        )
    }

    #[test]
    fn should_name_the_host_as_set_or_by_the_machines_hostname() {
        let c = AgentConfig::from_toml_str(EXAMPLE).unwrap();
        assert_eq!(c.host(), "rack1-node3");
        // Unset: the hostname, as the kernel has it, when the chain takes it.
        let c = AgentConfig::from_toml_str(&minimal()).unwrap();
        assert_eq!(c.provider.host, None);
        assert_eq!(c.host(), default_host(system_hostname()));
        assert_eq!(default_host("gpu-node-7.dc1".into()), "gpu-node-7.dc1");
        assert_eq!(default_host("(none)".into()), "");
        assert_eq!(default_host("h".repeat(MAX_HOST_LEN + 1)), "");
        // "" is a provider's single unnamed host; 64 characters are taken.
        for host in [String::new(), "h".repeat(MAX_HOST_LEN), "a-Z_0.9:x".into()] {
            let c =
                AgentConfig::from_toml_str(&format!("{}host = \"{host}\"\n", minimal())).unwrap();
            assert_eq!(c.host(), host);
        }
    }

    #[test]
    fn should_parse_example_when_file_is_the_documented_example() {
        let c = AgentConfig::from_toml_str(EXAMPLE).unwrap();
        assert_eq!(c.chain.rpc_url, "http://127.0.0.1:26657");
        assert_eq!(c.chain.chain_id, "gpuchain-1");
        assert!(c.provider.address.starts_with("gpu1"));
        assert_eq!(
            c.provider.key_file,
            PathBuf::from("/etc/gpuchain-agent/agent.key")
        );
        assert_eq!(
            c.hardware,
            HardwareConfig::NvidiaSmi {
                path: PathBuf::from("/usr/bin/nvidia-smi"),
                timeout_secs: 30,
                list_mig_devices: true
            }
        );
        assert_eq!(
            c.hooks.on_lease_start,
            Some(vec![
                "/usr/local/bin/gpuchain-lease-start".to_string(),
                "--quiet".to_string()
            ])
        );
        assert_eq!(
            c.hooks.on_lease_stop,
            Some(vec!["/usr/local/bin/gpuchain-lease-stop".to_string()])
        );
        assert_eq!(c.report_interval(), Duration::from_secs(300));
        assert!(c.metrics.enabled);
        assert_eq!(
            c.metrics_listen().unwrap(),
            "127.0.0.1:9464".parse().unwrap()
        );
        assert_eq!(c.log.format, LogFormat::Json);
        assert_eq!(c.log.level, "info");
    }

    #[test]
    fn should_apply_defaults_when_only_required_keys_are_set() {
        let c = AgentConfig::from_toml_str(&minimal()).unwrap();
        assert_eq!(c.chain.rpc_url, DEFAULT_RPC_URL);
        assert_eq!(c.hardware, HardwareConfig::default());
        assert_eq!(c.hooks, HooksConfig::default());
        assert_eq!(c.report.interval_secs, 300);
        assert_eq!(c.metrics.listen, "127.0.0.1:9464");
        assert!(c.metrics.enabled);
        assert_eq!(c.log, LogConfig::default());
        assert_eq!(c.chain.gas_prices, "0.0025ugpc");
        assert_eq!(c.poll_interval(), Duration::from_secs(2));
        assert_eq!(c.challenge.mode, ChallengeMode::Honest);
        assert_eq!(c.challenge.solver, SolverKind::Cpu);
    }

    #[test]
    fn should_parse_challenge_solver_when_feature_allows_it() {
        let cpu = format!("{}[challenge]\nsolver = \"cpu\"\n", minimal());
        assert_eq!(
            AgentConfig::from_toml_str(&cpu).unwrap().challenge.solver,
            SolverKind::Cpu
        );
        let cuda = format!(
            "{}[challenge]\nmode = \"honest\"\nsolver = \"cuda\"\n",
            minimal()
        );
        let parsed = AgentConfig::from_toml_str(&cuda);
        if cfg!(feature = "cuda") {
            assert_eq!(parsed.unwrap().challenge.solver, SolverKind::Cuda);
        } else {
            match parsed {
                Err(ConfigError::Invalid { field, reason }) => {
                    assert_eq!(field, "challenge.solver");
                    assert!(reason.contains("`cuda` feature"), "{reason}");
                }
                other => panic!("{other:?}"),
            }
        }
        for bad in ["\"gpu\"", "\"CUDA\"", "1"] {
            let text = format!("{}[challenge]\nsolver = {bad}\n", minimal());
            assert!(
                matches!(
                    AgentConfig::from_toml_str(&text),
                    Err(ConfigError::Parse(_))
                ),
                "{text}"
            );
        }
    }

    #[test]
    fn should_parse_challenge_mode_and_poll_interval_when_set() {
        for (text, mode) in [
            ("honest", ChallengeMode::Honest),
            ("wrong", ChallengeMode::Wrong),
            ("ignore", ChallengeMode::Ignore),
        ] {
            let t = format!(
                "{}[challenge]\nmode = \"{text}\"\n",
                minimal().replace(
                    "chain_id = \"gpuchain-1\"",
                    "chain_id = \"gpuchain-1\"\npoll_interval_ms = 250\ngas_prices = \"0ugpc\""
                )
            );
            let c = AgentConfig::from_toml_str(&t).unwrap();
            assert_eq!(c.challenge.mode, mode);
            assert_eq!(c.poll_interval(), Duration::from_millis(250));
            assert_eq!(c.chain.gas_prices, "0ugpc");
        }
    }

    #[test]
    fn should_parse_json_source_when_configured() {
        let text = format!(
            "{}[hardware]\nsource = \"json\"\npath = \"inv.json\"\n",
            minimal()
        );
        let c = AgentConfig::from_toml_str(&text).unwrap();
        assert_eq!(
            c.hardware,
            HardwareConfig::Json {
                path: PathBuf::from("inv.json")
            }
        );
    }

    #[test]
    fn should_reject_config_when_a_value_is_invalid() {
        let m = minimal();
        let cases: Vec<(String, &str)> = vec![
            (
                m.replace(
                    "chain_id = \"gpuchain-1\"",
                    "chain_id = \"gpuchain-1\"\nrpc_url = \"tcp://x:1\"",
                ),
                "chain.rpc_url",
            ),
            (
                m.replace(
                    "chain_id = \"gpuchain-1\"",
                    "chain_id = \"gpuchain-1\"\nrpc_url = \"http://\"",
                ),
                "chain.rpc_url",
            ),
            (m.replace("gpuchain-1", ""), "chain.chain_id"),
            (m.replace("gpuchain-1", "bad id"), "chain.chain_id"),
            (
                m.replace(&provider_address(), "cosmos1xyz"),
                "provider.address",
            ),
            (m.replace("agent.key", ""), "provider.key_file"),
            (format!("{m}host = \"rack 1\"\n"), "provider.host"),
            (
                format!("{m}host = \"{}\"\n", "h".repeat(65)),
                "provider.host",
            ),
            (
                format!("{m}[report]\ninterval_secs = 5\n"),
                "report.interval_secs",
            ),
            (
                format!("{m}[report]\ninterval_secs = 86401\n"),
                "report.interval_secs",
            ),
            (
                format!("{m}[metrics]\nlisten = \"localhost\"\n"),
                "metrics.listen",
            ),
            (
                format!("{m}[hooks]\non_lease_start = []\n"),
                "hooks.on_lease_start",
            ),
            (
                format!("{m}[hooks]\non_lease_stop = [\" \"]\n"),
                "hooks.on_lease_stop",
            ),
            (
                format!("{m}[hardware]\nsource = \"nvidia-smi\"\ntimeout_secs = 0\n"),
                "hardware.timeout_secs",
            ),
            (
                format!("{m}[hardware]\nsource = \"json\"\npath = \"\"\n"),
                "hardware.path",
            ),
            (format!("{m}[log]\nlevel = \"\"\n"), "log.level"),
            (
                m.replace(
                    "chain_id = \"gpuchain-1\"",
                    "chain_id = \"gpuchain-1\"\npoll_interval_ms = 99",
                ),
                "chain.poll_interval_ms",
            ),
            (
                m.replace(
                    "chain_id = \"gpuchain-1\"",
                    "chain_id = \"gpuchain-1\"\npoll_interval_ms = 60001",
                ),
                "chain.poll_interval_ms",
            ),
            (
                m.replace(
                    "chain_id = \"gpuchain-1\"",
                    "chain_id = \"gpuchain-1\"\ngas_prices = \"0.0025\"",
                ),
                "chain.gas_prices",
            ),
            (
                m.replace(
                    "chain_id = \"gpuchain-1\"",
                    "chain_id = \"gpuchain-1\"\ngas_prices = \"\"",
                ),
                "chain.gas_prices",
            ),
        ];
        for (text, field) in cases {
            match AgentConfig::from_toml_str(&text) {
                Err(ConfigError::Invalid { field: f, .. }) => assert_eq!(f, field, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn should_fail_to_parse_when_keys_are_unknown_or_missing() {
        let m = minimal();
        for text in [
            format!("{m}[chain2]\nx = 1\n"),
            m.replace("key_file", "keyfile"),
            format!("{m}[hardware]\nsource = \"nvml\"\n"),
            format!("{m}[hardware]\nsource = \"json\"\n"),
            format!("{m}[hardware]\nsource = \"json\"\npath = \"x\"\ntimeout_secs = 1\n"),
            format!("{m}[log]\nformat = \"xml\"\n"),
            format!("{m}[challenge]\nmode = \"lazy\"\n"),
            format!("{m}[challenge]\nmodes = \"honest\"\n"),
            "not toml".to_string(),
            String::new(),
        ] {
            assert!(
                matches!(
                    AgentConfig::from_toml_str(&text),
                    Err(ConfigError::Parse(_))
                ),
                "{text}"
            );
        }
        assert!(matches!(
            AgentConfig::load(Path::new("/nonexistent/agent.toml")),
            Err(ConfigError::Io { .. })
        ));
    }
}

//! The provider agent in end-to-end tests: a running `gpuchain-agent`, its
//! files (key, simulated inventory, config) and the chain queries and txs
//! the agent tests share.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use super::{event_attr, free_port, query, tx_ok, CosmrsSigner, Node, CHAIN_ID};
use serde_json::{json, Value};

/// ugpc per GPU-hour: 1,000 ugpc per second for one GPU.
pub const PRICE: u128 = 3_600_000;
pub const BOND: u128 = 1_000_000_000;
pub const FAIL_SLASH_BPS: u128 = 500;
pub const TENANT_SHARE_BPS: u128 = 5_000;
pub const TX_FEE: u128 = 1_500;

pub const CAROL_MNEMONIC: &str =
    "legal winner thank year wave sausage worth useful legal winner thank yellow";
pub const DAVE_MNEMONIC: &str =
    "letter advice cage absurd amount doctor acoustic avoid letter advice cage above";
pub const AGENT1_MNEMONIC: &str =
    "scheme spot photo card baby mountain device kick cradle pact join borrow";
pub const AGENT2_MNEMONIC: &str =
    "cat swing flag economy stadium alone churn speed unique patch report train";

pub const TEST_CPU_NAME: &str = "gpuchain test-cpu";
pub const GPU1: [&str; 2] = [
    "GPU-a9e11111-0000-4000-8000-000000000001",
    "GPU-a9e11111-0000-4000-8000-000000000002",
];
/// Reported by agent 1 too, but of another SKU: never used for a test-cpu lease.
pub const GPU1_H100: &str = "GPU-a9e11111-0000-4000-8000-0000000000ff";
pub const GPU2: &str = "GPU-a9e22222-0000-4000-8000-000000000001";

pub const WAIT: Duration = Duration::from_secs(60);

/// `tenant` closes lease `id`.
pub fn close_lease(node: &Node, tenant: &str, id: &str) {
    tx_ok(
        node,
        &["market", "close-lease", "--from", tenant, "--lease-id", id],
    );
}

/// What a test hook wrote (the lease as JSON), once it has run.
pub fn hook_output(path: &Path) -> Option<Value> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
}

/// The address of an agent key given by its mnemonic.
pub fn agent_address(mnemonic: &str) -> String {
    CosmrsSigner::from_mnemonic(mnemonic, 0).address.to_string()
}

pub fn agent_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("GPUCHAIN_AGENT_BIN") {
        return PathBuf::from(p);
    }
    let p = super::gpuchaind_bin().with_file_name("gpuchain-agent");
    assert!(
        p.exists(),
        "{} missing: run `cargo build -p gpuchain-agent` first (or set GPUCHAIN_AGENT_BIN)",
        p.display()
    );
    p
}

/// Every tx matching a CometBFT event query (tx_search), oldest first.
pub fn tx_search(node: &Node, q: &str) -> Vec<Value> {
    let r = node
        .rpc(
            "tx_search",
            json!({"query": q, "per_page": "100", "order_by": "asc"}),
        )
        .unwrap();
    r["txs"].as_array().cloned().unwrap_or_default()
}

pub fn tx_events_have(tx: &Value, kind: &str, key: &str, value: &str) -> bool {
    tx["tx_result"]["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["type"] == kind)
        .flat_map(|e| e["attributes"].as_array().cloned().unwrap_or_default())
        .any(|a| a["key"] == key && a["value"] == value)
}

/// Whether the tx with this (hex) hash is in a block.
pub fn on_chain(node: &Node, hash_hex: &str) -> bool {
    use base64::Engine;
    let hash = base64::engine::general_purpose::STANDARD.encode(hex::decode(hash_hex).unwrap());
    node.rpc("tx", json!({ "hash": hash })).is_ok()
}

/// A running `gpuchain-agent run`; SIGKILLed when dropped.
pub struct Agent {
    child: Option<Child>,
    log: PathBuf,
}

impl Agent {
    pub fn start(config: &Path, log: PathBuf) -> Self {
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(agent_bin())
            .args(["run", "--config"])
            .arg(config)
            .env_remove("RUST_LOG")
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        Agent {
            child: Some(child),
            log,
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Panics with the agent's log if it exited.
    pub fn assert_running(&mut self) {
        if let Some(c) = self.child.as_mut() {
            if let Some(status) = c.try_wait().unwrap() {
                panic!(
                    "gpuchain-agent exited ({status}); log {}:\n{}",
                    self.log.display(),
                    self.log_text()
                );
            }
        }
    }

    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// The JSON log lines (the agent logs with `format = "json"`).
    pub fn log_lines(&self) -> Vec<Value> {
        self.log_text()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        self.kill9();
    }
}

pub fn gpu_json(uuid: &str, name: &str, memory_mib: u64, bus: &str) -> Value {
    json!({"uuid": uuid, "name": name, "memory_mib": memory_mib,
           "driver_version": "550.54.15", "pci_bus_id": bus, "mig_mode": "disabled"})
}

/// Writes the agent's key file (mode 0600, a mnemonic), its inventory and
/// its config into `dir`; returns the config path.
pub fn agent_files(
    node: &Node,
    dir: &Path,
    provider: &str,
    mnemonic: &str,
    gpus: Vec<Value>,
    mode: &str,
    host: Option<&str>,
) -> PathBuf {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::create_dir_all(dir).unwrap();
    let key = dir.join("agent.key");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&key)
        .unwrap();
    writeln!(f, "# e2e test agent key\n{mnemonic}").unwrap();
    let inventory = dir.join("inventory.json");
    std::fs::write(&inventory, json!({ "gpus": gpus }).to_string()).unwrap();
    let hook = |kind: &str| {
        format!(
            r#"["/bin/sh", "-c", "cat > {}/{kind}-$LEASE_ID.json"]"#,
            dir.display()
        )
    };
    let config = format!(
        r#"[chain]
rpc_url = "http://127.0.0.1:{rpc}"
chain_id = "{CHAIN_ID}"
poll_interval_ms = 300

[provider]
address = "{provider}"
key_file = "{key}"
{host}

[hardware]
source = "json"
path = "{inventory}"

[hooks]
on_lease_start = {start}
on_lease_stop = {stop}

[report]
interval_secs = 10

[metrics]
enabled = true
listen = "127.0.0.1:{metrics}"

[log]
format = "json"
level = "info"

[challenge]
mode = "{mode}"
"#,
        rpc = node.rpc_port,
        key = key.display(),
        inventory = inventory.display(),
        start = hook("start"),
        stop = hook("stop"),
        metrics = free_port(),
        host = host.map(|h| format!("host = \"{h}\"")).unwrap_or_default(),
    );
    let path = dir.join("agent.toml");
    std::fs::write(&path, config).unwrap();
    path
}

pub fn wait_for<T>(what: &str, agents: &mut [&mut Agent], mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        for a in agents.iter_mut() {
            a.assert_running();
        }
        if start.elapsed() > WAIT {
            let logs: Vec<String> = agents
                .iter()
                .map(|a| format!("{}:\n{}", a.log.display(), a.log_text()))
                .collect();
            panic!(
                "timed out waiting for {what}; agent logs:\n{}",
                logs.join("\n")
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

pub fn lease(node: &Node, id: &str) -> Value {
    query(node, &["market", "lease", id])
}

/// The provider's challenges, as the CLI prints them.
pub fn challenges(node: &Node, provider: &str) -> Vec<Value> {
    query(node, &["attestation", "challenges", "--provider", provider])["challenges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The acknowledgement challenge of `lease_id` once resolved.
pub fn resolved_ack_challenge(node: &Node, provider: &str, lease_id: &str) -> Option<Value> {
    challenges(node, provider).into_iter().find(|c| {
        c["lease_id"] == lease_id
            && c["reason"] == "CHALLENGE_REASON_LEASE_ACK"
            && (c["status"] == "CHALLENGE_STATUS_PASSED"
                || c["status"] == "CHALLENGE_STATUS_FAILED")
    })
}

pub fn order(node: &Node, tenant: &str, provider: &str, deposit: u128) -> (String, Value) {
    order_gpus(node, tenant, provider, deposit, 1)
}

/// An order for `gpus` test-cpu GPUs aimed at `provider`, matched in its
/// block: (lease id, tx result).
pub fn order_gpus(
    node: &Node,
    tenant: &str,
    provider: &str,
    deposit: u128,
    gpus: u32,
) -> (String, Value) {
    let deposit = format!("{deposit}ugpc");
    let count = gpus.to_string();
    let price = format!("{PRICE}ugpc");
    let r = tx_ok(
        node,
        &[
            "market",
            "create-order",
            "--from",
            tenant,
            "--sku",
            "test-cpu",
            "--gpu-count",
            &count,
            "--max-price-per-gpu-hour",
            &price,
            "--duration",
            "3600",
            "--deposit",
            &deposit,
            "--target-provider",
            provider,
            "--ttl",
            "600",
        ],
    );
    let id = event_attr(&r, "order_matched", "lease_id")
        .unwrap_or_else(|| panic!("order not matched in its block: {r}"));
    (id, r)
}

pub fn register(node: &Node, key: &str, moniker: &str, agent: &str) {
    let bond = format!("{BOND}ugpc");
    tx_ok(
        node,
        &[
            "attestation",
            "register-provider",
            "--from",
            key,
            "--moniker",
            moniker,
            "--region",
            "eu",
            "--endpoint",
            &format!("https://{moniker}.example:8443"),
            "--bond",
            &bond,
        ],
    );
    tx_ok(
        node,
        &[
            "attestation",
            "authorize-agent",
            "--from",
            key,
            "--agent",
            agent,
        ],
    );
}

pub fn create_offer(node: &Node, key: &str, gpus: u32) {
    let price = format!("{PRICE}ugpc");
    let total = gpus.to_string();
    let r = tx_ok(
        node,
        &[
            "market",
            "create-offer",
            "--from",
            key,
            "--sku",
            "test-cpu",
            "--gpus-total",
            &total,
            "--price-per-gpu-hour",
            &price,
            "--min-duration",
            "1",
            "--max-duration",
            "86400",
            "--region",
            "eu",
        ],
    );
    assert!(event_attr(&r, "offer_created", "offer_id").is_some(), "{r}");
}

/// The provider's GPUs on chain, by uuid -> sku.
pub fn chain_gpus(node: &Node, provider: &str) -> Vec<(String, String)> {
    query(node, &["attestation", "gpus", "--provider", provider])["gpus"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            (
                g["uuid"].as_str().unwrap_or_default().to_string(),
                g["sku"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// How many times the agent logged that it acknowledges lease `id`.
pub fn acking(a: &Agent, id: &str) -> usize {
    a.log_lines()
        .iter()
        .filter(|l| {
            l["message"] == "acknowledging lease" && l["lease_id"].as_u64() == id.parse().ok()
        })
        .count()
}

/// Log lines of `tx rejected` for the given kind of agent tx.
pub fn rejected(agent: &Agent, kind: &str) -> Vec<Value> {
    agent
        .log_lines()
        .into_iter()
        .filter(|l| l["message"] == "tx rejected" && l["tx"] == kind)
        .collect()
}

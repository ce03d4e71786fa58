//! The four-validator localnet, brought up by `scripts/localnet.sh up` itself
//! (in a temporary directory, on free loopback ports, with fast blocks and
//! the gpuchaind cargo built for this test): every node agrees on heights and
//! app hashes, a transfer sent to one node shows on all four, the chain
//! survives one validator's SIGKILL and the validator catches up after a
//! restart, and it halts without 2/3 of the power and resumes when a
//! validator returns. The script's `down` tears everything down (Drop).

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const CHAIN_ID: &str = "gpuchain-local-1";
const NODES: usize = 4;
/// The script's port offsets within a node's block of 100 (P2P, RPC, ABCI,
/// Prometheus, REST): all must be free for a base port to be used.
const PORT_OFFSETS: [u16; 5] = [0, 1, 2, 4, 7];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A base port whose four blocks of ports are all free on loopback, below
/// Linux's ephemeral range so that clients' ports do not take them.
fn free_base_port() -> u16 {
    let seed = std::process::id() as u64
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos() as u64;
    for attempt in 0..200u64 {
        let base = 20_000 + ((seed + attempt * 7919) % 120) as u16 * 100;
        let all_free = (0..NODES as u16).all(|i| {
            PORT_OFFSETS
                .iter()
                .all(|o| TcpListener::bind(("127.0.0.1", base + 100 * i + o)).is_ok())
        });
        if all_free {
            return base;
        }
    }
    panic!("no free block of localnet ports found");
}

struct NodeEntry {
    home: PathBuf,
    rpc_port: u16,
    pid_file: PathBuf,
    log: PathBuf,
}

struct Localnet {
    dir: tempfile::TempDir,
    base_port: u16,
    nodes: Vec<NodeEntry>,
    accounts: Value,
    http: reqwest::blocking::Client,
}

impl Localnet {
    /// Runs `scripts/localnet.sh ARGS` against this test's directory and ports.
    fn script_in(dir: &Path, base_port: u16, args: &[&str]) -> Output {
        Command::new("bash")
            .arg(repo_root().join("scripts/localnet.sh"))
            .args(args)
            .env("LOCALNET_DIR", dir)
            .env("LOCALNET_BASE_PORT", base_port.to_string())
            .env("LOCALNET_BLOCK_TIME", "300ms")
            .env("LOCALNET_TIMEOUT_PROPOSE", "1s")
            .env("LOCALNET_WAIT_TIMEOUT", "60")
            .env("LOCALNET_STOP_TIMEOUT", "5")
            .env("GPUCHAIND_BIN", common::gpuchaind_bin())
            .env("COMETBFT_BIN", common::cometbft_bin())
            .env_remove("GPUCHAIN_HOME")
            .output()
            .expect("running scripts/localnet.sh")
    }

    fn script(&self, args: &[&str]) -> Output {
        Self::script_in(self.dir.path(), self.base_port, args)
    }

    fn script_ok(&self, args: &[&str]) -> String {
        let out = self.script(args);
        assert!(
            out.status.success(),
            "scripts/localnet.sh {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    /// `scripts/localnet.sh up`, then reads the nodes and accounts it wrote.
    fn up() -> Self {
        let mut net = Localnet {
            dir: tempfile::tempdir().unwrap(),
            base_port: free_base_port(),
            nodes: vec![],
            accounts: Value::Null,
            http: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap(),
        };
        // From here on Drop runs `down`, whatever `up` got to.
        let stdout = net.script_ok(&["up"]);
        assert!(stdout.contains(CHAIN_ID), "{stdout}");
        let text = std::fs::read_to_string(net.dir.path().join("localnet.json")).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(v["chain_id"], CHAIN_ID);
        for n in v["nodes"].as_array().unwrap() {
            net.nodes.push(NodeEntry {
                home: n["home"].as_str().unwrap().into(),
                rpc_port: n["rpc_port"].as_u64().unwrap() as u16,
                pid_file: n["pid_file"].as_str().unwrap().into(),
                log: n["log"].as_str().unwrap().into(),
            });
        }
        assert_eq!(net.nodes.len(), NODES);
        net.accounts = v["accounts"].clone();
        net
    }

    fn account(&self, name: &str) -> String {
        self.accounts
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .unwrap_or_else(|| panic!("no account {name}"))["address"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn rpc(&self, i: usize, method: &str, params: Value) -> Result<Value, String> {
        common::rpc_call(&self.http, self.nodes[i].rpc_port, method, params)
    }

    fn height(&self, i: usize) -> Option<u64> {
        let s = self.rpc(i, "status", json!({})).ok()?;
        s["sync_info"]["latest_block_height"].as_str()?.parse().ok()
    }

    fn max_height(&self, nodes: &[usize]) -> u64 {
        nodes
            .iter()
            .filter_map(|&i| self.height(i))
            .max()
            .unwrap_or(0)
    }

    fn wait_height(&self, nodes: &[usize], h: u64, timeout: Duration, what: &str) {
        let start = Instant::now();
        for &i in nodes {
            while self.height(i).is_none_or(|x| x < h) {
                if start.elapsed() > timeout {
                    panic!(
                        "{what}: node {i} not at height {h} in {timeout:?} (heights {:?}); its log:\n{}",
                        (0..NODES).map(|j| self.height(j)).collect::<Vec<_>>(),
                        self.log_tail(i)
                    );
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }

    fn block_app_hash(&self, i: usize, h: u64) -> String {
        let b = self
            .rpc(i, "block", json!({"height": h.to_string()}))
            .unwrap();
        b["block"]["header"]["app_hash"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The app hash and block hash the commit for height h signs, and how
    /// many validators' commit signatures it carries.
    fn commit(&self, i: usize, h: u64) -> (String, String, usize) {
        let c = self
            .rpc(i, "commit", json!({"height": h.to_string()}))
            .unwrap();
        let sh = &c["signed_header"];
        let signed = sh["commit"]["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["block_id_flag"] == 2)
            .count();
        (
            sh["header"]["app_hash"].as_str().unwrap().to_string(),
            sh["commit"]["block_id"]["hash"]
                .as_str()
                .unwrap()
                .to_string(),
            signed,
        )
    }

    /// Every listed node has height h, one app hash and one block at it.
    fn assert_agree_at(&self, nodes: &[usize], h: u64) {
        let (app0, block0, _) = self.commit(nodes[0], h);
        assert_eq!(app0.len(), 64, "app hash at {h}: {app0}");
        for &i in nodes {
            let (app, block, signed) = self.commit(i, h);
            assert_eq!(app, app0, "node {i} commit app hash at height {h}");
            assert_eq!(block, block0, "node {i} block hash at height {h}");
            assert!(
                signed * 3 > NODES * 2,
                "commit at {h} on node {i} has {signed} signatures"
            );
            assert_eq!(self.block_app_hash(i, h), app0, "node {i} block {h}");
        }
    }

    fn balance(&self, i: usize, address: &str) -> Option<u128> {
        use cosmos_sdk_proto::cosmos::bank::v1beta1::{QueryBalanceRequest, QueryBalanceResponse};
        use prost::Message;
        let req = QueryBalanceRequest {
            address: address.into(),
            denom: "ugpc".into(),
        };
        let r = self
            .rpc(
                i,
                "abci_query",
                json!({"path": "/cosmos.bank.v1beta1.Query/Balance",
                       "data": hex::encode(req.encode_to_vec()), "prove": false}),
            )
            .ok()?;
        let value = base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            r["response"]["value"].as_str()?,
        )
        .ok()?;
        QueryBalanceResponse::decode(value.as_slice())
            .ok()?
            .balance?
            .amount
            .parse()
            .ok()
    }

    fn pid(&self, i: usize) -> i32 {
        std::fs::read_to_string(&self.nodes[i].pid_file)
            .unwrap_or_else(|e| panic!("node {i} pid file: {e}"))
            .trim()
            .parse()
            .unwrap()
    }

    /// SIGKILL node i's gpuchaind; its cometbft follows (parent-death
    /// signal). Waits until the node's RPC is gone.
    fn kill9(&self, i: usize) {
        let pid = self.pid(i);
        assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0, "kill {pid}");
        let start = Instant::now();
        while self.rpc(i, "health", json!({})).is_ok() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "node {i}'s cometbft did not exit after its gpuchaind was killed"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn log_tail(&self, i: usize) -> String {
        let s = std::fs::read_to_string(&self.nodes[i].log).unwrap_or_default();
        let lines: Vec<&str> = s.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for Localnet {
    fn drop(&mut self) {
        let out = self.script(&["down"]);
        if !out.status.success() {
            eprintln!(
                "localnet down failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // Whatever `down` missed (it checks pids against their command line).
        for n in &self.nodes {
            if let Ok(pid) = std::fs::read_to_string(&n.pid_file) {
                if let Ok(pid) = pid.trim().parse::<i32>() {
                    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                    let home = n.home.to_string_lossy();
                    if String::from_utf8_lossy(&cmdline).contains(home.as_ref()) {
                        unsafe {
                            libc::kill(pid, libc::SIGKILL);
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn should_run_four_validators_that_agree_survive_one_crash_and_halt_without_quorum() {
    let t0 = Instant::now();
    let net = Localnet::up();
    let all: Vec<usize> = (0..NODES).collect();

    // The script's accounts are the mnemonics' (an independent derivation).
    let alice = net.account("alice");
    let bob = net.account("bob");
    assert_eq!(
        alice,
        common::CosmrsSigner::from_mnemonic(common::ALICE_MNEMONIC, 0)
            .address
            .to_string()
    );
    assert_eq!(
        bob,
        common::CosmrsSigner::from_mnemonic(common::BOB_MNEMONIC, 0)
            .address
            .to_string()
    );

    // Four validators of equal power, and every node peered with the others.
    let vals = net.rpc(0, "validators", json!({})).unwrap();
    let vals = vals["validators"].as_array().unwrap();
    assert_eq!(vals.len(), NODES, "{vals:?}");
    assert!(vals.iter().all(|v| v["voting_power"] == "10"), "{vals:?}");
    let start = Instant::now();
    for i in &all {
        loop {
            let n = net.rpc(*i, "net_info", json!({})).unwrap();
            if n["n_peers"].as_str().and_then(|p| p.parse().ok()) == Some(NODES - 1) {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "node {i} has {} peers",
                n["n_peers"]
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    // One height, one app hash, one block on all four.
    let h = net.max_height(&all).max(2);
    net.wait_height(&all, h, Duration::from_secs(20), "start");
    net.assert_agree_at(&all, h);

    check_chain_metadata(&net);

    // A transfer sent to node 2 is seen by all four.
    let amount = 12_345u128;
    let out = Command::new(common::gpuchaind_bin())
        .args(["tx", "bank", "send", "alice", &bob])
        .arg(format!("{amount}ugpc"))
        .args(["--chain-id", CHAIN_ID, "--output", "json", "--node"])
        .arg(format!("tcp://127.0.0.1:{}", net.nodes[2].rpc_port))
        .arg("--home")
        .arg(&net.nodes[2].home)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "tx failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    let tx: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(tx["code"], 0, "{tx}");
    let want = common::GENESIS_COINS + amount;
    let start = Instant::now();
    for i in &all {
        while net.balance(*i, &bob) != Some(want) {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "node {i}: bob has {:?}, want {want}",
                net.balance(*i, &bob)
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    // One validator down (3 of 4 = 75% > 2/3): the chain goes on.
    net.kill9(3);
    let live = [0, 1, 2];
    let h = net.max_height(&live);
    net.wait_height(&live, h + 3, Duration::from_secs(30), "with node 3 down");
    net.assert_agree_at(&live, h + 3);

    // Restarted (through the script), it catches up to the others.
    net.script_ok(&["start", "3"]);
    let target = net.max_height(&live) + 1;
    net.wait_height(&all, target, Duration::from_secs(60), "node 3 catch-up");
    net.assert_agree_at(&all, target);
    assert_eq!(net.balance(3, &bob), Some(want));

    // Two down (2 of 4 = 50%): no quorum, no blocks.
    net.kill9(1);
    net.kill9(2);
    let live = [0, 3];
    // A height whose precommits were cast before the kill may still be
    // committed by a slow live node (at most one); after that, nothing.
    std::thread::sleep(Duration::from_secs(1));
    let at_kill = net.max_height(&live);
    std::thread::sleep(Duration::from_secs(3));
    let halted = net.max_height(&live);
    assert!(
        halted <= at_kill + 1,
        "the chain advanced with half the power down: {at_kill} -> {halted}"
    );
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(
        net.max_height(&live),
        halted,
        "the chain advanced with half the power down"
    );

    // One back (3 of 4): blocks again, and every live node agrees.
    net.script_ok(&["start", "1"]);
    let live = [0, 1, 3];
    net.wait_height(&live, halted + 2, Duration::from_secs(60), "resume");
    net.assert_agree_at(&live, halted + 2);

    // `status` reports the running and stopped nodes.
    let status = net.script_ok(&["status"]);
    let lines: Vec<&str> = status.lines().collect();
    assert_eq!(lines.len(), NODES + 1, "{status}");
    assert!(lines[3].contains("stopped"), "{status}");
    for i in [1, 2, 4] {
        assert!(lines[i].contains("running"), "{status}");
    }
    eprintln!(
        "localnet test done in {:?} (halted at {halted})",
        t0.elapsed()
    );
}

/// genesis/'s Keplr ChainInfo, chain.json and assetlist.json describe the
/// running localnet: chain id, bech32 prefix, denom metadata, endpoints and
/// the minimum gas price, as node 0's RPC and REST API report them.
fn check_chain_metadata(net: &Localnet) {
    let read = |f: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(repo_root().join("genesis").join(f)).unwrap())
            .unwrap()
    };
    let (keplr, chain, assets) = (
        read("keplr-chain-info.json"),
        read("chain.json"),
        read("assetlist.json"),
    );
    let rest = format!("http://127.0.0.1:{}", net.base_port + 7);
    let get = |path: &str| -> Value {
        net.http
            .get(format!("{rest}{path}"))
            .send()
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
            .json()
            .unwrap()
    };
    let network =
        get("/cosmos/base/tendermint/v1beta1/node_info")["default_node_info"]["network"].clone();
    assert_eq!(network, CHAIN_ID);
    assert_eq!(keplr["chainId"], network);
    assert_eq!(chain["chain_id"], network);
    let status = net.rpc(0, "status", json!({})).unwrap();
    assert_eq!(status["node_info"]["network"], network);

    let prefix = get("/cosmos/auth/v1beta1/bech32")["bech32_prefix"].clone();
    assert_eq!(keplr["bech32Config"]["bech32PrefixAccAddr"], prefix);
    assert_eq!(chain["bech32_prefix"], prefix);

    let meta = get("/cosmos/bank/v1beta1/denoms_metadata/ugpc")["metadata"].clone();
    let asset = assets["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["base"] == "ugpc")
        .expect("ugpc in assetlist")
        .clone();
    assert_eq!(asset["display"], meta["display"]);
    assert_eq!(asset["symbol"], meta["symbol"]);
    let exponent = |units: &Value, denom: &Value| {
        units
            .as_array()
            .unwrap()
            .iter()
            .find(|u| &u["denom"] == denom)
            .map(|u| u["exponent"].as_u64().unwrap_or(0))
    };
    let display = meta["display"].clone();
    assert_eq!(
        exponent(&asset["denom_units"], &display),
        exponent(&meta["denom_units"], &display)
    );
    let fee_currency = &keplr["feeCurrencies"][0];
    assert_eq!(fee_currency["coinMinimalDenom"], meta["base"]);
    assert_eq!(
        fee_currency["coinDecimals"].as_u64(),
        exponent(&meta["denom_units"], &display)
    );

    // The node's minimum gas price is Keplr's low step and the registry's minimum.
    let min = get("/cosmos/base/node/v1beta1/config")["minimum_gas_price"]
        .as_str()
        .unwrap()
        .to_string();
    let low = fee_currency["gasPriceStep"]["low"].as_f64().unwrap();
    let fixed = chain["fees"]["fee_tokens"][0]["fixed_min_gas_price"]
        .as_f64()
        .unwrap();
    let node_price: f64 = min.trim_end_matches("ugpc").parse().unwrap();
    assert_eq!(node_price, low, "{min}");
    assert_eq!(node_price, fixed, "{min}");
}

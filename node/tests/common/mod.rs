//! End-to-end harness: a real single-validator chain, `gpuchaind start
//! --with-comet` running the real cometbft binary, on free loopback ports in
//! a temporary home.
#![allow(dead_code)]

pub mod agent;

use std::collections::BTreeSet;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use cosmrs::bank::MsgSend;
use cosmrs::crypto::secp256k1::SigningKey;
use cosmrs::tx::{self, Fee, Msg, SignDoc, SignerInfo};
use cosmrs::{AccountId, Coin, Denom};
use serde_json::{json, Value};

pub const ALICE_MNEMONIC: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
pub const BOB_MNEMONIC: &str = "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong";
pub const CHAIN_ID: &str = "gpuchain-e2e";
pub const GENESIS_COINS: u128 = 1_000_000_000_000;

pub fn gpuchaind_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_gpuchaind"))
}

/// The cometbft binary installed by scripts/install-cometbft.sh. End-to-end
/// tests fail (not skip) without it: they claim chain behaviour.
pub fn cometbft_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("COMETBFT_BIN") {
        return PathBuf::from(p);
    }
    let p = PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".gpuchain/bin/cometbft");
    assert!(
        p.exists(),
        "cometbft not installed: run scripts/install-cometbft.sh (or set COMETBFT_BIN)"
    );
    p
}

/// A free loopback port, never the same one twice in this test process: the
/// probe's listener closes before cometbft or gpuchaind binds the port, so
/// the OS may hand the same port out again (it once gave one node's RPC and
/// P2P listeners the same port, and cometbft failed with "address already in
/// use").
pub fn free_port() -> u16 {
    static GIVEN: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if given.insert(port) {
            return port;
        }
    }
}

pub struct Node {
    pub dir: tempfile::TempDir,
    pub home: PathBuf,
    pub rpc_port: u16,
    pub child: Option<Child>,
    pub log_path: PathBuf,
    http: reqwest::blocking::Client,
}

fn set(doc: &mut toml_edit::DocumentMut, section: Option<&str>, key: &str, v: &str) {
    match section {
        None => doc[key] = toml_edit::value(v),
        Some(s) => doc[s][key] = toml_edit::value(v),
    }
}

impl Node {
    /// `gpuchaind init`, keys for alice and bob from fixed mnemonics, alice
    /// funded in genesis, fast blocks, invariants checked every block.
    pub fn init() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("node");
        let (rpc_port, p2p_port, abci_port) = (free_port(), free_port(), free_port());
        let node = Node {
            log_path: dir.path().join("node.log"),
            dir,
            home,
            rpc_port,
            child: None,
            http: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
        };
        node.cli_ok(&["init", "e2e-node", "--chain-id", CHAIN_ID]);
        node.cli_stdin(&["keys", "add", "alice", "--recover"], ALICE_MNEMONIC);
        node.cli_stdin(&["keys", "add", "bob", "--recover"], BOB_MNEMONIC);
        node.cli_ok(&[
            "genesis",
            "add-account",
            "alice",
            &format!("{GENESIS_COINS}ugpc"),
        ]);

        let cfg = node.home.join("config/config.toml");
        let mut doc: toml_edit::DocumentMut =
            std::fs::read_to_string(&cfg).unwrap().parse().unwrap();
        set(
            &mut doc,
            Some("rpc"),
            "laddr",
            &format!("tcp://127.0.0.1:{rpc_port}"),
        );
        set(
            &mut doc,
            Some("p2p"),
            "laddr",
            &format!("tcp://127.0.0.1:{p2p_port}"),
        );
        set(
            &mut doc,
            None,
            "proxy_app",
            &format!("tcp://127.0.0.1:{abci_port}"),
        );
        set(&mut doc, Some("consensus"), "timeout_commit", "300ms");
        set(&mut doc, Some("consensus"), "timeout_propose", "1s");
        std::fs::write(&cfg, doc.to_string()).unwrap();

        let app = node.home.join("config/app.toml");
        let mut doc: toml_edit::DocumentMut =
            std::fs::read_to_string(&app).unwrap().parse().unwrap();
        set(
            &mut doc,
            None,
            "abci-address",
            &format!("tcp://127.0.0.1:{abci_port}"),
        );
        doc["inv-check-period"] = toml_edit::value(1);
        // Each test node gets its own REST port, so nodes run side by side.
        doc["api"]["address"] = toml_edit::value(format!("tcp://127.0.0.1:{}", free_port()));
        std::fs::write(&app, doc.to_string()).unwrap();
        node
    }

    pub fn node_flag(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.rpc_port)
    }

    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(gpuchaind_bin())
            .args(args)
            .arg("--home")
            .arg(&self.home)
            .env("COMETBFT_BIN", cometbft_bin())
            .output()
            .unwrap()
    }

    pub fn cli_ok(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(
            out.status.success(),
            "gpuchaind {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    pub fn cli_json(&self, args: &[&str]) -> Value {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--output", "json"]);
        let s = self.cli_ok(&all);
        serde_json::from_str(s.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
    }

    pub fn cli_stdin(&self, args: &[&str], input: &str) {
        let mut child = Command::new(gpuchaind_bin())
            .args(args)
            .arg("--home")
            .arg(&self.home)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{input}\n").as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn address(&self, key: &str) -> String {
        self.cli_ok(&["keys", "show", key, "-a"]).trim().to_string()
    }

    /// Starts `gpuchaind start --with-comet` and waits for a first block.
    pub fn start(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .unwrap();
        let child = Command::new(gpuchaind_bin())
            .args(["start", "--with-comet", "--home"])
            .arg(&self.home)
            .env("COMETBFT_BIN", cometbft_bin())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let h = self.height().unwrap_or(0);
        self.wait_height(h + 1, Duration::from_secs(60));
    }

    /// SIGKILL gpuchaind; its cometbft follows (parent-death signal). Waits
    /// until the RPC port is closed.
    pub fn kill9(&mut self) {
        let mut child = self.child.take().expect("node not running");
        child.kill().unwrap();
        child.wait().unwrap();
        let start = Instant::now();
        while self.status().is_ok() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "cometbft did not exit after its app was killed"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn rpc(&self, method: &str, params: Value) -> Result<Value, String> {
        rpc_call(&self.http, self.rpc_port, method, params)
    }

    pub fn status(&self) -> Result<Value, String> {
        self.rpc("status", json!({}))
    }

    pub fn height(&self) -> Result<u64, String> {
        let s = self.status()?;
        Ok(s["sync_info"]["latest_block_height"]
            .as_str()
            .unwrap_or("0")
            .parse()
            .unwrap_or(0))
    }

    pub fn wait_height(&self, h: u64, timeout: Duration) {
        let start = Instant::now();
        loop {
            if self.height().is_ok_and(|x| x >= h) {
                return;
            }
            if start.elapsed() > timeout {
                panic!(
                    "height {h} not reached in {timeout:?}; log:\n{}",
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn log_tail(&self) -> String {
        let s = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        let lines: Vec<&str> = s.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// abci_query through CometBFT's RPC; returns (code, value bytes, height).
    pub fn abci_query(&self, path: &str, data: &[u8], height: u64) -> (u32, Vec<u8>, u64, String) {
        let r = self
            .rpc(
                "abci_query",
                json!({"path": path, "data": hex::encode(data), "height": height.to_string(), "prove": false}),
            )
            .unwrap();
        let resp = &r["response"];
        let value = base64::engine::general_purpose::STANDARD
            .decode(resp["value"].as_str().unwrap_or(""))
            .unwrap();
        (
            resp["code"].as_u64().unwrap_or(0) as u32,
            value,
            resp["height"].as_str().unwrap_or("0").parse().unwrap(),
            resp["log"].as_str().unwrap_or("").to_string(),
        )
    }

    pub fn balance(&self, address: &str, denom: &str) -> u128 {
        use cosmos_sdk_proto::cosmos::bank::v1beta1::{QueryBalanceRequest, QueryBalanceResponse};
        use prost::Message;
        let req = QueryBalanceRequest {
            address: address.into(),
            denom: denom.into(),
        };
        let (code, value, _, log) = self.abci_query(
            "/cosmos.bank.v1beta1.Query/Balance",
            &req.encode_to_vec(),
            0,
        );
        assert_eq!(code, 0, "{log}");
        QueryBalanceResponse::decode(value.as_slice())
            .unwrap()
            .balance
            .unwrap()
            .amount
            .parse()
            .unwrap()
    }

    pub fn block_app_hash(&self, height: u64) -> String {
        let b = self
            .rpc("block", json!({"height": height.to_string()}))
            .unwrap();
        b["block"]["header"]["app_hash"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            unsafe {
                libc::kill(c.id() as i32, libc::SIGTERM);
            }
            let _ = c.wait();
        }
    }
}

/// A signer independent of gpuchaind's own code: cosmrs.
pub struct CosmrsSigner {
    pub key: SigningKey,
    pub address: AccountId,
    pub account_number: u64,
}

impl CosmrsSigner {
    pub fn from_mnemonic(mnemonic: &str, account_number: u64) -> Self {
        // The key bytes come from gpuchain-keyring's derivation, which its own
        // tests pin to the well-known Cosmos vector; signing is all cosmrs.
        let secret = gpuchain_keyring::derive(mnemonic, "", 0).unwrap();
        let key = SigningKey::from_slice(&secret.to_bytes()).unwrap();
        let address = key.public_key().account_id("gpu").unwrap();
        Self {
            key,
            address,
            account_number,
        }
    }

    pub fn send_tx(&self, to: &str, amount: u128, fee: u128, sequence: u64, memo: &str) -> Vec<u8> {
        let msg = MsgSend {
            from_address: self.address.clone(),
            to_address: to.parse().unwrap(),
            amount: vec![Coin {
                denom: "ugpc".parse::<Denom>().unwrap(),
                amount,
            }],
        }
        .to_any()
        .unwrap();
        let body = tx::Body::new(vec![msg], memo, 0u32);
        let fee = Fee::from_amount_and_gas(
            Coin {
                denom: "ugpc".parse().unwrap(),
                amount: fee,
            },
            200_000u64,
        );
        let auth = SignerInfo::single_direct(Some(self.key.public_key()), sequence).auth_info(fee);
        let doc = SignDoc::new(
            &body,
            &auth,
            &CHAIN_ID.parse().unwrap(),
            self.account_number,
        )
        .unwrap();
        doc.sign(&self.key).unwrap().to_bytes().unwrap()
    }
}

pub fn broadcast_sync(node: &Node, tx: &[u8]) -> Result<Value, String> {
    node.rpc(
        "broadcast_tx_sync",
        json!({"tx": base64::engine::general_purpose::STANDARD.encode(tx)}),
    )
}

pub fn home_of(node: &Node) -> &Path {
    &node.home
}

/// Serves the node's REST API (app.toml `[api]`) on a free loopback port with
/// the given CORS origins; call before `start`. Returns the base URL.
pub fn enable_rest_api(node: &Node, cors_origins: &[&str]) -> String {
    let port = free_port();
    let app = node.home.join("config/app.toml");
    let mut doc: toml_edit::DocumentMut = std::fs::read_to_string(&app).unwrap().parse().unwrap();
    doc["api"]["enable"] = toml_edit::value(true);
    doc["api"]["address"] = toml_edit::value(format!("tcp://127.0.0.1:{port}"));
    let mut origins = toml_edit::Array::new();
    for o in cors_origins {
        origins.push(*o);
    }
    doc["api"]["cors-allowed-origins"] = toml_edit::value(origins);
    std::fs::write(&app, doc.to_string()).unwrap();
    format!("http://127.0.0.1:{port}")
}

/// One CometBFT JSON-RPC call on a loopback port: the result, or the error.
pub fn rpc_call(
    http: &reqwest::blocking::Client,
    port: u16,
    method: &str,
    params: Value,
) -> Result<Value, String> {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let resp: Value = http
        .post(format!("http://127.0.0.1:{port}"))
        .json(&body)
        .send()
        .map_err(|e| e.to_string())?
        .json()
        .map_err(|e| e.to_string())?;
    if let Some(e) = resp.get("error") {
        return Err(e.to_string());
    }
    Ok(resp["result"].clone())
}

/// Edits the genesis `app_state` of a node not yet started.
pub fn edit_genesis(node: &Node, f: impl FnOnce(&mut Value)) {
    let path = node.home.join("config/genesis.json");
    let mut g: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    f(&mut g["app_state"]);
    std::fs::write(&path, serde_json::to_string_pretty(&g).unwrap()).unwrap();
}

/// `keys add NAME --recover` with the mnemonic on stdin; returns the address.
pub fn import_key(node: &Node, name: &str, mnemonic: &str) -> String {
    node.cli_stdin(&["keys", "add", name, "--recover"], mnemonic);
    node.address(name)
}

/// A module tx through the generated CLI (fixed gas and fees), waited for;
/// returns its result whatever its code.
pub fn tx(node: &Node, args: &[&str]) -> Value {
    let mut all = vec!["tx"];
    all.extend_from_slice(args);
    let node_flag = node.node_flag();
    all.extend([
        "--node",
        &node_flag,
        "--chain-id",
        CHAIN_ID,
        "--gas",
        "600000",
        "--fees",
        "1500ugpc",
        "--output",
        "json",
    ]);
    let out = node.cli(&all);
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "gpuchaind {all:?}: not JSON ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// [`tx`], asserting it succeeded.
pub fn tx_ok(node: &Node, args: &[&str]) -> Value {
    let r = tx(node, args);
    assert_eq!(r["code"], 0, "{args:?}: {r}");
    r
}

/// A module query through the generated CLI, as JSON.
pub fn query(node: &Node, args: &[&str]) -> Value {
    let mut all = vec!["query"];
    all.extend_from_slice(args);
    let node_flag = node.node_flag();
    all.extend(["--node", &node_flag]);
    node.cli_json(&all)
}

/// The value of `key` in the first event of type `kind` of a tx result.
pub fn event_attr(result: &Value, kind: &str, key: &str) -> Option<String> {
    result["events"].as_array()?.iter().find_map(|e| {
        if e["type"] != kind {
            return None;
        }
        e["attributes"].as_array()?.iter().find_map(|a| {
            (a["key"] == key).then(|| a["value"].as_str().unwrap_or_default().to_string())
        })
    })
}

/// A JSON amount: a number, or a decimal string (an optional `ugpc` suffix
/// allowed).
pub fn num(v: &Value) -> u128 {
    match v {
        Value::String(s) => s
            .trim_end_matches("ugpc")
            .parse()
            .unwrap_or_else(|_| panic!("not a number: {v}")),
        Value::Number(n) => n.as_u64().unwrap().into(),
        _ => panic!("not a number: {v}"),
    }
}

//! Real clients against a real single-validator chain (issue 3, item 5):
//! - the CosmJS 0.39 suite in `tests/cosmjs` (`node --test`), driven by the
//!   npm packages themselves, unchanged;
//! - a cosmrs-signed transfer sent with CometBFT's `broadcast_tx_commit` and
//!   found again with the `tx` endpoint, both responses read with
//!   tendermint-rpc 0.40's own response types (`cosmrs::rpc`).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use common::{CosmrsSigner, Node, ALICE_MNEMONIC, CHAIN_ID, GENESIS_COINS};
use cosmrs::rpc::endpoint::{broadcast::tx_commit, tx as tx_endpoint};
use serde_json::json;
use sha2::{Digest, Sha256};

/// The whole CosmJS suite may take this long (it polls for ~15 txs).
const COSMJS_TIMEOUT: Duration = Duration::from_secs(300);

fn cosmjs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("tests/cosmjs")
}

fn tool_available(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `npm ci` when `node_modules` is missing (scripts/setup.sh keeps it up to
/// date with package-lock.json otherwise).
fn npm_ci_if_missing(dir: &Path) {
    if dir.join("node_modules").is_dir() {
        return;
    }
    assert!(
        tool_available("npm"),
        "npm not found: the CosmJS tests need Node.js >= 18 and npm (scripts/setup.sh)"
    );
    let out = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "npm ci in {} failed:\n{}\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The stamp scripts/setup.sh compares, so it does not install again.
    let lock = std::fs::read(dir.join("package-lock.json")).unwrap();
    std::fs::write(
        dir.join("node_modules/.gpuchain-lock-sha256"),
        format!("{}\n", hex::encode(Sha256::digest(&lock))),
    )
    .unwrap();
}

#[test]
fn should_pass_cosmjs_suite_against_live_chain() {
    let dir = cosmjs_dir();
    assert!(
        tool_available("node"),
        "node not found: the CosmJS tests need Node.js >= 18 (scripts/setup.sh)"
    );
    npm_ci_if_missing(&dir);

    let mut node = Node::init();
    node.start();
    let bob = node.address("bob");

    // Output to a file: no pipe to drain while we watch the clock.
    let out_path = node.dir.path().join("cosmjs.out");
    let out = std::fs::File::create(&out_path).unwrap();
    let mut child = Command::new("node")
        .args(["--test", "--test-reporter=spec"])
        .current_dir(&dir)
        .env(
            "GPUCHAIN_RPC",
            format!("http://127.0.0.1:{}", node.rpc_port),
        )
        .env("GPUCHAIN_CHAIN_ID", CHAIN_ID)
        .env("ALICE_MNEMONIC", ALICE_MNEMONIC)
        .env("BOB_ADDRESS", &bob)
        .env("NO_COLOR", "1")
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > COSMJS_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let output = std::fs::read_to_string(&out_path).unwrap_or_default();
    println!("{output}");
    match status {
        Some(s) if s.success() => {}
        Some(s) => panic!(
            "node --test in {} failed ({s}):\n{output}\n--- node log ---\n{}",
            dir.display(),
            node.log_tail()
        ),
        None => panic!(
            "node --test did not finish in {COSMJS_TIMEOUT:?}:\n{output}\n--- node log ---\n{}",
            node.log_tail()
        ),
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `tx` by hash; the indexer may trail the commit by a moment.
fn tx_by_hash(node: &Node, hash: &[u8]) -> tx_endpoint::Response {
    let start = Instant::now();
    loop {
        match node.rpc("tx", json!({"hash": b64(hash), "prove": false})) {
            Ok(v) => {
                return serde_json::from_value(v.clone())
                    .unwrap_or_else(|e| panic!("tx response ({e}): {v}"))
            }
            Err(e) => assert!(
                start.elapsed() < Duration::from_secs(30),
                "tx {} not found: {e}",
                hex::encode_upper(hash)
            ),
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn commit(node: &Node, tx: &[u8]) -> tx_commit::Response {
    let v = node
        .rpc("broadcast_tx_commit", json!({"tx": b64(tx)}))
        .unwrap();
    serde_json::from_value(v.clone())
        .unwrap_or_else(|e| panic!("broadcast_tx_commit response ({e}): {v}"))
}

fn attribute(events: &[cosmrs::tendermint::abci::Event], kind: &str, key: &str) -> Vec<String> {
    events
        .iter()
        .filter(|e| e.kind == kind)
        .flat_map(|e| &e.attributes)
        .filter(|a| a.key_str().is_ok_and(|k| k == key))
        .map(|a| a.value_str().unwrap().to_string())
        .collect()
}

#[test]
fn should_commit_cosmrs_transfer_with_broadcast_tx_commit_and_find_it_with_tx() {
    let mut node = Node::init();
    node.start();
    let bob = node.address("bob");
    let alice = CosmrsSigner::from_mnemonic(ALICE_MNEMONIC, 0);

    let tx = alice.send_tx(&bob, 4321, 500, 0, "broadcast_tx_commit");
    let r = commit(&node, &tx);
    assert!(r.check_tx.code.is_ok(), "{r:?}");
    assert!(r.tx_result.code.is_ok(), "{r:?}");
    let hash: [u8; 32] = Sha256::digest(&tx).into();
    assert_eq!(r.hash.as_bytes(), &hash[..]);
    assert_eq!(r.hash.to_string(), hex::encode_upper(hash));
    assert!(r.height.value() > 0);
    assert!(r.tx_result.gas_used > 0 && r.tx_result.gas_used <= r.tx_result.gas_wanted);
    assert_eq!(r.tx_result.gas_wanted, 200_000);
    assert!(attribute(&r.tx_result.events, "transfer", "recipient").contains(&bob));
    // The block is committed when broadcast_tx_commit returns.
    assert_eq!(node.balance(&bob, "ugpc"), 4321);
    assert_eq!(
        node.balance(alice.address.as_ref(), "ugpc"),
        GENESIS_COINS - 4321 - 500
    );

    let found = tx_by_hash(&node, &hash);
    assert_eq!(found.hash, r.hash);
    assert_eq!(found.height, r.height);
    assert!(found.tx_result.code.is_ok(), "{found:?}");
    assert_eq!(found.tx_result.gas_used, r.tx_result.gas_used);
    assert_eq!(found.tx, tx);
    let decoded = cosmrs::Tx::from_bytes(&found.tx).unwrap();
    assert_eq!(decoded.body.memo, "broadcast_tx_commit");
    assert_eq!(decoded.auth_info.signer_infos[0].sequence, 0);
    // The block at that height holds exactly these bytes.
    let block = node
        .rpc("block", json!({"height": r.height.value().to_string()}))
        .unwrap();
    let txs = block["block"]["data"]["txs"].as_array().unwrap();
    assert!(txs.iter().any(|t| t.as_str() == Some(b64(&tx).as_str())));

    // A message that fails in the block: CheckTx passes, tx_result carries
    // code 5 in codespace sdk, and `tx` reports the same.
    let too_much = alice.send_tx(&bob, GENESIS_COINS * 2, 500, 1, "");
    let r = commit(&node, &too_much);
    assert!(r.check_tx.code.is_ok(), "{r:?}");
    assert_eq!(r.tx_result.code.value(), 5, "{r:?}");
    assert_eq!(r.tx_result.codespace, "sdk");
    let found = tx_by_hash(&node, r.hash.as_bytes());
    assert_eq!(found.tx_result.code.value(), 5);
    assert_eq!(found.height, r.height);

    // A CheckTx rejection: broadcast_tx_commit returns at once with the code
    // (32, replayed sequence) and nothing is committed.
    let replay = alice.send_tx(&bob, 1, 500, 1, "replay");
    let r = commit(&node, &replay);
    assert_eq!(r.check_tx.code.value(), 32, "{r:?}");
    assert!(r
        .check_tx
        .log
        .contains("account sequence mismatch, expected 2, got 1"));
    assert_eq!(r.height.value(), 0);
    assert!(node
        .rpc(
            "tx",
            json!({"hash": b64(&Sha256::digest(&replay)), "prove": false})
        )
        .is_err());
}

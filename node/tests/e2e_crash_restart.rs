//! Crash safety with the real cometbft: gpuchaind is killed with SIGKILL
//! while txs stream in, restarted (with its cometbft, which exits when its
//! app goes away), and the chain continues on the same app hashes with no tx
//! applied twice or lost once committed.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{CosmrsSigner, Node, ALICE_MNEMONIC, GENESIS_COINS};

const AMOUNT: u128 = 1000;
const FEE: u128 = 500;

#[test]
fn should_resume_with_same_app_hash_after_sigkill_under_load() {
    let mut node = Node::init();
    node.start();
    let bob = node.address("bob");
    let alice_addr = node.address("alice");
    let alice = CosmrsSigner::from_mnemonic(ALICE_MNEMONIC, 0);

    // Stream sends, one sequence after another, until the node goes away.
    let accepted: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let node_rpc = node.rpc_port;
    let loader = {
        let (accepted, stop, bob) = (accepted.clone(), stop.clone(), bob.clone());
        std::thread::spawn(move || {
            let client = reqwest::blocking::Client::new();
            let mut seq = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let tx = alice.send_tx(&bob, AMOUNT, FEE, seq, "");
                let body = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "broadcast_tx_sync",
                    "params": {"tx": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &tx)}});
                let Ok(resp) = client
                    .post(format!("http://127.0.0.1:{node_rpc}"))
                    .json(&body)
                    .send()
                else {
                    break;
                };
                let Ok(v) = resp.json::<serde_json::Value>() else {
                    break;
                };
                if v["result"]["code"] == 0 {
                    accepted
                        .lock()
                        .unwrap()
                        .push(v["result"]["hash"].as_str().unwrap().to_string());
                    seq += 1;
                } else {
                    // Mempool full or sequence raced a recheck: retry after a block.
                    std::thread::sleep(Duration::from_millis(300));
                    seq = current_sequence(node_rpc, seq);
                }
            }
        })
    };

    let h_start = node.height().unwrap();
    node.wait_height(h_start + 4, Duration::from_secs(60));
    node.kill9();
    stop.store(true, Ordering::Relaxed);
    loader.join().unwrap();
    let accepted = accepted.lock().unwrap().clone();
    assert!(
        accepted.len() >= 5,
        "load too light to mean anything: {}",
        accepted.len()
    );

    node.start();
    let h_restart = node.height().unwrap();
    node.wait_height(h_restart + 3, Duration::from_secs(60));

    // App hashes recorded in headers before the kill still chain on: CometBFT
    // checks every replayed block's result against them, and blocks after the
    // restart were built on the recovered state.
    for h in 1..=h_restart {
        assert_eq!(node.block_app_hash(h).len(), 64);
    }
    // The app's own committed state is the one the chain agreed on: its
    // last app hash is the one in the next header.
    let info = node.rpc("abci_info", serde_json::json!({})).unwrap();
    let app_height: u64 = info["response"]["last_block_height"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let app_hash_b64 = info["response"]["last_block_app_hash"].as_str().unwrap();
    let app_hash = hex::encode_upper(
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, app_hash_b64).unwrap(),
    );
    node.wait_height(app_height + 1, Duration::from_secs(30));
    assert_eq!(node.block_app_hash(app_height + 1), app_hash);

    // Count what the blocks themselves hold (CometBFT's tx index is written
    // after a block commits, so a kill -9 may leave the last block unindexed;
    // the blocks and the app state are the truth). Every accepted tx is in
    // at most one block and succeeded there.
    use sha2::Digest;
    let accepted_set: std::collections::BTreeSet<String> = accepted.iter().cloned().collect();
    let mut seen = std::collections::BTreeSet::new();
    let now = node.height().unwrap();
    for h in 1..=now {
        let block = node
            .rpc("block", serde_json::json!({"height": h.to_string()}))
            .unwrap();
        let results = node
            .rpc(
                "block_results",
                serde_json::json!({"height": h.to_string()}),
            )
            .unwrap();
        let txs = block["block"]["data"]["txs"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for (i, tx) in txs.iter().enumerate() {
            let bytes = base64::Engine::decode(
                &base64::engine::general_purpose::STANDARD,
                tx.as_str().unwrap(),
            )
            .unwrap();
            let hash = hex::encode_upper(sha2::Sha256::digest(&bytes));
            assert!(seen.insert(hash.clone()), "tx {hash} is in two blocks");
            if accepted_set.contains(&hash) {
                assert_eq!(
                    results["txs_results"][i]["code"], 0,
                    "tx {hash} failed at height {h}"
                );
            }
        }
    }
    let committed = seen.intersection(&accepted_set).count() as u128;
    let by_sender = node
        .rpc(
            "tx_search",
            serde_json::json!({"query": format!("message.sender='{alice_addr}' AND message.action='/cosmos.bank.v1beta1.MsgSend'"), "per_page": "100"}),
        )
        .unwrap();
    let indexed: u128 = by_sender["total_count"].as_str().unwrap().parse().unwrap();
    assert!(
        indexed <= committed,
        "the index holds no tx the blocks do not"
    );
    eprintln!(
        "accepted {} txs before the kill, {committed} committed ({indexed} indexed); killed at height >= {}, restarted at {h_restart}",
        accepted.len(),
        h_start + 4
    );
    assert!(committed > 0);
    // The app applied each committed tx once: alice's sequence counts them.
    assert_eq!(
        u128::from(current_sequence(node.rpc_port, u64::MAX)),
        committed
    );
    assert_eq!(node.balance(&bob, "ugpc"), committed * AMOUNT);
    assert_eq!(
        node.balance(&alice_addr, "ugpc"),
        GENESIS_COINS - committed * (AMOUNT + FEE)
    );

    // And the chain takes new txs.
    let out = node.cli_json(&[
        "tx",
        "bank",
        "send",
        "alice",
        &bob,
        "1ugpc",
        "--node",
        &node.node_flag(),
        "--chain-id",
        common::CHAIN_ID,
    ]);
    assert_eq!(out["code"], 0, "{out}");
    assert_eq!(node.balance(&bob, "ugpc"), committed * AMOUNT + 1);
}

fn current_sequence(rpc_port: u16, fallback: u64) -> u64 {
    use cosmos_sdk_proto::cosmos::auth::v1beta1::{
        BaseAccount, QueryAccountRequest, QueryAccountResponse,
    };
    use prost::Message;
    let alice = CosmrsSigner::from_mnemonic(ALICE_MNEMONIC, 0);
    let req = QueryAccountRequest {
        address: alice.address.to_string(),
    };
    let body = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "abci_query",
        "params": {"path": "/cosmos.auth.v1beta1.Query/Account", "data": hex::encode(req.encode_to_vec())}});
    let Ok(resp) = reqwest::blocking::Client::new()
        .post(format!("http://127.0.0.1:{rpc_port}"))
        .json(&body)
        .send()
    else {
        return fallback;
    };
    let Ok(v) = resp.json::<serde_json::Value>() else {
        return fallback;
    };
    let Some(b64) = v["result"]["response"]["value"].as_str() else {
        return fallback;
    };
    let raw =
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64).unwrap_or_default();
    QueryAccountResponse::decode(raw.as_slice())
        .ok()
        .and_then(|r| r.account)
        .and_then(|a| BaseAccount::decode(a.value.as_slice()).ok())
        .map_or(fallback, |a| a.sequence)
}

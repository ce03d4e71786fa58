//! End to end, single validator: blocks are produced; a transfer sent with
//! the CLI is committed and visible through abci_query; failing txs report
//! the SDK's codes; a tx signed by cosmrs (an independent signer) is accepted.

mod common;

use std::time::Duration;

use common::{broadcast_sync, CosmrsSigner, Node, ALICE_MNEMONIC, GENESIS_COINS};
use cosmos_sdk_proto::cosmos::auth::v1beta1::{
    BaseAccount, QueryAccountRequest, QueryAccountResponse,
};
use prost::Message;

#[test]
fn should_commit_cli_transfer_and_serve_it_over_abci_query() {
    let mut node = Node::init();
    node.start();
    let h0 = node.height().unwrap();
    node.wait_height(h0 + 2, Duration::from_secs(30));

    let alice = node.address("alice");
    let bob = node.address("bob");
    let out = node.cli_json(&[
        "tx",
        "bank",
        "send",
        "alice",
        &bob,
        "1234ugpc",
        "--node",
        &node.node_flag(),
        "--chain-id",
        common::CHAIN_ID,
        "--fees",
        "600ugpc",
    ]);
    assert_eq!(out["code"], 0, "{out}");
    let hash = out["txhash"].as_str().unwrap().to_string();
    assert_eq!(hash.len(), 64);

    assert_eq!(node.balance(&bob, "ugpc"), 1234);
    assert_eq!(node.balance(&alice, "ugpc"), GENESIS_COINS - 1234 - 600);

    // The CLI reads the same state back.
    let balances = node.cli_json(&[
        "query",
        "bank",
        "balances",
        &bob,
        "--node",
        &node.node_flag(),
    ]);
    assert_eq!(balances["balances"][0]["amount"], "1234");
    let tx = node.cli_json(&["query", "tx", &hash, "--node", &node.node_flag()]);
    assert_eq!(tx["code"], 0);
    // Events are indexed: the tx is found by its sender.
    let found = node
        .rpc(
            "tx_search",
            serde_json::json!({"query": format!("message.sender='{alice}'"), "prove": false}),
        )
        .unwrap();
    assert_eq!(found["total_count"], "1", "{found}");

    // Account: the first tx set the public key and advanced the sequence.
    let req = QueryAccountRequest {
        address: alice.clone(),
    };
    let (code, value, height, _) = node.abci_query(
        "/cosmos.auth.v1beta1.Query/Account",
        &req.encode_to_vec(),
        0,
    );
    assert_eq!(code, 0);
    assert!(height > 0);
    let any = QueryAccountResponse::decode(value.as_slice())
        .unwrap()
        .account
        .unwrap();
    assert_eq!(any.type_url, "/cosmos.auth.v1beta1.BaseAccount");
    let acc = BaseAccount::decode(any.value.as_slice()).unwrap();
    assert_eq!(acc.sequence, 1);
    assert!(acc.pub_key.is_some());

    // Unknown account: what CosmJS turns into "no account yet".
    let req = QueryAccountRequest {
        address: gpuchain_types::Address([0xAB; 20]).to_string(),
    };
    let (code, _, _, log) = node.abci_query(
        "/cosmos.auth.v1beta1.Query/Account",
        &req.encode_to_vec(),
        0,
    );
    assert_eq!(code, 22, "{log}");
    assert!(log.contains("rpc error: code = NotFound"), "{log}");
}

#[test]
fn should_accept_cosmrs_signed_tx_and_keep_fee_when_message_fails() {
    let mut node = Node::init();
    node.start();
    let bob = node.address("bob");
    let alice = CosmrsSigner::from_mnemonic(ALICE_MNEMONIC, 0);

    // An independent signer's tx is accepted and committed.
    let tx = alice.send_tx(&bob, 500, 500, 0, "from cosmrs");
    let r = broadcast_sync(&node, &tx).unwrap();
    assert_eq!(r["code"], 0, "{r}");
    wait_committed(&node, r["hash"].as_str().unwrap());
    assert_eq!(node.balance(&bob, "ugpc"), 500);

    // The very same bytes are refused by CometBFT's mempool cache; a new tx
    // with a replayed sequence is rejected in CheckTx with code 32.
    let e = broadcast_sync(&node, &tx).unwrap_err();
    assert!(e.contains("tx already exists in cache"), "{e}");
    let replay = alice.send_tx(&bob, 500, 500, 0, "again");
    let r = broadcast_sync(&node, &replay).unwrap();
    assert_eq!(r["code"], 32, "{r}");
    assert!(r["log"]
        .as_str()
        .unwrap()
        .contains("account sequence mismatch, expected 1, got 0"));

    // A fee below the node's minimum gas price: code 13, nothing changes.
    let cheap = alice.send_tx(&bob, 1, 1, 1, "");
    let r = broadcast_sync(&node, &cheap).unwrap();
    assert_eq!(r["code"], 13, "{r}");

    // A message that fails in the block (more than alice has) still pays its
    // fee and advances the sequence, as in the Cosmos SDK.
    let before = node.balance(alice.address.as_ref(), "ugpc");
    let too_much = alice.send_tx(&bob, GENESIS_COINS * 2, 500, 1, "");
    let r = broadcast_sync(&node, &too_much).unwrap();
    assert_eq!(r["code"], 0, "CheckTx runs the ante checks only: {r}");
    let res = wait_committed(&node, r["hash"].as_str().unwrap());
    assert_eq!(res["tx_result"]["code"], 5, "{res}");
    assert_eq!(res["tx_result"]["codespace"], "sdk");
    assert_eq!(node.balance(alice.address.as_ref(), "ugpc"), before - 500);
    assert_eq!(node.balance(&bob, "ugpc"), 500);
    let next = alice.send_tx(&bob, 7, 500, 2, "");
    let r = broadcast_sync(&node, &next).unwrap();
    assert_eq!(r["code"], 0, "sequence advanced past the failed tx: {r}");
    wait_committed(&node, r["hash"].as_str().unwrap());
    assert_eq!(node.balance(&bob, "ugpc"), 507);
}

fn wait_committed(node: &Node, hash: &str) -> serde_json::Value {
    use base64::Engine;
    let raw = hex::decode(hash).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
    let start = std::time::Instant::now();
    loop {
        if let Ok(v) = node.rpc("tx", serde_json::json!({"hash": b64, "prove": false})) {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "tx {hash} not committed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

//! End to end on a real chain (issue 4): a provider registers with a bond,
//! reports a (simulated) inventory and opens an offer; a tenant orders GPUs
//! with the CLI; the order is matched in its own block, acknowledged by the
//! provider, billed per second, topped up, and closed with no transaction at
//! the block the formula predicts when its funds run out. Then the same order
//! flow from CosmJS with gpuchain's Msgs in a CosmJS Registry.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{edit_genesis, event_attr, num, query, tx, tx_ok, Node, ALICE_MNEMONIC, CHAIN_ID};
use serde_json::{json, Value};

// ugpc per GPU-hour (1,000 ugpc per second for one GPU), as the shared
// offer helper prices it.
use common::agent::PRICE;
const TAKE_BPS: u128 = 200;

fn block_time_secs(node: &Node, height: u64) -> i64 {
    let b = node
        .rpc("block", json!({"height": height.to_string()}))
        .unwrap();
    let t = b["block"]["header"]["time"].as_str().unwrap();
    // RFC 3339 to Unix seconds without a date crate: `date -d` is on every
    // test machine.
    let out = Command::new("date")
        .args(["-u", "-d", t, "+%s"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// The height whose FinalizeBlock emitted `lease_closed` for `lease_id`.
fn close_height(node: &Node, lease_id: &str, from: u64, to: u64) -> Option<(u64, String)> {
    for h in from..=to {
        let r = node
            .rpc("block_results", json!({"height": h.to_string()}))
            .unwrap();
        for e in r["finalize_block_events"].as_array().into_iter().flatten() {
            if e["type"] != "lease_closed" {
                continue;
            }
            let attrs = e["attributes"].as_array().unwrap();
            let get = |k: &str| {
                attrs
                    .iter()
                    .find(|a| a["key"] == k)
                    .map(|a| a["value"].as_str().unwrap().to_string())
            };
            if get("lease_id").as_deref() == Some(lease_id) {
                return Some((h, get("reason").unwrap_or_default()));
            }
        }
    }
    None
}

fn latest_block(node: &Node) -> (u64, String) {
    let b = node.rpc("block", json!({})).unwrap();
    let h = b["block"]["header"]["height"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let hash = b["block_id"]["hash"].as_str().unwrap().to_lowercase();
    (h, hash)
}

fn wait_until(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn should_match_ack_bill_top_up_and_close_a_lease_when_funds_run_out() {
    let mut node = Node::init();
    edit_genesis(&node, |app| {
        let m = &mut app["market"]["params"];
        m["min_prepaid_secs"] = json!(5);
        m["ack_timeout_secs"] = json!(120);
    });
    let rest = common::enable_rest_api(&node, &[]);
    node.start();
    let alice = node.address("alice");
    let bob = node.address("bob");
    // bob is the provider.
    node.cli_ok(&[
        "tx",
        "bank",
        "send",
        "alice",
        &bob,
        "2000000000ugpc",
        "--node",
        &node.node_flag(),
        "--chain-id",
        CHAIN_ID,
        "--fees",
        "600ugpc",
    ]);
    let bond = "1000000000ugpc";
    tx_ok(
        &node,
        &[
            "attestation",
            "register-provider",
            "--from",
            "bob",
            "--moniker",
            "p1",
            "--region",
            "eu",
            "--endpoint",
            "https://p1.example",
            "--bond",
            bond,
        ],
    );
    let (h, hash) = latest_block(&node);
    let gpus = r#"[{"uuid":"GPU-e2e-0","name":"gpuchain test-cpu","memory_mib":"1024"},{"uuid":"GPU-e2e-1","name":"gpuchain test-cpu","memory_mib":"1024"}]"#;
    tx_ok(
        &node,
        &[
            "attestation",
            "submit-inventory",
            "--from",
            "bob",
            "--provider",
            &bob,
            "--gpus",
            gpus,
            "--block-height",
            &h.to_string(),
            "--block-hash",
            &hash,
        ],
    );
    let price = format!("{PRICE}ugpc");
    common::agent::create_offer(&node, "bob", 2);

    // A bad order changes nothing but its fee: an unknown SKU.
    let bad = tx(
        &node,
        &[
            "market",
            "create-order",
            "--from",
            "alice",
            "--sku",
            "no-such-sku",
            "--gpu-count",
            "1",
            "--max-price-per-gpu-hour",
            &price,
            "--duration",
            "3600",
            "--deposit",
            "20000ugpc",
            "--ttl",
            "600",
        ],
    );
    assert_ne!(bad["code"], 0, "{bad}");

    // The tenant orders: 20,000 ugpc pays 20 s at 1,000 ugpc/s.
    let order = tx_ok(
        &node,
        &[
            "market",
            "create-order",
            "--from",
            "alice",
            "--sku",
            "test-cpu",
            "--gpu-count",
            "1",
            "--max-price-per-gpu-hour",
            &price,
            "--duration",
            "3600",
            "--deposit",
            "20000ugpc",
            "--ttl",
            "600",
        ],
    );
    let lease_id = event_attr(&order, "order_matched", "lease_id")
        .unwrap_or_else(|| panic!("order not matched in its block: {order}"));
    let lease = query(&node, &["market", "lease", &lease_id]);
    assert_eq!(lease["lease"]["state"], "LEASE_STATE_PENDING", "{lease}");

    // Someone else's lease: alice may not acknowledge it.
    let foreign = tx(
        &node,
        &[
            "market",
            "ack-lease",
            "--from",
            "alice",
            "--lease-id",
            &lease_id,
            "--gpu-uuids",
            "GPU-e2e-0",
            "--access",
            "00",
        ],
    );
    assert_eq!(foreign["code"], 4, "{foreign}");
    // A GPU that is not the provider's.
    let foreign_gpu = tx(
        &node,
        &[
            "market",
            "ack-lease",
            "--from",
            "bob",
            "--lease-id",
            &lease_id,
            "--gpu-uuids",
            "GPU-other",
            "--access",
            "00",
        ],
    );
    assert_ne!(foreign_gpu["code"], 0, "{foreign_gpu}");
    let ack = tx_ok(
        &node,
        &[
            "market",
            "ack-lease",
            "--from",
            "bob",
            "--lease-id",
            &lease_id,
            "--gpu-uuids",
            "GPU-e2e-0",
            "--access",
            "0a0b0c",
        ],
    );
    let ack_height: u64 = num(&ack["height"]) as u64;
    // bob sends no tx after this, so every later change of his balance is pay.
    let provider_before = node.balance(&bob, "ugpc");
    let pool = common_pool_address();
    let pool_before = node.balance(&pool, "ugpc");
    let started = block_time_secs(&node, ack_height);
    let lease = query(&node, &["market", "lease", &lease_id]);
    assert_eq!(lease["lease"]["state"], "LEASE_STATE_ACTIVE", "{lease}");
    assert_eq!(lease["lease"]["gpu_uuids"], json!(["GPU-e2e-0"]));

    // Billing: what is owed grows with block time (whole seconds, and
    // blocks come faster than one a second, so poll rather than count blocks).
    let mut owed_then = 0;
    wait_until("something owed", Duration::from_secs(30), || {
        owed_then = num(&query(&node, &["market", "lease", &lease_id])["owed"]["amount"]);
        owed_then > 0
    });
    assert!(owed_then <= 20_000, "owed {owed_then}");

    // A top-up of 10,000 moves the due time 10 s later: due = start + 30 s.
    tx_ok(
        &node,
        &[
            "market",
            "deposit-lease",
            "--from",
            "alice",
            "--lease-id",
            &lease_id,
            "--amount",
            "10000ugpc",
        ],
    );
    let due = started + 30;

    wait_until("the lease to close", Duration::from_secs(120), || {
        query(&node, &["market", "lease", &lease_id])["lease"]["state"] == "LEASE_STATE_CLOSED"
    });
    let now = node.height().unwrap();
    let (closed_at, reason) = close_height(&node, &lease_id, ack_height, now).expect("close event");
    assert_eq!(reason, "insufficient_funds");
    // Closed at the first block whose time reaches the due time.
    assert!(
        block_time_secs(&node, closed_at) >= due,
        "closed before due"
    );
    assert!(block_time_secs(&node, closed_at - 1) < due, "closed late");

    // Every unit accounted for: 30,000 paid, 2% of it to the community pool.
    let take = 30_000 * TAKE_BPS / 10_000;
    assert_eq!(node.balance(&bob, "ugpc") - provider_before, 30_000 - take);
    assert_eq!(node.balance(&pool, "ugpc") - pool_before, take);
    let escrow = query(&node, &["escrow", "account", &escrow_id(&node, &lease_id)]);
    assert_eq!(num(&escrow["account"]["paid"]), 30_000, "{escrow}");
    assert_eq!(num(&escrow["account"]["refunded"]), 0, "{escrow}");
    assert!(node.balance(&alice, "ugpc") > 0);

    check_rest(&rest, &lease_id, &bob);

    // The same flow from CosmJS, on the second GPU.
    run_cosmjs_market(&node);
}

fn get_json(url: &str) -> (u16, Value) {
    let resp = reqwest::blocking::get(url).unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().unwrap())
}

/// The same state through the REST (LCD) routes explorers use.
fn check_rest(base: &str, lease_id: &str, provider: &str) {
    let (status, lease) = get_json(&format!("{base}/gpuchain/market/v1/leases/{lease_id}"));
    assert_eq!(status, 200, "{lease}");
    assert_eq!(
        lease["lease"]["close_reason"], "CLOSE_REASON_INSUFFICIENT_FUNDS",
        "{lease}"
    );
    assert_eq!(
        lease["lease"]["id"], lease_id,
        "64-bit integers are strings: {lease}"
    );
    let (status, leases) = get_json(&format!(
        "{base}/gpuchain/market/v1/leases?provider={provider}&pagination.limit=1&pagination.count_total=true"
    ));
    assert_eq!(status, 200, "{leases}");
    assert_eq!(leases["leases"].as_array().unwrap().len(), 1, "{leases}");
    let (status, summary) = get_json(&format!(
        "{base}/gpuchain/market/v1/summary/test-cpu?denom=ugpc"
    ));
    assert_eq!(status, 200, "{summary}");
    assert_eq!(num(&summary["gpus_offered"]), 2, "{summary}");
    let (status, provider_json) = get_json(&format!(
        "{base}/gpuchain/attestation/v1/providers/{provider}"
    ));
    assert_eq!(status, 200, "{provider_json}");
    let (status, skus) = get_json(&format!("{base}/gpuchain/attestation/v1/skus"));
    assert_eq!(status, 200, "{skus}");
    assert!(skus.to_string().contains("test-cpu"), "{skus}");
    let (status, params) = get_json(&format!("{base}/gpuchain/market/v1/params"));
    assert_eq!(status, 200, "{params}");
    assert_eq!(params["params"]["take_rate_bps"], 200, "{params}");
    // Errors are gateway JSON with a gRPC code: an unknown lease, a bad id.
    let (status, missing) = get_json(&format!("{base}/gpuchain/market/v1/leases/999"));
    assert_eq!(status, 404, "{missing}");
    let (status, bad) = get_json(&format!("{base}/gpuchain/market/v1/leases/abc"));
    assert_eq!((status, bad["code"].clone()), (400, json!(3)), "{bad}");
}

fn common_pool_address() -> String {
    gpuchain_types::Address::module("distribution").to_string()
}

fn escrow_id(node: &Node, lease_id: &str) -> String {
    let lease = query(node, &["market", "lease", lease_id]);
    lease["lease"]["order_id"].as_str().unwrap().to_string()
}

fn run_cosmjs_market(node: &Node) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("tests/cosmjs");
    assert!(
        dir.join("node_modules").is_dir(),
        "tests/cosmjs/node_modules missing: run scripts/setup.sh"
    );
    let out = Command::new("node")
        .args(["--test", "market.test.js"])
        .current_dir(&dir)
        .env(
            "GPUCHAIN_RPC",
            format!("http://127.0.0.1:{}", node.rpc_port),
        )
        .env("GPUCHAIN_CHAIN_ID", CHAIN_ID)
        .env("TENANT_MNEMONIC", ALICE_MNEMONIC)
        .env("MARKET_SKU", "test-cpu")
        .env("MARKET_PRICE", PRICE.to_string())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("# pass 1"),
        "CosmJS market flow failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

//! End to end on a real chain: one provider whose GPUs are on two hosts,
//! each running its own `gpuchain-agent` (its own agent key, `[provider]
//! host` set). Each report replaces its own host's GPUs only, so the two
//! agents do not undo each other's reports; an order is matched only where
//! one host has enough free GPUs, and only that host's agent acknowledges
//! it, with its own GPUs; no agent tx fails. An agent that was down while
//! its lease closed runs the lease's stop hook once restarted.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::agent::*;
use common::{edit_genesis, query, tx_ok, Node};
use serde_json::Value;

const H1: [&str; 2] = [
    "GPU-b0571111-0000-4000-8000-000000000001",
    "GPU-b0571111-0000-4000-8000-000000000002",
];
const H2: &str = "GPU-b0572222-0000-4000-8000-000000000001";

/// The provider's GPUs on chain: uuid -> host.
fn hosts(node: &Node, provider: &str) -> BTreeMap<String, String> {
    query(node, &["attestation", "gpus", "--provider", provider])["gpus"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            let s = |k: &str| g[k].as_str().unwrap_or_default().to_string();
            (s("uuid"), s("host"))
        })
        .collect()
}

/// How many inventory reports the agent got committed.
fn reports(a: &Agent) -> usize {
    a.log_lines()
        .iter()
        .filter(|l| l["message"] == "tx committed" && l["tx"] == "submit_inventory")
        .count()
}

fn active(node: &Node, id: &str) -> Option<Value> {
    let l = lease(node, id);
    (l["lease"]["state"] == "LEASE_STATE_ACTIVE").then_some(l)
}

#[test]
fn should_serve_one_provider_from_two_hosts_without_undoing_reports_or_racing() {
    agent_bin();
    let mut node = Node::init();
    let bob = node.address("bob");
    let agent1 = agent_address(AGENT1_MNEMONIC);
    let agent2 = agent_address(AGENT2_MNEMONIC);
    for (who, coins) in [
        (&bob, "10000000000ugpc"),
        (&agent1, "100000000ugpc"),
        (&agent2, "100000000ugpc"),
    ] {
        node.cli_ok(&["genesis", "add-account", who, coins]);
    }
    edit_genesis(&node, |app| {
        app["market"]["params"]["min_prepaid_secs"] = serde_json::json!(5);
        app["attestation"]["params"]["random_challenges_per_gpu_day"] = serde_json::json!(0);
    });
    node.start();
    register(&node, "bob", "p1", &agent1);
    tx_ok(
        &node,
        &[
            "attestation",
            "authorize-agent",
            "--from",
            "bob",
            "--agent",
            &agent2,
        ],
    );
    let dir = node.dir.path().to_path_buf();
    let gpu = |uuid: &str, bus: &str| gpu_json(uuid, TEST_CPU_NAME, 1024, bus);
    let cfg1 = agent_files(
        &node,
        &dir.join("h1"),
        &bob,
        AGENT1_MNEMONIC,
        vec![
            gpu(H1[0], "00000000:01:00.0"),
            gpu(H1[1], "00000000:02:00.0"),
        ],
        "honest",
        Some("rack1-h1"),
    );
    let cfg2 = agent_files(
        &node,
        &dir.join("h2"),
        &bob,
        AGENT2_MNEMONIC,
        vec![gpu(H2, "00000000:01:00.0")],
        "honest",
        Some("rack1-h2"),
    );
    let mut a1 = Agent::start(&cfg1, dir.join("h1/run.log"));
    let mut a2 = Agent::start(&cfg2, dir.join("h2/run.log"));

    // Both hosts' GPUs on chain, each under its host.
    let want: BTreeMap<String, String> =
        [(H1[0], "rack1-h1"), (H1[1], "rack1-h1"), (H2, "rack1-h2")]
            .iter()
            .map(|(u, h)| (u.to_string(), h.to_string()))
            .collect();
    wait_for("both hosts' inventories", &mut [&mut a1, &mut a2], || {
        (hosts(&node, &bob) == want).then_some(())
    });
    // And they stay: over 20 polls neither agent reports again (with one
    // inventory per provider, each report removed the other host's GPUs and
    // the agents took turns).
    std::thread::sleep(Duration::from_secs(6));
    assert_eq!(hosts(&node, &bob), want);
    assert_eq!((reports(&a1), reports(&a2)), (1, 1));

    create_offer(&node, "bob", 3);
    // Two GPUs: only rack1-h1 has two; its agent acknowledges with both.
    let (l1, _) = order_gpus(&node, "alice", &bob, 600_000, 2);
    let lease1 = wait_for(
        &format!("lease {l1} active"),
        &mut [&mut a1, &mut a2],
        || active(&node, &l1),
    );
    assert_eq!(lease1["lease"]["host"], "rack1-h1", "{lease1}");
    let mut uuids: Vec<String> =
        serde_json::from_value(lease1["lease"]["gpu_uuids"].clone()).unwrap();
    uuids.sort();
    assert_eq!(uuids, H1, "{lease1}");
    // One GPU: rack1-h1 is full, so rack1-h2 serves it.
    let (l2, _) = order_gpus(&node, "alice", &bob, 600_000, 1);
    let lease2 = wait_for(
        &format!("lease {l2} active"),
        &mut [&mut a1, &mut a2],
        || active(&node, &l2),
    );
    assert_eq!(lease2["lease"]["host"], "rack1-h2", "{lease2}");
    assert_eq!(lease2["lease"]["gpu_uuids"][0], H2, "{lease2}");
    // Each lease acknowledged once, by its host's agent; the other agent
    // never tried it.
    for (l, by, other) in [(&l1, &agent1, &a2), (&l2, &agent2, &a1)] {
        let acks = tx_search(&node, &format!("lease_acked.lease_id={l}"));
        assert_eq!(acks.len(), 1, "lease {l} acknowledged {} times", acks.len());
        assert!(tx_events_have(&acks[0], "tx", "fee_payer", by));
        assert_eq!(acking(other, l), 0, "{}", other.log_text());
    }
    // Each host's agent answers its lease's challenges.
    let started = Instant::now();
    for l in [&l1, &l2] {
        let ch = wait_for(
            &format!("lease {l}'s challenge resolved"),
            &mut [&mut a1, &mut a2],
            || resolved_ack_challenge(&node, &bob, l),
        );
        assert_eq!(ch["status"], "CHALLENGE_STATUS_PASSED", "{ch}");
    }
    // No agent tx failed, in CheckTx or in a block.
    for (a, addr) in [(&a1, &agent1), (&a2, &agent2)] {
        for t in tx_search(&node, &format!("tx.fee_payer='{addr}'")) {
            assert_eq!(t["tx_result"]["code"], 0, "a failed agent tx: {t}");
        }
        for kind in ["ack_lease", "submit_inventory", "challenge_commit"] {
            assert!(rejected(a, kind).is_empty(), "{}", a.log_text());
        }
    }
    // rack1-h2's agent is down while its lease closes; restarted, it runs
    // the lease's stop hook (the workload must not outlive the lease).
    a2.kill9();
    close_lease(&node, "alice", &l2);
    let stop = dir.join(format!("h2/stop-{l2}.json"));
    assert!(!stop.exists());
    let mut a2b = Agent::start(&cfg2, dir.join("h2/run2.log"));
    let hook = wait_for(&format!("lease {l2}'s stop hook"), &mut [&mut a2b], || {
        hook_output(&stop)
    });
    assert_eq!(hook["close_reason"], "tenant_closed", "{hook}");
    assert_eq!(hook["id"].to_string(), l2, "{hook}");
    eprintln!(
        "e2e_agent_hosts: both leases served by their hosts; challenges in {:?}",
        started.elapsed()
    );
}

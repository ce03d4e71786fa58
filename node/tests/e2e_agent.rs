//! End to end on a real chain with the real `gpuchain-agent` (issue: agent
//! daemon). Two providers, each running an agent on a simulated `test-cpu`
//! inventory (a JSON file):
//!
//! - an honest agent reports its inventory, acknowledges its provider's
//!   lease with free GPUs of the lease's SKU (encrypted access to the
//!   tenant) and answers the acknowledgement challenge in time (it passes);
//!   killed with SIGKILL right after a second order and restarted, it
//!   acknowledges that lease exactly once (one `MsgAckLease` on chain, no
//!   failed transaction) and answers its challenge too; it runs its hooks,
//!   and rides out a node kill and restart (R6);
//! - an agent configured to answer challenges wrongly gets a lease, fails
//!   the challenge, its provider is slashed by `fail_slash_bps` and jailed,
//!   and the tenant is refunded the unused time plus its share of the slash.
//!
//! The agent binary is found next to gpuchaind (`cargo build -p
//! gpuchain-agent`; `cargo test --workspace` builds it), or at
//! `$GPUCHAIN_AGENT_BIN`.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::agent::*;
use common::{edit_genesis, import_key, num, query, Node};
use serde_json::json;

#[test]
fn should_ack_once_across_a_kill_pass_honest_challenges_and_slash_a_wrong_agent() {
    let started = Instant::now();
    // Fail fast, before any chain is started, when the agent is not built.
    agent_bin();
    let mut node = Node::init();
    let bob = node.address("bob");
    let carol = import_key(&node, "carol", CAROL_MNEMONIC);
    let dave = import_key(&node, "dave", DAVE_MNEMONIC);
    let agent1 = agent_address(AGENT1_MNEMONIC);
    let agent2 = agent_address(AGENT2_MNEMONIC);
    for (who, coins) in [
        (bob.as_str(), "10000000000ugpc"),
        (carol.as_str(), "10000000000ugpc"),
        (dave.as_str(), "1000000000ugpc"),
        (agent1.as_str(), "100000000ugpc"),
        (agent2.as_str(), "100000000ugpc"),
    ] {
        node.cli_ok(&["genesis", "add-account", who, coins]);
    }
    edit_genesis(&node, |app| {
        app["market"]["params"]["min_prepaid_secs"] = json!(5);
        app["market"]["params"]["ack_timeout_secs"] = json!(120);
        // No random challenges: only the acknowledgement challenges this
        // test asserts on.
        app["attestation"]["params"]["random_challenges_per_gpu_day"] = json!(0);
    });
    node.start();

    // Provider 1 (bob) with an honest agent; provider 2 (carol) with an agent
    // that answers challenges wrongly.
    register(&node, "bob", "p1", &agent1);
    register(&node, "carol", "p2", &agent2);
    let dir = node.dir.path().to_path_buf();
    let inv1 = vec![
        gpu_json(GPU1[1], TEST_CPU_NAME, 1024, "00000000:02:00.0"),
        gpu_json(
            GPU1_H100,
            "NVIDIA H100 80GB HBM3",
            81_559,
            "00000000:03:00.0",
        ),
        gpu_json(GPU1[0], TEST_CPU_NAME, 1024, "00000000:01:00.0"),
    ];
    let cfg1 = agent_files(
        &node,
        &dir.join("agent1"),
        &bob,
        AGENT1_MNEMONIC,
        inv1,
        "honest",
        None,
    );
    let cfg2 = agent_files(
        &node,
        &dir.join("agent2"),
        &carol,
        AGENT2_MNEMONIC,
        vec![gpu_json(GPU2, TEST_CPU_NAME, 1024, "00000000:01:00.0")],
        "wrong",
        None,
    );
    let mut a1 = Agent::start(&cfg1, dir.join("agent1/run1.log"));
    let mut a2 = Agent::start(&cfg2, dir.join("agent2/run1.log"));

    // L0: both inventories accepted, each GPU mapped to its SKU.
    wait_for("both inventories on chain", &mut [&mut a1, &mut a2], || {
        let g1 = chain_gpus(&node, &bob);
        let g2 = chain_gpus(&node, &carol);
        (g1.len() == 3 && g2.len() == 1).then_some(())
    });
    let g1: BTreeSet<(String, String)> = chain_gpus(&node, &bob).into_iter().collect();
    let want: BTreeSet<(String, String)> = [
        (GPU1[0], "test-cpu"),
        (GPU1[1], "test-cpu"),
        (GPU1_H100, "nvidia-h100-sxm-80gb"),
    ]
    .iter()
    .map(|(u, s)| (u.to_string(), s.to_string()))
    .collect();
    assert_eq!(g1, want);
    assert_eq!(
        chain_gpus(&node, &carol),
        vec![(GPU2.to_string(), "test-cpu".to_string())]
    );

    create_offer(&node, "bob", 2);
    create_offer(&node, "carol", 1);

    // The tenants order: alice from bob (honest), dave from carol (faulty).
    let (l1, _) = order(&node, "alice", &bob, 600_000);
    let dave_before = node.balance(&dave, "ugpc");
    let dave_deposit: u128 = 100_000;
    let (l3, _) = order(&node, "dave", &carol, dave_deposit);

    // The honest agent acknowledges lease 1 with one of its test-cpu GPUs.
    let lease1 = wait_for(
        &format!("lease {l1} acknowledged"),
        &mut [&mut a1, &mut a2],
        || {
            let l = lease(&node, &l1);
            (l["lease"]["state"] == "LEASE_STATE_ACTIVE").then_some(l)
        },
    );
    let uuids1: Vec<String> = serde_json::from_value(lease1["lease"]["gpu_uuids"].clone()).unwrap();
    assert_eq!(uuids1.len(), 1, "{lease1}");
    assert!(GPU1.contains(&uuids1[0].as_str()), "{lease1}");
    assert!(
        !lease1["lease"]["access"]
            .as_str()
            .unwrap_or_default()
            .is_empty(),
        "access must be set: {lease1}"
    );
    // Its acknowledgement challenge on that GPU is answered and passes.
    let ch1 = wait_for(
        "lease 1's challenge resolved",
        &mut [&mut a1, &mut a2],
        || resolved_ack_challenge(&node, &bob, &l1),
    );
    assert_eq!(ch1["status"], "CHALLENGE_STATUS_PASSED", "{ch1}");
    assert_eq!(ch1["gpu_uuid"], uuids1[0].as_str(), "{ch1}");
    assert!(
        num(&ch1["resolved_at"]) <= num(&ch1["open_deadline"]),
        "{ch1}"
    );
    // The start hook ran with the lease.
    let hook1 = dir.join(format!("agent1/start-{l1}.json"));
    let hook = wait_for(&format!("lease {l1}'s start hook"), &mut [&mut a1], || {
        hook_output(&hook1)
    });
    assert_eq!(hook["id"].to_string(), l1, "{hook}");
    assert_eq!(hook["gpu_uuids"], json!(uuids1), "{hook}");
    assert_eq!(hook["state"], "active", "{hook}");

    // A second order from alice; the agent is killed with SIGKILL the moment
    // it logs that it is acknowledging it (its tx signed, in flight or just
    // committed), and restarted.
    let (l2, _) = order(&node, "alice", &bob, 600_000);
    let start = Instant::now();
    while acking(&a1, &l2) == 0 && start.elapsed() < WAIT {
        a1.assert_running();
        std::thread::sleep(Duration::from_millis(5));
    }
    a1.kill9();
    assert_eq!(acking(&a1, &l2), 1, "agent 1 never tried lease {l2}");
    let mut a1b = Agent::start(&cfg1, dir.join("agent1/run2.log"));
    let lease2 = wait_for(
        &format!("lease {l2} acknowledged"),
        &mut [&mut a1b, &mut a2],
        || {
            let l = lease(&node, &l2);
            (l["lease"]["state"] == "LEASE_STATE_ACTIVE").then_some(l)
        },
    );
    let uuids2: Vec<String> = serde_json::from_value(lease2["lease"]["gpu_uuids"].clone()).unwrap();
    assert_eq!(uuids2.len(), 1, "{lease2}");
    assert!(GPU1.contains(&uuids2[0].as_str()), "{lease2}");
    assert_ne!(uuids1, uuids2, "one GPU serves two leases");
    let ch2 = wait_for(
        "lease 2's challenge resolved",
        &mut [&mut a1b, &mut a2],
        || resolved_ack_challenge(&node, &bob, &l2),
    );
    assert_eq!(ch2["status"], "CHALLENGE_STATUS_PASSED", "{ch2}");
    assert_eq!(ch2["gpu_uuid"], uuids2[0].as_str(), "{ch2}");

    // The faulty agent: lease 3 acknowledged, its challenge failed.
    let ch3 = wait_for(
        "lease 3's challenge resolved",
        &mut [&mut a1b, &mut a2],
        || resolved_ack_challenge(&node, &carol, &l3),
    );
    assert_eq!(ch3["status"], "CHALLENGE_STATUS_FAILED", "{ch3}");
    assert_eq!(ch3["gpu_uuid"], GPU2, "{ch3}");
    let lease3 = wait_for(&format!("lease {l3} closed"), &mut [&mut a2], || {
        let l = lease(&node, &l3);
        (l["lease"]["state"] == "LEASE_STATE_CLOSED").then_some(l)
    });
    assert_eq!(
        lease3["lease"]["close_reason"], "CLOSE_REASON_PROVIDER_FAULTED",
        "{lease3}"
    );
    assert_eq!(lease3["lease"]["gpu_uuids"], json!([GPU2]), "{lease3}");

    // Slashed by fail_slash_bps and jailed.
    let slash = BOND * FAIL_SLASH_BPS / 10_000;
    let p2 = query(&node, &["attestation", "provider", &carol]);
    assert_eq!(num(&p2["provider"]["bond"]["amount"]), BOND - slash, "{p2}");
    assert_eq!(num(&p2["provider"]["total_slashed"]), slash, "{p2}");
    assert_eq!(p2["provider"]["failed_challenges"], 1, "{p2}");
    assert!(num(&p2["provider"]["jailed_until"]) > 0, "{p2}");
    assert_eq!(num(&ch3["slashed"]), slash, "{ch3}");
    // The honest provider's bond is untouched.
    let p1 = query(&node, &["attestation", "provider", &bob]);
    assert_eq!(num(&p1["provider"]["bond"]["amount"]), BOND, "{p1}");

    // The tenant: refunded the unused time, plus half the slash.
    let escrow = &lease3["escrow"];
    let paid = num(&escrow["paid"]);
    let refunded = num(&escrow["refunded"]);
    assert_eq!(paid + refunded, dave_deposit, "{lease3}");
    let secs = num(&lease3["lease"]["closed_at"]) - num(&lease3["lease"]["started_at"]);
    assert_eq!(
        paid,
        PRICE * secs / 3_600,
        "billed to the failure: {lease3}"
    );
    let compensation = slash * TENANT_SHARE_BPS / 10_000;
    assert_eq!(
        node.balance(&dave, "ugpc"),
        dave_before - TX_FEE - dave_deposit + refunded + compensation,
        "dave: deposit {dave_deposit}, paid {paid}, refunded {refunded}, compensation {compensation}"
    );

    // The tenant closes lease 1: the agent runs the stop hook. Then the node
    // is killed and restarted under the running agent (an RPC outage): a new
    // lease is still acknowledged, on the GPU lease 1 freed, and challenged.
    close_lease(&node, "alice", &l1);
    let stop1 = dir.join(format!("agent1/stop-{l1}.json"));
    let hook = wait_for(&format!("lease {l1}'s stop hook"), &mut [&mut a1b], || {
        hook_output(&stop1)
    });
    assert_eq!(hook["close_reason"], "tenant_closed", "{hook}");
    node.kill9();
    std::thread::sleep(Duration::from_secs(1));
    a1b.assert_running();
    node.start();
    let (l4, _) = order(&node, "alice", &bob, 600_000);
    let lease4 = wait_for(&format!("lease {l4} acknowledged"), &mut [&mut a1b], || {
        let l = lease(&node, &l4);
        (l["lease"]["state"] == "LEASE_STATE_ACTIVE").then_some(l)
    });
    assert_eq!(lease4["lease"]["gpu_uuids"], json!(uuids1), "{lease4}");
    let ch4 = wait_for(
        &format!("lease {l4}'s challenge resolved"),
        &mut [&mut a1b],
        || resolved_ack_challenge(&node, &bob, &l4),
    );
    assert_eq!(ch4["status"], "CHALLENGE_STATUS_PASSED", "{ch4}");

    // Exactly one acknowledgement per lease on chain, each by the agent.
    for l in [&l1, &l2, &l4] {
        let acks = tx_search(&node, &format!("lease_acked.lease_id={l}"));
        assert_eq!(acks.len(), 1, "lease {l} acknowledged {} times", acks.len());
        assert!(tx_events_have(&acks[0], "tx", "fee_payer", &agent1));
        assert!(on_chain(&node, acks[0]["hash"].as_str().unwrap()));
    }
    // Every tx the honest agent sent went through (none failed in a block),
    // and its sequence counts exactly those: nothing else was signed.
    let sent = tx_search(&node, &format!("tx.fee_payer='{agent1}'"));
    for t in &sent {
        assert_eq!(t["tx_result"]["code"], 0, "a failed agent tx: {t}");
    }
    let acc = query(&node, &["auth", "account", &agent1]);
    assert_eq!(
        num(&acc["account"]["sequence"]),
        sent.len() as u128,
        "{acc}"
    );
    // Nothing was refused, before the kill or after the restart: the
    // restarted agent waits for the mempool (which may still hold the ack
    // it sent before it was killed) before it reads the chain.
    assert!(rejected(&a1, "ack_lease").is_empty(), "{}", a1.log_text());
    let refused = rejected(&a1b, "ack_lease");
    assert!(refused.is_empty(), "{}", a1b.log_text());
    for r in &refused {
        let hash = r["txhash"].as_str().unwrap_or_default();
        if !hash.is_empty() {
            assert!(!on_chain(&node, hash), "a refused ack is on chain: {r}");
        }
    }
    let refused = refused.len();
    // Agent 2 acknowledged its lease once, answered, and was never refused.
    assert_eq!(
        tx_search(&node, &format!("lease_acked.lease_id={l3}")).len(),
        1
    );
    assert!(rejected(&a2, "ack_lease").is_empty(), "{}", a2.log_text());
    eprintln!(
        "e2e_agent: lease {l2} acknowledging lines: {} before the kill, {} after \
         ({refused} refused, never in a block); agent 1 sent {} txs; done in {:?}",
        acking(&a1, &l2),
        acking(&a1b, &l2),
        sent.len(),
        started.elapsed()
    );
}

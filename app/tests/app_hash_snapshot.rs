//! The app hash of a fixed history is pinned: genesis and two blocks of
//! fixed txs at fixed times. Any change to how consensus state is encoded or
//! keyed changes these constants and fails here, so it shows up in review.
//! Two independent App instances agree on every hash (determinism).

mod common;

use common::*;

const GENESIS_APP_HASH: &str = "A34D902E18EE0D381EFC79F2B3A21DE166DED2E05EC6482A4CA5643F163AB110";
const BLOCK_1_APP_HASH: &str = "F17E0FDB98E39B456881BA75F69389B806535950ECAC8DECB0CAEE9D769E9D41";
const BLOCK_2_APP_HASH: &str = "1BF498E0F29B34B6AF3BEA265C98034CE26FBD91B5281EA4A3C4C499D96D3B7E";

/// Runs the fixed history on a fresh store; returns the hex app hashes of
/// genesis, block 1 and block 2.
fn run_history() -> [String; 3] {
    let (alice, bob) = (alice(), bob());
    let mut chain = TestChain::open(tempfile::tempdir().expect("temp dir"));
    let genesis = chain.init_chain();

    // Block 1: alice -> bob 1000.
    let b1 = chain.deliver(&[CosmrsSend::new(&alice, &bob, 1_000, 0).bytes()]);
    assert!(
        b1.tx_results.iter().all(|r| r.code == 0),
        "{:?}",
        b1.tx_results
    );

    // Block 2: bob -> alice 2500, alice -> bob 7 with a memo, and one that
    // fails in its message (fee and sequence only).
    let mut memo_send = CosmrsSend::new(&alice, &bob, 7, 1);
    memo_send.memo = "snapshot";
    let overdraft = CosmrsSend::new(&bob, &alice, BOB_FUNDS, 1).bytes();
    let b2 = chain.deliver(&[
        CosmrsSend::new(&bob, &alice, 2_500, 0).bytes(),
        memo_send.bytes(),
        overdraft,
    ]);
    let codes: Vec<u32> = b2.tx_results.iter().map(|r| r.code).collect();
    assert_eq!(codes, [0, 0, 5]);

    let (height, committed) = chain.app.last_committed().expect("last committed");
    assert_eq!(height, 2);
    assert_eq!(committed, b2.app_hash.to_vec());
    [genesis, b1.app_hash, b2.app_hash].map(hex::encode_upper)
}

#[test]
fn should_match_pinned_app_hashes_when_replaying_fixed_history() {
    let hashes = run_history();
    assert_eq!(
        hashes,
        [GENESIS_APP_HASH, BLOCK_1_APP_HASH, BLOCK_2_APP_HASH].map(String::from),
        "consensus state encoding changed; if intended, update the constants"
    );
}

#[test]
fn should_compute_identical_app_hashes_when_two_apps_run_same_blocks() {
    let first = run_history();
    let second = run_history();
    assert_eq!(first, second);
    assert_ne!(first[0], first[1]);
    assert_ne!(first[1], first[2]);
}

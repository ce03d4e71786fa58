//! The app hash of a fixed history is pinned: genesis and two blocks of
//! fixed txs at fixed times. Any change to how consensus state is encoded or
//! keyed changes these constants and fails here, so it shows up in review.
//! Two independent App instances agree on every hash (determinism).

mod common;

use common::*;

const GENESIS_APP_HASH: &str = "48F16140949B52478C11BF167FA3CBFD1E93BDBF8D4587F2837BDF6FF2430D6A";
const BLOCK_1_APP_HASH: &str = "E4E4BAE5B955FD9E67AA6421C5FE36BB130224266C34FBB856C40E7D9D4BF2D1";
const BLOCK_2_APP_HASH: &str = "7A2E7C7CDF6B0E62FC368D53751A4E165435122DA7D50F0CD83E2608501D6565";

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

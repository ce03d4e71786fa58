//! A crash between FinalizeBlock and Commit loses nothing committed and
//! leaves nothing half-written: the store reopens at the last committed
//! height and app hash, and re-executing the block gives the same app hash.

mod common;

use common::*;

fn send(sequence: u64) -> Vec<u8> {
    CosmrsSend::new(&alice(), &bob(), 1_000, sequence).bytes()
}

#[test]
fn should_reopen_at_last_commit_when_app_dropped_before_commit() {
    let mut chain = TestChain::new();
    let (h1, hash1) = chain.app.last_committed().expect("committed");
    assert_eq!(h1, 1);

    let tx = send(0);
    let first = chain.finalize(std::slice::from_ref(&tx));
    assert_ok(&first.tx_results[0]);
    // Crash: the app goes away without Commit.
    let mut chain = chain.reopen();

    assert_eq!(chain.app.last_committed().expect("committed"), (1, hash1));
    assert_eq!(chain.height, 1);
    assert_eq!(chain.balance(&alice().addr()), ALICE_FUNDS);
    assert_eq!(chain.balance(&bob().addr()), BOB_FUNDS);
    assert_eq!(chain.sequence(&alice()), 0);
    assert!(chain
        .account(&alice().addr())
        .expect("alice")
        .pub_key
        .is_none());

    // CometBFT replays the block: same result, same app hash.
    let again = chain.finalize(&[tx]);
    assert_eq!(again.app_hash, first.app_hash);
    assert_eq!(again.tx_results, first.tx_results);
    chain.commit();
    assert_eq!(
        chain.app.last_committed().expect("committed"),
        (2, first.app_hash.to_vec())
    );
    assert_eq!(chain.balance(&bob().addr()), BOB_FUNDS + 1_000);
}

#[test]
fn should_reopen_at_new_height_when_block_committed() {
    let mut chain = TestChain::new();
    let out = chain.deliver(&[send(0)]);
    assert_ok(&out.tx_results[0]);
    let mut chain = chain.reopen();

    assert_eq!(
        chain.app.last_committed().expect("committed"),
        (2, out.app_hash.to_vec())
    );
    assert_eq!(chain.height, 2);
    assert_eq!(chain.app.chain_id().expect("chain id"), CHAIN_ID);
    assert_eq!(chain.balance(&bob().addr()), BOB_FUNDS + 1_000);
    assert_eq!(chain.sequence(&alice()), 1);

    // The reopened chain goes on: the mempool and the next block see the
    // committed sequence.
    let next = send(1);
    assert_ok(&chain.check_tx(&next));
    assert_ok(&chain.deliver(&[next]).tx_results[0]);
    assert_eq!(chain.app.last_committed().expect("committed").0, 3);
    assert_eq!(chain.balance(&bob().addr()), BOB_FUNDS + 2_000);
}

#[test]
fn should_restart_from_genesis_when_first_block_never_committed() {
    let mut chain = TestChain::open(tempfile::tempdir().expect("temp dir"));
    let genesis_hash = chain.init_chain();
    let first = chain.finalize(&[send(0)]);
    let mut chain = chain.reopen();

    assert_eq!(chain.app.last_committed().expect("committed"), (0, vec![]));
    assert_eq!(chain.height, 0);
    // CometBFT runs InitChain again, then replays block 1.
    assert_eq!(chain.init_chain(), genesis_hash);
    let again = chain.finalize(&[send(0)]);
    assert_eq!(again.app_hash, first.app_hash);
    chain.commit();
    assert_eq!(
        chain.app.last_committed().expect("committed"),
        (1, first.app_hash.to_vec())
    );
}

#[test]
fn should_replace_block_result_when_same_height_finalized_twice() {
    // A proposal executed and then replaced by another at the same height.
    let mut chain = TestChain::new();
    let replaced = chain.finalize(&[send(0)]);
    chain.height -= 1;
    let empty = chain.finalize(&[]);
    assert_ne!(empty.app_hash, replaced.app_hash);
    chain.commit();
    assert_eq!(chain.sequence(&alice()), 0);
    assert_eq!(chain.balance(&alice().addr()), ALICE_FUNDS);
}

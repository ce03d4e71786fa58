//! CheckTx of a pipelined batch (`App::check_txs`: txs checked in order
//! while other cores verify signatures) answers exactly what checking the
//! same txs one by one answers, good and bad txs mixed, and leaves the same
//! mempool state behind.

mod common;

use common::*;

fn send(from: &TestKey, to: &TestKey, sequence: u64) -> Vec<u8> {
    encode(&UnsignedTx::send(from, &to.addr(), 1_000, sequence).sign(from))
}

#[test]
fn should_answer_as_one_by_one_when_checked_as_a_batch() {
    let (alice, bob, carol) = (alice(), bob(), carol());
    let wrong_chain = encode(&UnsignedTx::send(&bob, &alice.addr(), 5, 0).sign_with(
        &bob,
        "other-chain",
        bob_account_number(),
    ));
    let txs = vec![
        send(&alice, &bob, 0),
        send(&alice, &bob, 1),
        wrong_chain,
        send(&alice, &carol, 2),
        send(&carol, &alice, 5),
        vec![0xff, 0x01],
        send(&alice, &bob, 1),
        send(&bob, &carol, 0),
        send(&bob, &carol, 1),
    ];
    let mut one_by_one = TestChain::new();
    let singles: Vec<_> = txs.iter().map(|t| one_by_one.check_tx(t)).collect();
    let mut batched = TestChain::new();
    let batch = batched.app.check_txs(&txs).expect("check txs");
    assert_eq!(batch, singles);
    let codes: Vec<u32> = batch.iter().map(|o| o.code).collect();
    // ok, ok, bad signature, ok, no account, undecodable, sequence used, ok, ok
    // CheckTx runs the ante checks only, as the SDK does: alice's send has
    // not created carol's account in the mempool's state, so carol's tx is
    // code 9 (unknown address).
    assert_eq!(codes, vec![0, 0, 4, 0, 9, 2, 32, 0, 0]);
    // The same mempool state after: the next sequences pass, the used fail.
    for (tx, want) in [(send(&alice, &bob, 3), 0), (send(&bob, &alice, 1), 32)] {
        assert_eq!(one_by_one.check_tx(&tx).code, want);
        assert_eq!(batched.check_tx(&tx).code, want);
    }
}

/// Long enough that helpers and the checking thread take turns many times:
/// every tx is pre-checked by one of them and the results still match.
#[test]
fn should_answer_as_one_by_one_for_a_long_mixed_batch() {
    let (alice, bob) = (alice(), bob());
    let mut sequence = 0u64;
    let txs: Vec<Vec<u8>> = (0..240u64)
        .map(|i| match i % 10 {
            3 => vec![0xff, i as u8],
            7 => send(&alice, &bob, sequence.saturating_sub(1)),
            _ => {
                sequence += 1;
                send(&alice, &bob, sequence - 1)
            }
        })
        .collect();
    let mut one_by_one = TestChain::new();
    let singles: Vec<_> = txs.iter().map(|t| one_by_one.check_tx(t)).collect();
    let mut batched = TestChain::new();
    let batch = batched.app.check_txs(&txs).expect("check txs");
    assert_eq!(batch, singles);
    let count = |code| batch.iter().filter(|o| o.code == code).count();
    assert_eq!((count(0), count(2), count(32)), (192, 24, 24));
}

fn bob_account_number() -> u64 {
    TestChain::new()
        .account(&bob().addr())
        .expect("bob has an account")
        .account_number
}

/// What the ABCI server does with the requests it reads together: a
/// mempool batch is checked pipelined, anything else one by one; either way
/// every request is answered in order.
#[test]
fn should_answer_every_request_of_a_batch_in_order() {
    use std::sync::Arc;

    use gpuchain_app::abci::Handler;
    use tendermint_proto::abci::{request, response, Request, RequestEcho, RequestFlush};

    let (alice, bob) = (alice(), bob());
    let TestChain {
        app, queries, dir, ..
    } = TestChain::new();
    let handler = Handler::new(app, Arc::new(queries));
    let check = |tx: Vec<u8>| Request {
        value: Some(request::Value::CheckTx(
            tendermint_proto::abci::RequestCheckTx {
                tx: tx.into(),
                ..Default::default()
            },
        )),
    };
    let flush = || Request {
        value: Some(request::Value::Flush(RequestFlush {})),
    };
    let echo = Request {
        value: Some(request::Value::Echo(RequestEcho {
            message: "hi".into(),
        })),
    };
    let info = Request {
        value: Some(request::Value::Info(Default::default())),
    };
    let code = |r: &response::Value| match r {
        response::Value::CheckTx(c) => c.code,
        other => panic!("not a CheckTx response: {other:?}"),
    };
    let answers = |reqs: Vec<Request>| -> Vec<response::Value> {
        handler
            .handle_batch(reqs)
            .into_iter()
            .map(|r| r.value.expect("a response"))
            .collect()
    };

    // Mempool-only: checked pipelined.
    let out = answers(vec![
        check(send(&alice, &bob, 0)),
        check(send(&alice, &bob, 1)),
        flush(),
        check(vec![0xff]),
        echo,
    ]);
    assert_eq!(out.len(), 5);
    assert_eq!(code(&out[0]), 0);
    assert_eq!(code(&out[1]), 0);
    assert!(matches!(out[2], response::Value::Flush(_)));
    assert_eq!(code(&out[3]), 2);
    assert!(matches!(&out[4], response::Value::Echo(e) if e.message == "hi"));

    // With another request among them: one by one, the mempool state kept.
    let out = answers(vec![
        check(send(&alice, &bob, 2)),
        info,
        check(send(&alice, &bob, 2)),
        flush(),
    ]);
    assert_eq!(code(&out[0]), 0);
    assert!(matches!(out[1], response::Value::Info(_)));
    assert_eq!(code(&out[2]), 32);
    assert!(matches!(out[3], response::Value::Flush(_)));
    drop(handler);
    drop(dir);
}

/// A signer info whose key is 33 bytes but no curve point gets code 8
/// (invalid pubkey) in a pipelined CheckTx batch and in a block alike, next
/// to a tx whose signature CheckTx verified and the block finds cached.
#[test]
fn should_refuse_a_key_that_is_no_point_in_batches_and_blocks() {
    use cosmos_sdk_proto::cosmos::crypto::secp256k1::PubKey;
    use cosmos_sdk_proto::Any;
    use prost::Message;

    let (alice, bob) = (alice(), bob());
    let mut unsigned = UnsignedTx::send(&bob, &alice.addr(), 5, 0);
    let mut not_a_point = vec![0x02];
    not_a_point.extend([0xff; 32]);
    unsigned.auth_info.signer_infos[0].public_key = Some(Any {
        type_url: "/cosmos.crypto.secp256k1.PubKey".into(),
        value: PubKey { key: not_a_point }.encode_to_vec(),
    });
    let bad = encode(&unsigned.sign(&bob));
    let good = send(&alice, &bob, 0);
    let txs = vec![good, bad];
    let mut chain = TestChain::new();
    let checked = chain.app.check_txs(&txs).expect("check txs");
    let codes: Vec<u32> = checked.iter().map(|o| o.code).collect();
    assert_eq!(codes, vec![0, 8], "{checked:?}");
    let block = chain.deliver(&txs);
    let codes: Vec<u32> = block.tx_results.iter().map(|o| o.code).collect();
    assert_eq!(codes, vec![0, 8], "{:?}", block.tx_results);
    assert_eq!(chain.sequence(&alice), 1);
    assert_eq!(chain.sequence(&bob), 0);
}

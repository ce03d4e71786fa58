//! A message that fails inside a block (its tx passed the ante checks):
//! nothing changes but the fee and the sequence, as in the Cosmos SDK, and
//! the result carries only the ante's events.

mod common;

use common::*;

fn assert_only_ante_events(out: &gpuchain_app::tx::TxOutcome, sender: &str) {
    let kinds: Vec<&str> = out.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "coin_spent",
            "coin_received",
            "transfer",
            "message",
            "tx",
            "tx",
            "tx"
        ],
        "only the ante's events: {:?}",
        out.events
    );
    let fee = format!("{FEE}{DENOM}");
    // The transfer events are the fee's, to the fee collector.
    for e in &out.events[..3] {
        assert_eq!(e.get("amount"), Some(fee.as_str()), "{e:?}");
        assert!(e.get("msg_index").is_none(), "{e:?}");
    }
    assert_eq!(
        out.events[2].get("recipient"),
        Some(fee_collector().as_str())
    );
    assert_eq!(out.events[2].get("sender"), Some(sender));
    assert!(out.events.iter().all(|e| e.get("action").is_none()));
}

#[test]
fn should_keep_fee_and_sequence_only_when_send_exceeds_balance() {
    let mut chain = TestChain::new();
    let (alice, bob) = (alice(), bob());
    let collector_before = chain.balance(&fee_collector());
    // Enough for the fee, not for fee + amount.
    let amount = ALICE_FUNDS - FEE + 1;
    let tx = encode(&UnsignedTx::send(&alice, &bob.addr(), amount, 0).sign(&alice));

    // CheckTx runs the ante only: the fee is affordable, so it is accepted.
    assert_ok(&chain.check_tx(&tx));

    let out = chain.deliver_tx(&tx);
    assert_sdk_error(&out, 5, "failed to execute message; message index: 0");
    assert_sdk_error(&out, 5, "insufficient funds");
    assert!(out.msg_responses.is_empty());
    assert!(out.data.is_empty());
    assert_only_ante_events(&out, &alice.addr());

    assert_eq!(
        chain.balance(&alice.addr()),
        ALICE_FUNDS - FEE,
        "only the fee left"
    );
    assert_eq!(chain.balance(&bob.addr()), BOB_FUNDS, "recipient unchanged");
    assert_eq!(chain.balance(&fee_collector()), collector_before + FEE);
    let acc = chain.account(&alice.addr()).expect("alice");
    assert_eq!(acc.sequence, 1, "sequence advanced");
    assert_eq!(acc.pub_key, Some(alice.pubkey_any()), "public key stored");

    // The next tx uses the advanced sequence.
    let next = encode(&UnsignedTx::send(&alice, &bob.addr(), 1, 1).sign(&alice));
    assert_ok(&chain.deliver_tx(&next));
}

#[test]
fn should_keep_fee_and_sequence_only_when_sending_a_denom_the_sender_lacks() {
    let mut chain = TestChain::new();
    let (alice, bob) = (alice(), bob());
    let mut msg = cosmos_sdk_proto::cosmos::bank::v1beta1::MsgSend {
        from_address: alice.addr(),
        to_address: bob.addr(),
        amount: vec![coin("10")],
    };
    msg.amount[0].denom = "uunknown".into();
    let any = cosmos_sdk_proto::Any {
        type_url: MSG_SEND_URL.into(),
        value: prost::Message::encode_to_vec(&msg),
    };
    let tx = UnsignedTx::with_msgs(vec![any], vec![direct_signer_info(&alice, 0)]);
    let out = chain.deliver_tx(&encode(&tx.sign(&alice)));
    assert_sdk_error(&out, 5, "insufficient funds");
    assert_only_ante_events(&out, &alice.addr());
    assert_eq!(chain.balance(&alice.addr()), ALICE_FUNDS - FEE);
    assert_eq!(chain.balance(&bob.addr()), BOB_FUNDS);
    assert_eq!(chain.sequence(&alice), 1);
}

/// Two messages, the second failing: the first one's transfer is undone too.
#[test]
fn should_undo_every_message_when_a_later_message_fails() {
    let mut chain = TestChain::new();
    let (alice, bob) = (alice(), bob());
    let tx = UnsignedTx::with_msgs(
        vec![
            msg_send_any(&alice.addr(), &bob.addr(), "100"),
            msg_send_any(&alice.addr(), &bob.addr(), &ALICE_FUNDS.to_string()),
        ],
        vec![direct_signer_info(&alice, 0)],
    );
    let out = chain.deliver_tx(&encode(&tx.sign(&alice)));
    assert_sdk_error(&out, 5, "failed to execute message; message index: 1");
    assert_only_ante_events(&out, &alice.addr());
    assert_eq!(chain.balance(&alice.addr()), ALICE_FUNDS - FEE);
    assert_eq!(chain.balance(&bob.addr()), BOB_FUNDS);
    assert_eq!(chain.sequence(&alice), 1);
}

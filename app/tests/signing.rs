//! A MsgSend signed by an independent client library (cosmrs 0.22) is
//! accepted by CheckTx, executed in a block, and moves exactly the amount and
//! the fee; its events are those of the Cosmos SDK v0.50.

mod common;

use common::*;
use gpuchain_types::Event;
use prost::Message as _;

const AMOUNT: u128 = 1_000;
const VECTOR_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/msg_send_alice_to_bob.hex"
);

/// The tx of the checked-in vector: alice sends 1000ugpc to bob, sequence 0,
/// fee 500ugpc, gas 200000, chain `gpuchain-test-1`, signed by cosmrs.
fn vector_tx() -> Vec<u8> {
    CosmrsSend::new(&alice(), &bob(), AMOUNT, 0).bytes()
}

fn read_vector() -> Vec<u8> {
    let text =
        std::fs::read_to_string(VECTOR_PATH).expect("vector file (regenerate with --ignored)");
    hex::decode(text.trim()).expect("vector is hex")
}

#[test]
fn should_commit_send_and_debit_amount_and_fee_when_signed_by_cosmrs() {
    let mut chain = TestChain::new();
    let (alice, bob) = (alice(), bob());
    let collector_before = chain.balance(&fee_collector());
    assert_eq!(chain.balance(&alice.addr()), ALICE_FUNDS);
    assert_eq!(chain.balance(&bob.addr()), BOB_FUNDS);
    let before = chain.account(&alice.addr()).expect("alice exists");
    assert_eq!((before.sequence, before.pub_key.is_none()), (0, true));

    let tx = CosmrsSend::new(&alice, &bob, AMOUNT, 0).bytes();
    let checked = chain.check_tx(&tx);
    assert_ok(&checked);
    assert_eq!(checked.gas_wanted, GAS);
    assert!(checked.gas_used > 0 && checked.gas_used <= GAS);

    let delivered = chain.deliver_tx(&tx);
    assert_ok(&delivered);
    assert_eq!(delivered.gas_wanted, GAS);
    assert!(
        delivered.gas_used > checked.gas_used && delivered.gas_used <= GAS,
        "the message costs gas on top of the ante checks: {} vs {}",
        delivered.gas_used,
        checked.gas_used
    );
    assert_eq!(delivered.msg_responses.len(), 1);
    assert_eq!(
        delivered.msg_responses[0].type_url,
        "/cosmos.bank.v1beta1.MsgSendResponse"
    );

    assert_eq!(chain.balance(&alice.addr()), ALICE_FUNDS - AMOUNT - FEE);
    assert_eq!(chain.balance(&bob.addr()), BOB_FUNDS + AMOUNT);
    assert_eq!(chain.balance(&fee_collector()), collector_before + FEE);

    let after = chain.account(&alice.addr()).expect("alice exists");
    assert_eq!(after.sequence, 1, "first use advances the sequence");
    assert_eq!(after.account_number, alice.account_number);
    assert_eq!(
        after.pub_key,
        Some(alice.pubkey_any()),
        "first use stores the signer's public key"
    );
    let bob_acc = chain.account(&bob.addr()).expect("bob exists");
    assert_eq!((bob_acc.sequence, bob_acc.pub_key), (0, None));
}

#[test]
fn should_accept_next_tx_when_sequence_advanced_and_pubkey_stored() {
    let mut chain = TestChain::new();
    let (alice, bob) = (alice(), bob());
    assert_ok(&chain.deliver_tx(&CosmrsSend::new(&alice, &bob, AMOUNT, 0).bytes()));

    // Two txs in one mempool round: CheckTx keeps the advanced sequence.
    let second = CosmrsSend::new(&alice, &bob, AMOUNT, 1).bytes();
    let third = CosmrsSend::new(&alice, &bob, AMOUNT, 2).bytes();
    assert_ok(&chain.check_tx(&second));
    assert_ok(&chain.check_tx(&third));

    let out = chain.deliver(&[second, third]);
    assert_ok(&out.tx_results[0]);
    assert_ok(&out.tx_results[1]);
    assert_eq!(chain.sequence(&alice), 3);
    assert_eq!(
        chain.balance(&alice.addr()),
        ALICE_FUNDS - 3 * (AMOUNT + FEE)
    );
    assert_eq!(chain.balance(&bob.addr()), BOB_FUNDS + 3 * AMOUNT);
}

/// The events of a successful MsgSend, in the order Cosmos SDK v0.50 emits
/// them: the ante's fee transfer and tx attributes, then per message the
/// `message` event and the bank's own events tagged with `msg_index`.
#[test]
fn should_emit_sdk_events_in_order_when_send_succeeds() {
    let mut chain = TestChain::new();
    let (alice, bob) = (alice(), bob());
    let tx = CosmrsSend::new(&alice, &bob, AMOUNT, 0).bytes();
    let raw = cosmos_sdk_proto::cosmos::tx::v1beta1::TxRaw::decode(tx.as_slice()).expect("raw");
    let signature = base64_std(&raw.signatures[0]);
    let out = chain.deliver_tx(&tx);
    assert_ok(&out);

    let (a, b, fc) = (alice.addr(), bob.addr(), fee_collector());
    let fee = format!("{FEE}{DENOM}");
    let amount = format!("{AMOUNT}{DENOM}");
    let want = vec![
        // ante: the fee
        Event::new("coin_spent")
            .attr("spender", a.clone())
            .attr("amount", fee.clone()),
        Event::new("coin_received")
            .attr("receiver", fc.clone())
            .attr("amount", fee.clone()),
        Event::new("transfer")
            .attr("recipient", fc.clone())
            .attr("sender", a.clone())
            .attr("amount", fee.clone()),
        Event::new("message").attr("sender", a.clone()),
        Event::new("tx")
            .attr("fee", fee.clone())
            .attr("fee_payer", a.clone()),
        // ante: sequence and signature
        Event::new("tx").attr("acc_seq", format!("{a}/0")),
        Event::new("tx").attr("signature", signature),
        // message 0
        Event::new("message")
            .attr("action", MSG_SEND_URL)
            .attr("sender", a.clone())
            .attr("module", "bank")
            .attr("msg_index", "0"),
        Event::new("coin_spent")
            .attr("spender", a.clone())
            .attr("amount", amount.clone())
            .attr("msg_index", "0"),
        Event::new("coin_received")
            .attr("receiver", b.clone())
            .attr("amount", amount.clone())
            .attr("msg_index", "0"),
        Event::new("transfer")
            .attr("recipient", b.clone())
            .attr("sender", a.clone())
            .attr("amount", amount.clone())
            .attr("msg_index", "0"),
        Event::new("message")
            .attr("sender", a.clone())
            .attr("msg_index", "0"),
    ];
    assert_eq!(out.events, want);
}

/// The SDK's CheckTx answers with the ante's result only: no events (its
/// `runTx` adds the ante events to the result in blocks and simulations
/// only), while the same checks have still charged the fee in the mempool.
#[test]
fn should_answer_check_tx_without_events_but_charge_the_fee() {
    let mut chain = TestChain::new();
    let (alice, bob) = (alice(), bob());
    let out = chain.check_tx(&CosmrsSend::new(&alice, &bob, AMOUNT, 0).bytes());
    assert_ok(&out);
    assert!(out.events.is_empty(), "{:?}", out.events);
    assert!(out.gas_used > 0);
    // The mempool's state has the fee paid and the sequence used.
    let again = chain.check_tx(&CosmrsSend::new(&alice, &bob, AMOUNT, 0).bytes());
    assert_eq!(again.code, 32, "{}", again.log);
    assert!(again.events.is_empty());
    let poor = CosmrsSend {
        fee: BOB_FUNDS + 1,
        ..CosmrsSend::new(&bob, &alice, 1, 0)
    };
    let poor = chain.check_tx(&poor.bytes());
    assert_eq!(poor.code, 5, "{}", poor.log);
    assert!(poor.events.is_empty());
}

#[test]
fn should_accept_fixed_vector_when_bytes_were_signed_by_cosmrs() {
    let mut chain = TestChain::new();
    let tx = read_vector();
    assert_ok(&chain.check_tx(&tx));
    assert_ok(&chain.deliver_tx(&tx));
    assert_eq!(chain.balance(&alice().addr()), ALICE_FUNDS - AMOUNT - FEE);
    assert_eq!(chain.balance(&bob().addr()), BOB_FUNDS + AMOUNT);
    assert_eq!(chain.sequence(&alice()), 1);
}

#[test]
fn should_reproduce_fixed_vector_when_cosmrs_signs_the_same_tx() {
    // RFC 6979 signatures are deterministic: the same inputs give the same bytes.
    assert_eq!(hex::encode(vector_tx()), hex::encode(read_vector()));
}

/// Writes the vector file. Run once, then check the file in:
/// `cargo test -p gpuchain-app --test signing -- --ignored`.
#[test]
#[ignore = "regenerates tests/vectors/msg_send_alice_to_bob.hex"]
fn should_write_vector_file_when_regenerating() {
    let path = std::path::Path::new(VECTOR_PATH);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, format!("{}\n", hex::encode(vector_tx()))).expect("write vector");
}

fn base64_std(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Two signers, the second paying the fee (`Fee.payer`): only the payer's
/// balance pays it, and both sequences advance once, in a block and in the
/// mempool's checks alike.
#[test]
fn should_charge_the_named_payer_and_advance_every_signer_once() {
    let (alice, bob) = (alice(), bob());
    let mut tx = UnsignedTx::with_msgs(
        vec![
            msg_send_any(&alice.addr(), &bob.addr(), "10"),
            msg_send_any(&bob.addr(), &alice.addr(), "3"),
        ],
        vec![direct_signer_info(&alice, 0), direct_signer_info(&bob, 0)],
    );
    tx.auth_info.fee.as_mut().expect("fee").payer = bob.addr();
    let bytes = encode(&tx.sign_all(&[&alice, &bob]));

    let mut checked = TestChain::new();
    assert_ok(&checked.check_tx(&bytes));
    assert_eq!(checked.check_tx(&bytes).code, 32);

    let mut chain = TestChain::new();
    let out = chain.deliver_tx(&bytes);
    assert_ok(&out);
    assert_eq!(chain.balance(&alice.addr()), ALICE_FUNDS - 10 + 3);
    assert_eq!(chain.balance(&bob.addr()), BOB_FUNDS + 10 - 3 - FEE);
    assert_eq!((chain.sequence(&alice), chain.sequence(&bob)), (1, 1));
    let fee_payer = Event::new("tx")
        .attr("fee", format!("{FEE}{DENOM}"))
        .attr("fee_payer", bob.addr());
    assert!(out.events.contains(&fee_payer), "{:?}", out.events);
}

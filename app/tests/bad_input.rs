//! Bad input at the tx layer (quality.md, "Bad input"): each case gets the
//! Cosmos SDK v0.50 error code in codespace `sdk` and a clear log, and a tx
//! rejected in CheckTx or failing its ante checks changes nothing — no
//! balance, no sequence, no public key — as queries afterwards confirm.

mod common;

use common::*;
use cosmos_sdk_proto::cosmos::tx::v1beta1::TxRaw;
use cosmos_sdk_proto::Any;
use k256::ecdsa::Signature;
use prost::Message;

/// alice sends 1000ugpc to bob with the usual fee.
fn send(sequence: u64) -> UnsignedTx {
    UnsignedTx::send(&alice(), &bob().addr(), 1_000, sequence)
}

fn signed_send(sequence: u64) -> TxRaw {
    send(sequence).sign(&alice())
}

/// A tx whose only message is `msg`, signed by alice at sequence 0.
fn with_msg(msg: Any) -> Vec<u8> {
    let tx = UnsignedTx::with_msgs(vec![msg], vec![direct_signer_info(&alice(), 0)]);
    encode(&tx.sign(&alice()))
}

// ------------------------------------------------------------- decoding

#[test]
fn should_reject_with_code_2_when_tx_bytes_are_not_protobuf() {
    let mut chain = TestChain::new();
    // Field 1 (body_bytes) claims 16 bytes and has one.
    assert_rejected(&mut chain, &[0x0a, 0x10, 0x01], 2, "tx parse error");
    // Wire type 7 does not exist.
    assert_rejected(&mut chain, &[0x0f, 0x01], 2, "tx parse error");
    assert_rejected(&mut chain, &[], 2, "tx bytes are empty");
}

#[test]
fn should_reject_with_code_2_when_body_or_auth_info_bytes_are_malformed() {
    let mut chain = TestChain::new();
    let mut raw = signed_send(0);
    raw.body_bytes = vec![0x0a, 0x05, 0x01];
    assert_rejected(&mut chain, &encode(&raw), 2, "tx body parse error");

    let mut raw = signed_send(0);
    raw.auth_info_bytes = vec![0x12, 0x7f];
    assert_rejected(&mut chain, &encode(&raw), 2, "tx auth info parse error");
}

#[test]
fn should_reject_with_code_2_when_tx_carries_unknown_fields() {
    let mut chain = TestChain::new();
    // An unknown field appended to TxRaw changes the hash but not what was
    // signed: the malleability the SDK's unknown-field check prevents.
    let mut bytes = encode(&signed_send(0));
    bytes.extend_from_slice(&[0x20, 0x01]);
    assert_rejected(
        &mut chain,
        &bytes,
        2,
        "tx has unknown or non-canonically encoded fields",
    );

    // The same inside the body: caught at decoding, before any signature check.
    let tx = send(0);
    let mut body = tx.body.encode_to_vec();
    body.extend_from_slice(&[0xa0, 0x06, 0x01]); // field 100, varint
    let mut raw = tx.sign(&alice());
    raw.body_bytes = body;
    assert_rejected(
        &mut chain,
        &encode(&raw),
        2,
        "tx body has unknown or non-canonically encoded fields",
    );
}

#[test]
fn should_reject_with_code_2_when_message_type_url_is_unknown() {
    let mut chain = TestChain::new();
    let msg = Any {
        type_url: "/cosmos.gov.v1beta1.MsgVote".into(),
        value: vec![0x08, 0x01],
    };
    assert_rejected(
        &mut chain,
        &with_msg(msg),
        2,
        "unable to resolve type URL /cosmos.gov.v1beta1.MsgVote",
    );
}

#[test]
fn should_reject_with_code_21_when_tx_exceeds_max_tx_bytes() {
    let mut chain = TestChain::new();
    let mut tx = send(0);
    tx.body.memo = "m".repeat(MAX_TX_BYTES);
    let bytes = encode(&tx.sign(&alice()));
    assert!(bytes.len() > MAX_TX_BYTES);
    assert_rejected(
        &mut chain,
        &bytes,
        21,
        &format!("tx size {} exceeds limit {MAX_TX_BYTES}", bytes.len()),
    );
}

#[test]
fn should_reject_with_code_31_when_tx_has_extension_options() {
    let mut chain = TestChain::new();
    let mut tx = send(0);
    tx.body.extension_options = vec![Any {
        type_url: "/ethermint.types.v1.ExtensionOptionsWeb3Tx".into(),
        value: vec![],
    }];
    assert_rejected(
        &mut chain,
        &encode(&tx.sign(&alice())),
        31,
        "unknown extension options",
    );
}

// ------------------------------------------------------------- signatures

#[test]
fn should_reject_with_code_15_when_tx_has_no_signatures() {
    let mut chain = TestChain::new();
    let mut raw = signed_send(0);
    raw.signatures.clear();
    assert_rejected(&mut chain, &encode(&raw), 15, "no signatures supplied");
}

#[test]
fn should_reject_with_code_4_when_tx_has_an_extra_signature() {
    let mut chain = TestChain::new();
    let mut raw = signed_send(0);
    let sig = raw.signatures[0].clone();
    raw.signatures.push(sig);
    assert_rejected(&mut chain, &encode(&raw), 4, "expected 1, got 2");
}

#[test]
fn should_reject_with_code_4_when_a_signers_signature_is_missing() {
    let mut chain = TestChain::new();
    let (alice, bob) = (alice(), bob());
    // Two messages with two signers; only alice signs.
    let tx = UnsignedTx::with_msgs(
        vec![
            msg_send_any(&alice.addr(), &bob.addr(), "1"),
            msg_send_any(&bob.addr(), &alice.addr(), "1"),
        ],
        vec![direct_signer_info(&alice, 0), direct_signer_info(&bob, 0)],
    );
    let mut raw = tx.sign_all(&[&alice, &bob]);
    raw.signatures.pop();
    assert_rejected(&mut chain, &encode(&raw), 4, "expected 2, got 1");

    // The signatures are there but a signer info is missing.
    let mut short = tx.clone();
    short.auth_info.signer_infos.pop();
    let mut raw = short.sign_all(&[&alice]);
    raw.signatures.push(raw.signatures[0].clone());
    assert_rejected(
        &mut chain,
        &encode(&raw),
        4,
        "invalid number of signer infos; expected 2, got 1",
    );

    // Both signatures present: accepted (the case above is the only fault).
    assert_ok(&chain.deliver_tx(&encode(&tx.sign_all(&[&alice, &bob]))));
}

#[test]
fn should_reject_with_code_4_when_signature_is_corrupted() {
    let mut chain = TestChain::new();
    let mut raw = signed_send(0);
    raw.signatures[0][10] ^= 0x01;
    assert_rejected(
        &mut chain,
        &encode(&raw),
        4,
        "signature verification failed",
    );

    let mut raw = signed_send(0);
    raw.signatures[0].truncate(63);
    assert_rejected(
        &mut chain,
        &encode(&raw),
        4,
        "signature verification failed",
    );
}

#[test]
fn should_reject_with_code_4_when_signature_has_high_s() {
    let mut chain = TestChain::new();
    let mut raw = signed_send(0);
    let low = Signature::from_slice(&raw.signatures[0]).expect("signature");
    assert!(
        low.normalize_s().is_none(),
        "signers produce low-S signatures"
    );
    // The same signature with s replaced by n - s: valid ECDSA, but malleable.
    let high = Signature::from_scalars(low.r(), -*low.s().as_ref()).expect("high-S signature");
    assert_eq!(high.normalize_s(), Some(low), "n - s normalizes back to s");
    raw.signatures[0] = high.to_bytes().to_vec();
    assert_rejected(
        &mut chain,
        &encode(&raw),
        4,
        "signature verification failed",
    );

    // The low-S original is fine.
    assert_ok(&chain.deliver_tx(&encode(&signed_send(0))));
}

#[test]
fn should_reject_with_code_4_when_signed_for_another_chain_id() {
    let mut chain = TestChain::new();
    let raw = send(0).sign_with(&alice(), "gpuchain-other-1", alice().account_number);
    assert_rejected(
        &mut chain,
        &encode(&raw),
        4,
        &format!("signature verification failed; please verify account number (0) and chain-id ({CHAIN_ID})"),
    );
}

#[test]
fn should_reject_with_code_4_when_signed_with_wrong_account_number() {
    let mut chain = TestChain::new();
    let raw = send(0).sign_with(&alice(), CHAIN_ID, 7);
    assert_rejected(
        &mut chain,
        &encode(&raw),
        4,
        "signature verification failed",
    );
}

#[test]
fn should_reject_with_code_8_when_pubkey_does_not_match_signer() {
    let mut chain = TestChain::new();
    let mut tx = send(0);
    tx.auth_info.signer_infos[0].public_key = Some(bob().pubkey_any());
    assert_rejected(
        &mut chain,
        &encode(&tx.sign(&alice())),
        8,
        &format!("pubKey does not match signer address {}", alice().addr()),
    );
}

#[test]
fn should_reject_with_code_9_when_signer_account_does_not_exist() {
    let mut chain = TestChain::new();
    let carol = carol();
    assert!(chain.account(&carol.addr()).is_none());
    let tx = UnsignedTx::send(&carol, &bob().addr(), 1, 0);
    assert_rejected(
        &mut chain,
        &encode(&tx.sign_with(&carol, CHAIN_ID, 0)),
        9,
        &format!("{} does not exist", carol.addr()),
    );
    assert!(
        chain.account(&carol.addr()).is_none(),
        "no account was created"
    );
}

// ------------------------------------------------------------- sequences

#[test]
fn should_reject_with_code_32_when_sequence_is_replayed() {
    let mut chain = TestChain::new();
    let tx = encode(&signed_send(0));
    assert_ok(&chain.deliver_tx(&tx));
    assert_rejected(
        &mut chain,
        &tx,
        32,
        "account sequence mismatch, expected 1, got 0",
    );

    // Within one mempool round, the same tx twice: the second is a replay.
    let next = encode(&signed_send(1));
    assert_ok(&chain.check_tx(&next));
    assert_sdk_error(
        &chain.check_tx(&next),
        32,
        "account sequence mismatch, expected 2, got 1",
    );

    // The same tx twice in one block: the second is a replay, and only the
    // first one's amount and fee move.
    let before = chain.balance(&alice().addr());
    let out = chain.deliver(&[next.clone(), next]);
    assert_ok(&out.tx_results[0]);
    assert_sdk_error(
        &out.tx_results[1],
        32,
        "account sequence mismatch, expected 2, got 1",
    );
    assert!(out.tx_results[1].events.is_empty());
    assert_eq!(chain.balance(&alice().addr()), before - 1_000 - FEE);
    assert_eq!(chain.sequence(&alice()), 2);
}

#[test]
fn should_reject_with_code_32_when_sequence_is_skipped() {
    let mut chain = TestChain::new();
    assert_rejected(
        &mut chain,
        &encode(&signed_send(5)),
        32,
        "account sequence mismatch, expected 0, got 5",
    );
}

// ------------------------------------------------------------- tx body

#[test]
fn should_reject_with_code_30_when_timeout_height_has_passed() {
    let mut chain = TestChain::new();
    // The next block is height 2.
    let mut tx = send(0);
    tx.body.timeout_height = 1;
    assert_rejected(
        &mut chain,
        &encode(&tx.sign(&alice())),
        30,
        "timeout height: 1",
    );
    // A timeout equal to the height of the block is still in time.
    let mut tx = send(0);
    tx.body.timeout_height = chain.height + 1;
    assert_ok(&chain.deliver_tx(&encode(&tx.sign(&alice()))));
}

#[test]
fn should_reject_with_code_12_when_memo_is_longer_than_256_characters() {
    let mut chain = TestChain::new();
    let mut tx = send(0);
    tx.body.memo = "é".repeat(257);
    assert_rejected(
        &mut chain,
        &encode(&tx.sign(&alice())),
        12,
        "maximum number of characters is 256 but received 257 characters",
    );
    // 256 characters (512 bytes of UTF-8) are allowed.
    tx.body.memo = "é".repeat(256);
    assert_ok(&chain.deliver_tx(&encode(&tx.sign(&alice()))));
}

// ------------------------------------------------------------- fee and gas

#[test]
fn should_reject_in_check_tx_but_accept_in_block_when_fee_below_min_gas_price() {
    let mut chain = TestChain::new();
    let before = chain.observable_state();
    let mut tx = send(0);
    tx.auth_info.fee = Some(fee(FEE - 1, GAS));
    let bytes = encode(&tx.sign(&alice()));

    let checked = chain.check_tx(&bytes);
    assert_sdk_error(
        &checked,
        13,
        "insufficient fees; got: 499ugpc required: 500ugpc",
    );
    // The mempool state did not move: the same sequence is still free.
    assert_ok(&chain.check_tx(&encode(&signed_send(0))));
    chain.deliver(&[]);
    assert_eq!(chain.observable_state(), before);

    // The minimum gas price is this node's mempool policy, not a chain rule.
    assert_ok(&chain.deliver_tx(&bytes));
    assert_eq!(
        chain.balance(&alice().addr()),
        ALICE_FUNDS - 1_000 - (FEE - 1)
    );
    assert_eq!(chain.sequence(&alice()), 1);
}

#[test]
fn should_reject_with_code_5_when_fee_exceeds_balance() {
    let mut chain = TestChain::new();
    let mut tx = send(0);
    tx.auth_info.fee = Some(fee(ALICE_FUNDS + 1, GAS));
    assert_rejected(
        &mut chain,
        &encode(&tx.sign(&alice())),
        5,
        "insufficient fees",
    );
}

#[test]
fn should_reject_with_code_41_when_gas_limit_is_zero() {
    let mut chain = TestChain::new();
    let mut tx = send(0);
    tx.auth_info.fee = Some(fee(FEE, 0));
    assert_rejected(
        &mut chain,
        &encode(&tx.sign(&alice())),
        41,
        "invalid gas limit 0",
    );
}

#[test]
fn should_reject_with_code_11_when_gas_runs_out_in_ante_checks() {
    let mut chain = TestChain::new();
    let mut tx = send(0);
    tx.auth_info.fee = Some(fee(FEE, 1_000));
    assert_rejected(&mut chain, &encode(&tx.sign(&alice())), 11, "out of gas");
}

/// Out of gas in the message, after the ante checks passed: as in the SDK
/// the fee stays paid and the sequence advanced; the transfer is undone.
#[test]
fn should_keep_fee_and_sequence_when_gas_runs_out_in_message() {
    let mut chain = TestChain::new();
    let (alice, bob) = (alice(), bob());
    let with_gas = |gas: u64| {
        let mut tx = send(0);
        tx.auth_info.fee = Some(fee(FEE, gas));
        encode(&tx.sign(&alice))
    };
    // CheckTx runs the ante checks only: its gas_used is what they cost.
    // Start a new mempool round (an empty block) after each probe.
    let ante_gas = chain.check_tx(&with_gas(GAS)).gas_used;
    chain.deliver(&[]);
    let limit = ante_gas;
    let tx = with_gas(limit);
    let checked = chain.check_tx(&tx);
    assert_ok(&checked);
    assert!(checked.gas_used <= limit);
    chain.deliver(&[]);

    let before_collector = chain.balance(&fee_collector());
    let out = chain.deliver_tx(&tx);
    assert_sdk_error(&out, 11, "out of gas");
    assert_eq!(out.gas_wanted, limit);
    assert!(out.gas_used > limit);

    assert_eq!(
        chain.balance(&alice.addr()),
        ALICE_FUNDS - FEE,
        "fee paid, amount not sent"
    );
    assert_eq!(chain.balance(&bob.addr()), BOB_FUNDS);
    assert_eq!(chain.balance(&fee_collector()), before_collector + FEE);
    let acc = chain.account(&alice.addr()).expect("alice");
    assert_eq!(acc.sequence, 1, "sequence advanced");
    assert_eq!(acc.pub_key, Some(alice.pubkey_any()));
    // Only the ante's events remain: no `message` event of the MsgSend.
    assert!(out
        .events
        .iter()
        .all(|e| e.get("msg_index").is_none() && e.get("action").is_none()));
}

// ------------------------------------------------------------- message content

#[test]
fn should_reject_with_code_10_when_amount_is_zero() {
    let mut chain = TestChain::new();
    let msg = msg_send_any(&alice().addr(), &bob().addr(), "0");
    assert_rejected(
        &mut chain,
        &with_msg(msg),
        10,
        "0ugpc amount is not positive",
    );
}

#[test]
fn should_reject_with_code_10_when_amount_is_negative() {
    let mut chain = TestChain::new();
    let msg = msg_send_any(&alice().addr(), &bob().addr(), "-5");
    assert_rejected(&mut chain, &with_msg(msg), 10, "invalid amount \"-5\"");
}

#[test]
fn should_reject_with_code_10_when_amount_overflows() {
    let mut chain = TestChain::new();
    // 2^256: above every integer a Cosmos amount can hold.
    let huge = "115792089237316195423570985008687907853269984665640564039457584007913129639936";
    let msg = msg_send_any(&alice().addr(), &bob().addr(), huge);
    assert_rejected(
        &mut chain,
        &with_msg(msg),
        10,
        &format!("amount {huge} overflows"),
    );
}

#[test]
fn should_reject_with_code_7_when_recipient_is_not_bech32() {
    let mut chain = TestChain::new();
    let msg = msg_send_any(&alice().addr(), "gpu1notanaddress", "1");
    assert_rejected(
        &mut chain,
        &with_msg(msg),
        7,
        "invalid to address: invalid address \"gpu1notanaddress\"",
    );
}

#[test]
fn should_reject_with_code_7_when_address_has_wrong_prefix() {
    let mut chain = TestChain::new();
    let cosmos_bob = bob().address.to_bech32_with_prefix("cosmos");
    let msg = msg_send_any(&alice().addr(), &cosmos_bob, "1");
    assert_rejected(
        &mut chain,
        &with_msg(msg),
        7,
        "invalid to address: invalid Bech32 prefix; expected gpu, got cosmos",
    );

    let cosmos_alice = alice().address.to_bech32_with_prefix("cosmos");
    let msg = msg_send_any(&cosmos_alice, &bob().addr(), "1");
    assert_rejected(
        &mut chain,
        &with_msg(msg),
        7,
        "invalid from address: invalid Bech32 prefix; expected gpu, got cosmos",
    );
}

//! Randomly changed txs (quality.md, "Bad input": the node never panics on
//! input, and bad input changes nothing it should not). Three properties:
//!
//! - Bytes changed anywhere in a signed tx (flipped, cut, inserted, deleted,
//!   overwritten; fields added, repeated or reordered) make a tx nobody
//!   signed, or one whose bytes the SDK refuses: CheckTx and FinalizeBlock
//!   reject every one, without a panic or an error from the app, emit no
//!   events and leave every balance and account as it was; the original tx
//!   is still accepted afterwards.
//! - Unknown, repeated or reordered fields in the body or auth info, signed
//!   over as they are, are refused as well (the SDK's unknown-field check).
//! - A send with odd fields (amounts, denoms, addresses, fee, gas, memo,
//!   timeout, sequence, bytes), signed, is answered as the SDK would: past
//!   the ante checks a failing message keeps the fee paid and the sequence
//!   advanced; before them nothing moves and CheckTx refused it the same
//!   way; the invariants (supply among them) hold after every block.
//!
//! The cases come from a fixed seed, so a failure in CI reproduces; the
//! chain is shared by a property's cases, so failures are not shrunk.

mod common;

use std::cell::{Cell, RefCell};

use common::property::{deterministic_runner, encode_fields, outcomes_of, Field};
use common::*;
use cosmos_sdk_proto::cosmos::bank::v1beta1::MsgSend;
use cosmos_sdk_proto::cosmos::base::v1beta1::Coin as ProtoCoin;
use cosmos_sdk_proto::cosmos::tx::v1beta1::TxRaw;
use proptest::prelude::*;
use prost::Message;

/// One change to a byte string; positions are taken modulo its length.
/// The last three change the fields of the protobuf message the bytes
/// encode (positions modulo its field count) and leave bytes that are not
/// one as they are: fields the SDK rejects because a decoder alone would
/// take them silently (an unknown field, a field twice, fields out of
/// order).
#[derive(Clone, Debug)]
enum Mutation {
    Flip {
        at: usize,
        xor: u8,
    },
    Truncate {
        at: usize,
    },
    Insert {
        at: usize,
        bytes: Vec<u8>,
    },
    Delete {
        at: usize,
        len: usize,
    },
    Overwrite {
        at: usize,
        bytes: Vec<u8>,
    },
    /// Field number `field` inserted before field `at` (or last): a varint
    /// when `value` is empty, else length-delimited `value`.
    ExtraField {
        at: usize,
        field: u32,
        value: Vec<u8>,
    },
    DuplicateField {
        at: usize,
    },
    SwapFields {
        at: usize,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let bytes = || prop::collection::vec(any::<u8>(), 1..8);
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(at, xor)| Mutation::Flip { at, xor }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        (any::<usize>(), bytes()).prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<usize>(), 1..16usize).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), bytes()).prop_map(|(at, bytes)| Mutation::Overwrite { at, bytes }),
        (
            any::<usize>(),
            1..40u32,
            prop::collection::vec(any::<u8>(), 0..4)
        )
            .prop_map(|(at, field, value)| Mutation::ExtraField { at, field, value }),
        any::<usize>().prop_map(|at| Mutation::DuplicateField { at }),
        any::<usize>().prop_map(|at| Mutation::SwapFields { at }),
    ]
}

fn read_varint(bytes: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*pos)?;
        *pos += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(value);
        }
    }
    None
}

/// Where each field of the message `bytes` encodes starts and ends; None
/// when they do not encode one.
fn field_spans(bytes: &[u8]) -> Option<Vec<std::ops::Range<usize>>> {
    let mut spans = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let start = pos;
        let tag = read_varint(bytes, &mut pos)?;
        match tag & 7 {
            0 => {
                read_varint(bytes, &mut pos)?;
            }
            1 => pos += 8,
            2 => pos += usize::try_from(read_varint(bytes, &mut pos)?).ok()?,
            5 => pos += 4,
            _ => return None,
        }
        if pos > bytes.len() {
            return None;
        }
        spans.push(start..pos);
    }
    Some(spans)
}

/// A field mutation of `bytes`, or None when they encode no fields.
fn change_fields(bytes: &[u8], m: &Mutation) -> Option<Vec<u8>> {
    let spans = field_spans(bytes)?;
    if spans.is_empty() {
        return None;
    }
    let mut out = bytes.to_vec();
    match m {
        Mutation::ExtraField { at, field, value } => {
            let encoded = encode_fields(&[if value.is_empty() {
                Field::Varint(*field, 1)
            } else {
                Field::Bytes(*field, value.clone())
            }]);
            let i = at % (spans.len() + 1);
            let pos = spans.get(i).map_or(bytes.len(), |s| s.start);
            out.splice(pos..pos, encoded);
        }
        Mutation::DuplicateField { at } => {
            let span = spans[at % spans.len()].clone();
            out.splice(span.end..span.end, bytes[span].to_vec());
        }
        Mutation::SwapFields { at } if spans.len() >= 2 => {
            let i = at % (spans.len() - 1);
            let (a, b) = (spans[i].clone(), spans[i + 1].clone());
            let swapped = [&bytes[b.clone()], &bytes[a.clone()]].concat();
            out.splice(a.start..b.end, swapped);
        }
        _ => return None,
    }
    Some(out)
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(mutation(), 1..4)
}

fn apply(bytes: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for m in mutations {
        // Inserting may also append, so it indexes one past the end.
        let at = |i: &usize, extra: usize| i % (out.len() + extra);
        match m {
            Mutation::Flip { at: i, xor } if !out.is_empty() => {
                let i = at(i, 0);
                out[i] ^= xor;
            }
            Mutation::Truncate { at: i } if !out.is_empty() => {
                let i = at(i, 0);
                out.truncate(i);
            }
            Mutation::Insert { at: i, bytes } => {
                let i = at(i, 1);
                out.splice(i..i, bytes.iter().copied());
            }
            Mutation::Delete { at: i, len } if !out.is_empty() => {
                let i = at(i, 0);
                let end = (i + len).min(out.len());
                out.drain(i..end);
            }
            Mutation::Overwrite { at: i, bytes } if !out.is_empty() => {
                let i = at(i, 0);
                for (slot, b) in out[i..].iter_mut().zip(bytes) {
                    *slot = *b;
                }
            }
            Mutation::ExtraField { .. }
            | Mutation::DuplicateField { .. }
            | Mutation::SwapFields { .. } => {
                if let Some(changed) = change_fields(&out, m) {
                    out = changed;
                }
            }
            _ => {}
        }
    }
    out
}

/// alice sends 1000ugpc to bob at her committed sequence, signed.
fn valid_send(chain: &TestChain) -> TxRaw {
    UnsignedTx::send(&alice(), &bob().addr(), 1_000, chain.sequence(&alice())).sign(&alice())
}

#[test]
fn should_reject_every_mutation_of_a_signed_tx_and_change_nothing() {
    let chain = RefCell::new(TestChain::new());
    let original = encode(&valid_send(&chain.borrow()));
    let before = chain.borrow().observable_state();
    let rejected = Cell::new(0);
    let result = deterministic_runner(160).run(&mutations(), |muts| {
        let tx = apply(&original, &muts);
        prop_assume!(tx != original);
        let mut chain = chain.borrow_mut();
        let checked = chain.check_tx(&tx);
        prop_assert_ne!(checked.code, 0, "CheckTx accepted a mutated tx");
        prop_assert!(checked.events.is_empty());
        let delivered = chain.deliver_tx(&tx);
        prop_assert_ne!(delivered.code, 0, "a block accepted a mutated tx");
        prop_assert!(delivered.events.is_empty(), "{:?}", delivered.events);
        prop_assert_eq!(chain.observable_state(), before.clone());
        rejected.set(rejected.get() + 1);
        Ok(())
    });
    result.unwrap();
    let rejected = rejected.get();
    assert!(rejected > 100, "only {rejected} cases ran");
    // Neither the mempool's state nor the committed state moved: the signed
    // original is accepted, at the sequence it was signed for.
    let mut chain = chain.into_inner();
    assert_ok(&chain.check_tx(&original));
    assert_ok(&chain.deliver_tx(&original));
    assert_eq!(chain.sequence(&alice()), 1);
}

/// One change to a send's fields before it is signed.
#[derive(Clone, Debug)]
enum FieldChange {
    Amount(String),
    Denom(String),
    To(String),
    ExtraCoin(String, String),
    NoCoins,
    FeeAmount(String),
    FeeDenom(String),
    GasLimit(u64),
    Memo(String),
    TimeoutHeight(u64),
    /// The signer info's sequence, this far from the account's.
    Sequence(i8),
    /// The encoded body (true) or auth info, changed byte-wise.
    Bytes(bool, Vec<Mutation>),
}

fn amount() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,40}",
        "-?[0-9]{0,4}",
        "\\PC{0,6}",
        Just(u128::MAX.to_string()),
        Just(ALICE_FUNDS.to_string()),
    ]
}

fn denom() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(DENOM.to_string()),
        "[a-zA-Z][a-zA-Z0-9/:._-]{0,20}",
        "\\PC{0,6}"
    ]
}

fn field_change() -> impl Strategy<Value = FieldChange> {
    let to = prop_oneof![
        Just(carol().addr()),
        Just(alice().addr()),
        Just(fee_collector()),
        "\\PC{0,50}",
    ];
    prop_oneof![
        amount().prop_map(FieldChange::Amount),
        denom().prop_map(FieldChange::Denom),
        to.prop_map(FieldChange::To),
        (amount(), denom()).prop_map(|(a, d)| FieldChange::ExtraCoin(a, d)),
        Just(FieldChange::NoCoins),
        amount().prop_map(FieldChange::FeeAmount),
        denom().prop_map(FieldChange::FeeDenom),
        prop_oneof![0..2 * GAS, any::<u64>()].prop_map(FieldChange::GasLimit),
        "\\PC{0,300}".prop_map(FieldChange::Memo),
        prop_oneof![0..4u64, any::<u64>()].prop_map(FieldChange::TimeoutHeight),
        (-1..=1i8).prop_map(FieldChange::Sequence),
        (any::<bool>(), mutations()).prop_map(|(b, m)| FieldChange::Bytes(b, m)),
    ]
}

/// alice's send with `changes`, signed by alice over what it then holds.
fn changed_send(sequence: u64, changes: &[FieldChange]) -> Vec<u8> {
    let mut send = MsgSend {
        from_address: alice().addr(),
        to_address: bob().addr(),
        amount: vec![coin("1000")],
    };
    let mut unsigned = UnsignedTx::send(&alice(), &bob().addr(), 1_000, sequence);
    let mut byte_changes = Vec::new();
    for change in changes {
        let fee = unsigned.auth_info.fee.as_mut().expect("fee");
        match change.clone() {
            // After `NoCoins` there is no first coin to change.
            FieldChange::Amount(a) => {
                if let Some(c) = send.amount.first_mut() {
                    c.amount = a;
                }
            }
            FieldChange::Denom(d) => {
                if let Some(c) = send.amount.first_mut() {
                    c.denom = d;
                }
            }
            FieldChange::To(to) => send.to_address = to,
            FieldChange::ExtraCoin(amount, denom) => send.amount.push(ProtoCoin { denom, amount }),
            FieldChange::NoCoins => send.amount.clear(),
            FieldChange::FeeAmount(a) => fee.amount[0].amount = a,
            FieldChange::FeeDenom(d) => fee.amount[0].denom = d,
            FieldChange::GasLimit(g) => fee.gas_limit = g,
            FieldChange::Memo(m) => unsigned.body.memo = m,
            FieldChange::TimeoutHeight(h) => unsigned.body.timeout_height = h,
            FieldChange::Sequence(d) => {
                unsigned.auth_info.signer_infos[0].sequence = sequence.wrapping_add_signed(d.into())
            }
            FieldChange::Bytes(in_body, muts) => byte_changes.push((in_body, muts)),
        }
    }
    unsigned.body.messages[0].value = send.encode_to_vec();
    let (mut body, mut auth_info) = (unsigned.body_bytes(), unsigned.auth_info_bytes());
    for (in_body, muts) in byte_changes {
        let bytes = if in_body { &mut body } else { &mut auth_info };
        *bytes = apply(bytes, &muts);
    }
    signed_by_alice(body, auth_info)
}

/// `body` and `auth_info` bytes as they are, signed by alice over them.
fn signed_by_alice(body: Vec<u8>, auth_info: Vec<u8>) -> Vec<u8> {
    let alice = alice();
    encode(&sign_direct(
        &alice,
        CHAIN_ID,
        alice.account_number,
        body,
        auth_info,
    ))
}

#[test]
fn should_answer_every_signed_odd_send_as_the_sdk_would_without_panicking() {
    let changes = prop::collection::vec(field_change(), 1..4);
    let counts = outcomes_of(200, changes, |changes, sequence| {
        changed_send(sequence, &changes)
    });
    eprintln!("accepted, failed in a message, rejected: {counts:?}");
    // The changes reach every outcome.
    assert!(counts.iter().all(|&n| n > 0), "{counts:?}");
}

/// alice's send with `change` applied to the encoded body (true) or auth
/// info, signed over the changed bytes.
fn signed_with_changed_fields(sequence: u64, in_body: bool, change: &Mutation) -> Option<Vec<u8>> {
    let unsigned = UnsignedTx::send(&alice(), &bob().addr(), 1_000, sequence);
    let (mut body, mut auth_info) = (unsigned.body_bytes(), unsigned.auth_info_bytes());
    let bytes = if in_body { &mut body } else { &mut auth_info };
    *bytes = change_fields(bytes, change)?;
    Some(signed_by_alice(body, auth_info))
}

#[test]
fn should_reject_signed_body_or_auth_info_with_unknown_repeated_or_reordered_fields() {
    let chain = RefCell::new(TestChain::new());
    let before = chain.borrow().observable_state();
    let decode_errors = Cell::new(0);
    // The body holds one field (the message, which may repeat); the auth
    // info two (signer infos, fee). Unknown field numbers: 4..1000 in both.
    let change = prop_oneof![
        (
            any::<bool>(),
            any::<usize>(),
            4..1000u32,
            prop::collection::vec(any::<u8>(), 0..4)
        )
            .prop_map(|(b, at, field, value)| (b, Mutation::ExtraField { at, field, value })),
        any::<usize>().prop_map(|at| (false, Mutation::DuplicateField { at })),
        any::<usize>().prop_map(|at| (false, Mutation::SwapFields { at })),
    ];
    let result = deterministic_runner(64).run(&change, |(in_body, change)| {
        let mut chain = chain.borrow_mut();
        let tx = signed_with_changed_fields(0, in_body, &change).expect("fields");
        let checked = chain.check_tx(&tx);
        prop_assert_ne!(checked.code, 0, "CheckTx accepted {:?}", change);
        let delivered = chain.deliver_tx(&tx);
        prop_assert_eq!(delivered.code, checked.code, "{}", delivered.log);
        prop_assert_eq!(chain.observable_state(), before.clone());
        if checked.code == 2 {
            decode_errors.set(decode_errors.get() + 1);
        }
        Ok(())
    });
    result.unwrap();
    // A second signer info is a count mismatch (4); everything else is the
    // SDK's refusal of fields it cannot account for (2).
    assert!(decode_errors.get() > 32, "{}", decode_errors.get());
}

#[test]
fn should_apply_mutations_as_described() {
    let at = |i: usize| i;
    let m = |muts: Vec<Mutation>| apply(&[1, 2, 3, 4], &muts);
    assert_eq!(
        m(vec![Mutation::Flip {
            at: at(0),
            xor: 0xff
        }]),
        [0xfe, 2, 3, 4]
    );
    assert_eq!(m(vec![Mutation::Truncate { at: at(2) }]), [1, 2]);
    assert_eq!(
        m(vec![Mutation::Insert {
            at: at(4),
            bytes: vec![9]
        }]),
        [1, 2, 3, 4, 9]
    );
    assert_eq!(m(vec![Mutation::Delete { at: at(1), len: 2 }]), [1, 4]);
    assert_eq!(
        m(vec![Mutation::Overwrite {
            at: at(3),
            bytes: vec![7, 7]
        }]),
        [1, 2, 3, 7]
    );
}

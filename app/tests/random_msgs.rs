//! Random messages of every type the node routes, signed (quality.md, "Bad
//! input": the node never panics on input, and a tx whose message fails in a
//! block still pays its fee, as in the Cosmos SDK). The type URLs are read
//! from the modules' sources, so a message added later is covered too; an
//! unknown one is among them. Each message is random protobuf fields, most
//! with alice's address first (where Cosmos messages put their signer), in
//! a tx alice signs. Every tx is answered by CheckTx and by a block without
//! a panic or an error from the app, the invariants (supply among them)
//! hold after every block, and the outcome is the SDK's: accepted, failed
//! in its message with the fee paid and the sequence advanced, or refused
//! before that with nothing changed (and by CheckTx with the same code).
//! Fixed seed, so a failure in CI reproduces.

mod common;

use common::property::*;
use common::*;
use cosmos_sdk_proto::Any;
use proptest::prelude::*;

fn msg_type_urls() -> Vec<String> {
    source_literals(&["modules/*"], |s| {
        (s.starts_with("/cosmos.") || s.starts_with("/gpuchain."))
            && s.contains(".Msg")
            && !s.ends_with("Response")
    })
    .into_iter()
    .collect()
}

/// A message's fields: mostly alice's address as field 1, then random ones
/// in field order (a decoder takes them in any order, but the tx must
/// get past the canonical-encoding check of its body to reach a handler).
fn message() -> impl Strategy<Value = Vec<u8>> {
    (any::<bool>(), fields()).prop_map(|(signer_first, mut fields)| {
        if signer_first {
            fields.retain(|f| f.number() != 1);
            fields.push(Field::Bytes(1, alice().addr().into_bytes()));
        }
        fields.sort_by_key(Field::number);
        encode_fields(&fields)
    })
}

#[test]
fn should_answer_random_signed_messages_of_every_type_as_the_sdk_would() {
    let urls = msg_type_urls();
    // bank's two, market's and attestation's, and test-only unknown ones.
    assert!(urls.len() > 15, "found only {urls:?}");
    let tx = (prop::sample::select(urls), message());
    let counts = outcomes_of(400, tx, |(type_url, value), sequence| {
        let mut unsigned = UnsignedTx::send(&alice(), &bob().addr(), 1, sequence);
        unsigned.body.messages = vec![Any { type_url, value }];
        encode(&unsigned.sign(&alice()))
    });
    eprintln!("accepted, failed in the message, refused: {counts:?}");
    // Random fields reach the handlers: some fail there, not all in decoding.
    assert!(counts[1] > 20 && counts[2] > 20, "{counts:?}");
}

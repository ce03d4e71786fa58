//! Random requests on every query path the node serves (quality.md, "Bad
//! input": the node never panics on input). The paths are read from the
//! modules' and the app's sources, so a query added later is covered too.
//! Requests are random protobuf fields (varints up to u64::MAX, strings
//! that are addresses, denoms or anything, nested messages such as a
//! pagination with huge offsets and limits) or random bytes, at the latest,
//! a past or a future height. Every one must be answered, with a value or
//! an error carrying a code, and never by a panic. Fixed seed, so a failure
//! in CI reproduces.

mod common;

use std::cell::Cell;

use common::property::*;
use common::*;
use proptest::prelude::*;

fn query_paths() -> Vec<String> {
    let mut found = source_literals(&["app/src", "modules/*"], |s| {
        (s.starts_with("/cosmos.") || s.starts_with("/gpuchain."))
            && (s.contains(".Query/") || s.contains(".Service/"))
    });
    // Raw store reads, with and without a proof.
    for module in [
        "auth",
        "bank",
        "market",
        "escrow",
        "attestation",
        "app",
        "nope",
    ] {
        found.insert(format!("/store/{module}/key"));
    }
    found.into_iter().collect()
}

/// The shape most requests have: an address or id, a denom or filter, and
/// a pagination (`PageRequest`: key, offset, limit, count_total, reverse)
/// at one of the first field numbers.
fn typical() -> impl Strategy<Value = Vec<Field>> {
    let page = (field_bytes(), varint(), varint(), 0..2u64, 0..2u64).prop_map(|(k, o, l, c, r)| {
        vec![
            Field::Bytes(1, k),
            Field::Varint(2, o),
            Field::Varint(3, l),
            Field::Varint(4, c),
            Field::Varint(5, r),
        ]
    });
    (field_bytes(), field_bytes(), 1..5u32, page).prop_map(|(a, b, n, page)| {
        let mut f = vec![Field::Bytes(1, a), Field::Bytes(2, b)];
        f.retain(|f| !matches!(f, Field::Bytes(m, _) if *m == n));
        f.push(Field::Message(n, page));
        f.sort_by_key(Field::number);
        f
    })
}

fn request() -> impl Strategy<Value = Vec<u8>> {
    let encoded = |f: Vec<Field>| encode_fields(&f);
    prop_oneof![
        3 => typical().prop_map(encoded),
        3 => fields().prop_map(encoded),
        1 => prop::collection::vec(any::<u8>(), 0..64),
    ]
}

#[test]
fn should_answer_random_requests_on_every_query_path_without_panicking() {
    let paths = query_paths();
    // The auth, bank, tx-service, market, escrow and attestation queries.
    assert!(paths.len() > 40, "found only {paths:?}");
    let mut chain = TestChain::new();
    // A second block, so a past height exists beside the latest (2).
    chain.deliver(&[]);
    let (answered, refused) = (Cell::new(0u32), Cell::new(0u32));
    let strategy = (
        prop::sample::select(paths),
        request(),
        prop_oneof![6 => Just(0u64), 3 => 1..4u64, 1 => any::<u64>()],
        any::<bool>(),
    );
    let result = deterministic_runner(5000).run(&strategy, |(path, data, height, prove)| {
        match chain.query_raw(&path, &data, height, prove) {
            Ok(_) => answered.set(answered.get() + 1),
            Err(e) => {
                prop_assert_ne!(e.code, 0, "an error without a code on {}: {}", path, e.log);
                refused.set(refused.get() + 1);
            }
        }
        Ok(())
    });
    result.unwrap();
    let (answered, refused) = (answered.get(), refused.get());
    // Both outcomes occur: random requests reach the handlers, not only
    // the decoders.
    assert!(
        answered > 1000 && refused > 1000,
        "{answered} answered, {refused} refused"
    );
}

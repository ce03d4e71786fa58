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

use std::collections::BTreeSet;
use std::path::Path;

use common::*;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use prost::encoding::encode_varint;

/// Every `"/<package>.Query/<Method>"` or `"/<package>.Service/<Method>"`
/// string literal under `dir`.
fn query_paths_in(dir: &Path, found: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("read source dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            query_paths_in(&path, found);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read source");
        for literal in text.split('"').skip(1).step_by(2) {
            let is_path = (literal.starts_with("/cosmos.") || literal.starts_with("/gpuchain."))
                && (literal.contains(".Query/") || literal.contains(".Service/"))
                && !literal.contains(char::is_whitespace);
            if is_path {
                found.insert(literal.to_string());
            }
        }
    }
}

fn query_paths() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut found = BTreeSet::new();
    query_paths_in(&root.join("app/src"), &mut found);
    for module in std::fs::read_dir(root.join("modules")).expect("modules dir") {
        query_paths_in(&module.expect("module").path().join("src"), &mut found);
    }
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

/// A protobuf field with a random value.
#[derive(Clone, Debug)]
enum Field {
    Varint(u32, u64),
    Bytes(u32, Vec<u8>),
    Message(u32, Vec<Field>),
}

fn encode(fields: &[Field], out: &mut Vec<u8>) {
    for f in fields {
        match f {
            Field::Varint(n, v) => {
                encode_varint(u64::from(*n) << 3, out);
                encode_varint(*v, out);
            }
            Field::Bytes(n, b) => {
                encode_varint(u64::from(*n) << 3 | 2, out);
                encode_varint(b.len() as u64, out);
                out.extend_from_slice(b);
            }
            Field::Message(n, inner) => {
                let mut bytes = Vec::new();
                encode(inner, &mut bytes);
                encode_varint(u64::from(*n) << 3 | 2, out);
                encode_varint(bytes.len() as u64, out);
                out.extend_from_slice(&bytes);
            }
        }
    }
}

fn field_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(alice().addr().into_bytes()),
        Just(fee_collector().into_bytes()),
        Just(DENOM.as_bytes().to_vec()),
        "[a-z0-9]{0,12}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..48),
    ]
}

fn fields() -> impl Strategy<Value = Vec<Field>> {
    let varint = prop_oneof![0..4u64, Just(u64::MAX), Just(u64::MAX / 2), any::<u64>()];
    let leaf = prop_oneof![
        (1..8u32, varint).prop_map(|(n, v)| Field::Varint(n, v)),
        (1..8u32, field_bytes()).prop_map(|(n, b)| Field::Bytes(n, b)),
    ];
    let field = leaf.prop_recursive(2, 16, 4, |inner| {
        (1..8u32, prop::collection::vec(inner, 0..4)).prop_map(|(n, f)| Field::Message(n, f))
    });
    prop::collection::vec(field, 0..5)
}

/// The shape most requests have: an address or id, a denom or filter, and
/// a pagination (`PageRequest`: key, offset, limit, count_total, reverse)
/// at one of the first field numbers.
fn typical() -> impl Strategy<Value = Vec<Field>> {
    let varint = || prop_oneof![0..3u64, Just(u64::MAX), any::<u64>()];
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
        f.sort_by_key(|f| match f {
            Field::Varint(n, _) | Field::Bytes(n, _) | Field::Message(n, _) => *n,
        });
        f
    })
}

fn request() -> impl Strategy<Value = Vec<u8>> {
    let encoded = |f: Vec<Field>| {
        let mut out = Vec::new();
        encode(&f, &mut out);
        out
    };
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
    let (mut answered, mut refused) = (0u32, 0u32);
    let config = Config {
        cases: 5000,
        failure_persistence: None,
        max_shrink_iters: 0,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let strategy = (
        prop::sample::select(paths),
        request(),
        prop_oneof![6 => Just(0u64), 3 => 1..4u64, 1 => any::<u64>()],
        any::<bool>(),
    );
    for _ in 0..5000 {
        let case = strategy.new_tree(&mut runner).expect("a case").current();
        let (path, data, height, prove) = case;
        match chain.query_raw(&path, &data, height, prove) {
            Ok(_) => answered += 1,
            Err(e) => {
                assert_ne!(e.code, 0, "an error without a code on {path}: {}", e.log);
                refused += 1;
            }
        }
    }
    // Both outcomes occur: random requests reach the handlers, not only
    // the decoders.
    assert!(
        answered > 1000 && refused > 1000,
        "{answered} answered, {refused} refused"
    );
}

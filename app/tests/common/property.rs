//! Helpers of the property tests: random protobuf messages, the string
//! literals of the workspace's sources (query paths, Msg type URLs), a test
//! runner with a fixed seed, and the SDK's contract for a tx's outcome.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use prost::encoding::encode_varint;

use super::{alice, fee_collector, TestChain, TestKey, DENOM};

/// A runner of `cases` cases from a fixed seed, so that a failure in CI
/// reproduces. Cases that share a chain are not independent, so failures
/// are reported as found, not shrunk.
pub fn deterministic_runner(cases: u32) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 0,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

/// A protobuf field with a random value.
#[derive(Clone, Debug)]
pub enum Field {
    Varint(u32, u64),
    Bytes(u32, Vec<u8>),
    Message(u32, Vec<Field>),
}

impl Field {
    pub fn number(&self) -> u32 {
        match self {
            Field::Varint(n, _) | Field::Bytes(n, _) | Field::Message(n, _) => *n,
        }
    }
}

/// `fields` in protobuf's wire format, in the order given.
pub fn encode_fields(fields: &[Field]) -> Vec<u8> {
    let mut out = Vec::new();
    for f in fields {
        match f {
            Field::Varint(n, v) => {
                encode_varint(u64::from(*n) << 3, &mut out);
                encode_varint(*v, &mut out);
            }
            Field::Bytes(n, b) => {
                encode_varint(u64::from(*n) << 3 | 2, &mut out);
                encode_varint(b.len() as u64, &mut out);
                out.extend_from_slice(b);
            }
            Field::Message(n, inner) => {
                let bytes = encode_fields(inner);
                encode_varint(u64::from(*n) << 3 | 2, &mut out);
                encode_varint(bytes.len() as u64, &mut out);
                out.extend_from_slice(&bytes);
            }
        }
    }
    out
}

/// A length-delimited value: an address, a denom, a number or any text,
/// or random bytes.
pub fn field_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(alice().addr().into_bytes()),
        Just(fee_collector().into_bytes()),
        Just(DENOM.as_bytes().to_vec()),
        "[0-9]{1,12}".prop_map(String::into_bytes),
        "[a-z0-9-]{0,12}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..48),
    ]
}

pub fn varint() -> impl Strategy<Value = u64> {
    prop_oneof![0..4u64, Just(u64::MAX), Just(u64::MAX / 2), any::<u64>()]
}

/// Up to 5 fields numbered 1-7, nested messages two levels deep.
pub fn fields() -> impl Strategy<Value = Vec<Field>> {
    let leaf = prop_oneof![
        (1..8u32, varint()).prop_map(|(n, v)| Field::Varint(n, v)),
        (1..8u32, field_bytes()).prop_map(|(n, b)| Field::Bytes(n, b)),
    ];
    let field = leaf.prop_recursive(2, 16, 4, |inner| {
        (1..8u32, prop::collection::vec(inner, 0..4)).prop_map(|(n, f)| Field::Message(n, f))
    });
    prop::collection::vec(field, 0..5)
}

/// Every string literal under the workspace's `dirs` (relative to its
/// root; `*` as a last part means each subdirectory) that `keep` accepts.
pub fn source_literals(dirs: &[&str], keep: impl Fn(&str) -> bool) -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut found = BTreeSet::new();
    for dir in dirs {
        match dir.strip_suffix("/*") {
            Some(parent) => {
                for sub in std::fs::read_dir(root.join(parent)).expect("source dir") {
                    literals_in(
                        &sub.expect("dir entry").path().join("src"),
                        &keep,
                        &mut found,
                    );
                }
            }
            None => literals_in(&root.join(dir), &keep, &mut found),
        }
    }
    found
}

fn literals_in(dir: &Path, keep: &impl Fn(&str) -> bool, found: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("read source dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            literals_in(&path, keep, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("read source");
            // Every other piece between quotes; an escaped or char-literal
            // quote can shift it, which the callers' minimum counts catch.
            for literal in text.split('"').skip(1).step_by(2) {
                if !literal.contains(char::is_whitespace) && keep(literal) {
                    found.insert(literal.to_string());
                }
            }
        }
    }
}

/// How a tx ended in its block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    /// Past the ante checks, its message failed.
    FailedInMessage,
    /// Refused in decoding or the ante checks.
    Refused,
}

/// CheckTx of `tx`, then a block of it alone, and the Cosmos SDK's contract
/// for the two: accepted, the signer's sequence advances; failed in its
/// message, the fee stays paid and the sequence advanced; refused before
/// that, nothing observable changed and CheckTx refused it with the same
/// code. CheckTx may refuse what a block takes only for the node's minimum
/// gas price (13), a mempool policy. A panic or an error from the app fails
/// the test, and the block is followed by the invariant checks.
pub fn check_and_deliver(
    chain: &mut TestChain,
    signer: &TestKey,
    tx: &[u8],
) -> Result<Outcome, TestCaseError> {
    let sequence = chain.sequence(signer);
    let before = chain.observable_state();
    let balance = chain.balance(&signer.addr());
    let checked = chain.check_tx(tx);
    let delivered = chain.deliver_tx(tx);
    let after = chain.sequence(signer);
    let mempool_only = checked.code == 13 && checked.codespace == "sdk";
    let passed_check = checked.code == 0 || mempool_only;
    if delivered.code == 0 {
        prop_assert!(passed_check, "{}", checked.log);
        prop_assert_eq!(after, sequence + 1);
        return Ok(Outcome::Accepted);
    }
    if delivered.log.starts_with("failed to execute message") {
        prop_assert!(passed_check, "{}", checked.log);
        prop_assert_eq!(after, sequence + 1, "{}", delivered.log);
        prop_assert!(chain.balance(&signer.addr()) < balance, "no fee paid");
        return Ok(Outcome::FailedInMessage);
    }
    if !mempool_only {
        prop_assert_eq!(
            (checked.code, checked.codespace.as_str()),
            (delivered.code, delivered.codespace.as_str()),
            "{} / {}",
            checked.log,
            delivered.log
        );
    }
    prop_assert_eq!(chain.observable_state(), before, "{}", delivered.log);
    Ok(Outcome::Refused)
}

/// `cases` of `strategy` on one chain, each turned by `tx` (given alice's
/// committed sequence) into a tx of alice's that [`check_and_deliver`]
/// checks; how many ended each way, in [`Outcome`]'s order.
pub fn outcomes_of<S: Strategy>(
    cases: u32,
    strategy: S,
    tx: impl Fn(S::Value, u64) -> Vec<u8>,
) -> [u32; 3] {
    let chain = RefCell::new(TestChain::new());
    let counts = [Cell::new(0), Cell::new(0), Cell::new(0)];
    let result = deterministic_runner(cases).run(&strategy, |value| {
        let mut chain = chain.borrow_mut();
        let tx = tx(value, chain.sequence(&alice()));
        let outcome = check_and_deliver(&mut chain, &alice(), &tx)?;
        let c = &counts[outcome as usize];
        c.set(c.get() + 1);
        Ok(())
    });
    result.unwrap();
    counts.map(|c| c.get())
}

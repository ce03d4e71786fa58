//! The store computes a version's tree in one batch when the version only
//! writes values, and key by key when it also deletes. Either way its root
//! must be the one jmt's plain key-by-key insertion gives: checked here
//! against jmt's in-memory reference tree over random histories.

use gpuchain_store::{Changes, Storage, StorageConfig};
use jmt::mock::MockTreeStore;
use jmt::{KeyHash, Sha256Jmt};
use proptest::prelude::*;
use sha2::Sha256;

/// One version's writes: key index -> value (None deletes).
type Writes = Vec<(u16, Option<u8>)>;

fn key(i: u16) -> Vec<u8> {
    format!("k/{i}").into_bytes()
}

/// Histories over 400 keys (deep trees, few deletions) or over 5 (many
/// deletions, the tree often emptied).
fn history() -> impl Strategy<Value = Vec<Writes>> {
    prop_oneof![Just((400u16, 0.85)), Just((5u16, 0.5))].prop_flat_map(|(keys, p_put)| {
        let write = (0..keys, prop::option::weighted(p_put, any::<u8>()));
        prop::collection::vec(prop::collection::vec(write, 0..120), 1..10)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    #[test]
    fn should_give_the_reference_root_with_and_without_deletions(history in history()) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Storage::open(dir.path(), StorageConfig { keep_recent: 3, ..Default::default() }).unwrap();
        let reference = MockTreeStore::default();
        for (v, writes) in history.iter().enumerate() {
            // Version 0 is genesis, as InitChain writes it.
            let version = v as u64;
            let mut changes = Changes::default();
            for (k, val) in writes {
                changes.state.insert(key(*k), val.map(|b| vec![b; 3]));
            }
            let set: Vec<(KeyHash, Option<Vec<u8>>)> = changes
                .state
                .iter()
                .map(|(k, v)| (KeyHash::with::<Sha256>(k), v.clone()))
                .collect();
            let (want, batch) = Sha256Jmt::new(&reference).put_value_set(set, version).unwrap();
            reference.write_tree_update_batch(batch).unwrap();
            let got = store.prepare(version, changes).unwrap();
            prop_assert_eq!(got, want.0, "version {}", version);
            // Commit every other version so later ones read both pending
            // and written nodes.
            if version % 2 == 1 {
                store.commit().unwrap();
            }
        }
    }
}

#[test]
fn should_give_the_reference_root_from_a_first_version_above_0_and_after_emptying() {
    // Versions from 1, as a store opened without a genesis version: the
    // first has no previous root to build on.
    let dir = tempfile::tempdir().unwrap();
    let mut store = Storage::open(
        dir.path(),
        StorageConfig {
            keep_recent: 0,
            ..Default::default()
        },
    )
    .unwrap();
    let reference = MockTreeStore::default();
    let steps: [&[(u16, Option<u8>)]; 4] = [&[(1, Some(1))], &[(1, None)], &[], &[(2, Some(2))]];
    for (v, writes) in steps.iter().enumerate() {
        let version = v as u64 + 1;
        let mut changes = Changes::default();
        for (k, val) in writes.iter() {
            changes.state.insert(key(*k), val.map(|b| vec![b]));
        }
        let set: Vec<(KeyHash, Option<Vec<u8>>)> = changes
            .state
            .iter()
            .map(|(k, v)| (KeyHash::with::<Sha256>(k), v.clone()))
            .collect();
        let (want, batch) = Sha256Jmt::new(&reference)
            .put_value_set(set, version)
            .unwrap();
        reference.write_tree_update_batch(batch).unwrap();
        assert_eq!(store.prepare(version, changes).unwrap(), want.0);
        store.commit().unwrap();
    }
}

//! The in-memory cache of committed values and tree nodes must change no
//! result: stores with a large cache, a tiny one (evicting all the time) and
//! none, reopened now and then (cold cache), give the same roots, latest
//! values and values at every kept past height as a plain model.

use std::collections::BTreeMap;

use gpuchain_store::{Changes, StateRead, Storage, StorageConfig};
use proptest::prelude::*;

const KEEP: u64 = 3;

fn key(i: u8) -> Vec<u8> {
    format!("k/{i}").into_bytes()
}

fn open(dir: &std::path::Path, cache_bytes: u64) -> Storage {
    Storage::open(
        dir,
        StorageConfig {
            keep_recent: KEEP,
            cache_bytes,
        },
    )
    .unwrap()
}

/// A version's writes (key index -> value, None deletes), whether the store
/// is closed and reopened after it, and whether it is committed.
type Step = (Vec<(u8, Option<u8>)>, bool, bool);

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let write = (0u8..40, prop::option::weighted(0.8, any::<u8>()));
    prop::collection::vec(
        (
            prop::collection::vec(write, 0..30),
            prop::bool::weighted(0.2),
            prop::bool::weighted(0.7),
        ),
        1..16,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn should_answer_as_the_model_with_any_cache_size(steps in steps()) {
        let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
        let sizes = [1u64 << 30, 2_000, 0];
        let mut stores: Vec<Storage> =
            dirs.iter().zip(sizes).map(|(d, c)| open(d.path(), c)).collect();
        // The model: every committed version's full state.
        let mut latest: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        let mut committed: Vec<BTreeMap<Vec<u8>, Vec<u8>>> = Vec::new();
        let mut pending: Vec<BTreeMap<Vec<u8>, Vec<u8>>> = Vec::new();
        for (v, (writes, reopen, commit)) in steps.iter().enumerate() {
            let version = v as u64;
            let mut changes = Changes::default();
            for (k, val) in writes {
                changes.state.insert(key(*k), val.map(|b| vec![b; 5]));
            }
            for (k, val) in &changes.state {
                match val {
                    Some(val) => latest.insert(k.clone(), val.clone()),
                    None => latest.remove(k),
                };
            }
            let roots: Vec<[u8; 32]> = stores
                .iter_mut()
                .map(|s| s.prepare(version, changes.clone()).unwrap())
                .collect();
            prop_assert!(roots.iter().all(|r| *r == roots[0]), "version {}", version);
            pending.push(latest.clone());
            if *commit || *reopen {
                for s in &mut stores {
                    s.commit().unwrap();
                }
                committed.append(&mut pending);
            }
            if *reopen {
                stores.clear();
                stores = dirs.iter().zip(sizes).map(|(d, c)| open(d.path(), c)).collect();
            }
            for s in &stores {
                for i in 0..40u8 {
                    prop_assert_eq!(s.get(&key(i)).unwrap(), latest.get(&key(i)).cloned());
                }
                // Every height still kept reads as it was.
                let height = s.committed_height().unwrap();
                if committed.is_empty() {
                    continue;
                }
                let reader = s.reader();
                let view = reader.view();
                let earliest = height.saturating_sub(KEEP - 1);
                for h in earliest..=height {
                    let state = &committed[h as usize];
                    for i in 0..40u8 {
                        prop_assert_eq!(
                            view.get_at(&key(i), h).unwrap(),
                            state.get(&key(i)).cloned(),
                            "key {} at {}", i, h
                        );
                    }
                }
            }
        }
    }
}

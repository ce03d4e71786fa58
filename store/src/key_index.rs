//! Which keys a large write layer may hold, answered without searching its
//! ordered map: a block's or the mempool's layer holds tens of thousands of
//! keys, and most reads through it are of keys it never wrote.

use std::hash::BuildHasher;

use rustc_hash::{FxBuildHasher, FxHashSet};

/// The hashes of every key a layer has written: a key whose hash is absent
/// was never written there; one whose hash is present may have been (a
/// collision only costs the map search). Only ever asked about membership,
/// never iterated, so an unseeded hash keeps execution deterministic.
#[derive(Clone, Debug, Default)]
pub(crate) struct KeyIndex(FxHashSet<u64>);

impl KeyIndex {
    fn hash(key: &[u8]) -> u64 {
        FxBuildHasher.hash_one(key)
    }

    pub fn insert(&mut self, key: &[u8]) {
        self.0.insert(Self::hash(key));
    }

    pub fn may_contain(&self, key: &[u8]) -> bool {
        self.0.contains(&Self::hash(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_hold_every_inserted_key_and_few_others() {
        let mut index = KeyIndex::default();
        let key = |i: u32| [b"bank/balances/".as_slice(), &i.to_be_bytes()].concat();
        for i in 0..10_000 {
            index.insert(&key(i));
        }
        assert!((0..10_000).all(|i| index.may_contain(&key(i))));
        let false_hits = (10_000..20_000)
            .filter(|&i| index.may_contain(&key(i)))
            .count();
        assert_eq!(false_hits, 0);
    }
}

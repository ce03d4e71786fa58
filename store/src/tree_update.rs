//! One version's Merkle tree update, on two cores when it can be.
//!
//! jmt's batch insert is one depth-first walk on one core, while the other
//! core has little to do at that point of a block (at 1M accounts it is
//! about a third of FinalizeBlock+Commit). Below the root, the subtree under
//! each of the root's 16 children depends only on the keys whose hash
//! starts with that nibble. So the keys are split into two halves by their
//! first nibble (0-7, 8-f), jmt updates the tree with each half on its own
//! core, and the two results are joined: every node but the root comes from
//! exactly one half, and the root takes its children 0-7 from the first and
//! 8-f from the second. The halves stay apart ([`TreeChanges`]) with the
//! joined root in the first. What they hold together (root, nodes, stale
//! nodes, values) is what a single update with every key gives; the tests
//! compare them.

use borsh::BorshSerialize;
use jmt::storage::{Node, NodeKey, TreeReader, TreeUpdateBatch};
use jmt::{KeyHash, OwnedValue, RootHash, Sha256Jmt, Version};
use sha2::Sha256;

use crate::tree_changes::TreeChanges;
use crate::StoreError;

/// A write with its key's hash: (hash, key, value or deletion).
pub(crate) type HashedWrite<'a> = (KeyHash, &'a Vec<u8>, &'a Option<Vec<u8>>);

type Update = (RootHash, TreeUpdateBatch);

/// The root and the changes of a version.
type VersionUpdate = (RootHash, TreeChanges);

pub(crate) fn tree_err(e: anyhow::Error) -> StoreError {
    StoreError::Db(format!("merkle tree: {e}"))
}

/// The tree at `version` with `hashed` written on top of the previous one.
pub(crate) fn update_tree<R: TreeReader + Sync>(
    reader: &R,
    version: Version,
    hashed: &[HashedWrite<'_>],
) -> Result<VersionUpdate, StoreError> {
    let tree = Sha256Jmt::new(reader);
    let puts = only_puts(hashed);
    // jmt's batch insert hashes each new node once instead of once per key
    // below it (about 3x faster), but takes no deletions and needs the
    // previous version's root (absent only when the first version stored
    // is not 0); otherwise keys go in one by one. The tree, and so the
    // root, is the same.
    let prev_root = match version.checked_sub(1) {
        None => true,
        Some(prev) => tree.get_root_hash_option(prev).map_err(tree_err)?.is_some(),
    };
    match puts {
        Some(puts) if !puts.is_empty() && prev_root => {
            batch_in_halves(reader, version, puts, hashed)
        }
        _ => tree
            .put_value_set(hashed.iter().map(|(h, _, v)| (*h, (*v).clone())), version)
            .map(whole)
            .map_err(tree_err),
    }
}

/// jmt's batch insert of `puts` (not empty), split in two halves by the
/// keys' first nibble when both are non-empty.
fn batch_in_halves<R: TreeReader + Sync>(
    reader: &R,
    version: Version,
    puts: Vec<(KeyHash, OwnedValue)>,
    hashed: &[HashedWrite<'_>],
) -> Result<VersionUpdate, StoreError> {
    let (low, high): (Vec<_>, Vec<_>) = puts.into_iter().partition(|(h, _)| h.0[0] < 0x80);
    if high.is_empty() {
        return batch(reader, version, low).map(whole);
    }
    if low.is_empty() {
        return batch(reader, version, high).map(whole);
    }
    let (low, high) = std::thread::scope(|s| {
        let low = s.spawn(|| batch(reader, version, low));
        let high = batch(reader, version, high);
        (low.join(), high)
    });
    let low = low.map_err(|_| StoreError::Corrupt("tree update thread panicked".into()))??;
    match join_halves(version, low, high?)? {
        Some(joined) => Ok(joined),
        // The previous root was not an internal node (a tree of at most one
        // key): its halves overlap, so the update is done in one piece.
        None => batch(reader, version, only_puts(hashed).unwrap_or_default()).map(whole),
    }
}

fn whole((root, batch): Update) -> VersionUpdate {
    (root, TreeChanges::whole(batch))
}

/// `hashed` as jmt's batch insert takes it, or None if it deletes a key.
fn only_puts(hashed: &[HashedWrite<'_>]) -> Option<Vec<(KeyHash, OwnedValue)>> {
    hashed
        .iter()
        .map(|(h, _, v)| v.as_ref().map(|v| (*h, v.clone())))
        .collect()
}

fn batch<R: TreeReader>(
    reader: &R,
    version: Version,
    puts: Vec<(KeyHash, OwnedValue)>,
) -> Result<Update, StoreError> {
    let (roots, batch) = Sha256Jmt::new(reader)
        .batch_put_value_sets(vec![puts], None, version)
        .map_err(tree_err)?;
    let root = roots
        .first()
        .copied()
        .ok_or_else(|| StoreError::Corrupt("jmt returned no root for the version".into()))?;
    Ok((root, batch))
}

/// The new root node of `batch`: the node at `version` with an empty path.
fn root_of(batch: &TreeUpdateBatch, version: Version) -> Option<(&NodeKey, &Node)> {
    batch
        .node_batch
        .nodes()
        .iter()
        .find(|(k, _)| k.version() == version && k.nibble_path().is_empty())
}

/// The update of both halves at once, or None when the halves cannot be
/// joined (see [`joined_root`]).
fn join_halves(
    version: Version,
    low: Update,
    high: Update,
) -> Result<Option<VersionUpdate>, StoreError> {
    let (mut low, high) = (low.1, high.1);
    let Some((root_key, root, root_hash)) = joined_root(version, &low, &high)? else {
        return Ok(None);
    };
    low.node_batch.insert_node(root_key, root);
    Ok(Some((root_hash, TreeChanges::halves(low, high))))
}

/// The root with children 0-7 of `low`'s root and 8-f of `high`'s, or None
/// when either root is not an internal node or either half changed a child
/// outside its own half (the previous root was a leaf, now split).
fn joined_root(
    version: Version,
    low: &TreeUpdateBatch,
    high: &TreeUpdateBatch,
) -> Result<Option<(NodeKey, Node, RootHash)>, StoreError> {
    let (Some((root_key, Node::Internal(l))), Some((_, Node::Internal(h)))) =
        (root_of(low, version), root_of(high, version))
    else {
        return Ok(None);
    };
    // jmt's types for an internal node are not public: the root is built
    // from its encoding (16 optional children, their count, the leaves
    // under them), which the tests check against jmt's own.
    let mut encoded = Vec::with_capacity(16 * 50 + 16);
    let (mut count, mut leaves) = (0u64, 0u64);
    for n in 0u8..16 {
        let (mine, other) = if n < 8 { (l, h) } else { (h, l) };
        if other.child(n.into()).is_some_and(|c| c.version >= version) {
            return Ok(None);
        }
        let child = mine.child(n.into());
        if let Some(c) = child {
            count = count.saturating_add(1);
            leaves = leaves.saturating_add(c.leaf_count() as u64);
        }
        child.serialize(&mut encoded)?;
    }
    encoded.extend_from_slice(&count.to_le_bytes());
    encoded.extend_from_slice(&leaves.to_le_bytes());
    let root = Node::Internal(borsh::from_slice(&encoded)?);
    let Node::Internal(joined) = &root else {
        return Ok(None);
    };
    let hash = RootHash(joined.hash::<Sha256>());
    Ok(Some((root_key.clone(), root, hash)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    use jmt::mock::MockTreeStore;
    use proptest::prelude::*;

    type Writes = Vec<(KeyHash, Vec<u8>, Option<Vec<u8>>)>;

    fn hashed(writes: &Writes) -> Vec<HashedWrite<'_>> {
        writes.iter().map(|(h, k, v)| (*h, k, v)).collect()
    }

    fn puts(writes: &Writes) -> Vec<(KeyHash, OwnedValue)> {
        writes
            .iter()
            .map(|(h, _, v)| (*h, v.clone().unwrap()))
            .collect()
    }

    fn writes(keys: &[[u8; 32]], value: u8) -> Writes {
        keys.iter()
            .map(|k| (KeyHash(*k), k.to_vec(), Some(vec![value, k[1]])))
            .collect()
    }

    /// What `changes` yield, each node, value and stale entry once, and
    /// what they answer for each node and value, is `want`'s content.
    fn assert_same_content(changes: &TreeChanges, want: &TreeUpdateBatch) {
        let nodes: BTreeMap<_, _> = changes.nodes().collect();
        assert_eq!(nodes.len(), changes.nodes().count());
        assert_eq!(nodes.len(), changes.node_count());
        assert_eq!(nodes, want.node_batch.nodes().iter().collect());
        let values: BTreeMap<_, _> = changes.values().collect();
        assert_eq!(values.len(), changes.values().count());
        assert_eq!(values, want.node_batch.values().iter().collect());
        let stale: BTreeSet<_> = changes.stale().collect();
        assert_eq!(stale.len(), changes.stale().count());
        assert_eq!(stale, want.stale_node_index_batch.iter().collect());
        for (k, n) in want.node_batch.nodes() {
            assert_eq!(changes.node(k), Some(n));
        }
        for ((v, h), value) in want.node_batch.values() {
            assert_eq!(changes.value(*v, h), Some(value));
        }
    }

    /// Writes each version with `update_tree` and with one jmt batch, in
    /// two stores, and requires the same root and the same update batch.
    fn same_as_one_batch(versions: &[Writes]) {
        let (split, whole) = (MockTreeStore::default(), MockTreeStore::default());
        for (version, w) in versions.iter().enumerate() {
            let version = version as Version;
            let (root, changes) = update_tree(&split, version, &hashed(w)).unwrap();
            let (want_root, mut want) = super::batch(&whole, version, puts(w)).unwrap();
            assert_same_content(&changes, &want);
            let batch = changes.into_batch();
            assert_eq!(root, want_root, "version {version}");
            want.node_stats.clear();
            assert_eq!(batch, want, "version {version}");
            split.write_tree_update_batch(batch).unwrap();
            whole.write_tree_update_batch(want).unwrap();
        }
    }

    fn key(first: u8, rest: u8) -> [u8; 32] {
        let mut k = [rest; 32];
        k[0] = first;
        k
    }

    #[test]
    fn should_join_halves_of_a_tree_with_an_internal_root() {
        let store = MockTreeStore::default();
        let keys: Vec<[u8; 32]> = (0u8..=255).map(|i| key(i, i.wrapping_mul(7))).collect();
        let (_, batch) = update_tree(&store, 0, &hashed(&writes(&keys, 1))).unwrap();
        store.write_tree_update_batch(batch.into_batch()).unwrap();
        let next = writes(&[key(0x10, 1), key(0x7f, 2), key(0x80, 3), key(0xf0, 4)], 2);
        let (low, high): (Vec<_>, Vec<_>) =
            puts(&next).into_iter().partition(|(h, _)| h.0[0] < 0x80);
        let low = super::batch(&store, 1, low).unwrap();
        let high = super::batch(&store, 1, high).unwrap();
        let (root, joined) = join_halves(1, low, high).unwrap().unwrap();
        let (want_root, mut want) = super::batch(&store, 1, puts(&next)).unwrap();
        assert_eq!(root, want_root);
        assert_same_content(&joined, &want);
        want.node_stats.clear();
        assert_eq!(joined.into_batch(), want);
    }

    #[test]
    fn should_refuse_to_join_halves_that_split_a_leaf_root() {
        let store = MockTreeStore::default();
        let (_, batch) = update_tree(&store, 0, &hashed(&writes(&[key(0x20, 0)], 1))).unwrap();
        store.write_tree_update_batch(batch.into_batch()).unwrap();
        let next = writes(&[key(0x30, 1), key(0xa0, 2)], 2);
        let (low, high): (Vec<_>, Vec<_>) =
            puts(&next).into_iter().partition(|(h, _)| h.0[0] < 0x80);
        let low = super::batch(&store, 1, low).unwrap();
        let high = super::batch(&store, 1, high).unwrap();
        assert!(join_halves(1, low, high).unwrap().is_none());
        // and the update falls back to one batch
        same_as_one_batch(&[writes(&[key(0x20, 0)], 1), next]);
    }

    #[test]
    fn should_match_one_batch_from_an_empty_tree_and_a_single_leaf() {
        same_as_one_batch(&[writes(&[key(0x01, 0), key(0xff, 0)], 1)]);
        same_as_one_batch(&[
            writes(&[key(0x85, 5)], 1),
            writes(&[key(0x85, 5), key(0x05, 5)], 2),
            writes(&[key(0x85, 6), key(0x85, 5), key(0x7f, 1)], 3),
        ]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn should_match_one_batch_over_many_versions(
            versions in prop::collection::vec(
                prop::collection::vec((any::<[u8; 32]>(), 0usize..4), 1..120),
                1..6,
            ),
        ) {
            // Later versions rewrite some of the keys written before
            // (the second field picks an earlier key) and add new ones.
            let mut seen: Vec<[u8; 32]> = Vec::new();
            let mut all = Vec::new();
            for (i, v) in versions.iter().enumerate() {
                let keys: Vec<[u8; 32]> = v
                    .iter()
                    .map(|(k, pick)| match seen.get(k[5] as usize % seen.len().max(1)) {
                        Some(old) if *pick == 0 => *old,
                        _ => *k,
                    })
                    .collect();
                seen.extend(&keys);
                all.push(writes(&keys, i as u8));
            }
            same_as_one_batch(&all);
        }
    }
}

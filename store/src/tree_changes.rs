//! One version's Merkle tree changes as the tree update left them: jmt's
//! update batch, whole or in the two halves of a split update
//! ([`crate::tree_update`]), kept apart until Commit writes them.
//!
//! Merging the halves into one batch took ~5 ms a block at 1M accounts, on
//! one core, in FinalizeBlock (jmt's `NodeBatch` only merges by inserting
//! each node of one into the other), and nothing needs them merged: Commit
//! writes and caches each node once either way.

use jmt::storage::{Node, NodeKey, StaleNodeIndex, TreeUpdateBatch};
use jmt::{KeyHash, OwnedValue, Version};

pub(crate) struct TreeChanges {
    /// The whole batch, or the half of a split update holding the joined
    /// root (in place of its own).
    first: TreeUpdateBatch,
    /// The other half. Its own root node, and its entry making the previous
    /// root stale (the same one `first` holds), are not part of the changes.
    /// (jmt's node counts, `node_stats`, are not kept: nothing reads them.)
    second: Option<TreeUpdateBatch>,
}

/// Whether `key` is the root's (the empty path).
fn is_root(key: &NodeKey) -> bool {
    key.nibble_path().is_empty()
}

impl TreeChanges {
    pub fn whole(batch: TreeUpdateBatch) -> Self {
        Self {
            first: batch,
            second: None,
        }
    }

    /// Two halves of one update: `first` already holds the joined root.
    pub fn halves(first: TreeUpdateBatch, second: TreeUpdateBatch) -> Self {
        Self {
            first,
            second: Some(second),
        }
    }

    /// The new node at `key`, if this version wrote it.
    pub fn node(&self, key: &NodeKey) -> Option<&Node> {
        self.first.node_batch.get_node(key).or_else(|| {
            self.second
                .as_ref()
                .filter(|_| !is_root(key))
                .and_then(|s| s.node_batch.get_node(key))
        })
    }

    /// The value this version wrote for `key_hash` at `version` (None
    /// inside: a deletion), if any.
    pub fn value(&self, version: Version, key_hash: &KeyHash) -> Option<&Option<OwnedValue>> {
        let key = (version, *key_hash);
        self.first
            .node_batch
            .values()
            .get(&key)
            .or_else(|| self.second.as_ref()?.node_batch.values().get(&key))
    }

    /// Every new node, each once.
    pub fn nodes(&self) -> impl Iterator<Item = (&NodeKey, &Node)> {
        let (first, second) = self.node_parts();
        first.chain(second)
    }

    /// Every new node, each once, in two parts of about equal size to walk
    /// on two cores: the halves of a split update (a whole batch is small,
    /// all in the first).
    pub fn node_parts(
        &self,
    ) -> (
        impl Iterator<Item = (&NodeKey, &Node)>,
        impl Iterator<Item = (&NodeKey, &Node)>,
    ) {
        let second = self.second.iter().flat_map(|s| s.node_batch.nodes());
        (
            self.first.node_batch.nodes().iter(),
            second.filter(|(k, _)| !is_root(k)),
        )
    }

    /// How many new nodes (for sizing). A second half always holds its own
    /// root (the join needs it), which is not counted.
    pub fn node_count(&self) -> usize {
        let second = self
            .second
            .as_ref()
            .map_or(0, |s| s.node_batch.nodes().len().saturating_sub(1));
        self.first.node_batch.nodes().len().saturating_add(second)
    }

    /// Every value written (deletions as None), each once.
    pub fn values(&self) -> impl Iterator<Item = (&(Version, KeyHash), &Option<OwnedValue>)> {
        let second = self.second.iter().flat_map(|s| s.node_batch.values());
        self.first.node_batch.values().iter().chain(second)
    }

    /// Every node this version made stale, each once.
    pub fn stale(&self) -> impl Iterator<Item = &StaleNodeIndex> {
        let second = self.second.iter().flat_map(|s| &s.stale_node_index_batch);
        self.first
            .stale_node_index_batch
            .iter()
            .chain(second.filter(|s| !is_root(&s.node_key)))
    }

    /// The changes as jmt's single batch holds them, less its node counts
    /// (what a split update is tested against).
    #[cfg(test)]
    pub fn into_batch(self) -> TreeUpdateBatch {
        let mut batch = match self.second {
            None => self.first,
            Some(mut second) => {
                // `first`'s root replaces `second`'s.
                second.node_batch.merge(self.first.node_batch);
                second
                    .stale_node_index_batch
                    .extend(self.first.stale_node_index_batch);
                second
            }
        };
        batch.node_stats.clear();
        batch
    }
}

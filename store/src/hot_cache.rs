//! Committed state kept in memory across blocks, as the Cosmos SDK's
//! inter-block cache does: the latest values of keys recently read or
//! written and the tree nodes recently read or written, each bounded in
//! bytes. Blocks then read accounts and walk the tree without a RocksDB
//! lookup per key, so a block's cost depends little on how big the state is.
//!
//! It only ever holds committed data: [`crate::Storage`] fills it on reads
//! that reach RocksDB and with each commit's writes (while they are being
//! written; nothing reads it until the commit returns), and clears it when
//! a commit fails. Tree nodes never change once written (a node key names a
//! version), so a cached node is never out of date. Nodes are kept by their
//! path in the tree: a commit's new node takes the place of the one it
//! replaces, and replaced nodes whose path is gone are removed (only reads
//! at past heights, which do not use the cache, reach them), so the node
//! part holds the latest tree rather than every recent version's. Eviction
//! order has no effect on any result.

use std::sync::Arc;

use crate::clock_cache::{ClockCache, Weigh};

/// Bookkeeping per entry beyond its key and value bytes (rough).
const ENTRY_OVERHEAD: u64 = 64;

/// A key's latest committed value (None: absent) and, when this node wrote
/// it, the version that did (what the next write of the key supersedes).
struct Latest {
    value: Option<Vec<u8>>,
    written_at: Option<u64>,
}

impl Weigh for Latest {
    fn weight(&self, key: &[u8]) -> u64 {
        let v = self.value.as_ref().map_or(0, Vec::len);
        (key.len() as u64)
            .saturating_add(v as u64)
            .saturating_add(ENTRY_OVERHEAD)
    }
}

/// The latest tree's node at a path, and the version that wrote it.
struct NodeAt {
    version: u64,
    node: Arc<[u8]>,
}

impl Weigh for NodeAt {
    fn weight(&self, path: &[u8]) -> u64 {
        (path.len() as u64)
            .saturating_add(self.node.len() as u64)
            .saturating_add(8)
            .saturating_add(ENTRY_OVERHEAD)
    }
}

pub(crate) struct HotCache {
    values: ClockCache<Latest>,
    /// Encoded nibble path -> the latest tree's node there (encoded, as
    /// stored in RocksDB; shared, so a lookup copies nothing). Keyed by path
    /// rather than by node key, so a commit's new node replaces the one it
    /// supersedes in place (removing the ~33k nodes a block replaces at 1M
    /// accounts one by one took 27 ms, about as long as the disk write).
    nodes: ClockCache<NodeAt>,
}

impl HotCache {
    /// A cache of at most about `bytes` bytes: a third for values, the rest
    /// for tree nodes (a key written has ~2 nodes on its path not shared
    /// with others, plus the upper levels). `bytes` = 0 caches nothing.
    pub fn new(bytes: u64) -> Self {
        let values = bytes / 3;
        let nodes = bytes.saturating_sub(values);
        Self {
            values: ClockCache::new(values),
            nodes: ClockCache::new(nodes),
        }
    }

    /// The cached value of `key`: Some(None) when it is known absent.
    pub fn value(&self, key: &[u8]) -> Option<Option<Vec<u8>>> {
        self.values.get(key, |l| Some(l.value.clone()))
    }

    /// The version that last wrote `key`, if known here.
    pub fn written_at(&self, key: &[u8]) -> Option<u64> {
        self.values.peek(key, |l| l.written_at).flatten()
    }

    /// A value read from the database.
    pub fn put_read(&self, key: &[u8], value: Option<Vec<u8>>) {
        let written_at = None;
        self.values.insert(key, Latest { value, written_at });
    }

    /// A value committed at `version`.
    pub fn put_written(&self, key: &[u8], value: Option<Vec<u8>>, version: u64) {
        let written_at = Some(version);
        self.values.insert(key, Latest { value, written_at });
    }

    /// The node at `version` and encoded nibble `path`, if it is the one
    /// cached at that path.
    pub fn node(&self, version: u64, path: &[u8]) -> Option<Arc<[u8]>> {
        self.nodes
            .get(path, |n| (n.version == version).then(|| n.node.clone()))
    }

    /// Caches the (encoded) `node` written at `version` as the latest
    /// tree's node at its (encoded) `path`: only the latest tree is read
    /// through the cache, so what is put is never older than what it
    /// replaces.
    pub fn put_node(&self, version: u64, path: &[u8], node: Arc<[u8]>) {
        self.nodes.insert(path, NodeAt { version, node });
    }

    /// Forgets the node at `version` and `path`, which the latest tree no
    /// longer reaches, unless a newer node has taken its path (as one does
    /// for nearly every replaced node), so that the cache holds the live
    /// tree rather than every version's nodes.
    pub fn remove_node(&self, version: u64, path: &[u8]) {
        self.nodes.remove_if(path, |n| n.version == version);
    }

    /// Bytes held (by the weights above): values, nodes.
    pub fn used(&self) -> (u64, u64) {
        (self.values.weight(), self.nodes.weight())
    }

    /// Forgets everything (after a commit whose outcome is unknown).
    pub fn clear(&self) {
        self.values.clear();
        self.nodes.clear();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn should_answer_what_was_put_including_absence() {
        let c = HotCache::new(1 << 20);
        assert_eq!(c.value(b"a"), None);
        c.put_read(b"a", Some(b"1".to_vec()));
        c.put_read(b"b", None);
        assert_eq!(c.value(b"a"), Some(Some(b"1".to_vec())));
        assert_eq!(c.value(b"b"), Some(None));
        assert_eq!(c.written_at(b"a"), None);
        // a key longer than the entry holds inline
        let long = [b'k'; 100];
        c.put_read(&long, Some(b"2".to_vec()));
        assert_eq!(c.value(&long), Some(Some(b"2".to_vec())));
        assert_eq!(c.value(&long[..99]), None);
        c.put_written(b"a", None, 7);
        assert_eq!(c.value(b"a"), Some(None));
        assert_eq!(c.written_at(b"a"), Some(7));
        c.put_node(1, b"n", b"node".to_vec().into());
        c.put_node(1, b"m", b"node".to_vec().into());
        assert_eq!(c.node(1, b"n").as_deref(), Some(&b"node"[..]));
        c.remove_node(1, b"m");
        assert_eq!(c.node(1, b"m"), None);
        assert_eq!(c.node(1, b"n").as_deref(), Some(&b"node"[..]));
        c.clear();
        assert_eq!(c.value(b"b"), None);
        assert_eq!(c.node(1, b"n"), None);
    }

    #[test]
    fn should_replace_a_node_by_the_newer_one_at_its_path() {
        let c = HotCache::new(1 << 20);
        c.put_node(3, b"path", b"old".to_vec().into());
        c.put_node(3, b"other", b"x".to_vec().into());
        assert_eq!(c.node(4, b"path"), None);
        let weight = c.used().1;
        c.put_node(4, b"path", b"newer".to_vec().into());
        assert_eq!(c.node(3, b"path"), None);
        assert_eq!(c.node(4, b"path").as_deref(), Some(&b"newer"[..]));
        // Replaced in place: two bytes more, not a second entry.
        assert_eq!(c.used().1, weight + 2);
        // Removing the replaced node leaves the one that replaced it.
        c.remove_node(3, b"path");
        assert_eq!(c.node(4, b"path").as_deref(), Some(&b"newer"[..]));
        c.remove_node(3, b"other");
        assert_eq!(c.node(3, b"other"), None);
        assert_eq!(c.used().1, weight + 2 - (5 + 1 + 8 + ENTRY_OVERHEAD));
    }

    #[test]
    fn should_stay_within_its_byte_bound() {
        let c = HotCache::new(300_000);
        for i in 0u32..20_000 {
            c.put_written(&i.to_be_bytes(), Some(vec![7; 100]), 1);
            c.put_node(1, &i.to_be_bytes(), vec![9; 100].into());
        }
        assert!(c.values.weight() <= 100_000, "{}", c.values.weight());
        assert!(c.nodes.weight() <= 200_000, "{}", c.nodes.weight());
        // Something recent is still there.
        let kept = (19_000u32..20_000)
            .filter(|i| c.node(1, &i.to_be_bytes()).is_some())
            .count();
        assert!(kept > 0);
    }

    #[test]
    fn should_cache_nothing_with_no_bytes() {
        let c = HotCache::new(0);
        c.put_read(b"a", Some(b"1".to_vec()));
        c.put_node(1, b"n", b"x".to_vec().into());
        assert_eq!(c.value(b"a"), None);
        assert_eq!(c.node(1, b"n"), None);
    }
}

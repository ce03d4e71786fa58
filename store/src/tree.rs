//! The Jellyfish Merkle tree's view of the database: committed nodes and
//! values in RocksDB, overlaid by versions prepared but not yet committed.

use borsh::BorshSerialize;
use jmt::storage::{HasPreimage, LeafNode, Node, NodeKey, TreeReader};
use jmt::{KeyHash, OwnedValue, Version};

use crate::delta::WriteSet;
use crate::hot_cache::HotCache;
use crate::storage::{cf, Src};
use crate::tree_changes::TreeChanges;

/// The ICS-23 proof spec of gpuchain's state commitment, for clients that
/// verify `prove=true` query results.
pub fn proof_spec() -> ics23::ProofSpec {
    jmt::ics23_spec()
}

/// A version computed by FinalizeBlock (or InitChain) and held in memory
/// until Commit writes it.
pub(crate) struct PendingVersion {
    pub version: Version,
    pub state: WriteSet,
    pub nv: WriteSet,
    pub tree: TreeChanges,
    pub root: [u8; 32],
    pub preimages: Vec<(KeyHash, Vec<u8>)>,
    /// Values superseded in this version: (key hash, version they were written at).
    pub stale_values: Vec<(KeyHash, Version)>,
}

/// `t` encoded with borsh in `scratch`, which is cleared first.
pub(crate) fn encode_in<'a, T: borsh::BorshSerialize>(
    scratch: &'a mut Vec<u8>,
    t: &T,
) -> std::io::Result<&'a [u8]> {
    scratch.clear();
    t.serialize(scratch)?;
    Ok(scratch)
}

/// The encoded nibble path within an encoded node key: borsh writes the
/// key's version (8 bytes) first, then its path.
pub(crate) fn path_of(encoded_node_key: &[u8]) -> &[u8] {
    encoded_node_key.get(8..).unwrap_or_default()
}

pub(crate) fn value_key(key_hash: &KeyHash, version: Version) -> Vec<u8> {
    let mut k = Vec::with_capacity(40);
    k.extend_from_slice(&key_hash.0);
    k.extend_from_slice(&version.to_be_bytes());
    k
}

/// Stored jmt values: a tag byte (1 = present, 0 = deleted) and the value.
pub(crate) fn encode_value(v: &Option<Vec<u8>>) -> Vec<u8> {
    match v {
        Some(v) => {
            let mut out = Vec::with_capacity(v.len().saturating_add(1));
            out.push(1);
            out.extend_from_slice(v);
            out
        }
        None => vec![0],
    }
}

fn decode_value(raw: &[u8]) -> anyhow::Result<Option<Vec<u8>>> {
    match raw.split_first() {
        Some((1, rest)) => Ok(Some(rest.to_vec())),
        Some((0, _)) => Ok(None),
        _ => Err(anyhow::anyhow!("corrupt jmt value encoding")),
    }
}

pub(crate) struct TreeView<'a> {
    pub src: Src<'a>,
    pub pending: &'a [PendingVersion],
    /// Committed nodes kept in memory (only for the latest state: reads at
    /// past heights go to their snapshot).
    pub cache: Option<&'a HotCache>,
}

impl TreeView<'_> {
    /// The version at which `key` (hashed: `key_hash`) was last written, at
    /// or below `max` (which is at or above the last committed version).
    pub fn latest_value_version(
        &self,
        max: Version,
        key_hash: &KeyHash,
        key: &[u8],
    ) -> anyhow::Result<Option<Version>> {
        for p in self.pending.iter().rev() {
            if p.version <= max && p.tree.value(p.version, key_hash).is_some() {
                return Ok(Some(p.version));
            }
        }
        // Every commit records the version of each key it writes.
        if let Some(v) = self.cache.and_then(|c| c.written_at(key)) {
            return Ok(Some(v));
        }
        let seek = value_key(key_hash, max);
        Ok(self
            .src
            .seek_prev(cf::JMT_VALUE, &seek)?
            .filter(|(k, _)| k.len() == 40 && k[..32] == key_hash.0)
            .and_then(|(k, _)| k[32..].try_into().ok().map(u64::from_be_bytes)))
    }
}

impl TreeReader for TreeView<'_> {
    fn get_node_option(&self, node_key: &NodeKey) -> anyhow::Result<Option<Node>> {
        for p in self.pending.iter().rev() {
            if let Some(n) = p.tree.node(node_key) {
                return Ok(Some(n.clone()));
            }
        }
        let mut key = Vec::with_capacity(64);
        node_key.serialize(&mut key)?;
        let (version, path) = (node_key.version(), path_of(&key));
        if let Some(raw) = self.cache.and_then(|c| c.node(version, path)) {
            return Ok(Some(borsh::from_slice(&raw)?));
        }
        match self.src.get(cf::JMT_NODE, &key)? {
            Some(raw) => {
                let node = borsh::from_slice(&raw)?;
                if let Some(c) = self.cache {
                    c.put_node(version, path, raw.into());
                }
                Ok(Some(node))
            }
            None => Ok(None),
        }
    }

    fn get_value_option(
        &self,
        max_version: Version,
        key_hash: KeyHash,
    ) -> anyhow::Result<Option<OwnedValue>> {
        for p in self.pending.iter().rev() {
            if p.version <= max_version {
                if let Some(v) = p.tree.value(p.version, &key_hash) {
                    return Ok(v.clone());
                }
            }
        }
        let seek = value_key(&key_hash, max_version);
        match self.src.seek_prev(cf::JMT_VALUE, &seek)? {
            Some((k, v)) if k.len() == 40 && k[..32] == key_hash.0 => decode_value(&v),
            _ => Ok(None),
        }
    }

    fn get_rightmost_leaf(&self) -> anyhow::Result<Option<(NodeKey, LeafNode)>> {
        // Only used when restoring a tree from a state-sync chunk, which
        // gpuchain does not offer.
        Err(anyhow::anyhow!("tree restore is not supported"))
    }
}

impl HasPreimage for TreeView<'_> {
    fn preimage(&self, key_hash: KeyHash) -> anyhow::Result<Option<Vec<u8>>> {
        for p in self.pending.iter().rev() {
            if let Some((_, k)) = p.preimages.iter().find(|(h, _)| *h == key_hash) {
                return Ok(Some(k.clone()));
            }
        }
        Ok(self.src.get(cf::PREIMAGE, &key_hash.0)?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use jmt::mock::MockTreeStore;

    #[test]
    fn should_encode_as_borsh_does_in_a_reused_buffer() {
        let store = MockTreeStore::default();
        let writes = (0u8..40).map(|i| (KeyHash([i; 32]), Some(vec![i; 9])));
        let (_, batch) = jmt::Sha256Jmt::new(&store)
            .put_value_set(writes, 0)
            .unwrap();
        let mut scratch = Vec::new();
        let mut internal = 0;
        for (key, node) in batch.node_batch.nodes() {
            internal += usize::from(matches!(node, Node::Internal(_)));
            assert_eq!(
                encode_in(&mut scratch, node).unwrap(),
                borsh::to_vec(node).unwrap()
            );
            let encoded_key = borsh::to_vec(key).unwrap();
            assert_eq!(encode_in(&mut scratch, key).unwrap(), encoded_key);
            // what the node cache relies on
            assert_eq!(encoded_key[..8], key.version().to_le_bytes());
            assert_eq!(
                path_of(&encoded_key),
                borsh::to_vec(key.nibble_path()).unwrap()
            );
        }
        assert!(internal > 0);
    }
}

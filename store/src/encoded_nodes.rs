//! A commit's new tree nodes, encoded once for both the write batch and the
//! state cache, on two cores.
//!
//! Commit used to encode every node twice: into the write batch on one core
//! and for the cache on the other (~48k nodes a block at 1M accounts, each
//! branch ~20 ms of it). Encoding the halves of the update side by side
//! first leaves each branch only its copy or insert.

use std::sync::Arc;

use smallvec::SmallVec;

use crate::tree::{encode_in, path_of, PendingVersion};

/// One new node: its key and itself as stored in RocksDB.
pub(crate) struct EncodedNode {
    pub version: u64,
    /// The borsh-encoded node key (version, then nibble path): up to 56
    /// nibbles held inline.
    pub key: SmallVec<[u8; 48]>,
    pub node: Arc<[u8]>,
}

impl EncodedNode {
    /// The encoded nibble path (what the cache keys nodes by).
    pub fn path(&self) -> &[u8] {
        path_of(&self.key)
    }
}

/// Each pending version's new nodes, in the two parts of
/// [`crate::tree_changes::TreeChanges::node_parts`].
pub(crate) type Encoded = Vec<[Vec<EncodedNode>; 2]>;

/// Encodes every pending version's new nodes, the second parts on another
/// thread.
pub(crate) fn encode_nodes(pending: &[PendingVersion]) -> std::io::Result<Encoded> {
    let (firsts, seconds) = std::thread::scope(|s| {
        let seconds = s.spawn(|| {
            pending
                .iter()
                .map(|p| encode_part(p.tree.node_parts().1))
                .collect::<std::io::Result<Vec<_>>>()
        });
        let firsts = pending
            .iter()
            .map(|p| encode_part(p.tree.node_parts().0))
            .collect::<std::io::Result<Vec<_>>>();
        // A panic on the other thread is one in this one.
        let seconds = seconds
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (firsts, seconds)
    });
    Ok(firsts?
        .into_iter()
        .zip(seconds?)
        .map(<[_; 2]>::from)
        .collect())
}

fn encode_part<'a>(
    nodes: impl Iterator<Item = (&'a jmt::storage::NodeKey, &'a jmt::storage::Node)>,
) -> std::io::Result<Vec<EncodedNode>> {
    let mut scratch = Vec::with_capacity(1024);
    nodes
        .map(|(key, node)| {
            Ok(EncodedNode {
                version: key.version(),
                key: SmallVec::from_slice(encode_in(&mut scratch, key)?),
                node: Arc::from(encode_in(&mut scratch, node)?),
            })
        })
        .collect()
}

/// Every node of one version, each once.
pub(crate) fn all(parts: &[Vec<EncodedNode>; 2]) -> impl Iterator<Item = &EncodedNode> {
    parts.iter().flatten()
}

//! The commitment: one SHA-256 Merkle tree over the committed rows of every
//! lane and round.
//!
//! ```text
//! leaf(lane, round, row) = SHA-256(0x00 || lane_be32 || round_be32 || row_be32 || Y_round[row])   (n bytes)
//! inner(left, right)     = SHA-256(0x01 || left || right)
//! ```
//!
//! Leaves are ordered by `(lane * rounds + round) * n + row`. Each level
//! pairs nodes left to right; when a level has an odd number of nodes, the
//! last one is promoted unchanged to the next level (never duplicated, so no
//! two different leaf lists share a root). A proof lists the siblings bottom
//! up for the levels where the node has one; its length is fixed by the leaf
//! index and the leaf count, and the verifier requires exactly that many.

use sha2::{Digest, Sha256};

/// Prefix of a leaf hash.
pub const LEAF_PREFIX: u8 = 0x00;
/// Prefix of an inner-node hash.
pub const INNER_PREFIX: u8 = 0x01;
/// Bytes hashed into a leaf before the row.
pub(crate) const LEAF_HEADER_LEN: u64 = 13;
/// Bytes hashed into an inner node.
pub(crate) const INNER_LEN: u64 = 65;

/// The leaf hash committing the low-byte output row `Y_round[row]` of lane
/// `lane`.
pub fn leaf_hash(lane: u32, round: u32, row: u32, output_row: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([LEAF_PREFIX]);
    h.update(lane.to_be_bytes());
    h.update(round.to_be_bytes());
    h.update(row.to_be_bytes());
    h.update(output_row);
    h.finalize().into()
}

/// The hash of an inner node.
pub fn inner_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([INNER_PREFIX]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Number of levels above the leaves (the longest proof): `ceil(log2(count))`.
pub fn depth_for(count: u64) -> u32 {
    let mut depth = 0u32;
    let mut c = count;
    while c > 1 {
        c = c.div_ceil(2);
        depth = depth.saturating_add(1);
    }
    depth
}

/// A full Merkle tree, every level kept (for producing proofs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MerkleTree {
    levels: Vec<Vec<[u8; 32]>>,
}

impl MerkleTree {
    /// Builds the tree over `leaves`; `None` when there are none.
    pub fn from_leaves(leaves: Vec<[u8; 32]>) -> Option<Self> {
        if leaves.is_empty() {
            return None;
        }
        let mut levels = vec![leaves];
        loop {
            let next = match levels.last() {
                Some(level) if level.len() > 1 => level
                    .chunks(2)
                    .map(|pair| match pair {
                        [l, r] => inner_hash(l, r),
                        [single] => *single,
                        _ => [0u8; 32],
                    })
                    .collect::<Vec<_>>(),
                _ => break,
            };
            levels.push(next);
        }
        Some(Self { levels })
    }

    /// A tree whose levels were computed elsewhere (the CUDA solver builds
    /// them on the GPU), leaves first. Checks the shape only: each level is
    /// half the one below rounded up, ending in one root. A wrong hash shows
    /// when an opened row is checked against its leaf and when the opening is
    /// verified against the committed root.
    pub fn from_levels(levels: Vec<Vec<[u8; 32]>>) -> Option<Self> {
        let mut widths = levels.iter().map(Vec::len);
        let mut width = widths.next().filter(|w| *w > 0)?;
        for next in widths {
            if width == 1 || next != width.div_ceil(2) {
                return None;
            }
            width = next;
        }
        (width == 1).then_some(Self { levels })
    }

    /// The root.
    pub fn root(&self) -> [u8; 32] {
        self.levels
            .last()
            .and_then(|l| l.first())
            .copied()
            .unwrap_or([0u8; 32])
    }

    /// Number of leaves.
    pub fn leaf_count(&self) -> u64 {
        self.levels
            .first()
            .map_or(0, |l| u64::try_from(l.len()).unwrap_or(u64::MAX))
    }

    /// The leaf hash at `index`.
    pub fn leaf(&self, index: u64) -> Option<[u8; 32]> {
        let i = usize::try_from(index).ok()?;
        self.levels.first()?.get(i).copied()
    }

    /// The proof (siblings, bottom up) of the leaf at `index`.
    pub fn proof(&self, index: u64) -> Option<Vec<[u8; 32]>> {
        let mut idx = usize::try_from(index).ok()?;
        if idx >= self.levels.first()?.len() {
            return None;
        }
        let mut siblings = Vec::new();
        for level in self.levels.iter().take(self.levels.len().saturating_sub(1)) {
            let sib = if idx % 2 == 1 {
                level.get(idx.saturating_sub(1))
            } else {
                level.get(idx.saturating_add(1))
            };
            if let Some(s) = sib {
                siblings.push(*s);
            }
            idx /= 2;
        }
        Some(siblings)
    }
}

/// The root of the tree over `leaves` (see [`MerkleTree`]); `None` if empty.
pub fn merkle_root(leaves: Vec<[u8; 32]>) -> Option<[u8; 32]> {
    MerkleTree::from_leaves(leaves).map(|t| t.root())
}

/// The root implied by `leaf` at `index` among `count` leaves and its
/// `proof`; `None` when the index is out of range or the proof has the wrong
/// number of siblings.
pub fn root_from_proof(
    leaf: [u8; 32],
    index: u64,
    count: u64,
    proof: &[[u8; 32]],
) -> Option<[u8; 32]> {
    if index >= count {
        return None;
    }
    let mut node = leaf;
    let mut idx = index;
    let mut width = count;
    let mut siblings = proof.iter();
    while width > 1 {
        if idx % 2 == 1 {
            node = inner_hash(siblings.next()?, &node);
        } else if idx.saturating_add(1) < width {
            node = inner_hash(&node, siblings.next()?);
        }
        idx /= 2;
        width = width.div_ceil(2);
    }
    if siblings.next().is_some() {
        return None;
    }
    Some(node)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(count: u64) -> Vec<[u8; 32]> {
        (0..count)
            .map(|i| leaf_hash(0, 0, i as u32, &[1, 2]))
            .collect()
    }

    #[test]
    fn should_promote_last_node_when_level_is_odd() {
        let l = leaves(3);
        let root = merkle_root(l.clone()).unwrap();
        assert_eq!(root, inner_hash(&inner_hash(&l[0], &l[1]), &l[2]));
        assert_eq!(merkle_root(vec![l[0]]), Some(l[0]));
        assert_eq!(merkle_root(vec![]), None);
        // the promoted leaf's proof has one sibling only
        let t = MerkleTree::from_leaves(l.clone()).unwrap();
        assert_eq!(t.proof(2).unwrap(), vec![inner_hash(&l[0], &l[1])]);
    }

    #[test]
    fn should_differ_from_duplicated_last_leaf_when_odd() {
        let l = leaves(3);
        let mut dup = l.clone();
        dup.push(l[2]);
        assert_ne!(merkle_root(l), merkle_root(dup));
    }

    #[test]
    fn should_separate_leaves_from_inner_nodes_when_hashing() {
        let a = [1u8; 32];
        let b = [2u8; 32];
        let mut row = Vec::new();
        row.extend_from_slice(&a);
        row.extend_from_slice(&b);
        assert_ne!(inner_hash(&a, &b), leaf_hash(0, 0, 0, &row));
    }

    #[test]
    fn should_reject_proof_when_length_or_index_is_wrong() {
        let l = leaves(5);
        let t = MerkleTree::from_leaves(l.clone()).unwrap();
        let p = t.proof(1).unwrap();
        assert_eq!(root_from_proof(l[1], 1, 5, &p), Some(t.root()));
        assert_eq!(root_from_proof(l[1], 5, 5, &p), None);
        assert_eq!(root_from_proof(l[1], 1, 5, &p[..p.len() - 1]), None);
        let mut longer = p.clone();
        longer.push([0u8; 32]);
        assert_eq!(root_from_proof(l[1], 1, 5, &longer), None);
        assert_ne!(root_from_proof(l[1], 0, 5, &p), Some(t.root()));
        assert_eq!(t.proof(5), None);
    }

    #[test]
    fn should_accept_levels_of_the_right_shape_only() {
        for count in [1u64, 2, 3, 5, 8, 13] {
            let tree = MerkleTree::from_leaves(leaves(count)).unwrap();
            assert_eq!(MerkleTree::from_levels(tree.levels.clone()), Some(tree));
        }
        let tree = MerkleTree::from_leaves(leaves(5)).unwrap();
        let mut short = tree.levels.clone();
        short.pop(); // no root level
        assert_eq!(MerkleTree::from_levels(short), None);
        let mut long = tree.levels.clone();
        long.push(vec![[0u8; 32]]); // a level above the root
        assert_eq!(MerkleTree::from_levels(long), None);
        let mut wide = tree.levels.clone();
        wide[1].push([0u8; 32]); // 5 leaves -> 3 nodes, not 4
        assert_eq!(MerkleTree::from_levels(wide), None);
        assert_eq!(MerkleTree::from_levels(vec![]), None);
        assert_eq!(MerkleTree::from_levels(vec![vec![]]), None);
    }

    #[test]
    fn should_compute_depth_when_counting_levels() {
        assert_eq!(depth_for(0), 0);
        assert_eq!(depth_for(1), 0);
        assert_eq!(depth_for(2), 1);
        assert_eq!(depth_for(3), 2);
        assert_eq!(depth_for(1 << 26), 26);
        assert_eq!(depth_for((1 << 26) + 1), 27);
    }

    proptest! {
        #[test]
        fn should_verify_every_proof_when_tree_is_honest(count in 1u64..70) {
            let l = leaves(count);
            let t = MerkleTree::from_leaves(l.clone()).unwrap();
            for i in 0..count {
                let p = t.proof(i).unwrap();
                prop_assert!(p.len() as u32 <= depth_for(count));
                prop_assert_eq!(root_from_proof(l[i as usize], i, count, &p), Some(t.root()));
                let mut bad = l[i as usize];
                bad[0] ^= 1;
                prop_assert_ne!(root_from_proof(bad, i, count, &p), Some(t.root()));
            }
        }
    }
}

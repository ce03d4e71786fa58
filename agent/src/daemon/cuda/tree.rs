//! The Merkle tree over a challenge's leaves, built on the GPU
//! (`merkle_level`, one launch per level) and copied to the host, where
//! the proofs of an opening come from.

use cudarc::driver::{CudaSlice, PushKernelArg};
use gpuchain_challenge::MerkleTree;

use super::solver::{alloc, err, launch_config, product, too_large, CudaSolver};
use super::Phases;

impl CudaSolver {
    /// The tree over `count` leaves (32 bytes each, in `leaves`).
    pub(super) fn merkle_tree(
        &self,
        leaves: CudaSlice<u8>,
        count: u64,
        phases: &mut Option<Phases>,
    ) -> Result<MerkleTree, String> {
        let mut levels = vec![(leaves, count)];
        let mut width = count;
        while width > 1 {
            let above = width.div_ceil(2);
            let mut next = alloc(&self.stream, product(above, 32)?)?;
            let (below, _) = levels.last().ok_or_else(too_large)?;
            let mut l = self.stream.launch_builder(&self.k.merkle_level);
            l.arg(below).arg(&width).arg(&mut next);
            // SAFETY: matches `merkle_level`'s signature; `below` holds
            // `width` nodes and `next` ceil(width / 2), 32 bytes each.
            unsafe { l.launch(launch_config(above)) }.map_err(|e| err("merkle_level", e))?;
            levels.push((next, above));
            width = above;
        }
        self.mark(phases, "merkle_levels")?;
        let mut out = Vec::with_capacity(levels.len());
        for (buf, width) in &levels {
            let width = usize::try_from(*width).map_err(|_| too_large())?;
            let mut level = vec![[0u8; 32]; width];
            // straight into the level's memory, no staging copy
            self.stream
                .memcpy_dtoh(buf, level.as_flattened_mut())
                .map_err(|e| err("copy tree", e))?;
            out.push(level);
        }
        self.sync()?;
        self.mark(phases, "copy_tree")?;
        MerkleTree::from_levels(out).ok_or_else(|| "cuda: the tree's levels are misshapen".into())
    }
}

//! The Merkle tree over a challenge's leaves, built on the GPU
//! (`merkle_level`, one launch per level) and copied to the host, where
//! the proofs of an opening come from.

use std::ops::Range;

use cudarc::driver::{CudaEvent, CudaSlice, PinnedHostSlice, PushKernelArg};
use gpuchain_challenge::MerkleTree;

use super::solver::{alloc, err, launch_config, product, too_large, CudaSolver};
use super::Phases;

/// Bytes of each of the two pinned buffers the tree is staged through.
pub(super) const STAGE_BYTES: usize = 32 << 20;

/// Most host threads moving a staged piece into the tree's memory (a
/// data-centre tree on an H100 host: 8 threads 0.81 s, 16 threads 0.51 s).
const COPY_THREADS: usize = 16;

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
        let out = self.copy_levels(&levels)?;
        self.mark(phases, "copy_tree")?;
        MerkleTree::from_levels(out).ok_or_else(|| "cuda: the tree's levels are misshapen".into())
    }

    /// Copies the levels to the host through two pinned buffers in turn:
    /// the device fills one while host threads move the other into the
    /// level's memory, faulting its fresh pages in side by side. For a
    /// data-centre tree (4 GiB) on an H100 host: 2.3 s zeroed on one thread
    /// and copied straight in, ~0.9 s so.
    fn copy_levels(&self, levels: &[(CudaSlice<u8>, u64)]) -> Result<Vec<Vec<[u8; 32]>>, String> {
        let mut out = levels
            .iter()
            .map(|(_, width)| usize::try_from(*width).ok().and_then(zeroed_nodes))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(too_large)?;
        // no larger than the largest level: a small tree needs little
        let widest = out.iter().map(|l| l.as_flattened().len()).max();
        let stage = self.stage_bytes.min(widest.unwrap_or(0)).max(32);
        // (level, byte range) of every piece, in copy order
        let pieces: Vec<(usize, Range<usize>)> = out
            .iter()
            .enumerate()
            .flat_map(|(i, l)| {
                let bytes = l.as_flattened().len();
                (0..bytes)
                    .step_by(stage)
                    .map(move |at| (i, at..at.saturating_add(stage).min(bytes)))
            })
            .collect();
        let src = |(i, range): &(usize, Range<usize>)| {
            let (buf, _) = levels.get(*i).ok_or_else(too_large)?;
            buf.try_slice(range.clone()).ok_or_else(too_large)
        };
        // A copy into pinned memory moves the buffer's whole length, so a
        // shorter piece (a level's tail, or a small level) goes straight
        // into its place.
        let (full, tails): (Vec<_>, Vec<_>) =
            pieces.into_iter().partition(|(_, r)| r.len() == stage);
        for piece in &tails {
            self.stream
                .memcpy_dtoh(&src(piece)?, place(&mut out, piece)?)
                .map_err(|e| err("copy tree", e))?;
        }
        // With one stream cudarc records no event on a pinned buffer, so
        // its `as_slice` would not wait for the copy: each copy records its own.
        let fetch = |piece: &(usize, Range<usize>), pin: &mut Staged| {
            self.stream
                .memcpy_dtoh(&src(piece)?, &mut pin.0)
                .map_err(|e| err("copy tree", e))?;
            pin.1 = Some(
                self.stream
                    .record_event(None)
                    .map_err(|e| err("copy tree", e))?,
            );
            Ok::<_, String>(())
        };
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(COPY_THREADS);
        let (mut ready, mut spare) = ((self.pinned(stage)?, None), (self.pinned(stage)?, None));
        if let Some(first) = full.first() {
            fetch(first, &mut ready)?;
        }
        let nexts = full.iter().skip(1).map(Some).chain([None]);
        for (piece, next) in full.iter().zip(nexts) {
            if let Some(next) = next {
                fetch(next, &mut spare)?;
            }
            if let Some(done) = ready.1.take() {
                done.synchronize().map_err(|e| err("copy tree", e))?;
            }
            let staged = ready.0.as_slice().map_err(|e| err("copy tree", e))?;
            copy_parallel(place(&mut out, piece)?, staged, threads);
            std::mem::swap(&mut ready, &mut spare);
        }
        // Nothing is in flight (a pageable copy returns when done, the staged
        // ones were waited for); synchronized all the same, so nothing after
        // depends on that reasoning.
        self.sync()?;
        Ok(out)
    }

    /// `bytes` of zeroed page-locked host memory.
    fn pinned(&self, bytes: usize) -> Result<PinnedHostSlice<u8>, String> {
        // Plain flags: the default (write-combined) memory is slow for the
        // host to read, which is all this memory is for.
        // SAFETY: the memory is zeroed before any slice of it is made.
        let mut pin = unsafe {
            self.stream
                .context()
                .alloc_pinned_with_flags::<u8>(bytes, 0)
        }
        .map_err(|e| err("pinned host memory", e))?;
        let ptr = pin.as_mut_ptr().map_err(|e| err("pinned host memory", e))?;
        // SAFETY: `ptr` is valid for `bytes` bytes, freshly allocated.
        unsafe { std::ptr::write_bytes(ptr, 0, bytes) };
        Ok(pin)
    }
}

/// Where `piece` (a level and a byte range of it) goes in the host's tree.
fn place<'a>(
    out: &'a mut [Vec<[u8; 32]>],
    (level, range): &(usize, Range<usize>),
) -> Result<&'a mut [u8], String> {
    out.get_mut(*level)
        .and_then(|l| l.as_flattened_mut().get_mut(range.clone()))
        .ok_or_else(too_large)
}

/// A pinned staging buffer and the event its last copy recorded.
type Staged = (PinnedHostSlice<u8>, Option<CudaEvent>);

/// `width` zeroed nodes in memory the allocator asks zeroed from the OS,
/// so its pages are first touched by the threads copying into them:
/// `vec![[0u8; 32]; width]` writes every byte on this thread first (std
/// allocates zeroed only for arrays of up to 16 elements), ~1.8 s for a
/// data-centre tree's 4 GiB on an H100 host.
fn zeroed_nodes(width: usize) -> Option<Vec<[u8; 32]>> {
    let bytes = width.checked_mul(32)?;
    let raw = vec![0u8; bytes];
    if raw.capacity() != bytes {
        return None;
    }
    let mut raw = std::mem::ManuallyDrop::new(raw);
    // SAFETY: the allocation is `raw`'s alone (not dropped), of exactly
    // `32 * width` bytes with alignment 1, as `[u8; 32]` needs; every byte
    // is initialised (zero) and any bytes are a valid `[u8; 32]`.
    Some(unsafe { Vec::from_raw_parts(raw.as_mut_ptr().cast::<[u8; 32]>(), width, width) })
}

/// `dst.copy_from_slice(src)` split over `threads` threads, which also
/// fault `dst`'s fresh pages in side by side.
fn copy_parallel(dst: &mut [u8], src: &[u8], threads: usize) {
    let per = src.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|s| {
        for (d, from) in dst.chunks_mut(per).zip(src.chunks(per)) {
            s.spawn(move || d.copy_from_slice(from));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_give_zeroed_nodes_of_the_asked_width() {
        for width in [0, 1, 3, 1 << 20] {
            let nodes = zeroed_nodes(width).unwrap();
            assert_eq!(nodes.len(), width);
            assert!(nodes.iter().all(|n| n == &[0u8; 32]));
        }
        assert_eq!(zeroed_nodes(usize::MAX / 16), None);
    }

    #[test]
    fn should_copy_every_byte_whatever_the_thread_count() {
        let src: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
        for len in [0, 1, 7, 999, 1000] {
            for threads in [0, 1, 3, 16, 2000] {
                let mut dst = vec![0u8; len];
                copy_parallel(&mut dst, &src[..len], threads);
                assert_eq!(dst, src[..len], "{len} bytes, {threads} threads");
            }
        }
    }
}

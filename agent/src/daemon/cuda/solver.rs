//! The CUDA solver: opening a device, compiling the kernels, and solving a
//! challenge into the Merkle tree over its committed rows.
//!
//! Only the leaf hashes leave the rounds: each round's leaves are gathered
//! into one device buffer, the tree is built on the GPU ([`super::tree`]) and
//! copied to the host. The committed rows themselves stay on the device and
//! are overwritten round by round (a data-centre challenge commits hundreds
//! of GiB of them); an opening recomputes the few rows it reveals
//! ([`super::replay`]).

use std::sync::Arc;

use cudarc::driver::{
    CudaContext, CudaFunction, CudaSlice, CudaStream, LaunchConfig, PushKernelArg,
};
use cudarc::nvrtc::{compile_ptx_with_opts, CompileOptions};
use gpuchain_challenge::{ChallengeParams, MerkleTree, Solution};

use super::{format_gpu_uuid, Phases, KERNEL_SOURCE, MMA_TILE};

/// Device memory one batch of lanes may use (X and Y, n x n each, plus
/// keys and leaves); larger challenges are solved a batch of lanes at a
/// time.
const BATCH_BYTES: u64 = 1 << 30;
/// Threads per block of every launch.
const THREADS: u32 = 256;
/// Most blocks per launch (the kernels walk the rest with grid-stride
/// loops).
const MAX_BLOCKS: u64 = 1 << 16;
/// Threads per block of the tensor-core product (8 warps, one 64 x 32
/// sub-tile each).
const MMA_THREADS: u32 = 256;
/// Outputs per block of the tensor-core product.
const MMA_TILE_AREA: u64 = MMA_TILE as u64 * MMA_TILE as u64;
/// The PRF tags of the B columns, the A rows and the mixing rows.
pub(super) const TAG_B: u32 = b'B' as u32;
pub(super) const TAG_A: u32 = b'A' as u32;
pub(super) const TAG_M: u32 = b'M' as u32;
/// A null device pointer, for `fill_streams`'s `mix` when nothing is mixed
/// in.
const NULL: u64 = 0;

pub(super) fn err(what: &str, e: impl std::fmt::Debug) -> String {
    format!("cuda: {what}: {e:?}")
}

pub(super) fn too_large() -> String {
    "cuda: challenge too large for this host".to_string()
}

/// Runs `f`, turning a panic into an error: cudarc panics when it
/// cannot load `libcuda` or `libnvrtc` (no driver on this host), which
/// must not bring the agent down.
pub(super) fn guard<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(format!("cuda: {msg}"))
        }
    }
}

/// One thread per item, `total` items (grid-stride beyond `MAX_BLOCKS`).
pub(super) fn launch_config(total: u64) -> LaunchConfig {
    let blocks = total.div_ceil(u64::from(THREADS)).clamp(1, MAX_BLOCKS);
    LaunchConfig {
        grid_dim: (u32::try_from(blocks).unwrap_or(1), 1, 1),
        block_dim: (THREADS, 1, 1),
        shared_mem_bytes: 0,
    }
}

/// `len` bytes of zeroed device memory (at least one, so no launch gets a
/// null pointer).
pub(super) fn alloc(stream: &Arc<CudaStream>, len: u64) -> Result<CudaSlice<u8>, String> {
    let len = usize::try_from(len).map_err(|_| too_large())?;
    stream
        .alloc_zeros::<u8>(len.max(1))
        .map_err(|e| err("alloc", e))
}

/// `a * b` as a length, or "too large".
pub(super) fn product(a: u64, b: u64) -> Result<u64, String> {
    a.checked_mul(b).ok_or_else(too_large)
}

/// The device ordinal whose uuid is `uuid` (as `nvidia-smi` prints it,
/// case-insensitive); `None` when no visible device has it.
pub fn ordinal_for_uuid(uuid: &str) -> Result<Option<usize>, String> {
    guard(|| {
        let count = CudaContext::device_count().map_err(|e| err("device count", e))?;
        for ordinal in 0..usize::try_from(count).unwrap_or(0) {
            let ctx = CudaContext::new(ordinal).map_err(|e| err("context", e))?;
            let raw = ctx.uuid().map_err(|e| err("device uuid", e))?;
            let bytes: [u8; 16] = raw.bytes.map(|b| b.to_ne_bytes()[0]);
            if format_gpu_uuid(&bytes).eq_ignore_ascii_case(uuid.trim()) {
                return Ok(Some(ordinal));
            }
        }
        Ok(None)
    })
}

/// The kernels of `challenge.cu`, loaded.
pub(super) struct Kernels {
    pub(super) stream_keys: CudaFunction,
    pub(super) chain_keys: CudaFunction,
    pub(super) fill_streams: CudaFunction,
    pub(super) gemm_low_byte: CudaFunction,
    pub(super) gemm_low_byte_mma: CudaFunction,
    pub(super) leaf_hashes: CudaFunction,
    pub(super) gemm_rows_low_byte: CudaFunction,
    pub(super) chain_leaves: CudaFunction,
    pub(super) merkle_level: CudaFunction,
}

/// The challenge kernels loaded on one GPU.
pub struct CudaSolver {
    ordinal: usize,
    name: String,
    /// The device runs int8 `mma.sync` (compute capability 8.0 or later)
    /// and the tensor-core product was compiled for it.
    tensor_cores: bool,
    /// Use the tensor-core product where `n` allows (on by default).
    use_tensor_cores: bool,
    pub(super) stream: Arc<CudaStream>,
    pub(super) k: Kernels,
    /// Bytes of each pinned buffer the tree is staged through
    /// ([`super::tree::STAGE_BYTES`]; smaller in tests, to split levels).
    pub(super) stage_bytes: usize,
}

/// Device buffers of one batch of lanes.
struct Buffers {
    seed: CudaSlice<u8>,
    keys: CudaSlice<u8>,
    b: CudaSlice<u8>,
    x: CudaSlice<u8>,
    y: CudaSlice<u8>,
    leaves: CudaSlice<u8>,
}

impl CudaSolver {
    /// Opens device `ordinal`, compiles the kernels with NVRTC and loads
    /// them. An error (never a panic) when the host has no CUDA driver,
    /// NVRTC or such device.
    pub fn new(ordinal: usize) -> Result<Self, String> {
        guard(|| Self::new_unguarded(ordinal))
    }

    fn new_unguarded(ordinal: usize) -> Result<Self, String> {
        let ctx = CudaContext::new(ordinal).map_err(|e| err("open device", e))?;
        let name = ctx.name().map_err(|e| err("device name", e))?;
        let (major, _) = ctx
            .compute_capability()
            .map_err(|e| err("compute capability", e))?;
        let tensor_cores = major >= 8;
        // The tensor-core kernel's body exists only when compiled for
        // compute_80 or later; older devices get NVRTC's default target.
        let opts = CompileOptions {
            name: Some("gpuchain_challenge.cu".into()),
            arch: tensor_cores.then_some("compute_80"),
            ..Default::default()
        };
        let ptx =
            compile_ptx_with_opts(KERNEL_SOURCE, opts).map_err(|e| err("NVRTC compile", e))?;
        let module = ctx.load_module(ptx).map_err(|e| err("load module", e))?;
        let load = |f: &str| module.load_function(f).map_err(|e| err(f, e));
        Ok(Self {
            ordinal,
            name,
            tensor_cores,
            use_tensor_cores: true,
            stream: ctx.default_stream(),
            stage_bytes: super::tree::STAGE_BYTES,
            k: Kernels {
                stream_keys: load("stream_keys")?,
                chain_keys: load("chain_keys")?,
                fill_streams: load("fill_streams")?,
                gemm_low_byte: load("gemm_low_byte")?,
                gemm_low_byte_mma: load("gemm_low_byte_mma")?,
                leaf_hashes: load("leaf_hashes")?,
                gemm_rows_low_byte: load("gemm_rows_low_byte")?,
                chain_leaves: load("chain_leaves")?,
                merkle_level: load("merkle_level")?,
            },
        })
    }

    /// The device ordinal.
    pub fn ordinal(&self) -> usize {
        self.ordinal
    }

    /// The device name the driver reports.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the device has int8 tensor cores this solver can use.
    pub fn has_tensor_cores(&self) -> bool {
        self.tensor_cores
    }

    /// Turns the tensor-core product off (or back on), e.g. to compare it
    /// with the plain one; the results are identical either way.
    pub fn set_tensor_cores(&mut self, on: bool) {
        self.use_tensor_cores = on;
    }

    /// Stages the tree's copy to the host through buffers of `bytes`
    /// (`None`: the default) — in tests, pieces smaller than a level.
    #[cfg(test)]
    pub(crate) fn set_stage_bytes(&mut self, bytes: Option<usize>) {
        self.stage_bytes = bytes.unwrap_or(super::tree::STAGE_BYTES);
    }

    /// Whether challenges of size `n` are multiplied on tensor cores.
    pub fn uses_tensor_cores(&self, n: u32) -> bool {
        self.tensor_cores && self.use_tensor_cores && n.is_multiple_of(MMA_TILE)
    }

    /// Solves the challenge `seed` on the GPU. The solution keeps the tree
    /// only (its root and tree are `gpuchain_challenge::solve`'s); open it
    /// with rows from [`replay_rows`](Self::replay_rows).
    pub fn solve(&self, params: &ChallengeParams, seed: &[u8; 32]) -> Result<Solution, String> {
        let (_, tree) = guard(|| self.run(params, seed, false, &mut None))?;
        Solution::from_tree(params, tree).map_err(|e| format!("cuda: {e}"))
    }

    /// [`solve`](Self::solve), synchronizing after every step to time it
    /// (for `gpuchain-agent bench-challenge`).
    pub fn profile(
        &self,
        params: &ChallengeParams,
        seed: &[u8; 32],
    ) -> Result<(Solution, Phases), String> {
        let mut phases = Some(Phases::default());
        let (_, tree) = guard(|| self.run(params, seed, false, &mut phases))?;
        let solution = Solution::from_tree(params, tree).map_err(|e| format!("cuda: {e}"))?;
        Ok((solution, phases.unwrap_or_default()))
    }

    /// Every committed row `Y_round[row]` (n bytes each) in leaf order
    /// (`(lane * rounds + round) * n + row`), copied back round by round:
    /// for tests that compare the GPU's rows with the CPU solver's. The
    /// host must hold them all.
    pub fn solve_outputs(
        &self,
        params: &ChallengeParams,
        seed: &[u8; 32],
    ) -> Result<Vec<u8>, String> {
        let (outputs, _) = guard(|| self.run(params, seed, true, &mut None))?;
        outputs.ok_or_else(|| "cuda: no outputs".to_string())
    }

    /// Waits for the stream and charges the time to `step` (profiling
    /// only).
    pub(super) fn mark(
        &self,
        phases: &mut Option<Phases>,
        step: &'static str,
    ) -> Result<(), String> {
        if let Some(p) = phases.as_mut() {
            self.sync()?;
            p.mark(step);
        }
        Ok(())
    }

    pub(super) fn sync(&self) -> Result<(), String> {
        self.stream.synchronize().map_err(|e| err("synchronize", e))
    }

    /// Solves every round of every lane, keeping the leaves on the device,
    /// and returns the tree (and every row when `keep_rows`).
    fn run(
        &self,
        params: &ChallengeParams,
        seed: &[u8; 32],
        keep_rows: bool,
        phases: &mut Option<Phases>,
    ) -> Result<(Option<Vec<u8>>, MerkleTree), String> {
        params.validate().map_err(|e| format!("cuda: {e}"))?;
        let n = u64::from(params.n);
        let nn = product(n, n)?;
        let per_lane = product(nn, 2)?
            .checked_add(product(n, 64)?)
            .ok_or_else(too_large)?;
        let batch = BATCH_BYTES
            .checked_div(per_lane)
            .unwrap_or(1)
            .clamp(1, u64::from(params.lanes));
        let batch = u32::try_from(batch).map_err(|_| too_large())?;
        let batch64 = u64::from(batch);
        let row_leaves = usize::try_from(product(n, 32)?).map_err(|_| too_large())?;
        let mut all_leaves = alloc(&self.stream, product(params.leaf_count(), 32)?)?;
        let mut bufs = Buffers {
            seed: self
                .stream
                .clone_htod(&seed[..])
                .map_err(|e| err("copy seed", e))?,
            keys: alloc(&self.stream, product(batch64, product(n, 32)?)?)?,
            b: alloc(&self.stream, nn)?,
            x: alloc(&self.stream, product(batch64, nn)?)?,
            y: alloc(&self.stream, product(batch64, nn)?)?,
            leaves: alloc(&self.stream, product(batch64, product(n, 32)?)?)?,
        };
        let mut rows = keep_rows.then(RowCopy::default);
        if let Some(p) = phases.as_mut() {
            self.sync()?;
            p.start();
        }
        let mut lane0 = 0u32;
        while lane0 < params.lanes {
            let lanes = batch.min(params.lanes.saturating_sub(lane0));
            for round in 0..params.rounds {
                self.round(&mut bufs, params, lane0, lanes, round, phases)?;
                for local in 0..lanes {
                    let lane = lane0.saturating_add(local);
                    let from = usize::try_from(local)
                        .ok()
                        .and_then(|l| l.checked_mul(row_leaves))
                        .ok_or_else(too_large)?;
                    let to = usize::try_from(params.leaf_index(lane, round, 0))
                        .ok()
                        .and_then(|leaf| leaf.checked_mul(32))
                        .ok_or_else(too_large)?;
                    let src = bufs
                        .leaves
                        .try_slice(from..from.saturating_add(row_leaves))
                        .ok_or_else(too_large)?;
                    let mut dst = all_leaves
                        .try_slice_mut(to..to.saturating_add(row_leaves))
                        .ok_or_else(too_large)?;
                    self.stream
                        .memcpy_dtod(&src, &mut dst)
                        .map_err(|e| err("gather leaves", e))?;
                }
                self.mark(phases, "gather_leaves")?;
                if let Some(rows) = rows.as_mut() {
                    rows.copy(self, &bufs.y, params, lane0, lanes, round)?;
                }
            }
            lane0 = lane0.saturating_add(lanes);
        }
        drop(bufs);
        let tree = self.merkle_tree(all_leaves, params.leaf_count(), phases)?;
        Ok((rows.map(|r| r.outputs), tree))
    }

    /// B_r's n columns (column-major) into `b`, keyed through `keys`.
    pub(super) fn fill_b(
        &self,
        seed: &CudaSlice<u8>,
        keys: &mut CudaSlice<u8>,
        b: &mut CudaSlice<u8>,
        n: u32,
        round: u32,
        phases: &mut Option<Phases>,
    ) -> Result<(), String> {
        let n64 = u64::from(n);
        let (zero, one) = (0u32, 1u32);
        let mut l = self.stream.launch_builder(&self.k.stream_keys);
        // `extra` is unused (use_extra = 0): any device pointer will do
        l.arg(seed)
            .arg(&TAG_B)
            .arg(&zero)
            .arg(&one)
            .arg(&round)
            .arg(&n)
            .arg(seed)
            .arg(&zero)
            .arg(&mut *keys);
        // SAFETY: the argument list matches `stream_keys`'s signature; `keys`
        // holds n keys (32 bytes each), `seed` 32 bytes.
        unsafe { l.launch(launch_config(n64)) }.map_err(|e| err("stream_keys B", e))?;
        self.mark(phases, "b_keys")?;
        self.fill_streams(keys, n64, n, None, b, "fill_streams B")?;
        self.mark(phases, "b_fill")
    }

    /// `streams` PRF streams of `n` bytes, keyed by `keys`, into `out`; each
    /// byte plus `mix`'s (mod 256) when given (X_r = M_r + Y_{r-1}). The
    /// one launch of `fill_streams`, for B_r, the lanes' rows and replay.
    pub(super) fn fill_streams(
        &self,
        keys: &CudaSlice<u8>,
        streams: u64,
        n: u32,
        mix: Option<&CudaSlice<u8>>,
        out: &mut CudaSlice<u8>,
        what: &str,
    ) -> Result<(), String> {
        let len = |bytes: u64| usize::try_from(bytes).map_err(|_| too_large());
        let rows = len(product(streams, u64::from(n))?)?;
        if keys.len() < len(product(streams, 32)?)?
            || out.len() < rows
            || mix.is_some_and(|m| m.len() < rows)
        {
            return Err(format!("cuda: {what}: a buffer is too small"));
        }
        let mut l = self.stream.launch_builder(&self.k.fill_streams);
        l.arg(keys).arg(&streams).arg(&n);
        match mix {
            Some(m) => l.arg(m),
            None => l.arg(&NULL),
        };
        l.arg(out);
        // SAFETY: the argument list matches `fill_streams`'s signature and
        // the lengths it indexes were checked above; `out` is borrowed
        // mutably, so it is not `mix`.
        let blocks = streams.saturating_mul(u64::from(n).div_ceil(32));
        unsafe { l.launch(launch_config(blocks)) }.map_err(|e| err(what, e))?;
        Ok(())
    }

    /// Round `round` of lanes `lane0 .. lane0 + lanes`: B_r, the inputs
    /// X_r, Y_r = low bytes of X_r * B_r, and the leaf hashes of Y_r.
    fn round(
        &self,
        bufs: &mut Buffers,
        params: &ChallengeParams,
        lane0: u32,
        lanes: u32,
        round: u32,
        phases: &mut Option<Phases>,
    ) -> Result<(), String> {
        let n = params.n;
        let n64 = u64::from(n);
        let nn = n64.saturating_mul(n64);
        let streams = u64::from(lanes).saturating_mul(n64);
        // B_r: n column streams, shared by every lane.
        self.fill_b(&bufs.seed, &mut bufs.keys, &mut bufs.b, n, round, phases)?;
        // X_r: A rows for round 0, else M_r rows (keyed by the previous
        // round's leaves) added to Y_{r-1}.
        let (tag, use_extra) = if round == 0 {
            (TAG_A, 0u32)
        } else {
            (TAG_M, 1u32)
        };
        let mut l = self.stream.launch_builder(&self.k.stream_keys);
        l.arg(&bufs.seed)
            .arg(&tag)
            .arg(&lane0)
            .arg(&lanes)
            .arg(&round)
            .arg(&n)
            .arg(&bufs.leaves)
            .arg(&use_extra)
            .arg(&mut bufs.keys);
        // SAFETY: the argument list matches `stream_keys`'s signature and
        // every buffer holds what the kernel indexes (sized in `run`).
        unsafe { l.launch(launch_config(streams)) }.map_err(|e| err("stream_keys X", e))?;
        self.mark(phases, "x_keys")?;
        // X_0 = A; X_r = M_r + Y_{r-1}, mixed in as the rows are generated
        let mix = (round > 0).then_some(&bufs.y);
        self.fill_streams(&bufs.keys, streams, n, mix, &mut bufs.x, "fill_streams X")?;
        self.mark(phases, "x_fill")?;
        let entries = u64::from(lanes).saturating_mul(nn);
        let (gemm, config) = if self.uses_tensor_cores(n) {
            let tiles = u64::from(lanes).saturating_mul(nn.checked_div(MMA_TILE_AREA).unwrap_or(0));
            let config = LaunchConfig {
                grid_dim: (u32::try_from(tiles.clamp(1, MAX_BLOCKS)).unwrap_or(1), 1, 1),
                block_dim: (MMA_THREADS, 1, 1),
                shared_mem_bytes: 0,
            };
            (&self.k.gemm_low_byte_mma, config)
        } else {
            (&self.k.gemm_low_byte, launch_config(entries))
        };
        let mut l = self.stream.launch_builder(gemm);
        l.arg(&bufs.x)
            .arg(&bufs.b)
            .arg(&mut bufs.y)
            .arg(&lanes)
            .arg(&n);
        // SAFETY: as above (`gemm_low_byte`, `gemm_low_byte_mma`: the latter
        // only when n is a multiple of its tile and the device runs its
        // body).
        unsafe { l.launch(config) }.map_err(|e| err("gemm_low_byte", e))?;
        self.mark(phases, "gemm")?;
        let mut l = self.stream.launch_builder(&self.k.leaf_hashes);
        l.arg(&bufs.y)
            .arg(&lane0)
            .arg(&lanes)
            .arg(&round)
            .arg(&n)
            .arg(&mut bufs.leaves);
        // SAFETY: as above (`leaf_hashes`).
        unsafe { l.launch(launch_config(streams)) }.map_err(|e| err("leaf_hashes", e))?;
        self.mark(phases, "leaf_hashes")
    }
}

/// Every committed row, copied to the host round by round (tests only).
#[derive(Default)]
struct RowCopy {
    outputs: Vec<u8>,
    host: Vec<u8>,
}

impl RowCopy {
    fn copy(
        &mut self,
        gpu: &CudaSolver,
        y: &CudaSlice<u8>,
        params: &ChallengeParams,
        lane0: u32,
        lanes: u32,
        round: u32,
    ) -> Result<(), String> {
        let n = usize::try_from(params.n).map_err(|_| too_large())?;
        let nn = n.checked_mul(n).ok_or_else(too_large)?;
        if self.outputs.is_empty() {
            let total = product(params.leaf_count(), u64::from(params.n))?;
            self.outputs = vec![0u8; usize::try_from(total).map_err(|_| too_large())?];
        }
        let len = usize::try_from(lanes)
            .ok()
            .and_then(|l| l.checked_mul(nn))
            .ok_or_else(too_large)?;
        self.host.resize(len, 0);
        let src = y.try_slice(..len).ok_or_else(too_large)?;
        gpu.stream
            .memcpy_dtoh(&src, &mut self.host[..])
            .map_err(|e| err("copy outputs", e))?;
        gpu.sync()?;
        for (local, rows) in (0u32..).zip(self.host.chunks(nn)) {
            let lane = lane0.saturating_add(local);
            let start = usize::try_from(params.leaf_index(lane, round, 0))
                .ok()
                .and_then(|leaf| leaf.checked_mul(n))
                .ok_or_else(too_large)?;
            let end = start.checked_add(nn).ok_or_else(too_large)?;
            self.outputs
                .get_mut(start..end)
                .ok_or_else(too_large)?
                .copy_from_slice(rows);
        }
        Ok(())
    }
}

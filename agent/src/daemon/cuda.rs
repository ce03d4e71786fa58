//! The CUDA challenge solver (cargo feature `cuda`, `[challenge] solver =
//! "cuda"`).
//!
//! The kernels ([`KERNEL_SOURCE`], `cuda/challenge.cu`) are CUDA C compiled at
//! run time with NVRTC; `cudarc` loads the CUDA driver and NVRTC libraries
//! dynamically, so building needs no CUDA toolkit, only running does (a
//! driver and `libnvrtc`). They compute, bit for bit like the CPU reference
//! solver of `gpuchain-challenge`: the PRF streams (A rows, B_r columns, M_r
//! rows keyed by the previous round's leaf hash) with a device SHA-256, the
//! exact int8 x int8 -> int32 GEMM of every round and lane, its low bytes
//! Y_r, and the leaf hashes that key the next round's mixing rows. The
//! outputs come back in leaf order and go through
//! [`Solution::from_outputs`](gpuchain_challenge::Solution::from_outputs),
//! so the Merkle tree and the openings are the CPU path's.
//!
//! The source also compiles as plain C++: `cuda/emulate.cpp` runs the same
//! kernels sequentially on the CPU (see its header) to cross-check them
//! without a GPU.

/// The CUDA C source of the challenge kernels.
pub const KERNEL_SOURCE: &str = include_str!("cuda/challenge.cu");

/// The kernels [`KERNEL_SOURCE`] defines (`extern "C"`), in launch order.
pub const KERNEL_NAMES: [&str; 6] = [
    "stream_keys",
    "fill_streams",
    "mix_add",
    "gemm_low_byte",
    "gemm_low_byte_mma",
    "leaf_hashes",
];

/// The side of the output tile, and the divisor of `n`, that the
/// tensor-core product `gemm_low_byte_mma` needs.
pub const MMA_TILE: u32 = 128;

/// Formats a CUDA device uuid the way NVML and `nvidia-smi` print it:
/// `GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
pub fn format_gpu_uuid(bytes: &[u8; 16]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "GPU-{}-{}-{}-{}-{}",
        hex.get(0..8).unwrap_or_default(),
        hex.get(8..12).unwrap_or_default(),
        hex.get(12..16).unwrap_or_default(),
        hex.get(16..20).unwrap_or_default(),
        hex.get(20..32).unwrap_or_default()
    )
}

#[cfg(feature = "cuda")]
pub use gpu::{ordinal_for_uuid, CudaSolver};

/// Wall time per kernel (and per output copy) of a profiled solve, where
/// every step is synchronized before the next starts (so their sum exceeds
/// an unprofiled solve's time a little).
#[derive(Clone, Debug, Default)]
pub struct Phases {
    /// Step name and its total time, in first-run order.
    pub totals: Vec<(&'static str, std::time::Duration)>,
    last: Option<std::time::Instant>,
}

impl Phases {
    /// Adds the time since the previous mark (or since the start) to `step`.
    pub fn mark(&mut self, step: &'static str) {
        let now = std::time::Instant::now();
        let took = now.saturating_duration_since(self.last.unwrap_or(now));
        self.last = Some(now);
        match self.totals.iter_mut().find(|(name, _)| *name == step) {
            Some((_, total)) => *total = total.saturating_add(took),
            None => self.totals.push((step, took)),
        }
    }

    /// Starts the clock of the next step.
    pub fn start(&mut self) {
        self.last = Some(std::time::Instant::now());
    }
}

#[cfg(feature = "cuda")]
mod gpu {
    use std::sync::Arc;

    use cudarc::driver::{
        CudaContext, CudaFunction, CudaSlice, CudaStream, LaunchConfig, PushKernelArg,
    };
    use cudarc::nvrtc::{compile_ptx_with_opts, CompileOptions};
    use gpuchain_challenge::{ChallengeParams, Solution};

    use super::{format_gpu_uuid, Phases, KERNEL_SOURCE};

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
    const MMA_TILE_AREA: u64 = super::MMA_TILE as u64 * super::MMA_TILE as u64;

    fn err(what: &str, e: impl std::fmt::Debug) -> String {
        format!("cuda: {what}: {e:?}")
    }

    /// Runs `f`, turning a panic into an error: cudarc panics when it
    /// cannot load `libcuda` or `libnvrtc` (no driver on this host), which
    /// must not bring the agent down.
    fn guard<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
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

    fn launch_config(total: u64) -> LaunchConfig {
        let blocks = total.div_ceil(u64::from(THREADS)).clamp(1, MAX_BLOCKS);
        LaunchConfig {
            grid_dim: (u32::try_from(blocks).unwrap_or(1), 1, 1),
            block_dim: (THREADS, 1, 1),
            shared_mem_bytes: 0,
        }
    }

    /// The device ordinal whose uuid is `uuid` (as `nvidia-smi` prints it,
    /// case-insensitive); `None` when no visible device has it.
    pub fn ordinal_for_uuid(uuid: &str) -> Result<Option<usize>, String> {
        guard(|| ordinal_for_uuid_unguarded(uuid))
    }

    fn ordinal_for_uuid_unguarded(uuid: &str) -> Result<Option<usize>, String> {
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
    }

    /// The challenge kernels loaded on one GPU.
    pub struct CudaSolver {
        ordinal: usize,
        name: String,
        /// The device runs int8 `mma.sync` (compute capability 8.0 or
        /// later) and the tensor-core product was compiled for it.
        tensor_cores: bool,
        /// Use the tensor-core product where `n` allows (on by default).
        use_tensor_cores: bool,
        stream: Arc<CudaStream>,
        stream_keys: CudaFunction,
        fill_streams: CudaFunction,
        mix_add: CudaFunction,
        gemm_low_byte: CudaFunction,
        gemm_low_byte_mma: CudaFunction,
        leaf_hashes: CudaFunction,
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
                stream_keys: load("stream_keys")?,
                fill_streams: load("fill_streams")?,
                mix_add: load("mix_add")?,
                gemm_low_byte: load("gemm_low_byte")?,
                gemm_low_byte_mma: load("gemm_low_byte_mma")?,
                leaf_hashes: load("leaf_hashes")?,
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

        /// Turns the tensor-core product off (or back on), e.g. to compare
        /// it with the plain one; the results are identical either way.
        pub fn set_tensor_cores(&mut self, on: bool) {
            self.use_tensor_cores = on;
        }

        /// Whether challenges of size `n` are multiplied on tensor cores.
        pub fn uses_tensor_cores(&self, n: u32) -> bool {
            self.tensor_cores && self.use_tensor_cores && n.is_multiple_of(super::MMA_TILE)
        }

        /// Solves the challenge `seed` on the GPU; the result is identical to
        /// `gpuchain_challenge::solve`'s.
        pub fn solve(&self, params: &ChallengeParams, seed: &[u8; 32]) -> Result<Solution, String> {
            let outputs = self.solve_outputs(params, seed)?;
            Solution::from_outputs(params, outputs).map_err(|e| format!("cuda: {e}"))
        }

        /// Every committed row `Y_round[row]` (n bytes each) in leaf order
        /// (`(lane * rounds + round) * n + row`), as
        /// [`Solution::from_outputs`] expects.
        pub fn solve_outputs(
            &self,
            params: &ChallengeParams,
            seed: &[u8; 32],
        ) -> Result<Vec<u8>, String> {
            guard(|| self.solve_outputs_unguarded(params, seed, &mut None))
        }

        /// [`solve_outputs`](Self::solve_outputs), synchronizing after
        /// every kernel to time it (for `gpuchain-agent bench-challenge`).
        pub fn profile_outputs(
            &self,
            params: &ChallengeParams,
            seed: &[u8; 32],
        ) -> Result<(Vec<u8>, Phases), String> {
            let mut phases = Some(Phases::default());
            let outputs = guard(|| self.solve_outputs_unguarded(params, seed, &mut phases))?;
            Ok((outputs, phases.unwrap_or_default()))
        }

        /// Waits for the stream and charges the time to `step` (profiling
        /// only).
        fn mark(&self, phases: &mut Option<Phases>, step: &'static str) -> Result<(), String> {
            if let Some(p) = phases.as_mut() {
                self.stream
                    .synchronize()
                    .map_err(|e| err("synchronize", e))?;
                p.mark(step);
            }
            Ok(())
        }

        fn solve_outputs_unguarded(
            &self,
            params: &ChallengeParams,
            seed: &[u8; 32],
            phases: &mut Option<Phases>,
        ) -> Result<Vec<u8>, String> {
            params.validate().map_err(|e| format!("cuda: {e}"))?;
            let too_large = || "cuda: challenge too large for this host".to_string();
            let n = u64::from(params.n);
            let nn = n.checked_mul(n).ok_or_else(too_large)?;
            let per_lane = nn
                .checked_mul(2)
                .and_then(|v| v.checked_add(n.checked_mul(64)?))
                .ok_or_else(too_large)?;
            let batch = BATCH_BYTES
                .checked_div(per_lane)
                .unwrap_or(1)
                .clamp(1, u64::from(params.lanes));
            let batch = u32::try_from(batch).map_err(|_| too_large())?;
            let total = params
                .leaf_count()
                .checked_mul(n)
                .and_then(|v| usize::try_from(v).ok())
                .ok_or_else(too_large)?;
            let mut outputs = vec![0u8; total];
            let nn_usize = usize::try_from(nn).map_err(|_| too_large())?;
            let batch_bytes = nn_usize
                .checked_mul(usize::try_from(batch).map_err(|_| too_large())?)
                .ok_or_else(too_large)?;
            let mut host = vec![0u8; batch_bytes];
            let alloc = |len: u64| -> Result<CudaSlice<u8>, String> {
                let len = usize::try_from(len).map_err(|_| too_large())?;
                self.stream
                    .alloc_zeros::<u8>(len.max(1))
                    .map_err(|e| err("alloc", e))
            };
            let batch64 = u64::from(batch);
            let mut bufs = Buffers {
                seed: self
                    .stream
                    .clone_htod(&seed[..])
                    .map_err(|e| err("copy seed", e))?,
                keys: alloc(
                    batch64
                        .checked_mul(n.checked_mul(32).ok_or_else(too_large)?)
                        .ok_or_else(too_large)?,
                )?,
                b: alloc(nn)?,
                x: alloc(batch64.checked_mul(nn).ok_or_else(too_large)?)?,
                y: alloc(batch64.checked_mul(nn).ok_or_else(too_large)?)?,
                leaves: alloc(
                    batch64
                        .checked_mul(n.checked_mul(32).ok_or_else(too_large)?)
                        .ok_or_else(too_large)?,
                )?,
            };
            let mut lane0 = 0u32;
            if let Some(p) = phases.as_mut() {
                self.stream
                    .synchronize()
                    .map_err(|e| err("synchronize", e))?;
                p.start();
            }
            while lane0 < params.lanes {
                let lanes = batch.min(params.lanes.saturating_sub(lane0));
                for round in 0..params.rounds {
                    self.round(&mut bufs, params, lane0, lanes, round, phases)?;
                    let len = nn_usize
                        .checked_mul(usize::try_from(lanes).map_err(|_| too_large())?)
                        .ok_or_else(too_large)?;
                    let dst = host.get_mut(..len).ok_or_else(too_large)?;
                    self.stream
                        .memcpy_dtoh(&bufs.y.slice(..len), dst)
                        .map_err(|e| err("copy outputs", e))?;
                    self.stream
                        .synchronize()
                        .map_err(|e| err("synchronize", e))?;
                    for (local, rows) in (0u32..).zip(dst.chunks(nn_usize)) {
                        let lane = lane0.saturating_add(local);
                        let start = usize::try_from(params.leaf_index(lane, round, 0))
                            .ok()
                            .and_then(|leaf| leaf.checked_mul(usize::try_from(n).ok()?))
                            .ok_or_else(too_large)?;
                        let end = start.checked_add(nn_usize).ok_or_else(too_large)?;
                        outputs
                            .get_mut(start..end)
                            .ok_or_else(too_large)?
                            .copy_from_slice(rows);
                    }
                    self.mark(phases, "copy_outputs")?;
                }
                lane0 = lane0.saturating_add(lanes);
            }
            Ok(outputs)
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
            let blocks_per_stream = n64.div_ceil(32);
            let (tag_b, tag_a, tag_m) = (u32::from(b'B'), u32::from(b'A'), u32::from(b'M'));
            let (zero, one) = (0u32, 1u32);
            // B_r: n column streams, shared by every lane.
            let mut l = self.stream.launch_builder(&self.stream_keys);
            l.arg(&bufs.seed)
                .arg(&tag_b)
                .arg(&zero)
                .arg(&one)
                .arg(&round)
                .arg(&n)
                .arg(&bufs.leaves)
                .arg(&zero)
                .arg(&mut bufs.keys);
            // SAFETY: the argument list matches `stream_keys`'s signature and
            // every buffer holds what the kernel indexes (see `solve_outputs`).
            unsafe { l.launch(launch_config(n64)) }.map_err(|e| err("stream_keys B", e))?;
            self.mark(phases, "b_keys")?;
            let mut l = self.stream.launch_builder(&self.fill_streams);
            l.arg(&bufs.keys).arg(&n64).arg(&n).arg(&mut bufs.b);
            // SAFETY: as above (`fill_streams`).
            unsafe { l.launch(launch_config(n64.saturating_mul(blocks_per_stream))) }
                .map_err(|e| err("fill_streams B", e))?;
            self.mark(phases, "b_fill")?;
            // X_r: A rows for round 0, else M_r rows (keyed by the previous
            // round's leaves) added to Y_{r-1}.
            let (tag, use_extra) = if round == 0 {
                (tag_a, zero)
            } else {
                (tag_m, one)
            };
            let mut l = self.stream.launch_builder(&self.stream_keys);
            l.arg(&bufs.seed)
                .arg(&tag)
                .arg(&lane0)
                .arg(&lanes)
                .arg(&round)
                .arg(&n)
                .arg(&bufs.leaves)
                .arg(&use_extra)
                .arg(&mut bufs.keys);
            // SAFETY: as above (`stream_keys`).
            unsafe { l.launch(launch_config(streams)) }.map_err(|e| err("stream_keys X", e))?;
            self.mark(phases, "x_keys")?;
            let mut l = self.stream.launch_builder(&self.fill_streams);
            l.arg(&bufs.keys).arg(&streams).arg(&n).arg(&mut bufs.x);
            // SAFETY: as above (`fill_streams`).
            unsafe { l.launch(launch_config(streams.saturating_mul(blocks_per_stream))) }
                .map_err(|e| err("fill_streams X", e))?;
            self.mark(phases, "x_fill")?;
            let entries = u64::from(lanes).saturating_mul(nn);
            if round > 0 {
                let mut l = self.stream.launch_builder(&self.mix_add);
                l.arg(&mut bufs.x).arg(&bufs.y).arg(&entries);
                // SAFETY: as above (`mix_add`).
                unsafe { l.launch(launch_config(entries)) }.map_err(|e| err("mix_add", e))?;
                self.mark(phases, "mix_add")?;
            }
            let mma = self.uses_tensor_cores(n);
            let (gemm, config) = if mma {
                let tiles =
                    u64::from(lanes).saturating_mul(nn.checked_div(MMA_TILE_AREA).unwrap_or(0));
                let blocks = tiles.clamp(1, MAX_BLOCKS);
                let config = LaunchConfig {
                    grid_dim: (u32::try_from(blocks).unwrap_or(1), 1, 1),
                    block_dim: (MMA_THREADS, 1, 1),
                    shared_mem_bytes: 0,
                };
                (&self.gemm_low_byte_mma, config)
            } else {
                (&self.gemm_low_byte, launch_config(entries))
            };
            let mut l = self.stream.launch_builder(gemm);
            l.arg(&bufs.x)
                .arg(&bufs.b)
                .arg(&mut bufs.y)
                .arg(&lanes)
                .arg(&n);
            // SAFETY: as above (`gemm_low_byte`, `gemm_low_byte_mma`: the
            // latter only when n is a multiple of its tile and the device
            // runs its body).
            unsafe { l.launch(config) }.map_err(|e| err("gemm_low_byte", e))?;
            self.mark(phases, "gemm")?;
            let mut l = self.stream.launch_builder(&self.leaf_hashes);
            l.arg(&bufs.y)
                .arg(&lane0)
                .arg(&lanes)
                .arg(&round)
                .arg(&n)
                .arg(&mut bufs.leaves);
            // SAFETY: as above (`leaf_hashes`).
            unsafe { l.launch(launch_config(streams)) }.map_err(|e| err("leaf_hashes", e))?;
            self.mark(phases, "leaf_hashes")?;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_ship_every_kernel_when_source_is_embedded() {
        assert!(!KERNEL_SOURCE.trim().is_empty());
        for name in KERNEL_NAMES {
            assert!(
                KERNEL_SOURCE.contains(&format!("__global__ void {name}(")),
                "{name}"
            );
        }
        // the PRF domain tag, spelled out byte by byte in the kernel
        let spelled: String = gpuchain_challenge::prf::PRF_DOMAIN
            .iter()
            .map(|b| format!("'{}'", char::from(*b)))
            .collect::<Vec<_>>()
            .join(", ");
        assert!(KERNEL_SOURCE.contains(&spelled));
    }

    /// Runs everywhere: without a driver (CI, this dev machine) opening the
    /// device is an error, not a panic; on a GPU host it succeeds.
    #[cfg(feature = "cuda")]
    #[test]
    fn should_return_error_not_panic_when_opening_device_without_driver() {
        match CudaSolver::new(0) {
            Ok(gpu) => assert_eq!(gpu.ordinal(), 0),
            Err(e) => assert!(e.starts_with("cuda: "), "{e}"),
        }
        match ordinal_for_uuid("GPU-00000000-0000-0000-0000-000000000000") {
            Ok(found) => assert_eq!(found, None),
            Err(e) => assert!(e.starts_with("cuda: "), "{e}"),
        }
    }

    #[test]
    fn should_format_uuid_like_nvidia_smi_when_given_device_bytes() {
        let bytes: [u8; 16] = core::array::from_fn(|i| (i as u8) * 17);
        assert_eq!(
            format_gpu_uuid(&bytes),
            "GPU-00112233-4455-6677-8899-aabbccddeeff"
        );
    }
}

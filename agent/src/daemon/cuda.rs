//! The CUDA challenge solver (cargo feature `cuda`, `[challenge] solver =
//! "cuda"`).
//!
//! The kernels ([`KERNEL_SOURCE`], `cuda/challenge.cu`) are CUDA C compiled at
//! run time with NVRTC; `cudarc` loads the CUDA driver and NVRTC libraries
//! dynamically, so building needs no CUDA toolkit, only running does (a
//! driver and `libnvrtc`). They compute, bit for bit like the CPU reference
//! solver of `gpuchain-challenge`: the PRF streams (A rows, B_r columns, M_r
//! rows keyed by the previous round's leaf hash) with a device SHA-256, the
//! exact int8 x int8 -> int32 GEMM of every round and lane (on int8 tensor
//! cores where the device has them), its low bytes Y_r, the leaf hashes that
//! key the next round's mixing rows, and the Merkle tree over all leaves.
//! Only the tree comes back to the host (`cuda/solver.rs`); an opening recomputes
//! the rows it reveals (`cuda/replay.rs`). Both are bit for bit the CPU
//! reference's (`gpuchain_challenge::solve`, `replay_rows`).
//!
//! The source also compiles as plain C++: `cuda/emulate.cpp` runs the same
//! kernels sequentially on the CPU (see its header) to cross-check them
//! without a GPU.

/// The CUDA C source of the challenge kernels.
pub const KERNEL_SOURCE: &str = include_str!("cuda/challenge.cu");

/// The kernels [`KERNEL_SOURCE`] defines (`extern "C"`), in launch order.
pub const KERNEL_NAMES: [&str; 9] = [
    "stream_keys",
    "chain_keys",
    "fill_streams",
    "gemm_low_byte",
    "gemm_low_byte_mma",
    "leaf_hashes",
    "gemm_rows_low_byte",
    "chain_leaves",
    "merkle_level",
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
mod replay;
#[cfg(feature = "cuda")]
mod solver;
#[cfg(feature = "cuda")]
mod tree;

#[cfg(feature = "cuda")]
pub use solver::{ordinal_for_uuid, CudaSolver};

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

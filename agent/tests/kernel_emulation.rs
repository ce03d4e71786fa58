//! The CUDA kernels' source (`src/daemon/cuda/challenge.cu`) compiled as C++
//! and run sequentially on the CPU by `src/daemon/cuda/emulate.cpp`, checked
//! against the CPU reference solver. Every kernel except the tensor-core
//! product (whose body exists only for a GPU target) thus runs in CI, which
//! has no GPU: the PRF streams, the plain product, the leaf hashes, and (in
//! emulate.cpp itself, which exits non-zero on a mismatch) the replay kernels
//! against the full run's rows and `merkle_level` against a plain tree.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Command;

use gpuchain_challenge::{solve, ChallengeParams};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn should_give_the_cpu_solvers_root_when_the_kernels_run_as_cpp() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/daemon/cuda/emulate.cpp");
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("emulate");
    let cxx = std::env::var("CXX").unwrap_or_else(|_| "g++".to_string());
    let built = Command::new(&cxx)
        .args(["-O2", "-x", "c++"])
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap_or_else(|e| panic!("{cxx} (scripts/setup.sh installs g++): {e}"));
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    // (n, rounds, lanes, seed byte, lanes per batch): test-cpu; odd sizes; a
    // leaf message of 55, 56 and 64 bytes (13 + n: the padding's edges);
    // lanes solved a batch at a time
    for (n, rounds, lanes, seed, batch) in [
        (64u32, 4u32, 2u32, 7u8, 2u32),
        (45, 3, 3, 1, 2),
        (33, 5, 1, 9, 1),
        (42, 2, 1, 6, 1),
        (43, 2, 1, 6, 1),
        (51, 2, 2, 4, 1),
        (128, 2, 2, 5, 2),
    ] {
        let out = Command::new(&exe)
            .args([n, rounds, lanes, u32::from(seed), batch].map(|v| v.to_string()))
            .output()
            .unwrap();
        let case = format!("n {n} rounds {rounds} lanes {lanes} seed {seed} batch {batch}");
        assert!(
            out.status.success(),
            "{case}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let params = ChallengeParams {
            n,
            rounds,
            lanes,
            checks: 44,
        };
        let cpu = solve(&params, &[seed; 32]).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            hex(&cpu.root()),
            "{case}"
        );
    }
}

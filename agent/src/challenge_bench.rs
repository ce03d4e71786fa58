//! `gpuchain-agent bench-challenge`: times the challenge solver on this host.
//!
//! A SKU's challenge params and deadlines are chain params "sized so that the
//! total takes the reference GPU of the SKU a few seconds" (spec,
//! attestation.md); this command is how an operator or a governance proposal
//! measures that on the reference GPU. It solves one challenge of the given
//! size with the chosen solver and prints one JSON object: the time of the
//! solve (on the GPU: every round, the Merkle tree and its copy to the
//! host), the int8 multiply-accumulate rate, the root, on the GPU the time of
//! building one opening (recomputing its rows), and with `--profile` the
//! time of each step.

use std::time::Instant;

use gpuchain_challenge::{solve, ChallengeParams, Solution};
use serde_json::{json, Value};

use crate::daemon::challenges::SolverKind;

/// What to solve and how.
#[derive(Clone, Debug)]
pub struct BenchArgs {
    pub params: ChallengeParams,
    pub solver: SolverKind,
    /// CUDA device ordinal.
    pub device: usize,
    /// Use the plain (non-tensor-core) product on the GPU.
    pub plain: bool,
    /// Also run a profiled solve and report each kernel's time.
    pub profile: bool,
    /// Every byte of the seed.
    pub seed_byte: u8,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Multiply-accumulates of one challenge: lanes x rounds x n^3.
fn macs(p: &ChallengeParams) -> f64 {
    let n = f64::from(p.n);
    f64::from(p.lanes) * f64::from(p.rounds) * n * n * n
}

/// Solves one challenge and reports the times (see the module docs).
pub fn run(args: &BenchArgs) -> Result<Value, String> {
    let params = args.params;
    params.validate().map_err(|e| e.to_string())?;
    let seed = [args.seed_byte; 32];
    let mut report = json!({
        "bench": "challenge_solve",
        "solver": args.solver,
        "n": params.n,
        "rounds": params.rounds,
        "lanes": params.lanes,
        "macs": macs(&params),
    });
    let (solution, solve_seconds) = match args.solver {
        SolverKind::Cpu => {
            let start = Instant::now();
            let solution = solve(&params, &seed).map_err(|e| e.to_string())?;
            (solution, start.elapsed().as_secs_f64())
        }
        SolverKind::Cuda => cuda(args, &seed, &mut report)?,
    };
    report["solve_seconds"] = json!(solve_seconds);
    report["tmacs_per_second"] = json!(macs(&params) / solve_seconds.max(1e-9) / 1e12);
    report["root"] = json!(hex(&solution.root()));
    Ok(report)
}

#[cfg(feature = "cuda")]
fn cuda(args: &BenchArgs, seed: &[u8; 32], report: &mut Value) -> Result<(Solution, f64), String> {
    use crate::daemon::cuda::CudaSolver;

    let start = Instant::now();
    let mut gpu = CudaSolver::new(args.device)?;
    report["compile_seconds"] = json!(start.elapsed().as_secs_f64());
    gpu.set_tensor_cores(!args.plain);
    report["device"] = json!(gpu.name());
    report["tensor_cores"] = json!(gpu.uses_tensor_cores(args.params.n));
    let start = Instant::now();
    let solution = gpu.solve(&args.params, seed)?;
    let solve_seconds = start.elapsed().as_secs_f64();
    if args.profile {
        let (profiled, phases) = gpu.profile(&args.params, seed)?;
        if profiled != solution {
            return Err("a profiled solve gave a different tree".into());
        }
        let ms: serde_json::Map<String, Value> = phases
            .totals
            .iter()
            .map(|(step, took)| ((*step).to_string(), json!(took.as_secs_f64() * 1e3)))
            .collect();
        report["phases_ms"] = Value::Object(ms);
    }
    // The opening the chain would ask for with some beacon: recompute its
    // rows on the GPU and build it (checking every row against its leaf).
    let start = Instant::now();
    let positions =
        gpuchain_challenge::select_openings(&args.params, seed, &solution.root(), &[1u8; 32])
            .map_err(|e| e.to_string())?;
    let needed = solution
        .rows_to_open(&positions)
        .map_err(|e| e.to_string())?;
    let rows = gpu.replay_rows(&args.params, seed, &needed)?;
    let opening = solution
        .open_with(&positions, &rows)
        .map_err(|e| e.to_string())?;
    report["open_seconds"] = json!(start.elapsed().as_secs_f64());
    report["opened_rows"] = json!(needed.len());
    report["opening_bytes"] = json!(opening.encode().len());
    Ok((solution, solve_seconds))
}

#[cfg(not(feature = "cuda"))]
fn cuda(_: &BenchArgs, _: &[u8; 32], _: &mut Value) -> Result<(Solution, f64), String> {
    Err("this gpuchain-agent was built without the CUDA solver (build with --features cuda)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_report_the_reference_root_when_solving_test_cpu_on_cpu() {
        let args = BenchArgs {
            params: ChallengeParams::test_cpu(),
            solver: SolverKind::Cpu,
            device: 0,
            plain: false,
            profile: false,
            seed_byte: 7,
        };
        let report = run(&args).unwrap();
        // the pinned root of test-cpu and seed [7; 32] (see the CUDA test)
        assert_eq!(
            report["root"],
            "a31ec2280f40fab557a1ccb9616436911fdb44c8a7555a4c59a756747bbb1b11"
        );
        assert_eq!(report["macs"], 2.0 * 4.0 * 64.0 * 64.0 * 64.0);
        assert!(report["solve_seconds"].as_f64().unwrap() > 0.0);
    }

    #[test]
    fn should_refuse_invalid_params_before_solving() {
        let mut params = ChallengeParams::test_cpu();
        params.n = 0;
        let args = BenchArgs {
            params,
            solver: SolverKind::Cpu,
            device: 0,
            plain: false,
            profile: false,
            seed_byte: 7,
        };
        assert_eq!(
            run(&args).unwrap_err(),
            "challenge param n must be non-zero"
        );
    }

    #[cfg(not(feature = "cuda"))]
    #[test]
    fn should_explain_the_feature_when_cuda_is_asked_of_a_cpu_build() {
        let args = BenchArgs {
            params: ChallengeParams::test_cpu(),
            solver: SolverKind::Cuda,
            device: 0,
            plain: false,
            profile: false,
            seed_byte: 7,
        };
        assert!(run(&args).unwrap_err().contains("--features cuda"));
    }
}

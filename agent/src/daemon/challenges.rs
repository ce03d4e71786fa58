//! L1 challenges: solving with the CPU reference solver
//! (`gpuchain-challenge`) or, built with the `cuda` feature and configured
//! with `[challenge] solver = "cuda"`, the CUDA solver (`super::cuda`), committing the Merkle root, and opening the
//! entries the chain's beacon selects.
//!
//! Solutions are cached in memory by challenge id between the commit and
//! the opening; after a restart the agent solves again (the work is a
//! deterministic function of the seed, so the root is the same).

use std::collections::{BTreeMap, BTreeSet};

use gpuchain_challenge::{
    select_openings, solve, solve_with_tamper, ChallengeParams, RowKey, Solution,
};
use gpuchain_proto::attestation::{
    Challenge, ChallengeParams as ProtoParams, ChallengeStatus, MsgChallengeCommit,
    MsgChallengeOpen,
};
use serde::{Deserialize, Serialize};

/// How the agent answers challenges. Anything but `honest` is for tests
/// that need a faulty provider.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChallengeMode {
    /// Do the work and answer correctly.
    #[default]
    Honest,
    /// Commit and open on time, but with every output row corrupted: the
    /// opening fails verification (a cheating GPU).
    Wrong,
    /// Never answer: the commit deadline is missed.
    Ignore,
}

/// Which solver does the work of an honest answer (`[challenge] solver`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SolverKind {
    /// The CPU reference solver of `gpuchain-challenge` (default; fine for
    /// the `test-cpu` SKU, far too slow for a data-centre SKU's deadline).
    #[default]
    Cpu,
    /// The CUDA solver (`cuda` module; needs the agent built with
    /// `--features cuda`, a CUDA driver and NVRTC on the host).
    Cuda,
}

impl SolverKind {
    /// Whether this build can run the solver (`cuda` needs the cargo
    /// feature).
    pub fn available(self) -> bool {
        match self {
            SolverKind::Cpu => true,
            SolverKind::Cuda => cfg!(feature = "cuda"),
        }
    }
}

/// The solver's params from the chain's.
pub fn to_params(p: &ProtoParams) -> ChallengeParams {
    ChallengeParams {
        n: p.n,
        rounds: p.rounds,
        lanes: p.lanes,
        checks: p.checks,
    }
}

/// What to do about a challenge now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Solve and send MsgChallengeCommit.
    Commit,
    /// Send MsgChallengeOpen (the beacon is known).
    Open,
    /// Committed; the beacon block is not there yet.
    WaitBeacon,
    /// Nothing to do (resolved, deadline passed, or ignoring): why.
    Nothing(&'static str),
}

/// The next step for `ch` at block time `now`.
pub fn next_step(ch: &Challenge, now: i64, mode: ChallengeMode) -> Step {
    if mode == ChallengeMode::Ignore {
        return Step::Nothing("challenge_mode = ignore");
    }
    match ChallengeStatus::try_from(ch.status) {
        Ok(ChallengeStatus::AwaitingCommit) if now < ch.commit_deadline => Step::Commit,
        Ok(ChallengeStatus::AwaitingCommit) => Step::Nothing("commit deadline passed"),
        Ok(ChallengeStatus::AwaitingOpen) if ch.beacon.is_empty() => Step::WaitBeacon,
        Ok(ChallengeStatus::AwaitingOpen) if ch.open_deadline == 0 || now < ch.open_deadline => {
            Step::Open
        }
        Ok(ChallengeStatus::AwaitingOpen) => Step::Nothing("open deadline passed"),
        Ok(ChallengeStatus::Passed) | Ok(ChallengeStatus::Failed) => Step::Nothing("resolved"),
        _ => Step::Nothing("unknown status"),
    }
}

/// Solves challenges, keeping each solution until its challenge is no
/// longer pending.
#[derive(Default)]
pub struct Solver {
    mode: ChallengeMode,
    kind: SolverKind,
    cache: BTreeMap<u64, Solution>,
    /// The kernels loaded per device ordinal (on first use).
    #[cfg(feature = "cuda")]
    gpus: BTreeMap<usize, super::cuda::CudaSolver>,
}

impl Solver {
    /// A CPU solver.
    pub fn new(mode: ChallengeMode) -> Self {
        Self::with_kind(mode, SolverKind::Cpu)
    }

    /// A solver doing honest work with `kind` (`wrong` answers always come
    /// from the CPU solver's tampering hook).
    pub fn with_kind(mode: ChallengeMode, kind: SolverKind) -> Self {
        Self {
            mode,
            kind,
            ..Self::default()
        }
    }

    pub fn kind(&self) -> SolverKind {
        self.kind
    }

    pub fn mode(&self) -> ChallengeMode {
        self.mode
    }

    /// The solution of `ch` (solved now unless cached).
    pub fn solution(&mut self, ch: &Challenge) -> Result<&Solution, String> {
        if !self.cache.contains_key(&ch.id) {
            let params = to_params(&ch.params.unwrap_or_default());
            let seed: [u8; 32] = ch
                .seed
                .as_slice()
                .try_into()
                .map_err(|_| format!("challenge {}: seed is {} bytes", ch.id, ch.seed.len()))?;
            let solved = match (self.mode, self.kind) {
                (ChallengeMode::Wrong, _) => solve_with_tamper(&params, &seed, |_, row| {
                    for b in row.iter_mut() {
                        *b = b.wrapping_add(1);
                    }
                })
                .map_err(|e| e.to_string()),
                (_, SolverKind::Cpu) => solve(&params, &seed).map_err(|e| e.to_string()),
                (_, SolverKind::Cuda) => self.solve_cuda(&ch.gpu_uuid, &params, &seed),
            }
            .map_err(|e| format!("challenge {}: {e}", ch.id))?;
            self.cache.insert(ch.id, solved);
        }
        self.cache
            .get(&ch.id)
            .ok_or_else(|| format!("challenge {}: no solution", ch.id))
    }

    /// The loaded kernels of the GPU whose uuid is `uuid` (device 0 when no
    /// visible device has it, e.g. a simulated inventory), loading them on
    /// first use.
    #[cfg(feature = "cuda")]
    fn gpu(&mut self, uuid: &str) -> Result<&super::cuda::CudaSolver, String> {
        let ordinal = match super::cuda::ordinal_for_uuid(uuid)? {
            Some(o) => o,
            None => {
                tracing::warn!(
                    gpu = uuid,
                    "no visible CUDA device has this uuid; using device 0"
                );
                0
            }
        };
        Ok(match self.gpus.entry(ordinal) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                let gpu = super::cuda::CudaSolver::new(ordinal)?;
                tracing::info!(ordinal, device = gpu.name(), "CUDA challenge solver loaded");
                e.insert(gpu)
            }
        })
    }

    /// Solves on the GPU whose uuid is `uuid`; the solution keeps only its
    /// tree.
    #[cfg(feature = "cuda")]
    fn solve_cuda(
        &mut self,
        uuid: &str,
        params: &ChallengeParams,
        seed: &[u8; 32],
    ) -> Result<Solution, String> {
        self.gpu(uuid)?.solve(params, seed)
    }

    /// Recomputes the rows an opening needs on the GPU that solved it.
    #[cfg(feature = "cuda")]
    fn replay(
        &mut self,
        uuid: &str,
        params: &ChallengeParams,
        seed: &[u8; 32],
        wanted: &[RowKey],
    ) -> Result<BTreeMap<RowKey, Vec<u8>>, String> {
        self.gpu(uuid)?.replay_rows(params, seed, wanted)
    }

    /// Without the `cuda` feature the CUDA solver does not exist (the config
    /// refuses `solver = "cuda"` already).
    #[cfg(not(feature = "cuda"))]
    fn solve_cuda(
        &mut self,
        _uuid: &str,
        _params: &ChallengeParams,
        _seed: &[u8; 32],
    ) -> Result<Solution, String> {
        Err("solver = \"cuda\" needs the agent built with `--features cuda`".to_string())
    }

    /// Without the GPU, the CPU reference recomputes the rows (only a
    /// tree-only solution needs this, and only the CUDA solver makes one).
    #[cfg(not(feature = "cuda"))]
    fn replay(
        &mut self,
        _uuid: &str,
        params: &ChallengeParams,
        seed: &[u8; 32],
        wanted: &[RowKey],
    ) -> Result<BTreeMap<RowKey, Vec<u8>>, String> {
        gpuchain_challenge::replay_rows(params, seed, wanted).map_err(|e| e.to_string())
    }

    /// Drops the solutions of challenges not in `pending`.
    pub fn retain(&mut self, pending: &BTreeSet<u64>) {
        self.cache.retain(|id, _| pending.contains(id));
    }

    /// How many solutions are cached.
    pub fn cached(&self) -> usize {
        self.cache.len()
    }

    /// The commit message for `ch`.
    pub fn commit_msg(
        &mut self,
        signer: &str,
        ch: &Challenge,
    ) -> Result<MsgChallengeCommit, String> {
        let root = self.solution(ch)?.root();
        Ok(MsgChallengeCommit {
            signer: signer.to_string(),
            challenge_id: ch.id,
            root: gpuchain_challenge::encode_root(&root),
        })
    }

    /// The opening message for `ch`, whose `root` and `beacon` are on chain.
    pub fn open_msg(&mut self, signer: &str, ch: &Challenge) -> Result<MsgChallengeOpen, String> {
        let params = to_params(&ch.params.unwrap_or_default());
        let seed: [u8; 32] = ch
            .seed
            .as_slice()
            .try_into()
            .map_err(|_| format!("challenge {}: bad seed", ch.id))?;
        let committed = gpuchain_challenge::decode_root(&ch.root)
            .map_err(|e| format!("challenge {}: committed root: {e}", ch.id))?;
        let solution = self.solution(ch)?;
        if solution.root() != committed {
            tracing::warn!(
                challenge = ch.id,
                "the committed root is not this agent's solution; opening anyway"
            );
        }
        let positions = select_openings(&params, &seed, &committed, &ch.beacon)
            .map_err(|e| format!("challenge {}: {e}", ch.id))?;
        // A solution that keeps only its tree (the CUDA solver's) opens
        // rows recomputed now; each is checked against its leaf.
        let rows = if solution.keeps_rows() {
            BTreeMap::new()
        } else {
            let needed = solution
                .rows_to_open(&positions)
                .map_err(|e| format!("challenge {}: {e}", ch.id))?;
            self.replay(&ch.gpu_uuid, &params, &seed, &needed)
                .map_err(|e| format!("challenge {}: recomputing the opened rows: {e}", ch.id))?
        };
        let opening = self
            .solution(ch)?
            .open_with(&positions, &rows)
            .map_err(|e| format!("challenge {}: {e}", ch.id))?;
        Ok(MsgChallengeOpen {
            signer: signer.to_string(),
            challenge_id: ch.id,
            opening: opening.encode(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gpuchain_challenge::verify_bytes;

    fn challenge() -> Challenge {
        let p = ChallengeParams::test_cpu();
        Challenge {
            id: 4,
            provider: "p".into(),
            gpu_uuid: "GPU-a".into(),
            seed: vec![3u8; 32],
            params: Some(ProtoParams {
                n: p.n,
                rounds: p.rounds,
                lanes: p.lanes,
                checks: p.checks,
                commit_window_secs: 60,
                open_window_secs: 60,
            }),
            commit_deadline: 100,
            status: ChallengeStatus::AwaitingCommit as i32,
            ..Challenge::default()
        }
    }

    fn answer(mode: ChallengeMode) -> Result<(), gpuchain_challenge::VerifyError> {
        let mut s = Solver::new(mode);
        let mut ch = challenge();
        let commit = s.commit_msg("agent", &ch).unwrap();
        assert_eq!(commit.root.len(), 32);
        ch.root = commit.root.clone();
        ch.status = ChallengeStatus::AwaitingOpen as i32;
        ch.beacon = vec![9u8; 32];
        ch.open_deadline = 200;
        let open = s.open_msg("agent", &ch).unwrap();
        assert_eq!(open.challenge_id, 4);
        let params = ChallengeParams::test_cpu();
        let root = gpuchain_challenge::decode_root(&ch.root).unwrap();
        let positions = select_openings(&params, &[3u8; 32], &root, &ch.beacon).unwrap();
        verify_bytes(&params, &[3u8; 32], &root, &positions, &open.opening)
    }

    #[test]
    fn should_pass_verification_when_answering_honestly() {
        assert_eq!(answer(ChallengeMode::Honest), Ok(()));
    }

    /// A solution that keeps only its tree (what the CUDA solver caches)
    /// opens rows recomputed for the opening (on the GPU with the `cuda`
    /// feature; by the CPU reference without it): the same message as from
    /// a solution that kept every row.
    #[test]
    fn should_open_a_tree_only_solution_with_recomputed_rows() {
        let mut ch = challenge();
        ch.gpu_uuid = "GPU-not-a-visible-device".into();
        let mut full = Solver::new(ChallengeMode::Honest);
        ch.root = full.commit_msg("agent", &ch).unwrap().root;
        ch.status = ChallengeStatus::AwaitingOpen as i32;
        ch.beacon = vec![5u8; 32];
        ch.open_deadline = 200;
        let expected = full.open_msg("agent", &ch).unwrap();
        let params = ChallengeParams::test_cpu();
        let tree = full.solution(&ch).unwrap().tree().clone();
        let mut s = Solver::new(ChallengeMode::Honest);
        s.cache
            .insert(ch.id, Solution::from_tree(&params, tree).unwrap());
        assert!(!s.solution(&ch).unwrap().keeps_rows());
        #[cfg(feature = "cuda")]
        if super::super::cuda::CudaSolver::new(0).is_err() {
            return; // no GPU here: the replay path is the GPU's
        }
        let open = s.open_msg("agent", &ch).unwrap();
        assert_eq!(open, expected);
        let root = gpuchain_challenge::decode_root(&ch.root).unwrap();
        let positions = select_openings(&params, &[3u8; 32], &root, &ch.beacon).unwrap();
        assert_eq!(
            verify_bytes(&params, &[3u8; 32], &root, &positions, &open.opening),
            Ok(())
        );
    }

    #[test]
    fn should_fail_verification_when_mode_is_wrong() {
        assert!(answer(ChallengeMode::Wrong).is_err());
    }

    #[test]
    fn should_reuse_solution_until_challenge_is_no_longer_pending() {
        let mut s = Solver::new(ChallengeMode::Honest);
        let ch = challenge();
        let r1 = s.solution(&ch).unwrap().root();
        assert_eq!(s.cached(), 1);
        assert_eq!(
            Solver::new(ChallengeMode::Honest)
                .solution(&ch)
                .unwrap()
                .root(),
            r1
        );
        s.retain(&BTreeSet::from([4]));
        assert_eq!(s.cached(), 1);
        s.retain(&BTreeSet::new());
        assert_eq!(s.cached(), 0);
    }

    #[test]
    fn should_refuse_malformed_challenges() {
        let mut s = Solver::new(ChallengeMode::Honest);
        let mut ch = challenge();
        ch.seed = vec![1; 31];
        assert!(s.solution(&ch).is_err());
        let mut ch = challenge();
        ch.params = None;
        assert!(s.commit_msg("a", &ch).is_err());
        let mut ch = challenge();
        ch.root = vec![1; 5];
        ch.beacon = vec![1];
        assert!(s.open_msg("a", &ch).is_err());
    }

    #[test]
    fn should_report_cuda_availability_when_feature_is_set_or_not() {
        assert!(SolverKind::Cpu.available());
        assert_eq!(SolverKind::Cuda.available(), cfg!(feature = "cuda"));
        assert_eq!(Solver::default().kind(), SolverKind::Cpu);
        assert_eq!(
            Solver::with_kind(ChallengeMode::Honest, SolverKind::Cuda).kind(),
            SolverKind::Cuda
        );
    }

    #[cfg(not(feature = "cuda"))]
    #[test]
    fn should_refuse_cuda_solve_when_built_without_feature() {
        let mut s = Solver::with_kind(ChallengeMode::Honest, SolverKind::Cuda);
        let err = s.solution(&challenge()).unwrap_err();
        assert!(err.contains("--features cuda"), "{err}");
        // `wrong` answers never need the GPU
        let mut s = Solver::with_kind(ChallengeMode::Wrong, SolverKind::Cuda);
        assert!(s.solution(&challenge()).is_ok());
    }

    /// Needs an NVIDIA GPU, its driver and NVRTC:
    /// `cargo test -p gpuchain-agent --features cuda -- --ignored`.
    #[cfg(feature = "cuda")]
    #[test]
    #[ignore = "needs a CUDA GPU"]
    fn should_match_cpu_solver_byte_for_byte_when_solving_on_gpu() {
        use super::super::cuda::CudaSolver;
        let mut gpu = CudaSolver::new(0).unwrap();
        eprintln!(
            "device 0: {} (int8 tensor cores: {})",
            gpu.name(),
            gpu.has_tensor_cores()
        );
        let test_cpu = ChallengeParams::test_cpu();
        let seed = [7u8; 32];
        let solution = gpu.solve(&test_cpu, &seed).unwrap();
        let hex: String = solution.root().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "a31ec2280f40fab557a1ccb9616436911fdb44c8a7555a4c59a756747bbb1b11"
        );
        let cases = [
            (test_cpu, seed),
            // n not a multiple of 32 (partial PRF blocks) and odd lanes
            (
                ChallengeParams {
                    n: 45,
                    rounds: 3,
                    lanes: 3,
                    checks: 44,
                },
                [1u8; 32],
            ),
            // mid-size
            (
                ChallengeParams {
                    n: 256,
                    rounds: 8,
                    lanes: 4,
                    checks: 44,
                },
                [9u8; 32],
            ),
            // multiples of the tensor-core tile (128): odd lane counts, a
            // batch of several 128 x 128 tiles per lane
            (
                ChallengeParams {
                    n: 128,
                    rounds: 5,
                    lanes: 3,
                    checks: 44,
                },
                [3u8; 32],
            ),
            (
                ChallengeParams {
                    n: 384,
                    rounds: 3,
                    lanes: 2,
                    checks: 44,
                },
                [5u8; 32],
            ),
        ];
        for (params, seed) in cases {
            eprintln!(
                "{params:?}: tensor cores {}",
                gpu.uses_tensor_cores(params.n)
            );
            let cpu = solve(&params, &seed).unwrap();
            let outputs = gpu.solve_outputs(&params, &seed).unwrap();
            for lane in 0..params.lanes {
                for round in 0..params.rounds {
                    for row in 0..params.n {
                        let leaf = params.leaf_index(lane, round, row) as usize;
                        let n = params.n as usize;
                        assert_eq!(
                            &outputs[leaf * n..(leaf + 1) * n],
                            cpu.output_row(lane, round, row).unwrap(),
                            "{params:?} lane {lane} round {round} row {row}"
                        );
                    }
                }
            }
            // the plain product gives the same bytes
            gpu.set_tensor_cores(false);
            let plain = gpu.solve_outputs(&params, &seed).unwrap();
            gpu.set_tensor_cores(true);
            assert!(
                plain == outputs,
                "{params:?}: plain and tensor-core products differ"
            );
            assert_eq!(Solution::from_outputs(&params, outputs).unwrap(), cpu);
            // the production path: only the tree comes back (built on the GPU)
            let tree_only = gpu.solve(&params, &seed).unwrap();
            assert!(!tree_only.keeps_rows());
            assert_eq!(tree_only.tree(), cpu.tree(), "{params:?}: GPU tree");
            // the tree staged to the host in pieces of 3 nodes, of 2.5
            // nodes (pieces that split a node), and whole levels
            for stage in [96, 80, usize::MAX] {
                gpu.set_stage_bytes(Some(stage));
                let staged = gpu.solve(&params, &seed).unwrap();
                assert_eq!(staged.tree(), cpu.tree(), "{params:?}: staged by {stage}");
            }
            gpu.set_stage_bytes(None);
            // every round of the first and last lanes' first, middle and
            // last rows, replayed on the GPU
            let mut wanted = Vec::new();
            for lane in [0, params.lanes - 1] {
                for row in [0, params.n / 2, params.n - 1] {
                    for round in 0..params.rounds {
                        wanted.push(gpuchain_challenge::RowKey { lane, round, row });
                    }
                }
            }
            let rows = gpu.replay_rows(&params, &seed, &wanted).unwrap();
            for k in &wanted {
                assert_eq!(
                    Some(rows[k].as_slice()),
                    cpu.output_row(k.lane, k.round, k.row),
                    "{params:?} replayed {k:?}"
                );
            }
            // whole openings from replayed rows verify, and equal the CPU
            // solution's
            for beacon in [[1u8; 32], [2u8; 32]] {
                let positions = select_openings(&params, &seed, &cpu.root(), &beacon).unwrap();
                let needed = tree_only.rows_to_open(&positions).unwrap();
                let rows = gpu.replay_rows(&params, &seed, &needed).unwrap();
                let opening = tree_only.open_with(&positions, &rows).unwrap();
                assert_eq!(opening, cpu.open(&positions).unwrap());
                assert_eq!(
                    gpuchain_challenge::verify(&params, &seed, &cpu.root(), &positions, &opening),
                    Ok(())
                );
            }
        }
        // and through the agent's Solver: the same commit and opening
        let mut ch = challenge();
        ch.gpu_uuid = "GPU-not-a-visible-device".into();
        let mut s = Solver::with_kind(ChallengeMode::Honest, SolverKind::Cuda);
        let mut cpu = Solver::new(ChallengeMode::Honest);
        assert_eq!(
            s.solution(&ch).unwrap().root(),
            cpu.solution(&ch).unwrap().root()
        );
        assert!(!s.solution(&ch).unwrap().keeps_rows());
        ch.root = s.commit_msg("agent", &ch).unwrap().root;
        ch.status = ChallengeStatus::AwaitingOpen as i32;
        ch.beacon = vec![9u8; 32];
        assert_eq!(
            s.open_msg("agent", &ch).unwrap(),
            cpu.open_msg("agent", &ch).unwrap()
        );
    }

    #[test]
    fn should_choose_the_step_from_status_beacon_and_deadlines() {
        let mut ch = challenge();
        assert_eq!(next_step(&ch, 99, ChallengeMode::Honest), Step::Commit);
        assert_eq!(next_step(&ch, 99, ChallengeMode::Wrong), Step::Commit);
        assert!(matches!(
            next_step(&ch, 100, ChallengeMode::Honest),
            Step::Nothing(_)
        ));
        assert!(matches!(
            next_step(&ch, 1, ChallengeMode::Ignore),
            Step::Nothing(_)
        ));
        ch.status = ChallengeStatus::AwaitingOpen as i32;
        ch.open_deadline = 200;
        assert_eq!(next_step(&ch, 150, ChallengeMode::Honest), Step::WaitBeacon);
        ch.beacon = vec![1; 32];
        assert_eq!(next_step(&ch, 150, ChallengeMode::Honest), Step::Open);
        assert!(matches!(
            next_step(&ch, 200, ChallengeMode::Honest),
            Step::Nothing(_)
        ));
        ch.status = ChallengeStatus::Passed as i32;
        assert!(matches!(
            next_step(&ch, 0, ChallengeMode::Honest),
            Step::Nothing(_)
        ));
    }
}

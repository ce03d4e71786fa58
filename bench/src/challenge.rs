//! P7: on-chain verification of one GPU challenge at a data-centre size.
//!
//! Solving `ChallengeParams::datacenter_example()` (2^50 int8 MACs) is out of
//! reach of a CPU, but verification only sees the opened rows and their
//! Merkle proofs, and row `i` of round `r` in a lane depends only on row `i`
//! of the earlier rounds in that lane. So the bench:
//!
//! 1. draws the `checks` positions with `select_openings` (seed, a
//!    placeholder root, a block hash): the real distribution of positions;
//! 2. computes honestly only the row chains those positions open (lane `l`,
//!    row `i`, rounds `0..=r`: `r * n^2` MACs and the seeded `B_r` columns
//!    per chain, `B_r` shared by all chains);
//! 3. builds a *sparse* Merkle tree over all `lanes * rounds * n` leaves in
//!    which every other leaf is a filler hash (whole filler subtrees are one
//!    precomputed hash per level), so the proofs have the preset's full
//!    depth;
//! 4. verifies the opening once (it must pass), then times what the chain
//!    does for a `MsgChallengeOpen`: `select_openings` + `verify_bytes`
//!    (decode + verify), many times, and `verify` alone.
//!
//! The verifier cannot tell the filler leaves from honest ones and does
//! exactly the work it does for an honest prover: the positions are fixed
//! before the root exists (the root depends on the opened rows), which does
//! not change the cost of a check.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::ops::Bound;
use std::time::Instant;

use anyhow::{anyhow, bail, Result};
use gpuchain_challenge::merkle::{depth_for, inner_hash, root_from_proof};
use gpuchain_challenge::prf::{dot_low_byte, fill_a_row, fill_b_col, fill_m_row, mix_into};
use gpuchain_challenge::{
    leaf_hash, opening_size_bytes, select_openings, verify, verify_bytes, verify_cost_breakdown,
    ChallengeParams, OpenedCheck, OpenedRow, Opening, Position,
};
use serde_json::json;

/// P7's bound: one challenge verified in at most 5 ms.
pub const BOUND_US: f64 = 5_000.0;
const SEED: [u8; 32] = [0x42; 32];
const BLOCK_HASH: &[u8] = b"gpuchain-bench later block hash";

/// The honestly computed rows the opening needs, keyed by `(lane, round,
/// row)`, with their leaf hashes.
type Rows = BTreeMap<(u32, u32, u32), (Vec<u8>, [u8; 32])>;

/// Computes rows `0..=max_round` of every chain `(lane, row)` in `chains`
/// (value: the last round needed) and keeps those listed in `keep`.
fn compute_chains(
    params: &ChallengeParams,
    seed: &[u8; 32],
    chains: &BTreeMap<(u32, u32), u32>,
    keep: &BTreeMap<(u32, u32, u32), ()>,
    threads: usize,
) -> Rows {
    let n = params.n as usize;
    let ids: Vec<(u32, u32)> = chains.keys().copied().collect();
    let mut inputs: Vec<Vec<i8>> = ids
        .iter()
        .map(|&(lane, row)| {
            let mut x = vec![0i8; n];
            fill_a_row(seed, lane, row, &mut x);
            x
        })
        .collect();
    let max_round = chains.values().copied().max().unwrap_or(0);
    let mut out = Rows::new();
    let threads = threads.max(1);
    for round in 0..=max_round {
        let active: Vec<usize> = (0..ids.len())
            .filter(|&c| chains[&ids[c]] >= round)
            .collect();
        // Columns of B_round split among the threads; each thread dots its
        // columns with every active chain's input row.
        let per = n.div_ceil(threads);
        let parts: Vec<Vec<Vec<u8>>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let inputs = &inputs;
                    let active = &active;
                    s.spawn(move || {
                        let cols = (t * per).min(n)..((t + 1) * per).min(n);
                        let mut w = vec![0i8; n];
                        let mut ys = vec![Vec::with_capacity(cols.len()); active.len()];
                        for col in cols {
                            fill_b_col(seed, round, col as u32, &mut w);
                            for (y, &c) in ys.iter_mut().zip(active) {
                                y.push(dot_low_byte(&inputs[c], &w));
                            }
                        }
                        ys
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("chain thread"))
                .collect()
        });
        for (k, &c) in active.iter().enumerate() {
            let (lane, row) = ids[c];
            let y: Vec<u8> = parts.iter().flat_map(|p| p[k].iter().copied()).collect();
            let leaf = leaf_hash(lane, round, row, &y);
            if round < chains[&ids[c]] {
                let x = &mut inputs[c];
                fill_m_row(seed, lane, round + 1, row, &leaf, x);
                mix_into(&y, x);
            }
            if keep.contains_key(&(lane, round, row)) {
                out.insert((lane, round, row), (y, leaf));
            }
        }
    }
    out
}

/// A Merkle tree (the crate's shape: odd last node promoted) over `count`
/// leaves of which only `known` are real; every other leaf is `filler`.
struct SparseTree {
    count: u64,
    depth: u32,
    known: BTreeMap<u64, [u8; 32]>,
    /// Hash of a full subtree of filler leaves, per level.
    filler: Vec<[u8; 32]>,
}

impl SparseTree {
    fn new(count: u64, known: BTreeMap<u64, [u8; 32]>) -> Self {
        let depth = depth_for(count);
        let mut filler = vec![[0xf1; 32]];
        for level in 1..=depth as usize {
            let below = filler[level - 1];
            filler.push(inner_hash(&below, &below));
        }
        Self {
            count,
            depth,
            known,
            filler,
        }
    }

    /// Node `idx` of `level` (0 = leaves), `None` when the level has no
    /// such node.
    fn node(&self, level: u32, idx: u64) -> Option<[u8; 32]> {
        let start = idx.checked_shl(level)?;
        if start >= self.count {
            return None;
        }
        let width = 1u64 << level;
        let end = start.saturating_add(width).min(self.count);
        let has_known = self
            .known
            .range((Bound::Included(start), Bound::Excluded(end)))
            .next()
            .is_some();
        if level == 0 {
            return Some(self.known.get(&start).copied().unwrap_or(self.filler[0]));
        }
        if !has_known && end - start == width {
            return Some(self.filler[level as usize]);
        }
        let left = self.node(level - 1, 2 * idx)?;
        match self.node(level - 1, 2 * idx + 1) {
            Some(right) => Some(inner_hash(&left, &right)),
            None => Some(left),
        }
    }

    fn root(&self) -> [u8; 32] {
        self.node(self.depth, 0).unwrap_or([0; 32])
    }

    fn proof(&self, index: u64) -> Vec<[u8; 32]> {
        (0..self.depth)
            .filter_map(|level| self.node(level, (index >> level) ^ 1))
            .collect()
    }
}

/// A valid opening of `params` for `seed` at `positions` drawn before the
/// root: its root and the opening.
pub fn sparse_opening(
    params: &ChallengeParams,
    seed: &[u8; 32],
    positions: &[Position],
    threads: usize,
) -> Result<([u8; 32], Opening)> {
    let mut chains: BTreeMap<(u32, u32), u32> = BTreeMap::new();
    let mut keep = BTreeMap::new();
    for p in positions {
        let last = chains.entry((p.lane, p.row)).or_insert(0);
        *last = (*last).max(p.round);
        keep.insert((p.lane, p.round, p.row), ());
        if let Some(prev) = p.round.checked_sub(1) {
            keep.insert((p.lane, prev, p.row), ());
        }
    }
    let rows = compute_chains(params, seed, &chains, &keep, threads);
    let known = rows
        .iter()
        .map(|(&(lane, round, row), (_, leaf))| (params.leaf_index(lane, round, row), *leaf))
        .collect();
    let tree = SparseTree::new(params.leaf_count(), known);
    let root = tree.root();
    let opened = |lane: u32, round: u32, row: u32| -> Result<OpenedRow> {
        let (y, leaf) = rows
            .get(&(lane, round, row))
            .ok_or_else(|| anyhow!("row ({lane}, {round}, {row}) not computed"))?;
        let index = params.leaf_index(lane, round, row);
        let proof = tree.proof(index);
        if root_from_proof(*leaf, index, params.leaf_count(), &proof) != Some(root) {
            bail!("sparse proof of leaf {index} does not reach the root");
        }
        Ok(OpenedRow {
            row: y.clone(),
            proof,
        })
    };
    let checks = positions
        .iter()
        .map(|p| {
            Ok(OpenedCheck {
                position: *p,
                output: opened(p.lane, p.round, p.row)?,
                input: match p.round.checked_sub(1) {
                    Some(prev) => Some(opened(p.lane, prev, p.row)?),
                    None => None,
                },
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((root, Opening { checks }))
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// Runs the P7 bench on `params` (`iters` timed verifications) and prints
/// its JSON line.
pub fn run(params: ChallengeParams, iters: usize, threads: usize) -> Result<()> {
    params.validate().map_err(|e| anyhow!("{e:?}"))?;
    let preset = ChallengeParams::datacenter_example();
    let setup = Instant::now();
    let positions =
        select_openings(&params, &SEED, &[0u8; 32], BLOCK_HASH).map_err(|e| anyhow!("{e:?}"))?;
    let (root, opening) = sparse_opening(&params, &SEED, &positions, threads)?;
    let setup_s = setup.elapsed().as_secs_f64();
    let bytes = opening.encode();
    if let Err(e) = verify_bytes(&params, &SEED, &root, &positions, &bytes) {
        bail!("the bench's opening does not verify: {e:?}");
    }
    let opened_rows = opening
        .checks
        .iter()
        .map(|c| 1 + usize::from(c.input.is_some()))
        .sum::<usize>();

    // What the chain runs for one MsgChallengeOpen: select + decode + verify.
    let iters = iters.max(1);
    let mut full = Vec::with_capacity(iters);
    let mut only = Vec::with_capacity(iters);
    for _ in 0..3 {
        verify_bytes(&params, &SEED, &root, &positions, &bytes).map_err(|e| anyhow!("{e:?}"))?;
    }
    for _ in 0..iters {
        let t = Instant::now();
        let sel = select_openings(&params, &SEED, black_box(&root), BLOCK_HASH);
        black_box(&sel);
        let ok = verify_bytes(
            &params,
            &SEED,
            black_box(&root),
            &positions,
            black_box(&bytes),
        );
        full.push(t.elapsed().as_secs_f64() * 1e6);
        ok.map_err(|e| anyhow!("{e:?}"))?;
        let t = Instant::now();
        let ok = verify(
            &params,
            &SEED,
            black_box(&root),
            &positions,
            black_box(&opening),
        );
        only.push(t.elapsed().as_secs_f64() * 1e6);
        ok.map_err(|e| anyhow!("{e:?}"))?;
    }
    full.sort_by(f64::total_cmp);
    only.sort_by(f64::total_cmp);
    let median = percentile(&full, 0.5);
    let p99 = percentile(&full, 0.99);

    // One more Merkle level costs one inner hash per opened row.
    let hashes = 100_000;
    let (a, b) = ([1u8; 32], [2u8; 32]);
    let t = Instant::now();
    let mut acc = a;
    for _ in 0..hashes {
        acc = inner_hash(black_box(&acc), &b);
    }
    black_box(acc);
    let inner_us = t.elapsed().as_secs_f64() * 1e6 / f64::from(hashes);
    let depth = params.merkle_depth();
    let extra_levels = preset.merkle_depth().saturating_sub(depth);
    let extrapolated = median + f64::from(extra_levels) * opened_rows as f64 * inner_us;
    let cost = verify_cost_breakdown(&params).map_err(|e| anyhow!("{e:?}"))?;
    println!(
        "{}",
        json!({
            "bench": "challenge_verify",
            "n": params.n, "rounds": params.rounds, "lanes": params.lanes, "checks": params.checks,
            "is_datacenter_preset": params == preset,
            "merkle_depth": depth, "preset_merkle_depth": preset.merkle_depth(),
            "opened_rows": opened_rows,
            "opening_bytes": bytes.len(),
            "opening_bytes_worst": opening_size_bytes(&params).map_err(|e| anyhow!("{e:?}"))?,
            "verify_cost_macs": cost.macs, "verify_cost_sha256_blocks": cost.sha256_blocks,
            "iters": iters, "setup_s": round1(setup_s),
            "us_median": round1(median), "us_p99": round1(p99), "us_min": round1(full[0]),
            "verify_only_us_median": round1(percentile(&only, 0.5)),
            "inner_hash_us": (inner_us * 1000.0).round() / 1000.0,
            "us_extrapolated_preset_depth": round1(extrapolated),
            "bound_us": BOUND_US,
            "ratio": (extrapolated / BOUND_US * 1000.0).round() / 1000.0,
        })
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use gpuchain_challenge::{solve, MerkleTree};

    #[test]
    fn should_match_crate_tree_when_every_leaf_is_known() {
        for count in [1u64, 2, 3, 5, 8, 13, 30] {
            let leaves: Vec<[u8; 32]> = (0..count).map(|i| [i as u8; 32]).collect();
            let full = MerkleTree::from_leaves(leaves.clone()).unwrap();
            let sparse = SparseTree::new(count, (0..count).zip(leaves).collect());
            assert_eq!(sparse.root(), full.root(), "count {count}");
            for i in 0..count {
                assert_eq!(
                    sparse.proof(i),
                    full.proof(i).unwrap(),
                    "count {count} leaf {i}"
                );
            }
        }
    }

    #[test]
    fn should_open_honest_rows_when_chains_are_computed_alone() {
        // Odd leaf count (30) and the test-cpu preset (512): the opened rows
        // equal the full solver's and the opening verifies.
        for params in [
            ChallengeParams {
                n: 5,
                rounds: 3,
                lanes: 2,
                checks: 9,
            },
            ChallengeParams::test_cpu(),
        ] {
            let s = solve(&params, &SEED).unwrap();
            let pos = select_openings(&params, &SEED, &[0u8; 32], BLOCK_HASH).unwrap();
            let (root, opening) = sparse_opening(&params, &SEED, &pos, 2).unwrap();
            assert_eq!(verify(&params, &SEED, &root, &pos, &opening), Ok(()));
            for c in &opening.checks {
                let p = c.position;
                assert_eq!(
                    s.output_row(p.lane, p.round, p.row).unwrap(),
                    &c.output.row[..]
                );
            }
        }
    }
}

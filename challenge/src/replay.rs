//! Recomputing chosen committed rows without the rest (the CPU reference).
//!
//! Row `row` of a lane evolves on its own through the rounds: `X_0[row]` is
//! seeded, `Y_r[row] = X_r[row] * B_r`, and `X_{r+1}[row]` mixes `Y_r[row]`
//! with a row keyed by `Y_r[row]`'s own leaf hash. So the rows an opening reveals can
//! be recomputed by following just their chains, at the cost of generating
//! every B_r up to the last round opened. A solver that keeps only the Merkle
//! tree (the CUDA solver: a data-centre challenge commits hundreds of GiB of
//! rows) opens with these instead of stored rows.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::SolveError;
use crate::merkle::leaf_hash;
use crate::params::ChallengeParams;
use crate::solve::{fill_b, row_input, row_output, RowKey};

/// `Y_round[row]` of every key in `wanted`, computed from the seed alone.
pub fn replay_rows(
    params: &ChallengeParams,
    seed: &[u8; 32],
    wanted: &[RowKey],
) -> Result<BTreeMap<RowKey, Vec<u8>>, SolveError> {
    params.validate()?;
    for (index, k) in wanted.iter().enumerate() {
        if !k.is_within(params) {
            return Err(SolveError::PositionOutOfRange { index });
        }
    }
    let mut out = BTreeMap::new();
    let Some(last) = wanted.iter().map(|k| k.round).max() else {
        return Ok(out);
    };
    let wanted: BTreeSet<RowKey> = wanted.iter().copied().collect();
    let n = params.n_usize();
    // (lane, row) -> its latest output row and that row's leaf hash
    let mut chains: BTreeMap<(u32, u32), (Vec<u8>, [u8; 32])> = wanted
        .iter()
        .map(|k| ((k.lane, k.row), (vec![0u8; n], [0u8; 32])))
        .collect();
    let mut b = vec![0i8; n.checked_mul(n).ok_or(SolveError::TooLarge)?];
    let mut x = vec![0i8; n];
    for round in 0..=last {
        fill_b(seed, round, n, &mut b);
        for (&(lane, row), (y, leaf)) in chains.iter_mut() {
            let key = RowKey { lane, round, row };
            let prev = (round > 0).then_some((y.as_slice(), &*leaf));
            row_input(seed, key, prev, &mut x);
            row_output(&x, &b, n, y);
            *leaf = leaf_hash(lane, round, row, y);
            if wanted.contains(&key) {
                out.insert(key, y.clone());
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::select::select_openings;
    use crate::solve::{solve, Solution};
    use crate::verify::verify;

    fn small() -> ChallengeParams {
        ChallengeParams {
            n: 6,
            rounds: 4,
            lanes: 3,
            checks: 5,
        }
    }

    #[test]
    fn should_recompute_every_row_the_full_solver_committed() {
        let p = small();
        let seed = [4u8; 32];
        let full = solve(&p, &seed).unwrap();
        let mut all = Vec::new();
        for lane in 0..p.lanes {
            for round in 0..p.rounds {
                for row in 0..p.n {
                    all.push(RowKey { lane, round, row });
                }
            }
        }
        let rows = replay_rows(&p, &seed, &all).unwrap();
        assert_eq!(rows.len(), all.len());
        for k in &all {
            assert_eq!(
                Some(rows[k].as_slice()),
                full.output_row(k.lane, k.round, k.row),
                "{k:?}"
            );
        }
        // a single chain alone, late round
        let one = RowKey {
            lane: 2,
            round: 3,
            row: 5,
        };
        let rows = replay_rows(&p, &seed, &[one]).unwrap();
        assert_eq!(
            rows.keys().copied().collect::<Vec<_>>(),
            vec![one],
            "only what was asked"
        );
        assert_eq!(Some(rows[&one].as_slice()), full.output_row(2, 3, 5));
        assert!(replay_rows(&p, &seed, &[]).unwrap().is_empty());
    }

    #[test]
    fn should_refuse_rows_outside_the_challenge() {
        let p = small();
        for (i, bad) in [
            RowKey {
                lane: 3,
                round: 0,
                row: 0,
            },
            RowKey {
                lane: 0,
                round: 4,
                row: 0,
            },
            RowKey {
                lane: 0,
                round: 0,
                row: 6,
            },
        ]
        .into_iter()
        .enumerate()
        {
            let ok = RowKey {
                lane: 0,
                round: 0,
                row: 0,
            };
            assert_eq!(
                replay_rows(&p, &[0; 32], &[ok, bad]),
                Err(SolveError::PositionOutOfRange { index: 1 }),
                "case {i}"
            );
        }
    }

    #[test]
    fn should_open_a_tree_only_solution_with_replayed_rows_exactly_like_a_full_one() {
        let p = small();
        let seed = [9u8; 32];
        let full = solve(&p, &seed).unwrap();
        let tree_only = Solution::from_tree(&p, full.tree().clone()).unwrap();
        assert!(!tree_only.keeps_rows() && full.keeps_rows());
        assert_eq!(tree_only.root(), full.root());
        let positions = select_openings(&p, &seed, &full.root(), &[7u8; 32]).unwrap();
        assert_eq!(positions.len(), 5);
        let needed = tree_only.rows_to_open(&positions).unwrap();
        // each position's output row, and its input row after round 0
        for q in &positions {
            let (lane, row) = (q.lane, q.row);
            assert!(needed.contains(&RowKey {
                lane,
                round: q.round,
                row
            }));
            if let Some(round) = q.round.checked_sub(1) {
                assert!(needed.contains(&RowKey { lane, round, row }));
            }
        }
        assert!(needed.windows(2).all(|w| w[0] < w[1]), "sorted, once each");
        assert_eq!(
            tree_only.open(&positions),
            Err(SolveError::RowMissing(needed[0]))
        );
        let rows = replay_rows(&p, &seed, &needed).unwrap();
        let opening = tree_only.open_with(&positions, &rows).unwrap();
        assert_eq!(opening, full.open(&positions).unwrap());
        assert_eq!(
            verify(&p, &seed, &full.root(), &positions, &opening),
            Ok(())
        );
        // a wrong row is refused before it is sent
        let mut bad = rows.clone();
        let key = needed[needed.len() - 1];
        if let Some(row) = bad.get_mut(&key) {
            row[0] ^= 1;
        }
        assert_eq!(
            tree_only.open_with(&positions, &bad),
            Err(SolveError::RowMismatch(key))
        );
        // a tree of another size is refused
        let other = solve(&ChallengeParams { lanes: 2, ..p }, &seed).unwrap();
        assert_eq!(
            Solution::from_tree(&p, other.tree().clone()),
            Err(SolveError::LeafCount {
                expected: 72,
                got: 48
            })
        );
    }
}

//! The CPU reference solver, the solution it keeps, and openings.

use std::ops::Range;

use crate::error::SolveError;
use crate::merkle::{leaf_hash, MerkleTree};
use crate::params::ChallengeParams;
use crate::prf::{dot_low_byte, fill_a_row, fill_b_col, fill_m_row, mix_into};
use crate::select::Position;

/// A solved challenge: every committed row and the Merkle tree over them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Solution {
    params: ChallengeParams,
    /// `Y_round[row]` of every lane, round and row, `n` bytes each, in leaf
    /// order.
    outputs: Vec<u8>,
    tree: MerkleTree,
}

/// One opened committed row with its Merkle proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedRow {
    /// The committed low-byte row `Y_round[row]` (`n` bytes).
    pub row: Vec<u8>,
    /// Siblings from the leaf up (see [`crate::merkle`]).
    pub proof: Vec<[u8; 32]>,
}

/// What the prover reveals for one checked position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedCheck {
    /// The position checked.
    pub position: Position,
    /// The output row `Y_round[row]` containing the checked entry.
    pub output: OpenedRow,
    /// For `round > 0`, the previous output row `Y_{round-1}[row]` the input
    /// row is derived from; `None` for round 0 (its input is seeded).
    pub input: Option<OpenedRow>,
}

/// The answer to a challenge: one [`OpenedCheck`] per selected position, in
/// the same order. Encoded by [`Opening::encode`](crate::codec).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Opening {
    /// The opened checks.
    pub checks: Vec<OpenedCheck>,
}

fn row_range(leaf: u64, n: usize) -> Option<Range<usize>> {
    let start = usize::try_from(leaf).ok()?.checked_mul(n)?;
    Some(start..start.checked_add(n)?)
}

/// Solves the challenge `seed` with the CPU reference solver.
pub fn solve(params: &ChallengeParams, seed: &[u8; 32]) -> Result<Solution, SolveError> {
    solve_with_tamper(params, seed, |_, _| {})
}

/// Like [`solve`], but calls `tamper(position_of_row, row)` on every output
/// row right after computing it (with `position_of_row.col == 0`), before it
/// is hashed and fed to the next round, so tests can build provers that cheat
/// on some rows and compute everything else honestly from what they
/// committed.
pub fn solve_with_tamper<F>(
    params: &ChallengeParams,
    seed: &[u8; 32],
    mut tamper: F,
) -> Result<Solution, SolveError>
where
    F: FnMut(Position, &mut [u8]),
{
    params.validate()?;
    let n = params.n_usize();
    let leaves = usize::try_from(params.leaf_count()).map_err(|_| SolveError::TooLarge)?;
    let total = leaves.checked_mul(n).ok_or(SolveError::TooLarge)?;
    let mut outputs = vec![0u8; total];
    let mut hashes = vec![[0u8; 32]; leaves];
    // B_r column-major: column j at [j * n, (j + 1) * n)
    let mut b = vec![0i8; n.checked_mul(n).ok_or(SolveError::TooLarge)?];
    let mut x = vec![0i8; n];
    for round in 0..params.rounds {
        for (col, column) in (0u32..).zip(b.chunks_mut(n)) {
            fill_b_col(seed, round, col, column);
        }
        for lane in 0..params.lanes {
            for row in 0..params.n {
                let leaf = params.leaf_index(lane, round, row);
                match round.checked_sub(1) {
                    None => fill_a_row(seed, lane, row, &mut x),
                    Some(prev_round) => {
                        let prev = params.leaf_index(lane, prev_round, row);
                        let prev_hash = usize::try_from(prev)
                            .ok()
                            .and_then(|i| hashes.get(i))
                            .ok_or(SolveError::TooLarge)?;
                        fill_m_row(seed, lane, round, row, prev_hash, &mut x);
                        let prev_row = row_range(prev, n)
                            .and_then(|r| outputs.get(r))
                            .ok_or(SolveError::TooLarge)?;
                        mix_into(prev_row, &mut x);
                    }
                }
                let out = row_range(leaf, n)
                    .and_then(|r| outputs.get_mut(r))
                    .ok_or(SolveError::TooLarge)?;
                for (o, column) in out.iter_mut().zip(b.chunks(n)) {
                    *o = dot_low_byte(&x, column);
                }
                tamper(
                    Position {
                        lane,
                        round,
                        row,
                        col: 0,
                    },
                    out,
                );
                let h = usize::try_from(leaf)
                    .ok()
                    .and_then(|i| hashes.get_mut(i))
                    .ok_or(SolveError::TooLarge)?;
                *h = leaf_hash(lane, round, row, out);
            }
        }
    }
    let tree = MerkleTree::from_leaves(hashes).ok_or(SolveError::TooLarge)?;
    Ok(Solution {
        params: *params,
        outputs,
        tree,
    })
}

impl Solution {
    /// Builds a solution from outputs computed elsewhere (e.g. by the CUDA
    /// solver): `Y_round[row]` of every lane, round and row in leaf order,
    /// `n` bytes each. Hashes every row and builds the tree.
    pub fn from_outputs(params: &ChallengeParams, outputs: Vec<u8>) -> Result<Self, SolveError> {
        params.validate()?;
        let n = params.n_usize();
        let expected = params.leaf_count().saturating_mul(u64::from(params.n));
        let got = u64::try_from(outputs.len()).unwrap_or(u64::MAX);
        if got != expected {
            return Err(SolveError::OutputLength { expected, got });
        }
        let mut hashes = Vec::with_capacity(outputs.len().checked_div(n).unwrap_or(0));
        let mut rows = outputs.chunks(n);
        for lane in 0..params.lanes {
            for round in 0..params.rounds {
                for row in 0..params.n {
                    let bytes = rows.next().ok_or(SolveError::TooLarge)?;
                    hashes.push(leaf_hash(lane, round, row, bytes));
                }
            }
        }
        let tree = MerkleTree::from_leaves(hashes).ok_or(SolveError::TooLarge)?;
        Ok(Self {
            params: *params,
            outputs,
            tree,
        })
    }

    /// The commitment root (what `MsgChallengeCommit` carries).
    pub fn root(&self) -> [u8; 32] {
        self.tree.root()
    }

    /// The params solved.
    pub fn params(&self) -> &ChallengeParams {
        &self.params
    }

    /// The committed row `Y_round[row]` of lane `lane`.
    pub fn output_row(&self, lane: u32, round: u32, row: u32) -> Option<&[u8]> {
        if lane >= self.params.lanes || round >= self.params.rounds || row >= self.params.n {
            return None;
        }
        let leaf = self.params.leaf_index(lane, round, row);
        self.outputs.get(row_range(leaf, self.params.n_usize())?)
    }

    fn opened_row(&self, lane: u32, round: u32, row: u32) -> Option<OpenedRow> {
        let leaf = self.params.leaf_index(lane, round, row);
        Some(OpenedRow {
            row: self.output_row(lane, round, row)?.to_vec(),
            proof: self.tree.proof(leaf)?,
        })
    }

    /// Opens `positions` (normally [`select_openings`](crate::select_openings)'s
    /// answer), in order.
    pub fn open(&self, positions: &[Position]) -> Result<Opening, SolveError> {
        let mut checks = Vec::with_capacity(positions.len());
        for (index, p) in positions.iter().enumerate() {
            let err = SolveError::PositionOutOfRange { index };
            if !p.is_within(&self.params) {
                return Err(err);
            }
            let output = self.opened_row(p.lane, p.round, p.row).ok_or(err.clone())?;
            let input = match p.round.checked_sub(1) {
                None => None,
                Some(prev) => Some(self.opened_row(p.lane, prev, p.row).ok_or(err)?),
            };
            checks.push(OpenedCheck {
                position: *p,
                output,
                input,
            });
        }
        Ok(Opening { checks })
    }
}

/// Opens `positions` of `solution`; see [`Solution::open`].
pub fn open(solution: &Solution, positions: &[Position]) -> Result<Opening, SolveError> {
    solution.open(positions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prf::{a_row, b_col, m_row};

    fn small() -> ChallengeParams {
        ChallengeParams {
            n: 5,
            rounds: 3,
            lanes: 2,
            checks: 4,
        }
    }

    #[test]
    fn should_match_naive_definition_when_solving() {
        let p = small();
        let seed = [3u8; 32];
        let s = solve(&p, &seed).unwrap();
        for lane in 0..p.lanes {
            for row in 0..p.n {
                let mut x = a_row(&seed, lane, row, p.n);
                for round in 0..p.rounds {
                    let y: Vec<u8> = (0..p.n)
                        .map(|col| {
                            let w = b_col(&seed, round, col, p.n);
                            let full: i32 = x
                                .iter()
                                .zip(&w)
                                .map(|(a, b)| i32::from(*a) * i32::from(*b))
                                .sum();
                            (full & 0xff) as u8
                        })
                        .collect();
                    assert_eq!(s.output_row(lane, round, row).unwrap(), &y[..]);
                    let h = leaf_hash(lane, round, row, &y);
                    let m = m_row(&seed, lane, round + 1, row, &h, p.n);
                    x = y
                        .iter()
                        .zip(&m)
                        .map(|(y, m)| y.wrapping_add(*m as u8) as i8)
                        .collect();
                }
            }
        }
    }

    #[test]
    fn should_rebuild_same_root_when_built_from_outputs() {
        let p = small();
        let s = solve(&p, &[1u8; 32]).unwrap();
        let again = Solution::from_outputs(&p, s.outputs.clone()).unwrap();
        assert_eq!(again, s);
        assert_eq!(
            Solution::from_outputs(&p, vec![0u8; 3]),
            Err(SolveError::OutputLength {
                expected: 150,
                got: 3
            })
        );
    }

    #[test]
    fn should_change_root_when_seed_differs() {
        let p = small();
        assert_ne!(
            solve(&p, &[1u8; 32]).unwrap().root(),
            solve(&p, &[2u8; 32]).unwrap().root()
        );
    }

    #[test]
    fn should_refuse_when_position_is_outside() {
        let p = small();
        let s = solve(&p, &[1u8; 32]).unwrap();
        let bad = Position {
            lane: 0,
            round: 0,
            row: 0,
            col: p.n,
        };
        assert_eq!(
            s.open(&[bad]),
            Err(SolveError::PositionOutOfRange { index: 0 })
        );
        assert!(s.output_row(2, 0, 0).is_none());
    }

    #[test]
    fn should_reject_invalid_params_when_solving() {
        let p = ChallengeParams { n: 0, ..small() };
        assert!(matches!(solve(&p, &[0; 32]), Err(SolveError::Params(_))));
    }
}

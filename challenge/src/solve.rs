//! The CPU reference solver, the solution it keeps, and openings.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::error::SolveError;
use crate::merkle::{leaf_hash, MerkleTree};
use crate::params::ChallengeParams;
use crate::prf::{dot_low_byte, fill_a_row, fill_b_col, fill_m_row, mix_into};
use crate::select::Position;

/// A solved challenge: the Merkle tree over its committed rows and, from
/// the CPU solver or [`Solution::from_outputs`], every row. A solution built
/// from the tree alone ([`Solution::from_tree`], the CUDA solver's: a
/// data-centre challenge's rows are hundreds of GiB) opens rows recomputed
/// by [`replay_rows`](crate::replay_rows) instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Solution {
    params: ChallengeParams,
    /// `Y_round[row]` of every lane, round and row, `n` bytes each, in leaf
    /// order; `None` when only the tree is kept.
    outputs: Option<Vec<u8>>,
    tree: MerkleTree,
}

/// One committed row: `Y_round[row]` of lane `lane`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RowKey {
    pub lane: u32,
    pub round: u32,
    pub row: u32,
}

impl RowKey {
    /// Whether the row exists in a challenge with `params`.
    pub fn is_within(&self, params: &ChallengeParams) -> bool {
        self.lane < params.lanes && self.round < params.rounds && self.row < params.n
    }
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
        fill_b(seed, round, n, &mut b);
        for lane in 0..params.lanes {
            for row in 0..params.n {
                let leaf = params.leaf_index(lane, round, row);
                let key = RowKey { lane, round, row };
                match round.checked_sub(1) {
                    None => row_input(seed, key, None, &mut x),
                    Some(prev_round) => {
                        let prev = params.leaf_index(lane, prev_round, row);
                        let prev_hash = usize::try_from(prev)
                            .ok()
                            .and_then(|i| hashes.get(i))
                            .ok_or(SolveError::TooLarge)?;
                        let prev_row = row_range(prev, n)
                            .and_then(|r| outputs.get(r))
                            .ok_or(SolveError::TooLarge)?;
                        row_input(seed, key, Some((prev_row, prev_hash)), &mut x);
                    }
                }
                let out = row_range(leaf, n)
                    .and_then(|r| outputs.get_mut(r))
                    .ok_or(SolveError::TooLarge)?;
                row_output(&x, &b, n, out);
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
        outputs: Some(outputs),
        tree,
    })
}

/// B_r, column-major (column j at `[j * n, (j + 1) * n)`).
pub(crate) fn fill_b(seed: &[u8; 32], round: u32, n: usize, b: &mut [i8]) {
    for (col, column) in (0u32..).zip(b.chunks_mut(n)) {
        fill_b_col(seed, round, col, column);
    }
}

/// The input row X_round[row] of `key`'s lane: the seeded A row in round 0,
/// else M_round's row (keyed by the previous round's leaf hash of this row)
/// added to the previous round's output row. Each row of a lane depends only
/// on the same row of the previous round, which is what lets
/// [`replay_rows`](crate::replay_rows) recompute one row alone.
pub(crate) fn row_input(
    seed: &[u8; 32],
    key: RowKey,
    prev: Option<(&[u8], &[u8; 32])>,
    x: &mut [i8],
) {
    match prev {
        None => fill_a_row(seed, key.lane, key.row, x),
        Some((prev_row, prev_leaf)) => {
            fill_m_row(seed, key.lane, key.round, key.row, prev_leaf, x);
            mix_into(prev_row, x);
        }
    }
}

/// The output row: low bytes of `x` times each column of `b`.
pub(crate) fn row_output(x: &[i8], b: &[i8], n: usize, out: &mut [u8]) {
    for (o, column) in out.iter_mut().zip(b.chunks(n)) {
        *o = dot_low_byte(x, column);
    }
}

impl Solution {
    /// Builds a solution from outputs computed elsewhere (e.g. every row the
    /// CUDA solver's `solve_outputs` copies back, in its tests):
    /// `Y_round[row]` of every lane, round and row in leaf order,
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
            outputs: Some(outputs),
            tree,
        })
    }

    /// A solution that keeps only the Merkle tree over the committed rows
    /// (built elsewhere, e.g. on the GPU); its openings need the rows from
    /// [`replay_rows`](crate::replay_rows) ([`open_with`](Self::open_with)).
    pub fn from_tree(params: &ChallengeParams, tree: MerkleTree) -> Result<Self, SolveError> {
        params.validate()?;
        let expected = params.leaf_count();
        let got = tree.leaf_count();
        if got != expected {
            return Err(SolveError::LeafCount { expected, got });
        }
        Ok(Self {
            params: *params,
            outputs: None,
            tree,
        })
    }

    /// Whether every committed row is kept (else openings need
    /// [`open_with`](Self::open_with)).
    pub fn keeps_rows(&self) -> bool {
        self.outputs.is_some()
    }

    /// The Merkle tree over the committed rows.
    pub fn tree(&self) -> &MerkleTree {
        &self.tree
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
        if !(RowKey { lane, round, row }).is_within(&self.params) {
            return None;
        }
        let leaf = self.params.leaf_index(lane, round, row);
        self.outputs
            .as_ref()?
            .get(row_range(leaf, self.params.n_usize())?)
    }

    /// The rows an opening of `positions` reveals (each position's output
    /// row and, after round 0, the row it was derived from), sorted, once
    /// each: what [`replay_rows`](crate::replay_rows) must recompute for a
    /// solution that keeps only its tree.
    pub fn rows_to_open(&self, positions: &[Position]) -> Result<Vec<RowKey>, SolveError> {
        let mut keys = std::collections::BTreeSet::new();
        for (index, p) in positions.iter().enumerate() {
            if !p.is_within(&self.params) {
                return Err(SolveError::PositionOutOfRange { index });
            }
            let (lane, row) = (p.lane, p.row);
            keys.insert(RowKey {
                lane,
                round: p.round,
                row,
            });
            if let Some(round) = p.round.checked_sub(1) {
                keys.insert(RowKey { lane, round, row });
            }
        }
        Ok(keys.into_iter().collect())
    }

    /// The opened row `key` with its proof: the kept row, else the one in
    /// `rows`; either must hash to the committed leaf, so a wrong replay is
    /// caught here rather than failing on chain.
    fn opened_row(
        &self,
        key: RowKey,
        rows: &BTreeMap<RowKey, Vec<u8>>,
    ) -> Result<OpenedRow, SolveError> {
        let leaf = self.params.leaf_index(key.lane, key.round, key.row);
        let row = match self.output_row(key.lane, key.round, key.row) {
            Some(row) => row,
            None => rows.get(&key).ok_or(SolveError::RowMissing(key))?,
        };
        let committed = self.tree.leaf(leaf).ok_or(SolveError::TooLarge)?;
        if leaf_hash(key.lane, key.round, key.row, row) != committed {
            return Err(SolveError::RowMismatch(key));
        }
        Ok(OpenedRow {
            row: row.to_vec(),
            proof: self.tree.proof(leaf).ok_or(SolveError::TooLarge)?,
        })
    }

    /// Opens `positions` (normally [`select_openings`](crate::select_openings)'s
    /// answer), in order, from the kept rows.
    pub fn open(&self, positions: &[Position]) -> Result<Opening, SolveError> {
        self.open_with(positions, &BTreeMap::new())
    }

    /// Opens `positions` with the rows this solution does not keep taken
    /// from `rows` (see [`rows_to_open`](Self::rows_to_open)); every row is
    /// checked against its committed leaf.
    pub fn open_with(
        &self,
        positions: &[Position],
        rows: &BTreeMap<RowKey, Vec<u8>>,
    ) -> Result<Opening, SolveError> {
        let mut checks = Vec::with_capacity(positions.len());
        for (index, p) in positions.iter().enumerate() {
            if !p.is_within(&self.params) {
                return Err(SolveError::PositionOutOfRange { index });
            }
            let (lane, row) = (p.lane, p.row);
            let output = self.opened_row(
                RowKey {
                    lane,
                    round: p.round,
                    row,
                },
                rows,
            )?;
            let input = match p.round.checked_sub(1) {
                None => None,
                Some(round) => Some(self.opened_row(RowKey { lane, round, row }, rows)?),
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
        let again = Solution::from_outputs(&p, s.outputs.clone().unwrap()).unwrap();
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

//! Which output entries are checked: derived from the seed, the committed
//! root and a block hash the prover could not know when it committed.
//!
//! ```text
//! key   = SHA-256("gpuchain/challenge/v1/open" || seed || root || len_be32(block_hash) || block_hash)
//! blk_c = SHA-256(key || c_be32)                         c = 0, 1, ...
//! draw  = blk_c[0..16] and blk_c[16..32] as big-endian u128, in that order
//! entry = draw mod (lanes * rounds * n * n)
//! entry = ((lane * rounds + round) * n + row) * n + col
//! ```
//!
//! Checks are drawn independently (with replacement). The modulo bias is at
//! most `entries / 2^128 < 2^-74`.

use sha2::{Digest, Sha256};

use crate::error::ParamsError;
use crate::params::ChallengeParams;

/// Domain tag of the selection key.
pub const SELECT_DOMAIN: &[u8; 26] = b"gpuchain/challenge/v1/open";
/// Length of the selection-key message without the block hash.
pub(crate) const SELECT_KEY_LEN: u64 = 26 + 32 + 32 + 4;

/// One checked output entry: `Y_round[row][col]` of lane `lane`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// Lane.
    pub lane: u32,
    /// Round.
    pub round: u32,
    /// Row of the output matrix.
    pub row: u32,
    /// Column of the output matrix.
    pub col: u32,
}

impl Position {
    /// Whether the position lies inside a challenge of `params`.
    pub fn is_within(&self, params: &ChallengeParams) -> bool {
        self.lane < params.lanes
            && self.round < params.rounds
            && self.row < params.n
            && self.col < params.n
    }

    fn from_entry(params: &ChallengeParams, entry: u128) -> Option<Self> {
        let n = u128::from(params.n);
        let rounds = u128::from(params.rounds);
        let col = entry.checked_rem(n)?;
        let t = entry.checked_div(n)?;
        let row = t.checked_rem(n)?;
        let t = t.checked_div(n)?;
        let round = t.checked_rem(rounds)?;
        let lane = t.checked_div(rounds)?;
        Some(Self {
            lane: u32::try_from(lane).ok()?,
            round: u32::try_from(round).ok()?,
            row: u32::try_from(row).ok()?,
            col: u32::try_from(col).ok()?,
        })
    }
}

/// The `params.checks` positions to open, in order (see the module docs).
/// `later_block_hash` must be the hash of a block finalised after the
/// commitment was included.
pub fn select_openings(
    params: &ChallengeParams,
    seed: &[u8; 32],
    root: &[u8; 32],
    later_block_hash: &[u8],
) -> Result<Vec<Position>, ParamsError> {
    params.validate()?;
    let entries = params.entry_count();
    let mut h = Sha256::new();
    h.update(SELECT_DOMAIN);
    h.update(seed);
    h.update(root);
    h.update(
        u32::try_from(later_block_hash.len())
            .unwrap_or(u32::MAX)
            .to_be_bytes(),
    );
    h.update(later_block_hash);
    let key: [u8; 32] = h.finalize().into();
    let want = usize::try_from(params.checks).unwrap_or(0);
    let mut out = Vec::with_capacity(want);
    let mut counter = 0u32;
    while out.len() < want {
        let mut h = Sha256::new();
        h.update(key);
        h.update(counter.to_be_bytes());
        let block: [u8; 32] = h.finalize().into();
        counter = counter.wrapping_add(1);
        let (a, b) = block.split_at(16);
        for half in [a, b] {
            if out.len() >= want {
                break;
            }
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(half);
            let draw = u128::from_be_bytes(bytes);
            let entry = draw.checked_rem(entries).unwrap_or(0);
            if let Some(p) = Position::from_entry(params, entry) {
                out.push(p);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_select_same_positions_when_inputs_repeat() {
        let p = ChallengeParams::test_cpu();
        let a = select_openings(&p, &[1; 32], &[2; 32], b"block").unwrap();
        let b = select_openings(&p, &[1; 32], &[2; 32], b"block").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 44);
        assert!(a.iter().all(|x| x.is_within(&p)));
        assert_ne!(
            a,
            select_openings(&p, &[1; 32], &[3; 32], b"block").unwrap()
        );
        assert_ne!(
            a,
            select_openings(&p, &[1; 32], &[2; 32], b"block2").unwrap()
        );
        assert_ne!(
            a,
            select_openings(&p, &[0; 32], &[2; 32], b"block").unwrap()
        );
    }

    #[test]
    fn should_reject_invalid_params_when_selecting() {
        let p = ChallengeParams {
            checks: 0,
            ..ChallengeParams::test_cpu()
        };
        assert!(select_openings(&p, &[0; 32], &[0; 32], &[]).is_err());
    }

    #[test]
    fn should_cover_every_coordinate_when_drawing_many() {
        let p = ChallengeParams {
            n: 3,
            rounds: 2,
            lanes: 2,
            checks: 1_000,
        };
        let pos = select_openings(&p, &[5; 32], &[6; 32], &[7; 32]).unwrap();
        let mut seen = std::collections::BTreeSet::new();
        for x in &pos {
            assert!(x.is_within(&p));
            seen.insert(*x);
        }
        // 36 entries, 1000 draws: all of them hit
        assert_eq!(seen.len(), 36);
        let round0 = pos.iter().filter(|x| x.round == 0).count();
        assert!((400..600).contains(&round0), "{round0}");
    }

    #[test]
    fn should_decompose_entry_when_mapping_to_position() {
        let p = ChallengeParams {
            n: 4,
            rounds: 3,
            lanes: 2,
            checks: 1,
        };
        // ((1 * 3 + 2) * 4 + 3) * 4 + 1 = 93
        assert_eq!(
            Position::from_entry(&p, 93),
            Some(Position {
                lane: 1,
                round: 2,
                row: 3,
                col: 1
            })
        );
    }
}

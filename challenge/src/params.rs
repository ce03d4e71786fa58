//! Challenge sizes ([`ChallengeParams`]), their presets and validation, and
//! the derived figures the chain needs: the largest opening
//! ([`opening_size_bytes`]) and the verification cost ([`verify_cost`]).

use crate::error::ParamsError;

/// Largest matrix dimension. Keeps every int32 accumulator exact:
/// `n * 128 * 128 <= 2^28 < 2^31`.
pub const MAX_N: u32 = 16_384;
/// Largest number of dependent rounds.
pub const MAX_ROUNDS: u32 = 1 << 20;
/// Largest number of independent lanes.
pub const MAX_LANES: u32 = 1 << 12;
/// Largest number of spot checks.
pub const MAX_CHECKS: u32 = 1_024;
/// Largest number of committed rows (Merkle leaves), `lanes * rounds * n`.
pub const MAX_LEAVES: u64 = 1 << 36;
/// Largest encoded opening accepted by [`ChallengeParams::validate`]: 1 MiB
/// (CometBFT's default `max_tx_bytes`) minus 48 KiB for the transaction
/// envelope (message fields, signatures, fee).
pub const MAX_OPENING_BYTES: u64 = 1_048_576 - 49_152;
/// The number of checks both soundness targets need (see the crate docs):
/// `0.9^44 < 1%` and `0.5^44 < 2^-40`.
pub const RECOMMENDED_CHECKS: u32 = 44;

/// The size of one challenge: `lanes` independent chains of `rounds`
/// dependent `n x n` int8 GEMMs, of which `checks` output entries are
/// spot-checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChallengeParams {
    /// Matrix dimension (rows, columns and inner dimension of every GEMM).
    pub n: u32,
    /// Number of dependent rounds R per lane.
    pub rounds: u32,
    /// Number of independent lanes.
    pub lanes: u32,
    /// Number of spot-checked output entries k.
    pub checks: u32,
}

impl ChallengeParams {
    /// The `test-cpu` SKU: 2 lanes x 4 rounds of 64 x 64 (2.1M MACs), solved
    /// by the CPU reference solver in milliseconds even in a debug build.
    pub const fn test_cpu() -> Self {
        Self {
            n: 64,
            rounds: 4,
            lanes: 2,
            checks: RECOMMENDED_CHECKS,
        }
    }

    /// Example data-centre preset, sized for an H100 SXM (documented, not
    /// solved in tests): 16 lanes x 1,024 rounds of 4096 x 4096, i.e. 2^50
    /// (1.1e15) int8 MACs, about 1.7 s of dense int8 tensor-core time at
    /// ~650 TMAC/s sustained, plus the SHA-256 work (see the crate docs);
    /// 2^26 committed rows; a worst-case opening of ~425 KiB; ~22k SHA-256
    /// compressions + 180k MACs to verify. Real per-SKU values are chain
    /// params, tuned by measuring the CUDA solver.
    pub const fn datacenter_example() -> Self {
        Self {
            n: 4_096,
            rounds: 1_024,
            lanes: 16,
            checks: RECOMMENDED_CHECKS,
        }
    }

    /// Checks every bound: each field non-zero and at most its `MAX_*`, the
    /// number of leaves at most [`MAX_LEAVES`], and the worst-case opening at
    /// most [`MAX_OPENING_BYTES`].
    pub fn validate(&self) -> Result<(), ParamsError> {
        check_range("n", self.n, MAX_N)?;
        check_range("rounds", self.rounds, MAX_ROUNDS)?;
        check_range("lanes", self.lanes, MAX_LANES)?;
        check_range("checks", self.checks, MAX_CHECKS)?;
        let leaves = self.leaf_count_unchecked();
        if leaves > MAX_LEAVES {
            return Err(ParamsError::TooManyLeaves {
                leaves,
                max: MAX_LEAVES,
            });
        }
        let size = opening_size_unchecked(self);
        if size > MAX_OPENING_BYTES {
            return Err(ParamsError::OpeningTooLarge {
                bytes: size,
                max: MAX_OPENING_BYTES,
            });
        }
        Ok(())
    }

    /// Number of committed rows (Merkle leaves): `lanes * rounds * n`.
    /// Meaningful once [`validate`](Self::validate) passed.
    pub fn leaf_count(&self) -> u64 {
        self.leaf_count_unchecked()
    }

    /// Number of output entries: `lanes * rounds * n * n`.
    pub fn entry_count(&self) -> u128 {
        u128::from(self.leaf_count_unchecked()).saturating_mul(u128::from(self.n))
    }

    /// Number of int8 multiply-accumulates of an honest solve:
    /// `lanes * rounds * n^3`.
    pub fn total_macs(&self) -> u128 {
        self.entry_count().saturating_mul(u128::from(self.n))
    }

    /// Number of siblings in the longest Merkle proof: `ceil(log2(leaves))`.
    pub fn merkle_depth(&self) -> u32 {
        crate::merkle::depth_for(self.leaf_count_unchecked())
    }

    /// Total bytes of one lane-round output (`n * n`), as `usize`.
    pub(crate) fn n_usize(&self) -> usize {
        usize::try_from(self.n).unwrap_or(usize::MAX)
    }

    fn leaf_count_unchecked(&self) -> u64 {
        u64::from(self.lanes)
            .saturating_mul(u64::from(self.rounds))
            .saturating_mul(u64::from(self.n))
    }

    /// Index of the Merkle leaf committing row `row` of round `round` in lane
    /// `lane`: `(lane * rounds + round) * n + row`.
    pub fn leaf_index(&self, lane: u32, round: u32, row: u32) -> u64 {
        u64::from(lane)
            .saturating_mul(u64::from(self.rounds))
            .saturating_add(u64::from(round))
            .saturating_mul(u64::from(self.n))
            .saturating_add(u64::from(row))
    }
}

fn check_range(field: &'static str, value: u32, max: u32) -> Result<(), ParamsError> {
    if value == 0 {
        return Err(ParamsError::Zero { field });
    }
    if value > max {
        return Err(ParamsError::TooLarge { field, value, max });
    }
    Ok(())
}

/// Number of SHA-256 compression-function calls to hash a message of `len`
/// bytes (padding adds at least 9 bytes, blocks are 64 bytes).
pub(crate) const fn sha256_blocks(len: u64) -> u64 {
    len.saturating_add(9).saturating_add(63) / 64
}

fn row_bytes_encoded(p: &ChallengeParams) -> u64 {
    // row length (u32) + row + sibling count (u16) + siblings
    4u64.saturating_add(u64::from(p.n))
        .saturating_add(2)
        .saturating_add(32u64.saturating_mul(u64::from(p.merkle_depth())))
}

fn opening_size_unchecked(p: &ChallengeParams) -> u64 {
    // position (4 x u32) + output row + input flag + input row
    let per_check = 16u64
        .saturating_add(row_bytes_encoded(p))
        .saturating_add(1)
        .saturating_add(row_bytes_encoded(p));
    crate::codec::HEADER_LEN.saturating_add(per_check.saturating_mul(u64::from(p.checks)))
}

/// Upper bound on the encoded size in bytes of any valid opening for
/// `params` (every check in a round > 0, so with its input row, and every
/// Merkle proof of full depth).
pub fn opening_size_bytes(params: &ChallengeParams) -> Result<u64, ParamsError> {
    params.validate()?;
    Ok(opening_size_unchecked(params))
}

/// What verifying one challenge costs a validator, in its two units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifyCost {
    /// int8 multiply-accumulates (`checks * n`).
    pub macs: u64,
    /// SHA-256 compression-function calls (seeded columns and rows, leaf
    /// hashes, Merkle paths, position selection), worst case.
    pub sha256_blocks: u64,
}

/// Worst-case verification cost split into MACs and SHA-256 blocks (every
/// check in a round > 0, full-depth proofs, a 32-byte later block hash).
pub fn verify_cost_breakdown(params: &ChallengeParams) -> Result<VerifyCost, ParamsError> {
    params.validate()?;
    let n = u64::from(params.n);
    let depth = u64::from(params.merkle_depth());
    let stream = sha256_blocks(crate::prf::STREAM_KEY_LEN).saturating_add(n.div_ceil(32));
    let mix_stream = sha256_blocks(crate::prf::MIX_STREAM_KEY_LEN).saturating_add(n.div_ceil(32));
    let leaf = sha256_blocks(crate::merkle::LEAF_HEADER_LEN.saturating_add(n));
    let path = depth.saturating_mul(sha256_blocks(crate::merkle::INNER_LEN));
    // B column + output leaf & path + input leaf & path + mixing row
    let per_check = stream
        .saturating_add(leaf)
        .saturating_add(path)
        .saturating_add(leaf)
        .saturating_add(path)
        .saturating_add(mix_stream);
    let checks = u64::from(params.checks);
    let select = sha256_blocks(crate::select::SELECT_KEY_LEN.saturating_add(32))
        .saturating_add(checks.div_ceil(2));
    Ok(VerifyCost {
        macs: checks.saturating_mul(n),
        sha256_blocks: per_check.saturating_mul(checks).saturating_add(select),
    })
}

/// The single number the chain charges gas for: `macs + sha256_blocks` of
/// [`verify_cost_breakdown`] (one SHA-256 compression costs a CPU roughly as
/// much as a few dozen int8 MACs, so this errs on the side of MACs being
/// cheap; the chain multiplies it by its own gas-per-unit param).
pub fn verify_cost(params: &ChallengeParams) -> Result<u64, ParamsError> {
    let c = verify_cost_breakdown(params)?;
    Ok(c.macs.saturating_add(c.sha256_blocks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_accept_presets_when_validated() {
        assert_eq!(ChallengeParams::test_cpu().validate(), Ok(()));
        assert_eq!(ChallengeParams::datacenter_example().validate(), Ok(()));
    }

    #[test]
    fn should_reject_zero_fields_when_validated() {
        let base = ChallengeParams::test_cpu();
        for (field, p) in [
            ("n", ChallengeParams { n: 0, ..base }),
            ("rounds", ChallengeParams { rounds: 0, ..base }),
            ("lanes", ChallengeParams { lanes: 0, ..base }),
            ("checks", ChallengeParams { checks: 0, ..base }),
        ] {
            assert_eq!(p.validate(), Err(ParamsError::Zero { field }));
        }
    }

    #[test]
    fn should_reject_oversized_fields_when_validated() {
        let base = ChallengeParams::test_cpu();
        let p = ChallengeParams {
            n: MAX_N + 1,
            ..base
        };
        assert_eq!(
            p.validate(),
            Err(ParamsError::TooLarge {
                field: "n",
                value: MAX_N + 1,
                max: MAX_N
            })
        );
        let p = ChallengeParams {
            checks: u32::MAX,
            ..base
        };
        assert!(matches!(
            p.validate(),
            Err(ParamsError::TooLarge {
                field: "checks",
                ..
            })
        ));
        let p = ChallengeParams {
            n: MAX_N,
            rounds: MAX_ROUNDS,
            lanes: MAX_LANES,
            checks: 1,
        };
        assert!(matches!(
            p.validate(),
            Err(ParamsError::TooManyLeaves { .. })
        ));
    }

    #[test]
    fn should_reject_params_when_opening_exceeds_tx_limit() {
        let p = ChallengeParams {
            n: MAX_N,
            rounds: 16,
            lanes: 16,
            checks: RECOMMENDED_CHECKS,
        };
        assert!(matches!(
            p.validate(),
            Err(ParamsError::OpeningTooLarge { .. })
        ));
        assert!(opening_size_bytes(&p).is_err());
    }

    #[test]
    fn should_keep_datacenter_opening_under_one_mib_when_sized() {
        let p = ChallengeParams::datacenter_example();
        assert_eq!(p.merkle_depth(), 26);
        assert_eq!(p.leaf_count(), 1 << 26);
        assert_eq!(p.total_macs(), 1u128 << 50);
        let size = opening_size_bytes(&p).unwrap();
        // 8 + 44 * (16 + 2 * (4 + 4096 + 2 + 26 * 32) + 1)
        assert_eq!(size, 8 + 44 * (16 + 2 * (4 + 4096 + 2 + 832) + 1));
        assert!(size < 1 << 20, "{size}");
    }

    #[test]
    fn should_pin_verify_cost_when_computed() {
        let p = ChallengeParams::datacenter_example();
        let c = verify_cost_breakdown(&p).unwrap();
        assert_eq!(c.macs, 44 * 4096);
        // B column (2 + 128) + 2 leaves (65 each) + 2 paths (26 * 2 each)
        // + mixing row (2 + 128), per check; + selection (3 + 22)
        assert_eq!(c.sha256_blocks, 44 * (130 + 65 + 52 + 65 + 52 + 130) + 25);
        assert_eq!(c.sha256_blocks, 21_761);
        assert_eq!(verify_cost(&p).unwrap(), c.macs + c.sha256_blocks);
        assert_eq!(
            opening_size_bytes(&ChallengeParams::test_cpu()).unwrap(),
            32_260
        );
        let t = verify_cost_breakdown(&ChallengeParams::test_cpu()).unwrap();
        assert_eq!(t.macs, 44 * 64);
        assert_eq!(t.sha256_blocks, 2_137);
        assert!(verify_cost(&ChallengeParams { n: 0, ..p }).is_err());
    }

    #[test]
    fn should_count_sha256_blocks_when_padding_crosses_a_block() {
        assert_eq!(sha256_blocks(0), 1);
        assert_eq!(sha256_blocks(55), 1);
        assert_eq!(sha256_blocks(56), 2);
        assert_eq!(sha256_blocks(64), 2);
        assert_eq!(sha256_blocks(119), 2);
        assert_eq!(sha256_blocks(120), 3);
    }
}

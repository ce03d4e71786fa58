//! On-chain verification of an opening: O(n) work and two Merkle paths per
//! check, two reused `n`-byte buffers, no allocation per check.

use crate::error::VerifyError;
use crate::merkle::{leaf_hash, root_from_proof};
use crate::params::ChallengeParams;
use crate::prf::{dot_low_byte, fill_a_row, fill_b_col, fill_m_row, mix_into};
use crate::select::Position;
use crate::solve::{OpenedRow, Opening};

/// Verifies `opening` against the commitment `root` of challenge `seed` at
/// `positions` (the chain's own [`select_openings`](crate::select_openings)
/// answer, `params.checks` of them). For each check: both opened rows are
/// proven against `root`, the input row is rebuilt (seeded A for round 0,
/// else opened previous row + seeded mixing row keyed by its leaf hash), the
/// seeded column of B is generated and the low byte of their dot product
/// must equal the opened entry.
pub fn verify(
    params: &ChallengeParams,
    seed: &[u8; 32],
    root: &[u8; 32],
    positions: &[Position],
    opening: &Opening,
) -> Result<(), VerifyError> {
    params.validate()?;
    let want = usize::try_from(params.checks).unwrap_or(usize::MAX);
    if positions.len() != want {
        return Err(VerifyError::WrongCount {
            expected: want,
            got: positions.len(),
        });
    }
    if opening.checks.len() != positions.len() {
        return Err(VerifyError::WrongCount {
            expected: positions.len(),
            got: opening.checks.len(),
        });
    }
    let n = params.n_usize();
    let leaves = params.leaf_count();
    let mut x = vec![0i8; n];
    let mut w = vec![0i8; n];
    for (index, (pos, check)) in positions.iter().zip(&opening.checks).enumerate() {
        if !pos.is_within(params) {
            return Err(VerifyError::PositionOutOfRange { index });
        }
        if check.position != *pos {
            return Err(VerifyError::PositionMismatch { index });
        }
        let prove = |row: &OpenedRow, round: u32| -> Result<[u8; 32], VerifyError> {
            if row.row.len() != n {
                return Err(VerifyError::RowLength { index });
            }
            let leaf = leaf_hash(pos.lane, round, pos.row, &row.row);
            let at = params.leaf_index(pos.lane, round, pos.row);
            match root_from_proof(leaf, at, leaves, &row.proof) {
                Some(r) if r == *root => Ok(leaf),
                _ => Err(VerifyError::BadProof { index }),
            }
        };
        prove(&check.output, pos.round)?;
        match (pos.round.checked_sub(1), &check.input) {
            (None, None) => fill_a_row(seed, pos.lane, pos.row, &mut x),
            (Some(prev_round), Some(input)) => {
                let prev_leaf = prove(input, prev_round)?;
                fill_m_row(seed, pos.lane, pos.round, pos.row, &prev_leaf, &mut x);
                mix_into(&input.row, &mut x);
            }
            _ => return Err(VerifyError::InputRow { index }),
        }
        fill_b_col(seed, pos.round, pos.col, &mut w);
        let expected = dot_low_byte(&x, &w);
        let col = usize::try_from(pos.col).unwrap_or(usize::MAX);
        if check.output.row.get(col) != Some(&expected) {
            return Err(VerifyError::WrongValue { index });
        }
    }
    Ok(())
}

/// [`verify()`] on an encoded opening (as carried by `MsgChallengeOpen`).
pub fn verify_bytes(
    params: &ChallengeParams,
    seed: &[u8; 32],
    root: &[u8; 32],
    positions: &[Position],
    opening: &[u8],
) -> Result<(), VerifyError> {
    let opening = Opening::decode(opening)?;
    verify(params, seed, root, positions, &opening)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::opening_size_bytes;
    use crate::select::select_openings;
    use crate::solve::{solve, solve_with_tamper, Solution};
    use proptest::prelude::*;

    const SEED: [u8; 32] = [0x5e; 32];

    fn honest(p: &ChallengeParams) -> (Solution, Vec<Position>, Opening) {
        let s = solve(p, &SEED).unwrap();
        let pos = select_openings(p, &SEED, &s.root(), b"later block").unwrap();
        let o = s.open(&pos).unwrap();
        (s, pos, o)
    }

    /// Whether the cheater skips row `p`: exactly `ceil(leaves * permille /
    /// 1000)` rows, spread by an odd multiplier (a bijection on a power-of-two
    /// leaf count).
    fn cheats(params: &ChallengeParams, p: Position, permille: u64) -> bool {
        let leaves = params.leaf_count();
        let leaf = params.leaf_index(p.lane, p.round, p.row);
        (leaf * 37 + 11) % leaves < (leaves * permille).div_ceil(1000)
    }

    /// A prover that replaces a fraction of its output rows by garbage (it
    /// "skipped" them) and computes everything else honestly from what it
    /// committed. Returns the solution and the exact fraction of wrong
    /// entries.
    fn cheater(p: &ChallengeParams, seed: &[u8; 32], permille: u64) -> (Solution, f64) {
        let mut wrong = 0u64;
        let honest = solve(p, seed).unwrap();
        let s = solve_with_tamper(p, seed, |pos, row| {
            if cheats(p, pos, permille) {
                for (i, b) in row.iter_mut().enumerate() {
                    *b = (pos.row as u8) ^ (i as u8).wrapping_mul(31) ^ 0xa5;
                }
            }
        })
        .unwrap();
        // count entries inconsistent with their committed inputs
        for lane in 0..p.lanes {
            for round in 0..p.rounds {
                for row in 0..p.n {
                    let committed = s.output_row(lane, round, row).unwrap();
                    let mut x = vec![0i8; p.n as usize];
                    if round == 0 {
                        fill_a_row(seed, lane, row, &mut x);
                    } else {
                        let prev = s.output_row(lane, round - 1, row).unwrap();
                        let h = leaf_hash(lane, round - 1, row, prev);
                        fill_m_row(seed, lane, round, row, &h, &mut x);
                        mix_into(prev, &mut x);
                    }
                    for col in 0..p.n {
                        let w = crate::prf::b_col(seed, round, col, p.n);
                        if dot_low_byte(&x, &w) != committed[col as usize] {
                            wrong += 1;
                        }
                    }
                }
            }
        }
        assert_ne!(s.root(), honest.root());
        let f = wrong as f64 / p.entry_count() as f64;
        (s, f)
    }

    fn pass_rate(p: &ChallengeParams, seed: &[u8; 32], s: &Solution, trials: u32) -> (u32, u32) {
        let mut passed = 0;
        for t in 0..trials {
            let pos = select_openings(p, seed, &s.root(), &t.to_be_bytes()).unwrap();
            let o = s.open(&pos).unwrap();
            if verify(p, seed, &s.root(), &pos, &o).is_ok() {
                passed += 1;
            }
        }
        (passed, trials)
    }

    #[test]
    fn should_accept_honest_solution_when_test_cpu_preset() {
        let p = ChallengeParams::test_cpu();
        let (s, pos, o) = honest(&p);
        assert_eq!(verify(&p, &SEED, &s.root(), &pos, &o), Ok(()));
        let bytes = o.encode();
        assert!(bytes.len() as u64 <= opening_size_bytes(&p).unwrap());
        assert_eq!(verify_bytes(&p, &SEED, &s.root(), &pos, &bytes), Ok(()));
    }

    #[test]
    fn should_pin_root_when_test_cpu_preset_is_solved() {
        // Cross-check value for other solver implementations (CUDA).
        let s = solve(&ChallengeParams::test_cpu(), &[7u8; 32]).unwrap();
        let hex: String = s.root().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, PIN_ROOT);
    }

    const PIN_ROOT: &str = "a31ec2280f40fab557a1ccb9616436911fdb44c8a7555a4c59a756747bbb1b11";

    #[test]
    fn should_fail_when_merkle_proof_is_tampered() {
        let p = ChallengeParams::test_cpu();
        let (s, pos, o) = honest(&p);
        let mut bad = o.clone();
        bad.checks[3].output.proof[0][0] ^= 1;
        assert_eq!(
            verify(&p, &SEED, &s.root(), &pos, &bad),
            Err(VerifyError::BadProof { index: 3 })
        );
        let mut bad = o.clone();
        bad.checks[0].output.proof.pop();
        assert_eq!(
            verify(&p, &SEED, &s.root(), &pos, &bad),
            Err(VerifyError::BadProof { index: 0 })
        );
        let i = pos.iter().position(|x| x.round > 0).unwrap();
        let mut bad = o.clone();
        bad.checks[i].input.as_mut().unwrap().proof[1][31] ^= 0x80;
        assert_eq!(
            verify(&p, &SEED, &s.root(), &pos, &bad),
            Err(VerifyError::BadProof { index: i })
        );
        let mut other = s.root();
        other[0] ^= 1;
        assert_eq!(
            verify(&p, &SEED, &other, &pos, &o),
            Err(VerifyError::BadProof { index: 0 })
        );
    }

    #[test]
    fn should_fail_when_opened_value_is_changed_with_valid_proof_shape() {
        let p = ChallengeParams::test_cpu();
        let (s, pos, o) = honest(&p);
        let mut bad = o.clone();
        let col = pos[5].col as usize;
        bad.checks[5].output.row[col] ^= 1;
        assert_eq!(
            verify(&p, &SEED, &s.root(), &pos, &bad),
            Err(VerifyError::BadProof { index: 5 })
        );
    }

    #[test]
    fn should_fail_when_seed_is_wrong() {
        let p = ChallengeParams::test_cpu();
        let (s, pos, o) = honest(&p);
        let err = verify(&p, &[0u8; 32], &s.root(), &pos, &o).unwrap_err();
        assert_eq!(err, VerifyError::WrongValue { index: 0 });
    }

    #[test]
    fn should_fail_when_opening_is_for_other_positions() {
        let p = ChallengeParams::test_cpu();
        let (s, pos, o) = honest(&p);
        let other = select_openings(&p, &SEED, &s.root(), b"another block").unwrap();
        assert_eq!(
            verify(&p, &SEED, &s.root(), &other, &o),
            Err(VerifyError::PositionMismatch { index: 0 })
        );
        // positions rewritten to match but rows not: wrong value or proof
        let mut relabelled = o.clone();
        for (c, q) in relabelled.checks.iter_mut().zip(&other) {
            c.position = *q;
        }
        assert!(verify(&p, &SEED, &s.root(), &other, &relabelled).is_err());
        let mut short = o.clone();
        short.checks.pop();
        assert_eq!(
            verify(&p, &SEED, &s.root(), &pos, &short),
            Err(VerifyError::WrongCount {
                expected: 44,
                got: 43
            })
        );
        assert_eq!(
            verify(&p, &SEED, &s.root(), &pos[1..], &o),
            Err(VerifyError::WrongCount {
                expected: 44,
                got: 43
            })
        );
    }

    #[test]
    fn should_fail_when_input_row_is_missing_or_extra() {
        let p = ChallengeParams::test_cpu();
        let (s, pos, o) = honest(&p);
        let i = pos.iter().position(|x| x.round > 0).unwrap();
        let mut bad = o.clone();
        bad.checks[i].input = None;
        assert_eq!(
            verify(&p, &SEED, &s.root(), &pos, &bad),
            Err(VerifyError::InputRow { index: i })
        );
        let j = pos.iter().position(|x| x.round == 0).unwrap();
        let mut bad = o.clone();
        bad.checks[j].input = bad.checks[i].input.clone();
        assert_eq!(
            verify(&p, &SEED, &s.root(), &pos, &bad),
            Err(VerifyError::InputRow { index: j })
        );
        let mut bad = o.clone();
        bad.checks[2].output.row.push(0);
        assert_eq!(
            verify(&p, &SEED, &s.root(), &pos, &bad),
            Err(VerifyError::RowLength { index: 2 })
        );
        let mut bad_pos = pos.clone();
        bad_pos[1].lane = p.lanes;
        assert_eq!(
            verify(&p, &SEED, &s.root(), &bad_pos, &o),
            Err(VerifyError::PositionOutOfRange { index: 1 })
        );
    }

    #[test]
    fn should_fail_with_decode_error_when_bytes_are_malformed() {
        let p = ChallengeParams::test_cpu();
        let (s, pos, o) = honest(&p);
        let bytes = o.encode();
        for cut in [0, 1, 7, 8, 100, bytes.len() - 1] {
            assert!(matches!(
                verify_bytes(&p, &SEED, &s.root(), &pos, &bytes[..cut]),
                Err(VerifyError::Decode(_))
            ));
        }
    }

    #[test]
    fn should_reject_a_prover_that_copies_rows_when_mixing_is_keyed() {
        // The "copy" attack: fake Y_{r-1}[i] so that X_r[i] equals another
        // row's input and reuse that row's output for free. With mixing
        // keyed by the leaf hash, the faked row's input no longer equals the
        // target, so the copied row is itself wrong and caught.
        let p = ChallengeParams {
            n: 16,
            rounds: 2,
            lanes: 1,
            checks: 44,
        };
        let seed = [1u8; 32];
        let h = solve(&p, &seed).unwrap();
        // target: make row 1's round-1 input equal row 0's round-1 input,
        // pretending the mixing row were the un-keyed one of row 1.
        let x0: Vec<u8> = {
            let prev = h.output_row(0, 0, 0).unwrap();
            let hash = leaf_hash(0, 0, 0, prev);
            let mut x = vec![0i8; 16];
            fill_m_row(&seed, 0, 1, 0, &hash, &mut x);
            mix_into(prev, &mut x);
            x.iter().map(|v| *v as u8).collect()
        };
        let y1_round1 = h.output_row(0, 1, 0).unwrap().to_vec();
        let s = solve_with_tamper(&p, &seed, |pos, row| {
            if pos.row == 1 && pos.round == 0 {
                // any guess of M_1[1] (here: the honest one's key) is moot,
                // the key changes with the faked row itself
                let honest_leaf = leaf_hash(0, 0, 1, h.output_row(0, 0, 1).unwrap());
                let m = crate::prf::m_row(&seed, 0, 1, 1, &honest_leaf, 16);
                for ((o, x), m) in row.iter_mut().zip(&x0).zip(&m) {
                    *o = x.wrapping_sub(*m as u8);
                }
            }
            if pos.row == 1 && pos.round == 1 {
                row.copy_from_slice(&y1_round1);
            }
        })
        .unwrap();
        // every entry of row 1 in round 1 is inconsistent now
        let pos: Vec<Position> = (0..16)
            .map(|col| Position {
                lane: 0,
                round: 1,
                row: 1,
                col,
            })
            .collect();
        let o = s.open(&pos).unwrap();
        let one_check = ChallengeParams { checks: 1, ..p };
        let mut failed = 0;
        for (q, c) in pos.iter().zip(&o.checks) {
            let one = Opening {
                checks: vec![c.clone()],
            };
            if verify(&one_check, &seed, &s.root(), &[*q], &one).is_err() {
                failed += 1;
            }
        }
        assert!(failed >= 14, "{failed}");
    }

    #[test]
    fn should_pass_at_about_one_minus_f_to_the_k_when_prover_skips_rows() {
        // k = 8 checks and f ~ 0.25 give a measurable pass rate ~ 0.1.
        let p = ChallengeParams {
            n: 16,
            rounds: 4,
            lanes: 2,
            checks: 8,
        };
        let seed = [11u8; 32];
        let (s, f) = cheater(&p, &seed, 250);
        assert!((0.24..0.26).contains(&f), "{f}");
        let expected = (1.0 - f).powi(8);
        let (passed, trials) = pass_rate(&p, &seed, &s, 2_000);
        let observed = f64::from(passed) / f64::from(trials);
        eprintln!("k=8 f={f:.4}: observed {observed:.4}, expected {expected:.4}");
        // 2,000 trials: sd ~ 0.007; allow 5 sd
        assert!(
            (observed - expected).abs() < 0.035,
            "observed {observed}, expected {expected}"
        );
    }

    #[test]
    fn should_pass_under_one_percent_when_prover_skips_ten_percent() {
        let p = ChallengeParams {
            n: 16,
            rounds: 4,
            lanes: 2,
            checks: 44,
        };
        let seed = [12u8; 32];
        let (s, f) = cheater(&p, &seed, 100);
        assert!((0.1..0.11).contains(&f), "{f}");
        let expected = (1.0 - f).powi(44);
        assert!(expected <= 0.01, "{expected}");
        let trials = 4_000;
        let (passed, _) = pass_rate(&p, &seed, &s, trials);
        let observed = f64::from(passed) / f64::from(trials);
        eprintln!("k=44 f={f:.4}: observed {observed:.5}, expected {expected:.5}");
        // 4,000 trials: sd ~ 0.0015; allow 5 sd
        let sd = (expected * (1.0 - expected) / f64::from(trials)).sqrt();
        assert!(
            (observed - expected).abs() <= 5.0 * sd,
            "observed {observed}, expected {expected}"
        );
    }

    #[test]
    fn should_never_pass_when_prover_skips_half() {
        let p = ChallengeParams {
            n: 16,
            rounds: 4,
            lanes: 2,
            checks: 44,
        };
        let seed = [13u8; 32];
        let (s, f) = cheater(&p, &seed, 500);
        assert!(f > 0.49, "{f}");
        let (passed, _) = pass_rate(&p, &seed, &s, 1_000);
        assert_eq!(passed, 0);
    }

    #[test]
    fn should_match_soundness_numbers_when_checks_are_44() {
        // The stated figures, with an entry guessed right 1/256 of the time.
        let pass = |f: f64, k: i32| (1.0 - f * 255.0 / 256.0).powi(k);
        assert!(pass(0.1, 44) <= 0.01);
        assert!(pass(0.1, 43) > 0.01);
        assert!(pass(0.5, 44) <= 2f64.powi(-40));
        assert!(0.9f64.powi(44) <= 0.01 && 0.9f64.powi(43) > 0.01);
        assert!(0.5f64.powi(40) <= 2f64.powi(-40));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn should_accept_honest_solutions_when_params_vary(
            n in 1u32..12,
            rounds in 1u32..4,
            lanes in 1u32..3,
            checks in 1u32..10,
            seed in any::<[u8; 32]>(),
            block in proptest::collection::vec(any::<u8>(), 0..40),
        ) {
            let p = ChallengeParams { n, rounds, lanes, checks };
            let s = solve(&p, &seed).unwrap();
            let pos = select_openings(&p, &seed, &s.root(), &block).unwrap();
            let o = s.open(&pos).unwrap();
            prop_assert_eq!(verify(&p, &seed, &s.root(), &pos, &o), Ok(()));
            let bytes = o.encode();
            prop_assert!(bytes.len() as u64 <= opening_size_bytes(&p).unwrap());
            prop_assert_eq!(verify_bytes(&p, &seed, &s.root(), &pos, &bytes), Ok(()));
        }

        #[test]
        fn should_never_panic_when_opening_bytes_are_random(
            bytes in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let p = ChallengeParams::test_cpu();
            let pos = select_openings(&p, &SEED, &[0u8; 32], &[]).unwrap();
            prop_assert!(verify_bytes(&p, &SEED, &[0u8; 32], &pos, &bytes).is_err());
        }
    }
}

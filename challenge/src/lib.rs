//! gpuchain's L1 GPU challenge: seeded int8 GEMM work that a GPU does in
//! seconds, committed with one Merkle root and verified on-chain by spot
//! checks that cost a validator O(n) each. Used by the chain (selection and
//! verification) and by the agent (solving and opening). Deterministic,
//! integer-only, no panics; depends on `sha2` only.
//!
//! # The work
//!
//! A challenge has params [`ChallengeParams`] `{ n, rounds: R, lanes: L,
//! checks: k }` and a 32-byte seed the chain derives from chain data. Every
//! seeded matrix comes from a counter-mode SHA-256 PRF ([`prf`]), one
//! stream per row or column, so any row, column or element is computable on
//! its own. In each lane `l` (independent of the others):
//!
//! ```text
//! X_0       = A_l                                   (seeded n x n int8)
//! C_r       = X_r * B_r                             (exact int8 x int8 -> int32, n x n; B_r seeded, shared by all lanes)
//! Y_r[i][j] = C_r[i][j] mod 256                     (the committed low byte)
//! X_r[i][j] = (Y_{r-1}[i][j] + M_r[i][j]) mod 256   as i8, r >= 1
//! M_r[i]    = PRF(seed, 'M', l, r, i, leaf(l, r-1, i))   (seeded mixing row, keyed by the committed previous row)
//! ```
//!
//! An honest solve costs `L * R * n^3` int8 MACs (a batched int8 GEMM on
//! tensor cores, exact and so checkable by anyone). The mixing matrix makes
//! every round's input pseudo-random whatever the previous output was (an
//! all-zero output cannot propagate for free), and keying it by the leaf
//! hash of the row it mixes defeats the "copy" attack described below.
//!
//! # The commitment
//!
//! One Merkle root ([`merkle`]) over the `L * R * n` committed rows `Y_r[i]`
//! (n bytes each; the int32 row compressed to its low bytes, 4x fewer bytes
//! to hash and open), leaves ordered by `(lane * R + round) * n + row`,
//! `leaf = SHA-256(0x00 || lane || round || row || Y_r[i])`,
//! `inner = SHA-256(0x01 || left || right)`, an odd last node promoted.
//!
//! # Selection, opening, verification
//!
//! After the commitment is on chain, [`select_openings`] derives `k`
//! positions `(lane, round, row, col)`, uniform over all `L * R * n^2`
//! output entries and independent, from the seed, the root and a later
//! block hash. For each, [`Solution::open`] reveals the output row
//! `Y_r[row]` and, for `r > 0`, the previous row `Y_{r-1}[row]`, each with its
//! Merkle proof. [`verify()`] checks both proofs, rebuilds the input row `X_r[row]`
//! (seeded for round 0; else opened previous row + `M_r[row]`, keyed by the
//! opened previous row's leaf hash), generates column `col` of `B_r`, and
//! requires `dot(X_r[row], B_r[:, col]) mod 256 == Y_r[row][col]`: `n` MACs and
//! a few hundred SHA-256 blocks per check, [`verify_cost`] in total.
//!
//! # Soundness
//!
//! Call an output entry *consistent* when its committed byte equals the
//! low byte of the dot product of its row's input, rebuilt from the
//! *committed* previous row, with the seeded column. The verifier checks
//! exactly consistency, and:
//!
//! - **Binding.** The root binds the prover to one value per row
//!   (SHA-256 collision resistance; leaf and inner hashes are
//!   domain-separated, the leaf position is fixed by the index and the leaf
//!   count, and proofs of the wrong length are refused).
//! - **No grinding.** Positions depend on a block hash produced after the
//!   commitment, so the prover cannot choose or re-roll them. (Deriving them
//!   from the root alone would let it re-randomise the root cheaply until the
//!   positions avoid its wrong entries; a block proposer colluding with the
//!   prover gets one re-roll per block it proposes, which multiplies the pass
//!   probability by at most that number.)
//! - **Consistent means computed.** An entry is consistent only if its dot
//!   product over pseudo-random int8 vectors was computed (or its low byte
//!   guessed, probability ~1/256). A wrong entry in round r changes the
//!   committed input of round r + 1, but the checks are against the
//!   committed inputs: a prover that goes on honestly from a corrupted row is
//!   consistent in later rounds (it did that work), and one that tries to use
//!   the "true" values later is inconsistent there and caught as well. So
//!   errors never propagate into free passes, nor into extra penalties.
//! - **No copies.** Were `M` keyed only by `(lane, round, row)`, a prover
//!   could set `Y_{r-1}[i] := X_r[i'] - M_r[i]` to make row i's round-r input
//!   equal to row i''s and copy its output: one faked row would buy a second
//!   row for free, halving the wrong fraction for a given amount of skipped
//!   work. Keying `M_r[i]` by the leaf hash of `Y_{r-1}[i]` makes the target
//!   move with the faked row itself (a fixed-point search over SHA-256).
//!
//! Hence a prover that skipped (or botched) a fraction `f` of the output
//! entries has at least a fraction `f * 255/256` of inconsistent entries; each
//! uniformly drawn check catches it with that probability, and `k`
//! independent checks pass with probability `(1 - f * 255/256)^k <~ (1 - f)^k`.
//! The requirements and the number of checks:
//!
//! | skipped f | need | k needed | with k = 44 (incl. the 1/256 guesses) |
//! | --- | --- | --- | --- |
//! | 10% | <= 1% | 44 (0.9^44 = 0.97%; 0.9^43 = 1.08%) | 0.99% |
//! | 50% | <= 2^-40 | 40 (41 with guesses) | 2^-43.75 |
//!
//! so **k = max(44, 41) = 44** ([`params::RECOMMENDED_CHECKS`]). The tests
//! measure it: a prover corrupting a fraction of rows and computing the
//! rest honestly passes at `(1 - f)^k` within sampling error.
//!
//! # Presets and costs
//!
//! | preset | n | R | L | k | MACs | rows | worst opening | verify |
//! | --- | --- | --- | --- | --- | --- | --- | --- | --- |
//! | [`ChallengeParams::test_cpu`] | 64 | 4 | 2 | 44 | 2.1M | 512 | 32,260 B | 2,816 MACs + 2,137 SHA-256 blocks |
//! | [`ChallengeParams::datacenter_example`] | 4096 | 1024 | 16 | 44 | 2^50 = 1.1e15 | 2^26 | 434,948 B (< 1 MiB) | 180,224 MACs + 21,761 blocks |
//!
//! Data-centre sizing (an H100 SXM, ~990 dense int8 TMAC/s, ~650 sustained):
//! the GEMMs take ~1.7 s; hashing the committed outputs is `n^2 / 64`
//! SHA-256 blocks per `n^3` MACs (~16% of the GEMM time at n = 4096 if the GPU
//! does ~1.5e10 blocks/s, half that at n = 8192), generating `M` twice that,
//! `B` is amortised over the lanes. A 32-core AVX-512 VNNI CPU at ~5e12 MAC/s
//! would need ~4 minutes. Verifying is dominated by the 21,761 SHA-256
//! blocks: 44 checks at n = 4096 measured 0.8 ms (release build, SHA-NI, one
//! core of the shared dev machine; depth-13 proofs, ~10% more at depth 26);
//! ~4 ms is expected without SHA-NI; P7's bound is 5 ms. A prover need not keep the
//! `L * R * n^2` output bytes (0.3 TB for this preset): it keeps the leaf
//! hashes (the tree, ~4 GiB) and replays a row's chain (`r * n^2` MACs) to
//! open it, since row i of round r depends only on row i of earlier rounds.
//! Real per-SKU values are chain params, tuned by measuring the CUDA solver.
//!
//! # Wire encodings
//!
//! The root is 32 raw bytes; an opening has a small documented binary
//! format ([`codec`]) whose decoder never panics. Both fit protobuf `bytes`.
//!
//! # Use
//!
//! ```
//! use gpuchain_challenge::{select_openings, solve, verify_bytes, ChallengeParams};
//!
//! let params = ChallengeParams::test_cpu();
//! let seed = [7u8; 32];
//! // agent: solve and commit
//! let solution = solve(&params, &seed).unwrap();
//! let root = solution.root();
//! // chain, a block later: pick the checks
//! let positions = select_openings(&params, &seed, &root, b"later block hash").unwrap();
//! // agent: open them
//! let bytes = solution.open(&positions).unwrap().encode();
//! // chain: verify
//! assert_eq!(verify_bytes(&params, &seed, &root, &positions, &bytes), Ok(()));
//! ```

#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects,
        clippy::indexing_slicing
    )
)]

pub mod codec;
pub mod error;
pub mod merkle;
pub mod params;
pub mod prf;
pub mod replay;
pub mod select;
pub mod solve;
pub mod verify;

pub use codec::{decode_root, encode_root};
pub use error::{DecodeError, ParamsError, SolveError, VerifyError};
pub use merkle::{leaf_hash, MerkleTree};
pub use params::{
    opening_size_bytes, verify_cost, verify_cost_breakdown, ChallengeParams, VerifyCost,
};
pub use prf::{a_row, b_col, dot_low_byte, m_row};
pub use replay::replay_rows;
pub use select::{select_openings, Position};
pub use solve::{
    open, solve, solve_with_tamper, OpenedCheck, OpenedRow, Opening, RowKey, Solution,
};
pub use verify::{verify, verify_bytes};

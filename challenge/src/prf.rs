//! The counter-mode SHA-256 PRF that generates every seeded int8 matrix.
//!
//! Each row or column of a seeded matrix is one *stream*:
//!
//! ```text
//! stream_key = SHA-256("gpuchain/challenge/v1/prf" || tag || seed || lane_be32 || round_be32 || index_be32 [|| prev_leaf])
//! block_c    = SHA-256(stream_key || c_be32)          c = 0, 1, ...
//! entry_t    = byte (t mod 32) of block_(t / 32), as i8 (two's complement)
//! ```
//!
//! | matrix | tag | lane | round | index | extra | layout |
//! | --- | --- | --- | --- | --- | --- | --- |
//! | A (round-0 input of a lane) | `'A'` | lane | 0 | row | - | `entry t = A[row][t]` |
//! | B_r (round-r weights, shared by all lanes) | `'B'` | 0 | r | column | - | `entry t = B_r[t][col]` |
//! | M_r (round-r mixing, r >= 1) | `'M'` | lane | r | row | the leaf hash of row `row` of round r-1 in that lane | `entry t = M_r[row][t]` |
//!
//! so any row of A or M, any column of B, and any single element is
//! computable on its own.

use sha2::{Digest, Sha256};

/// Domain tag opening every stream key.
pub const PRF_DOMAIN: &[u8; 25] = b"gpuchain/challenge/v1/prf";
/// Stream tag of the round-0 input matrices A.
pub const TAG_A: u8 = b'A';
/// Stream tag of the per-round weight matrices B_r.
pub const TAG_B: u8 = b'B';
/// Stream tag of the per-round mixing matrices M_r.
pub const TAG_M: u8 = b'M';

/// Length of the message hashed into an A or B stream key.
pub(crate) const STREAM_KEY_LEN: u64 = 25 + 1 + 32 + 12;
/// Length of the message hashed into an M stream key.
pub(crate) const MIX_STREAM_KEY_LEN: u64 = STREAM_KEY_LEN + 32;

/// The key of one PRF stream (see the module docs).
pub fn stream_key(
    tag: u8,
    seed: &[u8; 32],
    lane: u32,
    round: u32,
    index: u32,
    extra: Option<&[u8; 32]>,
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(PRF_DOMAIN);
    h.update([tag]);
    h.update(seed);
    h.update(lane.to_be_bytes());
    h.update(round.to_be_bytes());
    h.update(index.to_be_bytes());
    if let Some(extra) = extra {
        h.update(extra);
    }
    h.finalize().into()
}

/// Fills `out` with the first `out.len()` entries of the stream `key`.
pub fn fill_stream(key: &[u8; 32], out: &mut [i8]) {
    for (c, chunk) in (0u32..).zip(out.chunks_mut(32)) {
        let mut h = Sha256::new();
        h.update(key);
        h.update(c.to_be_bytes());
        let block: [u8; 32] = h.finalize().into();
        for (o, b) in chunk.iter_mut().zip(block) {
            *o = i8::from_ne_bytes([b]);
        }
    }
}

/// Entry `t` of the stream `key` on its own (one SHA-256 block).
pub fn stream_entry(key: &[u8; 32], t: u32) -> i8 {
    let mut h = Sha256::new();
    h.update(key);
    h.update((t / 32).to_be_bytes());
    let block: [u8; 32] = h.finalize().into();
    let byte = block
        .get(usize::try_from(t % 32).unwrap_or(0))
        .copied()
        .unwrap_or(0);
    i8::from_ne_bytes([byte])
}

/// Fills `out` (length n) with row `row` of lane `lane`'s round-0 input A.
pub fn fill_a_row(seed: &[u8; 32], lane: u32, row: u32, out: &mut [i8]) {
    fill_stream(&stream_key(TAG_A, seed, lane, 0, row, None), out);
}

/// Row `row` of lane `lane`'s round-0 input matrix A (length `n`).
pub fn a_row(seed: &[u8; 32], lane: u32, row: u32, n: u32) -> Vec<i8> {
    let mut out = vec![0i8; usize::try_from(n).unwrap_or(0)];
    fill_a_row(seed, lane, row, &mut out);
    out
}

/// Fills `out` (length n) with column `col` of round `round`'s weights B_r
/// (shared by every lane).
pub fn fill_b_col(seed: &[u8; 32], round: u32, col: u32, out: &mut [i8]) {
    fill_stream(&stream_key(TAG_B, seed, 0, round, col, None), out);
}

/// Column `col` of round `round`'s weight matrix B_r (length `n`): entry t
/// is `B_r[t][col]`.
pub fn b_col(seed: &[u8; 32], round: u32, col: u32, n: u32) -> Vec<i8> {
    let mut out = vec![0i8; usize::try_from(n).unwrap_or(0)];
    fill_b_col(seed, round, col, &mut out);
    out
}

/// Fills `out` (length n) with row `row` of lane `lane`'s mixing matrix M_r
/// (`round >= 1`), keyed by the leaf hash of the row it mixes.
pub fn fill_m_row(
    seed: &[u8; 32],
    lane: u32,
    round: u32,
    row: u32,
    prev_leaf: &[u8; 32],
    out: &mut [i8],
) {
    fill_stream(
        &stream_key(TAG_M, seed, lane, round, row, Some(prev_leaf)),
        out,
    );
}

/// Row `row` of lane `lane`'s mixing matrix M_r (length `n`), where
/// `prev_leaf` is the leaf hash of row `row` of round `round - 1`.
pub fn m_row(
    seed: &[u8; 32],
    lane: u32,
    round: u32,
    row: u32,
    prev_leaf: &[u8; 32],
    n: u32,
) -> Vec<i8> {
    let mut out = vec![0i8; usize::try_from(n).unwrap_or(0)];
    fill_m_row(seed, lane, round, row, prev_leaf, &mut out);
    out
}

/// Overwrites `mix` (a row of M_r) with the round-r input row
/// `X_r[row][t] = (Y_{r-1}[row][t] + M_r[row][t]) mod 256` as i8, where
/// `prev_output` is the committed low-byte row `Y_{r-1}[row]`.
pub fn mix_into(prev_output: &[u8], mix: &mut [i8]) {
    for (m, y) in mix.iter_mut().zip(prev_output) {
        let [mb] = m.to_ne_bytes();
        *m = i8::from_ne_bytes([y.wrapping_add(mb)]);
    }
}

/// The low byte of the exact dot product `sum_t x[t] * w[t]` (int8 x int8
/// accumulated in int32; wrapping arithmetic leaves the low byte exact
/// whatever the length).
pub fn dot_low_byte(x: &[i8], w: &[i8]) -> u8 {
    let mut acc: i32 = 0;
    for (a, b) in x.iter().zip(w) {
        acc = acc.wrapping_add(i32::from(*a).wrapping_mul(i32::from(*b)));
    }
    acc.to_le_bytes()[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[i8]) -> String {
        bytes
            .iter()
            .map(|b| format!("{:02x}", b.to_ne_bytes()[0]))
            .collect()
    }

    #[test]
    fn should_match_single_entries_when_rows_are_filled() {
        let seed = [9u8; 32];
        let row = a_row(&seed, 1, 5, 100);
        let key = stream_key(TAG_A, &seed, 1, 0, 5, None);
        for (t, v) in (0u32..).zip(&row) {
            assert_eq!(stream_entry(&key, t), *v);
        }
        let col = b_col(&seed, 3, 7, 70);
        assert_eq!(&col[..], &b_col(&seed, 3, 7, 100)[..70]);
    }

    #[test]
    fn should_separate_streams_when_any_field_differs() {
        let seed = [1u8; 32];
        let leaf = [2u8; 32];
        let base = a_row(&seed, 0, 0, 32);
        assert_ne!(base, a_row(&seed, 1, 0, 32));
        assert_ne!(base, a_row(&seed, 0, 1, 32));
        assert_ne!(base, b_col(&seed, 0, 0, 32));
        assert_ne!(base, a_row(&[0u8; 32], 0, 0, 32));
        let m = m_row(&seed, 0, 1, 0, &leaf, 32);
        assert_ne!(m, m_row(&seed, 0, 1, 0, &[3u8; 32], 32));
        assert_ne!(m, m_row(&seed, 0, 2, 0, &leaf, 32));
    }

    #[test]
    fn should_pin_prf_output_when_format_is_fixed() {
        let seed = [7u8; 32];
        // Known answers: a change here changes every challenge (and breaks the
        // CUDA solver's cross-check).
        assert_eq!(hex(&a_row(&seed, 0, 0, 8)), PIN_A);
        assert_eq!(hex(&b_col(&seed, 1, 2, 8)), PIN_B);
        assert_eq!(hex(&m_row(&seed, 1, 1, 3, &[5u8; 32], 8)), PIN_M);
    }

    const PIN_A: &str = "35a3f7a7d68612e9";
    const PIN_B: &str = "1c64ec4c09799ab6";
    const PIN_M: &str = "650d9ac3257a9f8b";

    #[test]
    fn should_compute_exact_low_byte_when_dotting() {
        assert_eq!(dot_low_byte(&[1, 2, 3], &[4, 5, 6]), 32);
        // -128 * -128 * 3 = 49152 = 0xC000 -> low byte 0
        assert_eq!(dot_low_byte(&[-128; 3], &[-128; 3]), 0);
        // -1 * 1 = -1 -> 0xFF
        assert_eq!(dot_low_byte(&[-1], &[1]), 0xFF);
        assert_eq!(dot_low_byte(&[], &[]), 0);
    }

    #[test]
    fn should_add_mod_256_when_mixing() {
        let mut mix = [1i8, -1, 127, -128];
        mix_into(&[255, 1, 1, 128], &mut mix);
        assert_eq!(mix, [0, 0, -128, 0]);
    }
}

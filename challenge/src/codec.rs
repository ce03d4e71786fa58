//! Byte encodings carried in protobuf `bytes` fields.
//!
//! The commitment root is its 32 raw bytes ([`encode_root`], [`decode_root`]).
//!
//! An [`Opening`] (all integers big-endian):
//!
//! ```text
//! opening = "GCO" 0x01 (magic + version) || count: u32 || check * count
//! check   = lane: u32 || round: u32 || row: u32 || col: u32
//!           || output: row || has_input: u8 (0 or 1) || [input: row if has_input = 1]
//! row     = len: u32 || len bytes || siblings: u16 || 32 * siblings bytes
//! ```
//!
//! Decoding never panics and never allocates more than the input's length:
//! `count <= MAX_CHECKS`, `len <= MAX_N`, `siblings <= 64`, every length is
//! checked against the bytes left, and trailing bytes are an error.

use crate::error::DecodeError;
use crate::params::{MAX_CHECKS, MAX_N};
use crate::select::Position;
use crate::solve::{OpenedCheck, OpenedRow, Opening};

/// Magic and version opening an encoded [`Opening`].
pub const OPENING_MAGIC: [u8; 4] = *b"GCO\x01";
/// Bytes before the first check: magic + count.
pub(crate) const HEADER_LEN: u64 = 8;
/// Most siblings accepted in one Merkle proof.
pub const MAX_SIBLINGS: u16 = 64;

/// The commitment root as carried on the wire (32 bytes).
pub fn encode_root(root: &[u8; 32]) -> Vec<u8> {
    root.to_vec()
}

/// Reads a commitment root; exactly 32 bytes.
pub fn decode_root(bytes: &[u8]) -> Result<[u8; 32], DecodeError> {
    <[u8; 32]>::try_from(bytes).map_err(|_| DecodeError::BadRootLength)
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn put_row(out: &mut Vec<u8>, row: &OpenedRow) {
    put_u32(out, u32::try_from(row.row.len()).unwrap_or(u32::MAX));
    out.extend_from_slice(&row.row);
    out.extend_from_slice(
        &u16::try_from(row.proof.len())
            .unwrap_or(u16::MAX)
            .to_be_bytes(),
    );
    for s in &row.proof {
        out.extend_from_slice(s);
    }
}

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], DecodeError> {
        if len > self.rest.len() {
            return Err(DecodeError::Truncated);
        }
        let (head, tail) = self.rest.split_at(len);
        self.rest = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        <[u8; N]>::try_from(self.take(N)?).map_err(|_| DecodeError::Truncated)
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn row(&mut self) -> Result<OpenedRow, DecodeError> {
        let len = self.u32()?;
        if len > MAX_N {
            return Err(DecodeError::TooLong);
        }
        let row = self
            .take(usize::try_from(len).map_err(|_| DecodeError::TooLong)?)?
            .to_vec();
        let siblings = self.u16()?;
        if siblings > MAX_SIBLINGS {
            return Err(DecodeError::TooLong);
        }
        let bytes = self.take(usize::from(siblings).saturating_mul(32))?;
        let proof = bytes
            .chunks_exact(32)
            .map(|c| <[u8; 32]>::try_from(c).map_err(|_| DecodeError::Truncated))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(OpenedRow { row, proof })
    }
}

impl Opening {
    /// The wire encoding (see the module docs).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&OPENING_MAGIC);
        put_u32(
            &mut out,
            u32::try_from(self.checks.len()).unwrap_or(u32::MAX),
        );
        for c in &self.checks {
            put_u32(&mut out, c.position.lane);
            put_u32(&mut out, c.position.round);
            put_u32(&mut out, c.position.row);
            put_u32(&mut out, c.position.col);
            put_row(&mut out, &c.output);
            match &c.input {
                None => out.push(0),
                Some(input) => {
                    out.push(1);
                    put_row(&mut out, input);
                }
            }
        }
        out
    }

    /// Reads an encoded opening; any malformed input is an error.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader { rest: bytes };
        if r.array::<4>()? != OPENING_MAGIC {
            return Err(DecodeError::BadHeader);
        }
        let count = r.u32()?;
        if count > MAX_CHECKS {
            return Err(DecodeError::TooLong);
        }
        let mut checks = Vec::new();
        for _ in 0..count {
            let position = Position {
                lane: r.u32()?,
                round: r.u32()?,
                row: r.u32()?,
                col: r.u32()?,
            };
            let output = r.row()?;
            let input = match r.array::<1>()? {
                [0] => None,
                [1] => Some(r.row()?),
                _ => return Err(DecodeError::BadFlag),
            };
            checks.push(OpenedCheck {
                position,
                output,
                input,
            });
        }
        if !r.rest.is_empty() {
            return Err(DecodeError::TrailingBytes);
        }
        Ok(Self { checks })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Opening {
        Opening {
            checks: vec![
                OpenedCheck {
                    position: Position {
                        lane: 1,
                        round: 0,
                        row: 2,
                        col: 3,
                    },
                    output: OpenedRow {
                        row: vec![1, 2, 3],
                        proof: vec![[7u8; 32]],
                    },
                    input: None,
                },
                OpenedCheck {
                    position: Position {
                        lane: 0,
                        round: 1,
                        row: 0,
                        col: 0,
                    },
                    output: OpenedRow {
                        row: vec![4],
                        proof: vec![],
                    },
                    input: Some(OpenedRow {
                        row: vec![5, 6],
                        proof: vec![[8u8; 32], [9u8; 32]],
                    }),
                },
            ],
        }
    }

    #[test]
    fn should_round_trip_when_encoding_opening() {
        let o = sample();
        let bytes = o.encode();
        assert_eq!(&bytes[..8], b"GCO\x01\x00\x00\x00\x02");
        assert_eq!(Opening::decode(&bytes), Ok(o));
        assert_eq!(
            Opening::decode(&Opening::default().encode()),
            Ok(Opening::default())
        );
    }

    #[test]
    fn should_fail_when_bytes_are_truncated_or_extended() {
        let bytes = sample().encode();
        for cut in 0..bytes.len() {
            assert!(Opening::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(Opening::decode(&longer), Err(DecodeError::TrailingBytes));
    }

    #[test]
    fn should_fail_with_specific_error_when_fields_are_bad() {
        let bytes = sample().encode();
        let mut bad = bytes.clone();
        bad[3] = 2;
        assert_eq!(Opening::decode(&bad), Err(DecodeError::BadHeader));
        let mut bad = bytes.clone();
        bad[4..8].copy_from_slice(&(MAX_CHECKS + 1).to_be_bytes());
        assert_eq!(Opening::decode(&bad), Err(DecodeError::TooLong));
        let mut bad = bytes.clone();
        bad[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(Opening::decode(&bad), Err(DecodeError::TooLong));
        // first check: 8 header + 16 position, row len at 24
        let mut bad = bytes.clone();
        bad[24..28].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(Opening::decode(&bad), Err(DecodeError::TooLong));
        // siblings count at 24 + 4 + 3 = 31
        let mut bad = bytes.clone();
        bad[31..33].copy_from_slice(&u16::MAX.to_be_bytes());
        assert_eq!(Opening::decode(&bad), Err(DecodeError::TooLong));
        // input flag at 33 + 32 = 65
        let mut bad = bytes.clone();
        assert_eq!(bad[65], 0);
        bad[65] = 2;
        assert_eq!(Opening::decode(&bad), Err(DecodeError::BadFlag));
    }

    #[test]
    fn should_accept_only_32_bytes_when_decoding_root() {
        let root = [4u8; 32];
        assert_eq!(decode_root(&encode_root(&root)), Ok(root));
        assert_eq!(decode_root(&[0u8; 31]), Err(DecodeError::BadRootLength));
        assert_eq!(decode_root(&[0u8; 33]), Err(DecodeError::BadRootLength));
        assert_eq!(decode_root(&[]), Err(DecodeError::BadRootLength));
    }

    proptest! {
        #[test]
        fn should_never_panic_when_decoding_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = Opening::decode(&bytes);
        }

        #[test]
        fn should_never_panic_when_decoding_mutated_opening(pos in 0usize..200, byte in any::<u8>()) {
            let mut bytes = sample().encode();
            let i = pos % bytes.len();
            bytes[i] = byte;
            if let Ok(o) = Opening::decode(&bytes) {
                prop_assert_eq!(o.encode(), bytes);
            }
        }
    }
}

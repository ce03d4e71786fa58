//! Errors. Each variant has a stable [`code`](VerifyError::code) so the chain
//! can map it into its own error space or an event attribute.

use std::fmt;

use crate::solve::RowKey;

/// Invalid [`ChallengeParams`](crate::ChallengeParams).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamsError {
    /// A field is zero.
    Zero {
        /// The field.
        field: &'static str,
    },
    /// A field exceeds its bound.
    TooLarge {
        /// The field.
        field: &'static str,
        /// Its value.
        value: u32,
        /// The bound.
        max: u32,
    },
    /// `lanes * rounds * n` exceeds [`MAX_LEAVES`](crate::params::MAX_LEAVES).
    TooManyLeaves {
        /// `lanes * rounds * n`.
        leaves: u64,
        /// The bound.
        max: u64,
    },
    /// The worst-case opening exceeds
    /// [`MAX_OPENING_BYTES`](crate::params::MAX_OPENING_BYTES).
    OpeningTooLarge {
        /// Worst-case encoded size.
        bytes: u64,
        /// The bound.
        max: u64,
    },
}

impl fmt::Display for ParamsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Zero { field } => write!(f, "challenge param {field} must be non-zero"),
            Self::TooLarge { field, value, max } => {
                write!(f, "challenge param {field} = {value} exceeds {max}")
            }
            Self::TooManyLeaves { leaves, max } => {
                write!(f, "lanes * rounds * n = {leaves} exceeds {max}")
            }
            Self::OpeningTooLarge { bytes, max } => {
                write!(f, "worst-case opening of {bytes} bytes exceeds {max}")
            }
        }
    }
}

impl std::error::Error for ParamsError {}

/// Why the solver could not solve, build a solution or open positions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SolveError {
    /// The params are invalid.
    Params(ParamsError),
    /// The challenge does not fit in this machine's address space.
    TooLarge,
    /// Outputs handed to [`Solution::from_outputs`](crate::Solution::from_outputs)
    /// are not `lanes * rounds * n * n` bytes.
    OutputLength {
        /// Expected length.
        expected: u64,
        /// Given length.
        got: u64,
    },
    /// A position lies outside the solution's params.
    PositionOutOfRange {
        /// Index in the position list.
        index: usize,
    },
    /// A tree handed to [`Solution::from_tree`](crate::Solution::from_tree)
    /// does not have `lanes * rounds * n` leaves.
    LeafCount {
        /// Expected count.
        expected: u64,
        /// Leaves of the tree.
        got: u64,
    },
    /// An opening needs this row, which the solution does not keep and the
    /// caller did not supply.
    RowMissing(RowKey),
    /// A supplied (or kept) row does not hash to its committed leaf.
    RowMismatch(RowKey),
}

impl fmt::Display for SolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Params(e) => write!(f, "invalid challenge params: {e}"),
            Self::TooLarge => f.write_str("challenge too large for this machine"),
            Self::OutputLength { expected, got } => {
                write!(f, "challenge outputs are {got} bytes, expected {expected}")
            }
            Self::PositionOutOfRange { index } => {
                write!(f, "position #{index} is outside the challenge")
            }
            Self::LeafCount { expected, got } => {
                write!(f, "the tree has {got} leaves, expected {expected}")
            }
            Self::RowMissing(k) => write!(
                f,
                "row {} of lane {} round {} is needed to open and was not supplied",
                k.row, k.lane, k.round
            ),
            Self::RowMismatch(k) => write!(
                f,
                "row {} of lane {} round {} does not match its committed leaf",
                k.row, k.lane, k.round
            ),
        }
    }
}

impl std::error::Error for SolveError {}

impl From<ParamsError> for SolveError {
    fn from(e: ParamsError) -> Self {
        Self::Params(e)
    }
}

/// Bytes that are not a well-formed encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The input ended early.
    Truncated,
    /// Bytes after the end of the value.
    TrailingBytes,
    /// Wrong magic or version.
    BadHeader,
    /// A length or count above its bound.
    TooLong,
    /// A flag byte other than 0 or 1.
    BadFlag,
    /// A root that is not exactly 32 bytes.
    BadRootLength,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Self::Truncated => "truncated challenge encoding",
            Self::TrailingBytes => "trailing bytes after challenge encoding",
            Self::BadHeader => "bad challenge opening magic or version",
            Self::TooLong => "length or count in challenge encoding out of bounds",
            Self::BadFlag => "flag byte in challenge encoding is not 0 or 1",
            Self::BadRootLength => "challenge commitment root must be 32 bytes",
        };
        f.write_str(s)
    }
}

impl std::error::Error for DecodeError {}

/// Why an opening failed verification. `index` is the check's index in the
/// position list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyError {
    /// The params are invalid.
    Params(ParamsError),
    /// The opening has the wrong number of checks.
    WrongCount {
        /// Number of positions.
        expected: usize,
        /// Number of opened checks.
        got: usize,
    },
    /// A position is outside the challenge.
    PositionOutOfRange {
        /// Check index.
        index: usize,
    },
    /// An opened check is for another position than the one asked.
    PositionMismatch {
        /// Check index.
        index: usize,
    },
    /// An opened row is not `n` bytes long.
    RowLength {
        /// Check index.
        index: usize,
    },
    /// A round-0 check carries an input row, or a later one lacks it.
    InputRow {
        /// Check index.
        index: usize,
    },
    /// A Merkle proof does not lead to the committed root.
    BadProof {
        /// Check index.
        index: usize,
    },
    /// The opened output entry differs from the recomputed one.
    WrongValue {
        /// Check index.
        index: usize,
    },
    /// The opening bytes do not decode.
    Decode(DecodeError),
}

impl VerifyError {
    /// Stable code of the failure (only ever added to).
    pub fn code(&self) -> u32 {
        match self {
            Self::Params(_) => 1,
            Self::WrongCount { .. } => 2,
            Self::PositionOutOfRange { .. } => 3,
            Self::PositionMismatch { .. } => 4,
            Self::RowLength { .. } => 5,
            Self::InputRow { .. } => 6,
            Self::BadProof { .. } => 7,
            Self::WrongValue { .. } => 8,
            Self::Decode(_) => 9,
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Params(e) => write!(f, "invalid challenge params: {e}"),
            Self::WrongCount { expected, got } => {
                write!(f, "opening has {got} checks, expected {expected}")
            }
            Self::PositionOutOfRange { index } => {
                write!(f, "check #{index}: position outside the challenge")
            }
            Self::PositionMismatch { index } => {
                write!(
                    f,
                    "check #{index}: opened position differs from the selected one"
                )
            }
            Self::RowLength { index } => {
                write!(f, "check #{index}: opened row has the wrong length")
            }
            Self::InputRow { index } => {
                write!(f, "check #{index}: input row missing or not expected")
            }
            Self::BadProof { index } => {
                write!(
                    f,
                    "check #{index}: Merkle proof does not match the commitment"
                )
            }
            Self::WrongValue { index } => {
                write!(
                    f,
                    "check #{index}: output entry differs from the recomputed value"
                )
            }
            Self::Decode(e) => write!(f, "malformed opening: {e}"),
        }
    }
}

impl std::error::Error for VerifyError {}

impl From<DecodeError> for VerifyError {
    fn from(e: DecodeError) -> Self {
        Self::Decode(e)
    }
}

impl From<ParamsError> for VerifyError {
    fn from(e: ParamsError) -> Self {
        Self::Params(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_keep_codes_stable_when_listed() {
        let table = [
            (VerifyError::Params(ParamsError::Zero { field: "n" }), 1),
            (
                VerifyError::WrongCount {
                    expected: 1,
                    got: 0,
                },
                2,
            ),
            (VerifyError::PositionOutOfRange { index: 0 }, 3),
            (VerifyError::PositionMismatch { index: 0 }, 4),
            (VerifyError::RowLength { index: 0 }, 5),
            (VerifyError::InputRow { index: 0 }, 6),
            (VerifyError::BadProof { index: 0 }, 7),
            (VerifyError::WrongValue { index: 0 }, 8),
            (VerifyError::Decode(DecodeError::Truncated), 9),
        ];
        for (e, code) in table {
            assert_eq!(e.code(), code, "{e}");
            assert!(!e.to_string().is_empty());
        }
    }
}

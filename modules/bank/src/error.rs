//! The `bank` codespace, with the numbers Cosmos SDK v0.50's x/bank registers
//! (`x/bank/types/errors.go`). Codes are only ever added, never renumbered.
//!
//! Common failures use `sdk` codes, as x/bank does: insufficient funds (5),
//! invalid address (7), invalid coins (10), blocked recipient (4).

use gpuchain_types::AppError;

/// The module's codespace.
pub const CODESPACE: &str = "bank";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BankError {
    NoInputs,
    NoOutputs,
    InputOutputMismatch,
    SendDisabled,
    DenomMetadataNotFound,
    InvalidKey,
    DuplicateEntry,
    MultipleSenders,
}

impl BankError {
    pub const ALL: [BankError; 8] = [
        BankError::NoInputs,
        BankError::NoOutputs,
        BankError::InputOutputMismatch,
        BankError::SendDisabled,
        BankError::DenomMetadataNotFound,
        BankError::InvalidKey,
        BankError::DuplicateEntry,
        BankError::MultipleSenders,
    ];

    pub fn codespace(self) -> &'static str {
        CODESPACE
    }

    /// The stable code within the `bank` codespace.
    pub fn code(self) -> u32 {
        match self {
            BankError::NoInputs => 2,
            BankError::NoOutputs => 3,
            BankError::InputOutputMismatch => 4,
            BankError::SendDisabled => 5,
            BankError::DenomMetadataNotFound => 6,
            BankError::InvalidKey => 7,
            BankError::DuplicateEntry => 8,
            BankError::MultipleSenders => 9,
        }
    }

    /// The SDK's registered description, the tail of every log.
    pub fn description(self) -> &'static str {
        match self {
            BankError::NoInputs => "no inputs to send transaction",
            BankError::NoOutputs => "no outputs to send transaction",
            BankError::InputOutputMismatch => "sum inputs != sum outputs",
            BankError::SendDisabled => "send transactions are disabled",
            BankError::DenomMetadataNotFound => "client denom metadata not found",
            BankError::InvalidKey => "invalid key",
            BankError::DuplicateEntry => "duplicate entry",
            BankError::MultipleSenders => "multiple senders not allowed",
        }
    }

    /// The error with its bare description as log.
    pub fn err(self) -> AppError {
        AppError::new(CODESPACE, self.code(), self.description())
    }

    /// The error with context, logged as `"<context>: <description>"` (the
    /// SDK's `Wrapf`).
    pub fn wrap(self, context: impl std::fmt::Display) -> AppError {
        AppError::new(
            CODESPACE,
            self.code(),
            format!("{context}: {}", self.description()),
        )
    }
}

impl From<BankError> for AppError {
    fn from(e: BankError) -> Self {
        e.err()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_keep_bank_codes_stable() {
        let table = [
            (BankError::NoInputs, 2, "no inputs to send transaction"),
            (BankError::NoOutputs, 3, "no outputs to send transaction"),
            (
                BankError::InputOutputMismatch,
                4,
                "sum inputs != sum outputs",
            ),
            (BankError::SendDisabled, 5, "send transactions are disabled"),
            (
                BankError::DenomMetadataNotFound,
                6,
                "client denom metadata not found",
            ),
            (BankError::InvalidKey, 7, "invalid key"),
            (BankError::DuplicateEntry, 8, "duplicate entry"),
            (
                BankError::MultipleSenders,
                9,
                "multiple senders not allowed",
            ),
        ];
        assert_eq!(table.len(), BankError::ALL.len());
        for (e, code, desc) in table {
            assert_eq!(e.codespace(), "bank");
            assert_eq!(e.code(), code);
            assert_eq!(e.description(), desc);
            let app: AppError = e.into();
            assert_eq!((app.codespace.as_ref(), app.code), ("bank", code));
        }
    }

    #[test]
    fn should_log_context_then_description_when_wrapped() {
        let e = BankError::SendDisabled.wrap("ugpc transfers are currently disabled");
        assert_eq!(
            e.log,
            "ugpc transfers are currently disabled: send transactions are disabled"
        );
    }
}

//! The `escrow` codespace. Codes are only ever added, never renumbered.
//!
//! Common failures use `sdk` codes instead: insufficient funds (5, from the
//! bank), invalid coins (10: zero amount, bad denom), invalid request (18).

use gpuchain_types::AppError;

/// The module's codespace.
pub const CODESPACE: &str = "escrow";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EscrowError {
    /// `open` with an id that already has an account (open or closed).
    AccountExists,
    /// No account with this id.
    AccountNotFound,
    /// The account was closed.
    AccountClosed,
    /// A top-up in another denom than the account's.
    DenomMismatch,
    /// `start` on an account already started.
    AlreadyStarted,
    /// `start` with `ends_at <= started_at`.
    InvalidSchedule,
    /// `start` with a zero rate.
    InvalidRate,
    /// An amount would exceed 2^128 - 1.
    AmountOverflow,
    /// A take rate above 10000 basis points.
    InvalidTakeRate,
}

impl EscrowError {
    pub const ALL: [EscrowError; 9] = [
        EscrowError::AccountExists,
        EscrowError::AccountNotFound,
        EscrowError::AccountClosed,
        EscrowError::DenomMismatch,
        EscrowError::AlreadyStarted,
        EscrowError::InvalidSchedule,
        EscrowError::InvalidRate,
        EscrowError::AmountOverflow,
        EscrowError::InvalidTakeRate,
    ];

    pub fn codespace(self) -> &'static str {
        CODESPACE
    }

    /// The stable code within the `escrow` codespace.
    pub fn code(self) -> u32 {
        match self {
            EscrowError::AccountExists => 2,
            EscrowError::AccountNotFound => 3,
            EscrowError::AccountClosed => 4,
            EscrowError::DenomMismatch => 5,
            EscrowError::AlreadyStarted => 6,
            EscrowError::InvalidSchedule => 7,
            EscrowError::InvalidRate => 8,
            EscrowError::AmountOverflow => 9,
            EscrowError::InvalidTakeRate => 10,
        }
    }

    /// The description, the tail of every log.
    pub fn description(self) -> &'static str {
        match self {
            EscrowError::AccountExists => "escrow account already exists",
            EscrowError::AccountNotFound => "escrow account not found",
            EscrowError::AccountClosed => "escrow account is closed",
            EscrowError::DenomMismatch => "denom does not match the escrow account",
            EscrowError::AlreadyStarted => "escrow account already started",
            EscrowError::InvalidSchedule => "invalid billing schedule",
            EscrowError::InvalidRate => "invalid rate",
            EscrowError::AmountOverflow => "amount overflow",
            EscrowError::InvalidTakeRate => "invalid take rate",
        }
    }

    /// The error with its bare description as log.
    pub fn err(self) -> AppError {
        AppError::new(CODESPACE, self.code(), self.description())
    }

    /// The error logged as `"<context>: <description>"`.
    pub fn wrap(self, context: impl std::fmt::Display) -> AppError {
        AppError::new(
            CODESPACE,
            self.code(),
            format!("{context}: {}", self.description()),
        )
    }
}

impl From<EscrowError> for AppError {
    fn from(e: EscrowError) -> Self {
        e.err()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_keep_escrow_codes_stable() {
        let table = [
            (
                EscrowError::AccountExists,
                2,
                "escrow account already exists",
            ),
            (EscrowError::AccountNotFound, 3, "escrow account not found"),
            (EscrowError::AccountClosed, 4, "escrow account is closed"),
            (
                EscrowError::DenomMismatch,
                5,
                "denom does not match the escrow account",
            ),
            (
                EscrowError::AlreadyStarted,
                6,
                "escrow account already started",
            ),
            (EscrowError::InvalidSchedule, 7, "invalid billing schedule"),
            (EscrowError::InvalidRate, 8, "invalid rate"),
            (EscrowError::AmountOverflow, 9, "amount overflow"),
            (EscrowError::InvalidTakeRate, 10, "invalid take rate"),
        ];
        assert_eq!(table.len(), EscrowError::ALL.len());
        for (e, code, desc) in table {
            assert_eq!(e.codespace(), "escrow");
            assert_eq!(e.code(), code);
            assert_eq!(e.description(), desc);
            let app: AppError = e.into();
            assert_eq!((app.codespace.as_ref(), app.code), ("escrow", code));
            assert_eq!(app.log, desc);
        }
    }

    #[test]
    fn should_log_context_then_description_when_wrapped() {
        let e = EscrowError::AccountNotFound.wrap("escrow 7");
        assert_eq!(e.log, "escrow 7: escrow account not found");
    }
}

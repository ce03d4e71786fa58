//! Errors as the Cosmos SDK reports them: a codespace, a stable code and a log.
//!
//! Codes of the `sdk` codespace are those of Cosmos SDK v0.50 `types/errors`;
//! clients (CosmJS, relayers) branch on them, so they must never change.

use std::borrow::Cow;
use std::fmt;

/// The Cosmos SDK's root codespace.
pub const SDK: &str = "sdk";

/// Codes of the `sdk` codespace (Cosmos SDK v0.50 `types/errors/errors.go`).
pub mod code {
    pub const TX_DECODE: u32 = 2;
    pub const INVALID_SEQUENCE: u32 = 3;
    pub const UNAUTHORIZED: u32 = 4;
    pub const INSUFFICIENT_FUNDS: u32 = 5;
    pub const UNKNOWN_REQUEST: u32 = 6;
    pub const INVALID_ADDRESS: u32 = 7;
    pub const INVALID_PUBKEY: u32 = 8;
    pub const UNKNOWN_ADDRESS: u32 = 9;
    pub const INVALID_COINS: u32 = 10;
    pub const OUT_OF_GAS: u32 = 11;
    pub const MEMO_TOO_LARGE: u32 = 12;
    pub const INSUFFICIENT_FEE: u32 = 13;
    pub const TOO_MANY_SIGNATURES: u32 = 14;
    pub const NO_SIGNATURES: u32 = 15;
    pub const JSON_MARSHAL: u32 = 16;
    pub const JSON_UNMARSHAL: u32 = 17;
    pub const INVALID_REQUEST: u32 = 18;
    pub const TX_IN_MEMPOOL_CACHE: u32 = 19;
    pub const MEMPOOL_IS_FULL: u32 = 20;
    pub const TX_TOO_LARGE: u32 = 21;
    pub const KEY_NOT_FOUND: u32 = 22;
    pub const WRONG_PASSWORD: u32 = 23;
    pub const INVALID_TYPE: u32 = 29;
    pub const TX_TIMEOUT_HEIGHT: u32 = 30;
    pub const UNKNOWN_EXTENSION_OPTIONS: u32 = 31;
    pub const WRONG_SEQUENCE: u32 = 32;
    pub const PACK_ANY: u32 = 33;
    pub const UNPACK_ANY: u32 = 34;
    pub const LOGIC: u32 = 35;
    pub const CONFLICT: u32 = 36;
    pub const NOT_SUPPORTED: u32 = 37;
    pub const NOT_FOUND: u32 = 38;
    pub const IO: u32 = 39;
    pub const APP_CONFIG: u32 = 40;
    pub const INVALID_GAS_LIMIT: u32 = 41;
    pub const INVALID_CHAIN_ID: u32 = 28;
    /// Code 1 is what the SDK reports for a panic it recovered from.
    pub const INTERNAL: u32 = 1;
}

/// An error with a Cosmos codespace and code; what CheckTx, FinalizeBlock and
/// Query report to clients.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppError {
    pub codespace: Cow<'static, str>,
    pub code: u32,
    pub log: String,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(codespace: impl Into<Cow<'static, str>>, code: u32, log: impl Into<String>) -> Self {
        Self {
            codespace: codespace.into(),
            code,
            log: log.into(),
        }
    }

    /// An error of the `sdk` codespace.
    pub fn sdk(code: u32, log: impl Into<String>) -> Self {
        Self::new(SDK, code, log)
    }

    pub fn tx_decode(log: impl Into<String>) -> Self {
        Self::sdk(code::TX_DECODE, log)
    }
    pub fn unauthorized(log: impl Into<String>) -> Self {
        Self::sdk(code::UNAUTHORIZED, log)
    }
    pub fn insufficient_funds(log: impl Into<String>) -> Self {
        Self::sdk(code::INSUFFICIENT_FUNDS, log)
    }
    pub fn invalid_address(log: impl Into<String>) -> Self {
        Self::sdk(code::INVALID_ADDRESS, log)
    }
    pub fn invalid_coins(log: impl Into<String>) -> Self {
        Self::sdk(code::INVALID_COINS, log)
    }
    pub fn invalid_request(log: impl Into<String>) -> Self {
        Self::sdk(code::INVALID_REQUEST, log)
    }
    pub fn out_of_gas(log: impl Into<String>) -> Self {
        Self::sdk(code::OUT_OF_GAS, log)
    }
    pub fn not_found(log: impl Into<String>) -> Self {
        Self::sdk(code::NOT_FOUND, log)
    }
    pub fn internal(log: impl Into<String>) -> Self {
        Self::sdk(code::INTERNAL, log)
    }

    /// Prefix the log with context, as the SDK's `errors.Wrap` does.
    pub fn wrap(mut self, context: impl fmt::Display) -> Self {
        self.log = format!("{context}: {}", self.log);
        self
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (codespace {}, code {})",
            self.log, self.codespace, self.code
        )
    }
}

impl std::error::Error for AppError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_keep_sdk_codes_stable() {
        // Clients branch on these numbers; this table pins them to Cosmos SDK v0.50.
        let table = [
            (code::TX_DECODE, 2),
            (code::INVALID_SEQUENCE, 3),
            (code::UNAUTHORIZED, 4),
            (code::INSUFFICIENT_FUNDS, 5),
            (code::INVALID_ADDRESS, 7),
            (code::INVALID_PUBKEY, 8),
            (code::INVALID_COINS, 10),
            (code::OUT_OF_GAS, 11),
            (code::MEMO_TOO_LARGE, 12),
            (code::INSUFFICIENT_FEE, 13),
            (code::NO_SIGNATURES, 15),
            (code::INVALID_REQUEST, 18),
            (code::TX_IN_MEMPOOL_CACHE, 19),
            (code::TX_TOO_LARGE, 21),
            (code::KEY_NOT_FOUND, 22),
            (code::INVALID_CHAIN_ID, 28),
            (code::TX_TIMEOUT_HEIGHT, 30),
            (code::UNKNOWN_EXTENSION_OPTIONS, 31),
            (code::WRONG_SEQUENCE, 32),
            (code::NOT_FOUND, 38),
            (code::INVALID_GAS_LIMIT, 41),
        ];
        for (got, want) in table {
            assert_eq!(got, want);
        }
    }

    #[test]
    fn should_prefix_log_when_wrapped() {
        let e = AppError::insufficient_funds("5ugpc is smaller than 10ugpc").wrap("send");
        assert_eq!(e.log, "send: 5ugpc is smaller than 10ugpc");
        assert_eq!(e.codespace, SDK);
        assert_eq!(e.code, 5);
    }
}

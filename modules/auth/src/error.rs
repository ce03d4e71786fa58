//! Errors of the `auth` module.
//!
//! x/auth registers no codes of its own that clients see; its failures are
//! `sdk` codes. Query failures follow how the SDK's baseapp turns a gRPC status
//! into an ABCI error (`gRPCErrorToSDKError`): `NotFound` becomes code 22 (key
//! not found) and `InvalidArgument` code 18 (invalid request), with the gRPC
//! text kept in the log, e.g.
//! `rpc error: code = NotFound desc = account gpu1... not found: key not found`.
//! CosmJS recognises a new account by exactly that.

use gpuchain_types::error::code;
use gpuchain_types::AppError;

/// The description the SDK registers for an `sdk` code, which it appends to
/// a wrapped error's log (`"<context>: insufficient funds"`).
pub fn sdk_description(code: u32) -> Option<&'static str> {
    Some(match code {
        code::INTERNAL => "internal",
        code::TX_DECODE => "tx parse error",
        code::INVALID_SEQUENCE => "invalid sequence",
        code::UNAUTHORIZED => "unauthorized",
        code::INSUFFICIENT_FUNDS => "insufficient funds",
        code::UNKNOWN_REQUEST => "unknown request",
        code::INVALID_ADDRESS => "invalid address",
        code::INVALID_PUBKEY => "invalid pubkey",
        code::INVALID_COINS => "invalid coins",
        code::INVALID_REQUEST => "invalid request",
        code::JSON_UNMARSHAL => "failed to unmarshal JSON bytes",
        code::KEY_NOT_FOUND => "key not found",
        code::NOT_FOUND => "not found",
        _ => return None,
    })
}

/// Appends the SDK's description of an `sdk` code to the log, as
/// `errors.Wrap` prints it, unless the log already ends with it.
pub fn with_sdk_description(mut err: AppError) -> AppError {
    if err.codespace == gpuchain_types::error::SDK {
        if let Some(desc) = sdk_description(err.code) {
            if !err.log.ends_with(desc) {
                err.log = if err.log.is_empty() {
                    desc.to_string()
                } else {
                    format!("{}: {desc}", err.log)
                };
            }
        }
    }
    err
}

/// An `sdk` error whose log is `"<log>: <description of code>"`.
pub fn sdk_wrapped(code: u32, log: impl Into<String>) -> AppError {
    with_sdk_description(AppError::sdk(code, log))
}

/// A gRPC `NotFound` status as an ABCI query sees it: code 22.
pub fn grpc_not_found(desc: impl std::fmt::Display) -> AppError {
    AppError::sdk(
        code::KEY_NOT_FOUND,
        format!("rpc error: code = NotFound desc = {desc}: key not found"),
    )
}

/// A gRPC `InvalidArgument` status as an ABCI query sees it: code 18.
pub fn grpc_invalid_argument(desc: impl std::fmt::Display) -> AppError {
    AppError::sdk(
        code::INVALID_REQUEST,
        format!("rpc error: code = InvalidArgument desc = {desc}: invalid request"),
    )
}

/// A query request that is not valid protobuf of its type: code 18.
pub fn undecodable_request(path: &str, err: impl std::fmt::Display) -> AppError {
    sdk_wrapped(
        code::INVALID_REQUEST,
        format!("failed to decode request of {path}: {err}"),
    )
}

/// The error of `/Account` and `/AccountInfo` for an address without an
/// account (what CosmJS maps to "account does not exist on chain").
pub fn account_not_found(address: &str) -> AppError {
    grpc_not_found(format!("account {address} not found"))
}

/// A stored value that does not decode: the store is corrupt (code 1).
pub fn corrupt(what: impl std::fmt::Display) -> AppError {
    AppError::internal(format!("corrupt state: {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_match_sdk_log_when_account_not_found() {
        let e = account_not_found("gpu1abc");
        assert_eq!(e.codespace, "sdk");
        assert_eq!(e.code, 22);
        assert_eq!(
            e.log,
            "rpc error: code = NotFound desc = account gpu1abc not found: key not found"
        );
    }

    #[test]
    fn should_append_description_once_when_wrapping_sdk_error() {
        let e = with_sdk_description(AppError::insufficient_funds(
            "spendable balance 5ugpc is smaller than 10ugpc",
        ));
        assert_eq!(
            e.log,
            "spendable balance 5ugpc is smaller than 10ugpc: insufficient funds"
        );
        assert_eq!(with_sdk_description(e.clone()), e);
        let other = with_sdk_description(AppError::new("bank", 5, "x"));
        assert_eq!(other.log, "x");
    }

    #[test]
    fn should_map_grpc_statuses_like_baseapp_when_query_fails() {
        let e = grpc_invalid_argument("empty request");
        assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 18));
        assert_eq!(
            e.log,
            "rpc error: code = InvalidArgument desc = empty request: invalid request"
        );
        assert_eq!(grpc_not_found("x").code, 22);
        assert_eq!(undecodable_request("/p", "bad").code, 18);
        assert_eq!(corrupt("x").code, 1);
    }
}

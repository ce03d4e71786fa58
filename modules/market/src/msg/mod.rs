//! The module's Msgs, one handler per file. Each has a stateless check
//! (decode, addresses, coins, bounds; run before any fee is taken) and an
//! execution against the tx's state layer.

pub mod ack_lease;
pub mod cancel_order;
pub mod close_lease;
pub mod close_offer;
pub mod create_offer;
pub mod create_order;
pub mod deposit_lease;
pub mod update_offer;
pub mod withdraw_all;
pub mod withdraw_lease;

use cosmos_sdk_proto::cosmos::base::v1beta1::Coin as ProtoCoin;
use gpuchain_auth::error::{sdk_wrapped, with_sdk_description};
use gpuchain_proto::market::Params;
use gpuchain_store::MsgResponse;
use gpuchain_types::coin::{parse_amount, validate_denom};
use gpuchain_types::error::code;
use gpuchain_types::{Address, AppResult, Coin};
use prost::Message;

use crate::error::MarketError;

/// Longest sku and region accepted.
pub const MAX_NAME_LEN: usize = 64;
/// Most GPU uuids in one acknowledgement, and the longest uuid.
pub const MAX_UUID_LEN: usize = 128;

pub(crate) fn decode<T: Message + Default>(type_url: &str, value: &[u8]) -> AppResult<T> {
    T::decode(value)
        .map_err(|e| sdk_wrapped(code::TX_DECODE, format!("failed to decode {type_url}: {e}")))
}

pub(crate) fn parse_address(field: &str, value: &str) -> AppResult<Address> {
    Address::from_bech32(value).map_err(|e| {
        sdk_wrapped(
            code::INVALID_ADDRESS,
            format!("invalid {field} address: {}", e.log),
        )
    })
}

/// A required, positive coin (sdk code 10 otherwise).
pub(crate) fn parse_coin(field: &str, c: &Option<ProtoCoin>) -> AppResult<Coin> {
    let c = c
        .as_ref()
        .ok_or_else(|| sdk_wrapped(code::INVALID_COINS, format!("{field} is missing")))?;
    validate_denom(&c.denom).map_err(with_sdk_description)?;
    let amount = parse_amount(&c.amount).map_err(with_sdk_description)?;
    if amount == 0 {
        return Err(sdk_wrapped(
            code::INVALID_COINS,
            format!("{field} must be positive"),
        ));
    }
    Ok(Coin::new(amount, c.denom.clone()))
}

/// A sku or region name: 1..=64 of `[A-Za-z0-9._-]` (region may be empty
/// where optional).
pub(crate) fn check_name(field: &str, s: &str, optional: bool) -> AppResult<()> {
    if s.is_empty() && optional {
        return Ok(());
    }
    let ok = !s.is_empty()
        && s.len() <= MAX_NAME_LEN
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(MarketError::InvalidSku.wrap(format!("invalid {field} {s:?}")))
    }
}

pub(crate) fn check_denom_allowed(params: &Params, denom: &str) -> AppResult<()> {
    if params.allowed_denoms.iter().any(|d| d == denom) {
        Ok(())
    } else {
        Err(MarketError::DenomNotAllowed.wrap(denom))
    }
}

pub(crate) fn invalid(log: impl Into<String>) -> gpuchain_types::AppError {
    sdk_wrapped(code::INVALID_REQUEST, log)
}

pub(crate) fn respond<M: Message>(type_url: &str, m: &M) -> MsgResponse {
    MsgResponse {
        type_url: type_url.to_string(),
        value: m.encode_to_vec(),
    }
}

pub(crate) fn not_owner(what: impl std::fmt::Display) -> gpuchain_types::AppError {
    sdk_wrapped(code::UNAUTHORIZED, format!("{what}"))
}

//! The module's Msgs, one handler per file: a stateless check (decode,
//! addresses, coins, field formats; before any fee is taken), then
//! `check_and_execute` on the tx's state layer.
//!
//! | type URL | signer |
//! | --- | --- |
//! | `/gpuchain.attestation.v1.MsgRegisterProvider` | owner |
//! | `/gpuchain.attestation.v1.MsgUpdateProvider` | owner |
//! | `/gpuchain.attestation.v1.MsgAddBond` | owner |
//! | `/gpuchain.attestation.v1.MsgUnbondProvider` | owner |
//! | `/gpuchain.attestation.v1.MsgAuthorizeAgent` | owner |
//! | `/gpuchain.attestation.v1.MsgRevokeAgent` | owner |
//! | `/gpuchain.attestation.v1.MsgSubmitInventory` | agent (or the provider) |
//! | `/gpuchain.attestation.v1.MsgChallengeCommit` | signer: agent (or the provider) |
//! | `/gpuchain.attestation.v1.MsgChallengeOpen` | signer: agent (or the provider) |

pub mod add_bond;
pub mod agents;
pub mod challenge_commit;
pub mod challenge_open;
pub mod register_provider;
pub mod submit_inventory;
pub mod unbond_provider;
pub mod update_provider;

use cosmos_sdk_proto::cosmos::base::v1beta1::Coin as ProtoCoin;
use gpuchain_auth::error::{sdk_wrapped, with_sdk_description};
use gpuchain_store::MsgResponse;
use gpuchain_types::coin::{parse_amount, validate_denom};
use gpuchain_types::error::code;
use gpuchain_types::{Address, AppResult};
use prost::Message;

use crate::error::AttestationError;
use crate::params::BOND_DENOM;

/// Decodes a Msg; bytes that are not its protobuf are code 2.
pub(crate) fn decode<T: Message + Default>(type_url: &str, value: &[u8]) -> AppResult<T> {
    T::decode(value)
        .map_err(|e| sdk_wrapped(code::TX_DECODE, format!("failed to decode {type_url}: {e}")))
}

/// A Msg's address field; a bad one is code 7.
pub(crate) fn parse_address(field: &str, value: &str) -> AppResult<Address> {
    Address::from_bech32(value).map_err(|e| {
        sdk_wrapped(
            code::INVALID_ADDRESS,
            format!("invalid {field} address: {}", e.log),
        )
    })
}

/// A positive `ugpc` coin: missing, zero, negative, overflowing or badly
/// formed is code 10; another denom is `attestation` code 5.
pub(crate) fn parse_bond(field: &str, coin: Option<&ProtoCoin>) -> AppResult<u128> {
    let coin = coin.ok_or_else(|| sdk_wrapped(code::INVALID_COINS, format!("{field} is empty")))?;
    validate_denom(&coin.denom).map_err(with_sdk_description)?;
    let amount = parse_amount(&coin.amount).map_err(with_sdk_description)?;
    if amount == 0 {
        return Err(sdk_wrapped(
            code::INVALID_COINS,
            format!("{field} {}{} is not positive", coin.amount, coin.denom),
        ));
    }
    if coin.denom != BOND_DENOM {
        return Err(AttestationError::WrongBondDenom.wrap(format!(
            "{field} is in {}, bonds are in {BOND_DENOM}",
            coin.denom
        )));
    }
    Ok(amount)
}

/// A text field: at most `max` bytes of printable ASCII or UTF-8 without
/// control characters; empty only when `allow_empty`. Otherwise code 18.
pub(crate) fn check_text(field: &str, value: &str, max: usize, allow_empty: bool) -> AppResult<()> {
    if value.is_empty() && !allow_empty {
        return Err(AttestationError::InvalidField.wrap(format!("{field} is empty")));
    }
    if value.len() > max {
        return Err(AttestationError::InvalidField
            .wrap(format!("{field} is {} bytes, at most {max}", value.len())));
    }
    if value.chars().any(char::is_control) {
        return Err(AttestationError::InvalidField.wrap(format!("{field} has control characters")));
    }
    Ok(())
}

/// A region: 1..=32 of `[a-z0-9-]` (empty allowed only when `allow_empty`).
pub(crate) fn check_region(value: &str, allow_empty: bool) -> AppResult<()> {
    check_text("region", value, 32, allow_empty)?;
    if !value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(AttestationError::InvalidField.wrap(format!(
            "region {value:?} must be lowercase letters, digits and '-'"
        )));
    }
    Ok(())
}

/// A response with an encoded body.
pub(crate) fn respond(type_url: &str, body: impl Message) -> MsgResponse {
    MsgResponse {
        type_url: type_url.to_string(),
        value: body.encode_to_vec(),
    }
}

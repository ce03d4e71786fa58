//! The module's Msgs, one handler per file. Each handler has a stateless
//! check (decode, addresses, coins; run before any fee is taken) and an
//! execution against the tx's state layer.

pub mod multi_send;
pub mod send;

use cosmos_sdk_proto::cosmos::base::v1beta1::Coin as ProtoCoin;
use gpuchain_auth::error::{sdk_wrapped, with_sdk_description};
use gpuchain_types::coin::{parse_amount, validate_denom};
use gpuchain_types::error::code;
use gpuchain_types::{Address, AppResult, Coin, Coins};
use prost::Message;

/// Decodes a Msg; bytes that are not its protobuf are `tx parse error`
/// (code 2).
pub(crate) fn decode<T: Message + Default>(type_url: &str, value: &[u8]) -> AppResult<T> {
    T::decode(value)
        .map_err(|e| sdk_wrapped(code::TX_DECODE, format!("failed to decode {type_url}: {e}")))
}

/// Parses a Msg's address field; a bad one is `invalid address` (code 7)
/// logged as the SDK does: `invalid from address: <why>: invalid address`.
pub(crate) fn parse_address(field: &str, value: &str) -> AppResult<Address> {
    Address::from_bech32(value).map_err(|e| {
        sdk_wrapped(
            code::INVALID_ADDRESS,
            format!("invalid {field} address: {}", e.log),
        )
    })
}

/// Converts wire coins as the SDK's `Coins.IsValid` + `IsAllPositive` do:
/// denoms valid, amounts decimal and non-negative without overflow, none
/// zero, sorted, no duplicates, not empty; otherwise `invalid coins` (code
/// 10).
pub(crate) fn parse_coins(wire: &[ProtoCoin]) -> AppResult<Coins> {
    if wire.is_empty() {
        return Err(sdk_wrapped(code::INVALID_COINS, "amount is empty"));
    }
    let coins = wire
        .iter()
        .map(|c| {
            validate_denom(&c.denom)?;
            Ok(Coin::new(parse_amount(&c.amount)?, c.denom.clone()))
        })
        .collect::<AppResult<Vec<_>>>()
        .map_err(with_sdk_description)?;
    Coins::from_wire_strict(coins).map_err(with_sdk_description)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(pairs: &[(&str, &str)]) -> Vec<ProtoCoin> {
        pairs
            .iter()
            .map(|(amount, denom)| ProtoCoin {
                denom: denom.to_string(),
                amount: amount.to_string(),
            })
            .collect()
    }

    #[test]
    fn should_fail_with_code_10_when_coins_are_invalid() {
        let overflow = format!("{}0", u128::MAX);
        let cases: Vec<Vec<ProtoCoin>> = vec![
            wire(&[]),
            wire(&[("0", "ugpc")]),
            wire(&[("-5", "ugpc")]),
            wire(&[("", "ugpc")]),
            wire(&[("1.5", "ugpc")]),
            wire(&[(&overflow, "ugpc")]),
            wire(&[("1", "ugpc"), ("1", "uatom")]),
            wire(&[("1", "ugpc"), ("2", "ugpc")]),
            wire(&[("1", "u")]),
            wire(&[("1", "1gpc")]),
        ];
        for case in cases {
            let e = parse_coins(&case).unwrap_err();
            assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 10), "{case:?}");
            assert!(e.log.ends_with(": invalid coins"), "{}", e.log);
        }
    }

    #[test]
    fn should_accept_sorted_positive_coins() {
        let c = parse_coins(&wire(&[("5", "uatom"), ("100", "ugpc")])).unwrap();
        assert_eq!(c.to_string(), "5uatom,100ugpc");
    }

    #[test]
    fn should_fail_with_code_7_when_address_is_bad() {
        let e =
            parse_address("from", &Address([1; 20]).to_bech32_with_prefix("cosmos")).unwrap_err();
        assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 7));
        assert_eq!(
            e.log,
            "invalid from address: invalid Bech32 prefix; expected gpu, got cosmos: invalid address"
        );
        assert_eq!(parse_address("to", "").unwrap_err().code, 7);
    }
}

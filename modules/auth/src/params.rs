//! The module's params: `cosmos.auth.v1beta1.Params`, with the SDK's defaults
//! and its JSON form (uint64 as strings, as gRPC-gateway and genesis write
//! them).

use cosmos_sdk_proto::cosmos::auth::v1beta1::Params;
use gpuchain_types::error::code;
use gpuchain_types::AppResult;
use serde::{Deserialize, Serialize};

use crate::error::sdk_wrapped;

pub const DEFAULT_MAX_MEMO_CHARACTERS: u64 = 256;
pub const DEFAULT_TX_SIG_LIMIT: u64 = 7;
pub const DEFAULT_TX_SIZE_COST_PER_BYTE: u64 = 10;
pub const DEFAULT_SIG_VERIFY_COST_ED25519: u64 = 590;
pub const DEFAULT_SIG_VERIFY_COST_SECP256K1: u64 = 1000;

/// The Cosmos SDK's default auth params.
pub fn default_params() -> Params {
    Params {
        max_memo_characters: DEFAULT_MAX_MEMO_CHARACTERS,
        tx_sig_limit: DEFAULT_TX_SIG_LIMIT,
        tx_size_cost_per_byte: DEFAULT_TX_SIZE_COST_PER_BYTE,
        sig_verify_cost_ed25519: DEFAULT_SIG_VERIFY_COST_ED25519,
        sig_verify_cost_secp256k1: DEFAULT_SIG_VERIFY_COST_SECP256K1,
    }
}

/// The SDK's `Params.Validate`: every value must be positive.
pub fn validate_params(p: &Params) -> AppResult<()> {
    let fields = [
        ("max memo characters", p.max_memo_characters),
        ("tx signature limit", p.tx_sig_limit),
        ("tx size cost per byte", p.tx_size_cost_per_byte),
        (
            "ed25519 signature verification cost",
            p.sig_verify_cost_ed25519,
        ),
        (
            "secp256k1 signature verification cost",
            p.sig_verify_cost_secp256k1,
        ),
    ];
    for (name, value) in fields {
        if value == 0 {
            return Err(sdk_wrapped(
                code::INVALID_REQUEST,
                format!("invalid {name}: {value}"),
            ));
        }
    }
    Ok(())
}

/// The JSON form of the params; a missing field takes the SDK default.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ParamsJson {
    #[serde(with = "u64_string")]
    pub max_memo_characters: u64,
    #[serde(with = "u64_string")]
    pub tx_sig_limit: u64,
    #[serde(with = "u64_string")]
    pub tx_size_cost_per_byte: u64,
    #[serde(with = "u64_string")]
    pub sig_verify_cost_ed25519: u64,
    #[serde(with = "u64_string")]
    pub sig_verify_cost_secp256k1: u64,
}

impl Default for ParamsJson {
    fn default() -> Self {
        Self::from(&default_params())
    }
}

impl From<&Params> for ParamsJson {
    fn from(p: &Params) -> Self {
        Self {
            max_memo_characters: p.max_memo_characters,
            tx_sig_limit: p.tx_sig_limit,
            tx_size_cost_per_byte: p.tx_size_cost_per_byte,
            sig_verify_cost_ed25519: p.sig_verify_cost_ed25519,
            sig_verify_cost_secp256k1: p.sig_verify_cost_secp256k1,
        }
    }
}

impl From<&ParamsJson> for Params {
    fn from(p: &ParamsJson) -> Self {
        Self {
            max_memo_characters: p.max_memo_characters,
            tx_sig_limit: p.tx_sig_limit,
            tx_size_cost_per_byte: p.tx_size_cost_per_byte,
            sig_verify_cost_ed25519: p.sig_verify_cost_ed25519,
            sig_verify_cost_secp256k1: p.sig_verify_cost_secp256k1,
        }
    }
}

/// Serde for a uint64 the way proto3 JSON writes it: a decimal string. A
/// plain JSON number is accepted on input too.
pub mod u64_string {
    use serde::de::{self, Deserializer, Visitor};
    use serde::Serializer;

    pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = u64;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a uint64 as a decimal string")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
                Ok(v)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
                if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(E::custom(format!("invalid uint64 {v:?}")));
                }
                v.parse::<u64>()
                    .map_err(|_| E::custom(format!("uint64 {v} overflows")))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_use_sdk_defaults_when_params_are_default() {
        let p = default_params();
        assert_eq!(p.max_memo_characters, 256);
        assert_eq!(p.tx_sig_limit, 7);
        assert_eq!(p.tx_size_cost_per_byte, 10);
        assert_eq!(p.sig_verify_cost_ed25519, 590);
        assert_eq!(p.sig_verify_cost_secp256k1, 1000);
        validate_params(&p).unwrap();
    }

    #[test]
    fn should_write_uint64_as_strings_when_serialized() {
        let json = serde_json::to_value(ParamsJson::default()).unwrap();
        assert_eq!(json["max_memo_characters"], "256");
        assert_eq!(json["sig_verify_cost_secp256k1"], "1000");
        let back: ParamsJson = serde_json::from_value(json).unwrap();
        assert_eq!(Params::from(&back), default_params());
    }

    #[test]
    fn should_reject_zero_param_when_validating() {
        let p = Params {
            tx_sig_limit: 0,
            ..default_params()
        };
        let e = validate_params(&p).unwrap_err();
        assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 18));
    }

    #[test]
    fn should_reject_bad_uint64_strings_when_parsing() {
        for bad in [
            r#"{"tx_sig_limit": "-1"}"#,
            r#"{"tx_sig_limit": "abc"}"#,
            r#"{"tx_sig_limit": "18446744073709551616"}"#,
            r#"{"tx_sig_limit": ""}"#,
            r#"{"unknown": "1"}"#,
        ] {
            assert!(serde_json::from_str::<ParamsJson>(bad).is_err(), "{bad}");
        }
        let ok: ParamsJson = serde_json::from_str(r#"{"tx_sig_limit": 9}"#).unwrap();
        assert_eq!(ok.tx_sig_limit, 9);
        assert_eq!(ok.max_memo_characters, 256);
    }
}

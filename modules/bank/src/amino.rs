//! The legacy amino JSON of the bank Msgs, which SIGN_MODE_LEGACY_AMINO_JSON
//! signers (Keplr with a Ledger, CosmJS amino signers) sign. It follows the
//! Cosmos SDK v0.50 encoder (x/tx aminojson) and the bank protos'
//! annotations:
//!
//! - `MsgSend` is `cosmos-sdk/MsgSend`; `amount` is `dont_omitempty` with the
//!   `legacy_coins` encoding (always present, `[]` when empty);
//! - `MsgMultiSend` is `cosmos-sdk/MsgMultiSend`; `inputs`/`outputs` are
//!   `dont_omitempty` (an empty list is `null`, as the SDK writes an unset
//!   repeated field); each `Input`/`Output` has `coins` like `amount` above;
//! - addresses and a coin's `denom` are omitted when empty; a coin's `amount`
//!   (a `cosmos.Int`, `dont_omitempty`) is written as received, `"0"` when
//!   empty.
//!
//! Key order is irrelevant here: the app sorts keys when it serializes the
//! sign document.
//!
//! The reverse ([`msg_from_amino_json`]) and the legacy amino binary form
//! ([`amino_binary`], [`msg_from_amino_binary`]) serve the tx service's
//! `TxEncodeAmino` / `TxDecodeAmino`. go-amino encodes these structs exactly
//! as protobuf does (fields numbered in declaration order, which the bank
//! protos follow; a `cosmos.Int` as its decimal text; empty fields left
//! out), so the amino binary of a bank Msg's fields is its canonical
//! protobuf encoding.

use cosmos_sdk_proto::cosmos::bank::v1beta1::{Input, MsgMultiSend, MsgSend, Output};
use cosmos_sdk_proto::cosmos::base::v1beta1::Coin;
use gpuchain_auth::error::sdk_wrapped;
use gpuchain_types::error::code;
use gpuchain_types::{AppError, AppResult};
use prost::Message;
use serde_json::{Map, Value};

use crate::msg::{decode, multi_send, send};

/// The amino name of `MsgSend`.
pub const MSG_SEND_AMINO_NAME: &str = "cosmos-sdk/MsgSend";
/// The amino name of `MsgMultiSend`.
pub const MSG_MULTI_SEND_AMINO_NAME: &str = "cosmos-sdk/MsgMultiSend";

/// `(type URL, amino name)` of the bank Msgs.
pub const AMINO_NAMES: &[(&str, &str)] = &[
    (send::TYPE_URL, MSG_SEND_AMINO_NAME),
    (multi_send::TYPE_URL, MSG_MULTI_SEND_AMINO_NAME),
];

/// The amino JSON of a bank Msg; `None` for a type URL this module does not
/// handle. Bytes that are not the Msg's protobuf are code 2.
pub fn amino_json(type_url: &str, value: &[u8]) -> Option<AppResult<Value>> {
    match type_url {
        send::TYPE_URL => Some(decode::<MsgSend>(type_url, value).map(|m| msg_send(&m))),
        multi_send::TYPE_URL => {
            Some(decode::<MsgMultiSend>(type_url, value).map(|m| msg_multi_send(&m)))
        }
        _ => None,
    }
}

/// A bank Msg's protobuf bytes from the `value` of its amino JSON; `None`
/// for a type URL this module does not handle. JSON of the wrong shape is
/// `invalid request` (code 18), as the SDK reports an amino JSON error.
/// Missing fields are empty, as go-amino reads them; unknown keys are
/// ignored.
pub fn msg_from_amino_json(type_url: &str, value: &Value) -> Option<AppResult<Vec<u8>>> {
    let name = match type_url {
        send::TYPE_URL => MSG_SEND_AMINO_NAME,
        multi_send::TYPE_URL => MSG_MULTI_SEND_AMINO_NAME,
        _ => return None,
    };
    let parsed = (|| -> Result<Vec<u8>, String> {
        let obj = object(value, "value")?;
        Ok(match type_url {
            send::TYPE_URL => MsgSend {
                from_address: string_field(obj, "from_address")?,
                to_address: string_field(obj, "to_address")?,
                amount: coins_field(obj, "amount")?,
            }
            .encode_to_vec(),
            _ => MsgMultiSend {
                inputs: list_field(obj, "inputs")?
                    .iter()
                    .map(|v| {
                        let io = object(v, "inputs[]")?;
                        Ok(Input {
                            address: string_field(io, "address")?,
                            coins: coins_field(io, "coins")?,
                        })
                    })
                    .collect::<Result<_, String>>()?,
                outputs: list_field(obj, "outputs")?
                    .iter()
                    .map(|v| {
                        let io = object(v, "outputs[]")?;
                        Ok(Output {
                            address: string_field(io, "address")?,
                            coins: coins_field(io, "coins")?,
                        })
                    })
                    .collect::<Result<_, String>>()?,
            }
            .encode_to_vec(),
        })
    })();
    Some(parsed.map_err(|e| {
        sdk_wrapped(
            code::INVALID_REQUEST,
            format!("invalid amino JSON of {name}: {e}"),
        )
    }))
}

/// The amino binary of a bank Msg's fields: its canonical protobuf
/// encoding. Bytes that are not the Msg's protobuf are code 2.
pub fn amino_binary(type_url: &str, value: &[u8]) -> Option<AppResult<Vec<u8>>> {
    match type_url {
        send::TYPE_URL => Some(decode::<MsgSend>(type_url, value).map(|m| m.encode_to_vec())),
        multi_send::TYPE_URL => {
            Some(decode::<MsgMultiSend>(type_url, value).map(|m| m.encode_to_vec()))
        }
        _ => None,
    }
}

/// A bank Msg's protobuf bytes from the amino binary of its fields. Bytes
/// that do not decode, or hold fields the Msg does not have (which go-amino
/// would refuse), are `invalid request` (code 18).
pub fn msg_from_amino_binary(type_url: &str, bytes: &[u8]) -> Option<AppResult<Vec<u8>>> {
    let canonical = match type_url {
        send::TYPE_URL => MsgSend::decode(bytes).map(|m| m.encode_to_vec()),
        multi_send::TYPE_URL => MsgMultiSend::decode(bytes).map(|m| m.encode_to_vec()),
        _ => return None,
    };
    Some(match canonical {
        Ok(c) if c == bytes => Ok(c),
        Ok(_) => Err(bad_binary(type_url, "unknown or non-canonical fields")),
        Err(e) => Err(bad_binary(type_url, &e.to_string())),
    })
}

fn bad_binary(type_url: &str, why: &str) -> AppError {
    sdk_wrapped(
        code::INVALID_REQUEST,
        format!("invalid amino binary of {type_url}: {why}"),
    )
}

fn object<'a>(v: &'a Value, what: &str) -> Result<&'a Map<String, Value>, String> {
    v.as_object()
        .ok_or_else(|| format!("{what} must be an object, got {v}"))
}

fn string_field(obj: &Map<String, Value>, key: &str) -> Result<String, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(format!("{key} must be a string, got {other}")),
    }
}

fn list_field<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<&'a [Value], String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(format!("{key} must be a list, got {other}")),
    }
}

fn coins_field(obj: &Map<String, Value>, key: &str) -> Result<Vec<Coin>, String> {
    list_field(obj, key)?
        .iter()
        .map(|c| {
            let c = object(c, key)?;
            let amount = match c.get("amount") {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) if n.is_u64() => n.to_string(),
                Some(other) => return Err(format!("coin amount must be a string, got {other}")),
            };
            Ok(Coin {
                denom: string_field(c, "denom")?,
                amount,
            })
        })
        .collect()
}

fn named(name: &str, value: Map<String, Value>) -> Value {
    let mut msg = Map::new();
    msg.insert("type".into(), Value::String(name.into()));
    msg.insert("value".into(), Value::Object(value));
    Value::Object(msg)
}

fn msg_send(m: &MsgSend) -> Value {
    let mut v = Map::new();
    put_non_empty(&mut v, "from_address", &m.from_address);
    put_non_empty(&mut v, "to_address", &m.to_address);
    v.insert("amount".into(), legacy_coins(&m.amount));
    named(MSG_SEND_AMINO_NAME, v)
}

fn msg_multi_send(m: &MsgMultiSend) -> Value {
    let mut v = Map::new();
    let inputs = m
        .inputs
        .iter()
        .map(|Input { address, coins }| io(address, coins));
    let outputs = m
        .outputs
        .iter()
        .map(|Output { address, coins }| io(address, coins));
    v.insert("inputs".into(), list_or_null(inputs.collect()));
    v.insert("outputs".into(), list_or_null(outputs.collect()));
    named(MSG_MULTI_SEND_AMINO_NAME, v)
}

/// An `Input` or an `Output`: the same two fields and annotations.
fn io(address: &str, coins: &[Coin]) -> Value {
    let mut v = Map::new();
    put_non_empty(&mut v, "address", address);
    v.insert("coins".into(), legacy_coins(coins));
    Value::Object(v)
}

/// `legacy_coins`: an empty list is `[]`, never `null`.
fn legacy_coins(coins: &[Coin]) -> Value {
    Value::Array(coins.iter().map(coin).collect())
}

fn coin(c: &Coin) -> Value {
    let mut v = Map::new();
    put_non_empty(&mut v, "denom", &c.denom);
    let amount = if c.amount.is_empty() { "0" } else { &c.amount };
    v.insert("amount".into(), Value::String(amount.into()));
    Value::Object(v)
}

/// A `dont_omitempty` repeated field without a custom encoding: `null` when
/// empty.
fn list_or_null(items: Vec<Value>) -> Value {
    if items.is_empty() {
        Value::Null
    } else {
        Value::Array(items)
    }
}

fn put_non_empty(v: &mut Map<String, Value>, key: &str, s: &str) {
    if !s.is_empty() {
        v.insert(key.into(), Value::String(s.into()));
    }
}

#[cfg(test)]
mod tests {
    use prost::Message;
    use serde_json::json;

    use super::*;

    fn coin(amount: &str, denom: &str) -> Coin {
        Coin {
            denom: denom.into(),
            amount: amount.into(),
        }
    }

    #[test]
    fn should_encode_msg_send_as_cosmos_sdk_msg_send() {
        let msg = MsgSend {
            from_address: "gpu1from".into(),
            to_address: "gpu1to".into(),
            amount: vec![coin("1", "ugpc")],
        };
        let got = amino_json(send::TYPE_URL, &msg.encode_to_vec())
            .unwrap()
            .unwrap();
        assert_eq!(
            got,
            json!({
                "type": "cosmos-sdk/MsgSend",
                "value": {
                    "amount": [{"amount": "1", "denom": "ugpc"}],
                    "from_address": "gpu1from",
                    "to_address": "gpu1to"
                }
            })
        );
    }

    #[test]
    fn should_keep_amount_and_omit_empty_strings_when_msg_send_is_empty() {
        let got = amino_json(send::TYPE_URL, &[]).unwrap().unwrap();
        assert_eq!(
            got,
            json!({"type": "cosmos-sdk/MsgSend", "value": {"amount": []}})
        );
        let msg = MsgSend {
            amount: vec![coin("", "")],
            ..Default::default()
        };
        let got = amino_json(send::TYPE_URL, &msg.encode_to_vec())
            .unwrap()
            .unwrap();
        assert_eq!(got["value"]["amount"], json!([{"amount": "0"}]));
    }

    #[test]
    fn should_encode_multi_send_inputs_and_outputs() {
        let msg = MsgMultiSend {
            inputs: vec![Input {
                address: "gpu1in".into(),
                coins: vec![coin("3", "ugpc")],
            }],
            outputs: vec![
                Output {
                    address: "gpu1a".into(),
                    coins: vec![coin("1", "ugpc")],
                },
                Output {
                    address: "gpu1b".into(),
                    coins: vec![],
                },
            ],
        };
        let got = amino_json(multi_send::TYPE_URL, &msg.encode_to_vec())
            .unwrap()
            .unwrap();
        assert_eq!(
            got,
            json!({
                "type": "cosmos-sdk/MsgMultiSend",
                "value": {
                    "inputs": [{"address": "gpu1in", "coins": [{"amount": "3", "denom": "ugpc"}]}],
                    "outputs": [
                        {"address": "gpu1a", "coins": [{"amount": "1", "denom": "ugpc"}]},
                        {"address": "gpu1b", "coins": []}
                    ]
                }
            })
        );
        let empty = amino_json(multi_send::TYPE_URL, &[]).unwrap().unwrap();
        assert_eq!(empty["value"], json!({"inputs": null, "outputs": null}));
    }

    #[test]
    fn should_return_none_for_other_types_and_code_2_for_bad_bytes() {
        assert!(amino_json("/cosmos.bank.v1beta1.MsgUnknown", &[]).is_none());
        let e = amino_json(send::TYPE_URL, &[0xff, 0xff])
            .unwrap()
            .unwrap_err();
        assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 2));
    }

    #[test]
    fn should_read_back_the_amino_json_it_writes() {
        let send = MsgSend {
            from_address: "gpu1from".into(),
            to_address: "gpu1to".into(),
            amount: vec![coin("1", "ugpc"), coin("20", "uzzz")],
        };
        let multi = MsgMultiSend {
            inputs: vec![Input {
                address: "gpu1in".into(),
                coins: vec![coin("3", "ugpc")],
            }],
            outputs: vec![Output {
                address: "gpu1out".into(),
                coins: vec![coin("3", "ugpc")],
            }],
        };
        for (url, bytes) in [
            (send::TYPE_URL, send.encode_to_vec()),
            (multi_send::TYPE_URL, multi.encode_to_vec()),
            (
                multi_send::TYPE_URL,
                MsgMultiSend::default().encode_to_vec(),
            ),
        ] {
            let json = amino_json(url, &bytes).unwrap().unwrap();
            let back = msg_from_amino_json(url, &json["value"]).unwrap().unwrap();
            assert_eq!(back, bytes, "{url}");
        }
        // Missing fields are empty; a number amount is accepted.
        let got = msg_from_amino_json(
            send::TYPE_URL,
            &json!({"amount": [{"denom": "ugpc", "amount": 5}]}),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            MsgSend::decode(got.as_slice()).unwrap(),
            MsgSend {
                amount: vec![coin("5", "ugpc")],
                ..MsgSend::default()
            }
        );
    }

    #[test]
    fn should_fail_with_code_18_when_amino_json_has_wrong_shape() {
        for bad in [
            json!([]),
            json!({"from_address": 5}),
            json!({"amount": {"denom": "ugpc"}}),
            json!({"amount": [{"denom": "ugpc", "amount": true}]}),
        ] {
            let e = msg_from_amino_json(send::TYPE_URL, &bad)
                .unwrap()
                .unwrap_err();
            assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 18), "{bad}");
            assert!(
                e.log
                    .starts_with("invalid amino JSON of cosmos-sdk/MsgSend"),
                "{}",
                e.log
            );
        }
        let e = msg_from_amino_json(multi_send::TYPE_URL, &json!({"inputs": [1]}))
            .unwrap()
            .unwrap_err();
        assert_eq!(e.code, 18);
        assert!(msg_from_amino_json("/x.Msg", &json!({})).is_none());
    }

    #[test]
    fn should_use_canonical_protobuf_as_amino_binary_of_fields() {
        let send = MsgSend {
            from_address: "gpu1from".into(),
            to_address: "gpu1to".into(),
            amount: vec![coin("1", "ugpc")],
        };
        let bytes = send.encode_to_vec();
        assert_eq!(
            amino_binary(send::TYPE_URL, &bytes).unwrap().unwrap(),
            bytes
        );
        assert_eq!(
            msg_from_amino_binary(send::TYPE_URL, &bytes)
                .unwrap()
                .unwrap(),
            bytes
        );
        // Field 9 is not MsgSend's: go-amino would refuse it.
        let mut extra = bytes.clone();
        extra.extend_from_slice(&[0x4a, 0x01, b'x']);
        let e = msg_from_amino_binary(send::TYPE_URL, &extra)
            .unwrap()
            .unwrap_err();
        assert_eq!(e.code, 18);
        let e = msg_from_amino_binary(multi_send::TYPE_URL, &[0xff])
            .unwrap()
            .unwrap_err();
        assert_eq!(e.code, 18);
        assert_eq!(
            amino_binary(send::TYPE_URL, &[0xff])
                .unwrap()
                .unwrap_err()
                .code,
            2
        );
        assert!(amino_binary("/x.Msg", &[]).is_none());
        assert!(msg_from_amino_binary("/x.Msg", &[]).is_none());
    }
}

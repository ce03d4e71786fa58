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

use cosmos_sdk_proto::cosmos::bank::v1beta1::{Input, MsgMultiSend, MsgSend, Output};
use cosmos_sdk_proto::cosmos::base::v1beta1::Coin;
use gpuchain_types::AppResult;
use serde_json::{Map, Value};

use crate::msg::{decode, multi_send, send};

/// The amino name of `MsgSend`.
pub const MSG_SEND_AMINO_NAME: &str = "cosmos-sdk/MsgSend";
/// The amino name of `MsgMultiSend`.
pub const MSG_MULTI_SEND_AMINO_NAME: &str = "cosmos-sdk/MsgMultiSend";

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
}

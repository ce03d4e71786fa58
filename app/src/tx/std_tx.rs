//! The legacy amino `StdTx` (`cosmos-sdk/StdTx`) in its two encodings, for
//! the tx service's `TxEncodeAmino` (amino JSON -> amino binary) and
//! `TxDecodeAmino` (amino binary -> amino JSON), as Cosmos SDK v0.50's
//! `LegacyAmino.Marshal` / `MarshalJSON` write them:
//!
//! ```text
//! {"type":"cosmos-sdk/StdTx","value":{"msg":[{"type":"cosmos-sdk/MsgSend","value":{..}}],
//!  "fee":{"amount":[..],"gas":"200000"},"signatures":[{"pub_key":{"type":
//!  "tendermint/PubKeySecp256k1","value":"<base64>"},"signature":"<base64>"}],
//!  "memo":"","timeout_height":"0"}}
//! ```
//!
//! The binary is go-amino's `MarshalBinaryBare`: the 4 prefix bytes of
//! `cosmos-sdk/StdTx`, then its fields as protobuf-style fields in struct
//! order (1 `msg`, repeated, each the Msg's prefix bytes and fields; 2
//! `fee` {1 amount, 2 gas, 3 payer, 4 granter}; 3 `signatures`, repeated
//! {1 pub_key: prefix bytes + length-prefixed key, 2 signature}; 4 `memo`;
//! 5 `timeout_height`), empty fields left out. A Msg's amino name, JSON and
//! binary come from the module that owns it
//! ([`gpuchain_store::Component::amino_names`] and the methods beside it);
//! public keys are secp256k1 or ed25519 (multisig keys are not supported).
//!
//! Output JSON keeps go-amino's field order at the tx level; inside a Msg
//! keys are sorted (the JSON is the same, byte order may differ from the
//! SDK's). Errors are `invalid request` (code 18), as the SDK reports amino
//! (un)marshalling errors over ABCI.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use cosmos_sdk_proto::cosmos::base::v1beta1::Coin;
use gpuchain_types::{AppError, AppResult};
use prost::Message;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::amino::canonical_json;
use crate::router::Router;

/// The amino name of the legacy tx.
pub const STD_TX_AMINO_NAME: &str = "cosmos-sdk/StdTx";
/// The amino names of the public keys a `StdSignature` may carry.
pub const SECP256K1_AMINO_NAME: &str = "tendermint/PubKeySecp256k1";
pub const ED25519_AMINO_NAME: &str = "tendermint/PubKeyEd25519";
const PUBKEY_NAMES: &[&str] = &[SECP256K1_AMINO_NAME, ED25519_AMINO_NAME];

/// go-amino's 4 prefix bytes of a registered name: sha256 of the name,
/// leading zero bytes dropped, 3 disambiguation bytes skipped, zero bytes
/// dropped again, then the next 4 bytes.
pub fn amino_prefix(name: &str) -> [u8; 4] {
    let hash = Sha256::digest(name.as_bytes());
    let mut rest: &[u8] = &hash[..];
    while let [0, tail @ ..] = rest {
        rest = tail;
    }
    rest = rest.get(3..).unwrap_or_default();
    while let [0, tail @ ..] = rest {
        rest = tail;
    }
    let mut prefix = [0u8; 4];
    for (p, b) in prefix.iter_mut().zip(rest) {
        *p = *b;
    }
    prefix
}

// The binary layout, as protobuf messages (go-amino writes these structs
// exactly as protobuf would: same field numbers and wire types, empty
// fields and empty structs left out).

#[derive(Clone, PartialEq, Message)]
struct StdTxBin {
    /// Each: the Msg's prefix bytes, then its fields.
    #[prost(bytes = "vec", repeated, tag = "1")]
    msgs: Vec<Vec<u8>>,
    #[prost(message, optional, tag = "2")]
    fee: Option<StdFeeBin>,
    #[prost(message, repeated, tag = "3")]
    signatures: Vec<StdSignatureBin>,
    #[prost(string, tag = "4")]
    memo: String,
    #[prost(uint64, tag = "5")]
    timeout_height: u64,
}

#[derive(Clone, PartialEq, Message)]
struct StdFeeBin {
    #[prost(message, repeated, tag = "1")]
    amount: Vec<Coin>,
    #[prost(uint64, tag = "2")]
    gas: u64,
    #[prost(string, tag = "3")]
    payer: String,
    #[prost(string, tag = "4")]
    granter: String,
}

#[derive(Clone, PartialEq, Message)]
struct StdSignatureBin {
    /// The key's prefix bytes, then the key as length-prefixed bytes.
    #[prost(bytes = "vec", tag = "1")]
    pub_key: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    signature: Vec<u8>,
}

/// A Msg of a `StdTx`: its amino name, type URL and protobuf bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
struct StdMsg {
    name: String,
    type_url: String,
    proto: Vec<u8>,
}

#[derive(Clone, Debug, Default, PartialEq)]
struct StdFee {
    amount: Vec<Coin>,
    gas: u64,
    payer: String,
    granter: String,
}

/// A signature and its optional public key `(amino name, key bytes)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct StdSignature {
    pub_key: Option<(String, Vec<u8>)>,
    signature: Vec<u8>,
}

#[derive(Clone, Debug, Default, PartialEq)]
struct StdTx {
    msgs: Vec<StdMsg>,
    fee: StdFee,
    signatures: Vec<StdSignature>,
    memo: String,
    timeout_height: u64,
}

fn bad(log: impl std::fmt::Display) -> AppError {
    AppError::invalid_request(format!("{log}: invalid request"))
}

/// The module owning the Msg with amino name `name`: its index and type URL.
fn by_name<'r>(
    router: &'r Router,
    name: &str,
) -> AppResult<(&'r dyn gpuchain_store::Component, &'static str)> {
    for c in router.components() {
        if let Some((url, _)) = c.amino_names().iter().find(|(_, n)| *n == name) {
            return Ok((c.as_ref(), url));
        }
    }
    Err(bad(format!("amino type {name:?} is not registered")))
}

fn by_prefix(router: &Router, prefix: &[u8]) -> AppResult<(&'static str, &'static str)> {
    router
        .components()
        .iter()
        .flat_map(|c| c.amino_names().iter())
        .find(|(_, name)| amino_prefix(name) == prefix)
        .copied()
        .ok_or_else(|| bad(format!("no amino type with prefix {}", hex::encode(prefix))))
}

fn unsupported_module(what: &str, type_url: &str) -> AppError {
    bad(format!("{type_url} has no legacy amino {what}"))
}

// ----- amino JSON -> binary -----

/// `TxEncodeAmino`: a `StdTx` in amino JSON to its amino binary.
pub fn encode_amino_json(router: &Router, amino_json: &str) -> AppResult<Vec<u8>> {
    let tx = parse_json(router, amino_json)?;
    encode_binary(router, &tx)
}

fn parse_json(router: &Router, amino_json: &str) -> AppResult<StdTx> {
    let v: Value =
        serde_json::from_str(amino_json).map_err(|e| bad(format!("invalid amino JSON: {e}")))?;
    let obj = object(&v, "tx")?;
    // `{"type": "cosmos-sdk/StdTx", "value": {...}}`, as go-amino writes a
    // registered type; the bare value is accepted too.
    let value = match obj.get("type") {
        Some(Value::String(t)) if t == STD_TX_AMINO_NAME => {
            object(obj.get("value").unwrap_or(&Value::Null), "value")?
        }
        Some(other) => {
            return Err(bad(format!(
                "expected amino type {STD_TX_AMINO_NAME:?}, got {other}"
            )))
        }
        None => obj,
    };
    let msgs = list(value, "msg")?
        .iter()
        .map(|m| {
            let m = object(m, "msg")?;
            let name = match m.get("type") {
                Some(Value::String(n)) => n.clone(),
                _ => return Err(bad("a msg needs its amino \"type\"")),
            };
            let (component, type_url) = by_name(router, &name)?;
            let inner = m.get("value").unwrap_or(&Value::Null);
            let proto = component
                .msg_from_amino_json(type_url, inner)
                .unwrap_or_else(|| Err(unsupported_module("JSON", type_url)))?;
            Ok(StdMsg {
                name,
                type_url: type_url.to_string(),
                proto,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let fee = match value.get("fee") {
        None | Some(Value::Null) => StdFee::default(),
        Some(f) => {
            let f = object(f, "fee")?;
            StdFee {
                amount: list(f, "amount")?
                    .iter()
                    .map(|c| {
                        let c = object(c, "fee.amount")?;
                        Ok(Coin {
                            denom: string(c, "denom")?,
                            amount: int_string(c, "amount")?,
                        })
                    })
                    .collect::<AppResult<_>>()?,
                gas: uint(f, "gas")?,
                payer: string(f, "payer")?,
                granter: string(f, "granter")?,
            }
        }
    };
    let signatures = list(value, "signatures")?
        .iter()
        .map(|s| {
            let s = object(s, "signatures")?;
            let pub_key = match s.get("pub_key") {
                None | Some(Value::Null) => None,
                Some(k) => {
                    let k = object(k, "pub_key")?;
                    let name = string(k, "type")?;
                    if !PUBKEY_NAMES.contains(&name.as_str()) {
                        return Err(bad(format!("unsupported public key type {name:?}")));
                    }
                    Some((name, base64(k, "value")?))
                }
            };
            Ok(StdSignature {
                pub_key,
                signature: base64(s, "signature")?,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(StdTx {
        msgs,
        fee,
        signatures,
        memo: string(value, "memo")?,
        timeout_height: uint(value, "timeout_height")?,
    })
}

fn object<'a>(v: &'a Value, what: &str) -> AppResult<&'a Map<String, Value>> {
    v.as_object()
        .ok_or_else(|| bad(format!("{what} must be a JSON object, got {v}")))
}

fn list<'a>(obj: &'a Map<String, Value>, key: &str) -> AppResult<&'a [Value]> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(bad(format!("{key} must be a list, got {other}"))),
    }
}

fn string(obj: &Map<String, Value>, key: &str) -> AppResult<String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(bad(format!("{key} must be a string, got {other}"))),
    }
}

/// A `cosmos.Int`: a decimal string (a JSON number is accepted too).
fn int_string(obj: &Map<String, Value>, key: &str) -> AppResult<String> {
    match obj.get(key) {
        Some(Value::Number(n)) if n.is_u64() => Ok(n.to_string()),
        _ => string(obj, key),
    }
}

/// A uint64: amino JSON writes it as a decimal string; a JSON number is
/// accepted too.
fn uint(obj: &Map<String, Value>, key: &str) -> AppResult<u64> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => n
            .as_u64()
            .ok_or_else(|| bad(format!("{key} must be an unsigned integer, got {n}"))),
        Some(Value::String(s)) if s.is_empty() => Ok(0),
        Some(Value::String(s)) => s
            .parse()
            .map_err(|_| bad(format!("{key} must be an unsigned integer, got {s:?}"))),
        Some(other) => Err(bad(format!(
            "{key} must be an unsigned integer, got {other}"
        ))),
    }
}

fn base64(obj: &Map<String, Value>, key: &str) -> AppResult<Vec<u8>> {
    let s = string(obj, key)?;
    B64.decode(s.as_bytes())
        .map_err(|e| bad(format!("{key} is not base64: {e}")))
}

fn encode_binary(router: &Router, tx: &StdTx) -> AppResult<Vec<u8>> {
    let msgs = tx
        .msgs
        .iter()
        .map(|m| {
            let (component, _) = by_name(router, &m.name)?;
            let fields = component
                .amino_binary(&m.type_url, &m.proto)
                .unwrap_or_else(|| Err(unsupported_module("binary", &m.type_url)))?;
            let mut bytes = amino_prefix(&m.name).to_vec();
            bytes.extend(fields);
            Ok(bytes)
        })
        .collect::<AppResult<Vec<_>>>()?;
    let fee = StdFeeBin {
        amount: tx.fee.amount.clone(),
        gas: tx.fee.gas,
        payer: tx.fee.payer.clone(),
        granter: tx.fee.granter.clone(),
    };
    let signatures = tx
        .signatures
        .iter()
        .map(|s| StdSignatureBin {
            pub_key: s
                .pub_key
                .as_ref()
                .map(|(name, key)| {
                    let mut out = amino_prefix(name).to_vec();
                    prost::encoding::encode_varint(key.len() as u64, &mut out);
                    out.extend_from_slice(key);
                    out
                })
                .unwrap_or_default(),
            signature: s.signature.clone(),
        })
        .collect();
    let bin = StdTxBin {
        msgs,
        // An empty struct is left out, as go-amino does.
        fee: (fee != StdFeeBin::default()).then_some(fee),
        signatures,
        memo: tx.memo.clone(),
        timeout_height: tx.timeout_height,
    };
    let mut out = amino_prefix(STD_TX_AMINO_NAME).to_vec();
    out.extend(bin.encode_to_vec());
    Ok(out)
}

// ----- amino binary -> JSON -----

/// `TxDecodeAmino`: a `StdTx`'s amino binary to its amino JSON.
pub fn decode_amino_binary(router: &Router, bytes: &[u8]) -> AppResult<String> {
    let tx = decode_binary(router, bytes)?;
    write_json(router, &tx)
}

fn decode_binary(router: &Router, bytes: &[u8]) -> AppResult<StdTx> {
    let body = bytes
        .strip_prefix(amino_prefix(STD_TX_AMINO_NAME).as_slice())
        .ok_or_else(|| bad("not an amino cosmos-sdk/StdTx: wrong prefix bytes"))?;
    let bin = StdTxBin::decode(body).map_err(|e| bad(format!("invalid amino StdTx: {e}")))?;
    // go-amino refuses fields a struct does not have; bytes that do not
    // re-encode to themselves carry such fields (or are not what amino
    // writes).
    if bin.encode_to_vec() != body {
        return Err(bad("invalid amino StdTx: unknown or non-canonical fields"));
    }
    let msgs = bin
        .msgs
        .iter()
        .map(|m| {
            let (prefix, fields) = m
                .split_at_checked(4)
                .ok_or_else(|| bad("a msg shorter than its prefix bytes"))?;
            let (type_url, name) = by_prefix(router, prefix)?;
            let (component, _) = by_name(router, name)?;
            let proto = component
                .msg_from_amino_binary(type_url, fields)
                .unwrap_or_else(|| Err(unsupported_module("binary", type_url)))?;
            Ok(StdMsg {
                name: name.to_string(),
                type_url: type_url.to_string(),
                proto,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let fee = bin.fee.unwrap_or_default();
    let signatures = bin
        .signatures
        .iter()
        .map(|s| {
            let pub_key = if s.pub_key.is_empty() {
                None
            } else {
                Some(decode_pubkey(&s.pub_key)?)
            };
            Ok(StdSignature {
                pub_key,
                signature: s.signature.clone(),
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(StdTx {
        msgs,
        fee: StdFee {
            amount: fee.amount,
            gas: fee.gas,
            payer: fee.payer,
            granter: fee.granter,
        },
        signatures,
        memo: bin.memo,
        timeout_height: bin.timeout_height,
    })
}

/// `prefix bytes ++ uvarint(len) ++ key` to `(amino name, key)`.
fn decode_pubkey(bytes: &[u8]) -> AppResult<(String, Vec<u8>)> {
    let (prefix, mut rest) = bytes
        .split_at_checked(4)
        .ok_or_else(|| bad("a public key shorter than its prefix bytes"))?;
    let name = PUBKEY_NAMES
        .iter()
        .find(|n| amino_prefix(n) == prefix)
        .ok_or_else(|| {
            bad(format!(
                "unsupported public key type with prefix {}",
                hex::encode(prefix)
            ))
        })?;
    let len = prost::encoding::decode_varint(&mut rest)
        .map_err(|e| bad(format!("bad public key length: {e}")))?;
    if u64::try_from(rest.len()).ok() != Some(len) {
        return Err(bad("public key length does not match its bytes"));
    }
    Ok((name.to_string(), rest.to_vec()))
}

fn json_string(s: &str) -> String {
    canonical_json(&Value::String(s.to_string()))
}

/// The tx in amino JSON, its fields in go-amino's (struct) order.
fn write_json(router: &Router, tx: &StdTx) -> AppResult<String> {
    let msgs = tx
        .msgs
        .iter()
        .map(|m| {
            let (component, _) = by_name(router, &m.name)?;
            let v = component
                .amino_json(&m.type_url, &m.proto)
                .unwrap_or_else(|| Err(unsupported_module("JSON", &m.type_url)))?;
            Ok(canonical_json(&v))
        })
        .collect::<AppResult<Vec<_>>>()?;
    let msgs = if msgs.is_empty() {
        "null".to_string()
    } else {
        format!("[{}]", msgs.join(","))
    };
    let coins: Vec<String> = tx
        .fee
        .amount
        .iter()
        .map(|c| {
            format!(
                "{{\"denom\":{},\"amount\":{}}}",
                json_string(&c.denom),
                json_string(if c.amount.is_empty() { "0" } else { &c.amount })
            )
        })
        .collect();
    let mut fee = format!(
        "{{\"amount\":[{}],\"gas\":\"{}\"",
        coins.join(","),
        tx.fee.gas
    );
    if !tx.fee.payer.is_empty() {
        fee.push_str(&format!(",\"payer\":{}", json_string(&tx.fee.payer)));
    }
    if !tx.fee.granter.is_empty() {
        fee.push_str(&format!(",\"granter\":{}", json_string(&tx.fee.granter)));
    }
    fee.push('}');
    let sigs: Vec<String> = tx
        .signatures
        .iter()
        .map(|s| {
            let pub_key = match &s.pub_key {
                Some((name, key)) => format!(
                    "{{\"type\":{},\"value\":\"{}\"}}",
                    json_string(name),
                    B64.encode(key)
                ),
                None => "null".to_string(),
            };
            let signature = if s.signature.is_empty() {
                "null".to_string()
            } else {
                format!("\"{}\"", B64.encode(&s.signature))
            };
            format!("{{\"pub_key\":{pub_key},\"signature\":{signature}}}")
        })
        .collect();
    let sigs = if sigs.is_empty() {
        "null".to_string()
    } else {
        format!("[{}]", sigs.join(","))
    };
    Ok(format!(
        "{{\"type\":\"{STD_TX_AMINO_NAME}\",\"value\":{{\"msg\":{msgs},\"fee\":{fee},\"signatures\":{sigs},\"memo\":{},\"timeout_height\":\"{}\"}}}}",
        json_string(&tx.memo),
        tx.timeout_height
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use cosmos_sdk_proto::cosmos::bank::v1beta1::MsgSend;
    use gpuchain_types::Address;
    use serde_json::json;

    use super::*;

    fn ugpc(amount: &str) -> Coin {
        Coin {
            denom: "ugpc".into(),
            amount: amount.into(),
        }
    }

    fn send_json(from: &str, to: &str, amount: &str) -> Value {
        json!({"type": "cosmos-sdk/MsgSend", "value": {
            "from_address": from, "to_address": to,
            "amount": [{"denom": "ugpc", "amount": amount}]}})
    }

    #[test]
    fn should_compute_go_amino_prefix_bytes() {
        // Well-known prefixes (the secp256k1 one starts every legacy key,
        // `eb5ae98721...`).
        assert_eq!(hex::encode(amino_prefix("cosmos-sdk/StdTx")), "282816a9");
        assert_eq!(hex::encode(amino_prefix("cosmos-sdk/MsgSend")), "a8a3619a");
        assert_eq!(
            hex::encode(amino_prefix("tendermint/PubKeySecp256k1")),
            "eb5ae987"
        );
        assert_eq!(
            hex::encode(amino_prefix("tendermint/PubKeyEd25519")),
            "1624de64"
        );
    }

    /// The bytes go-amino writes for a one-MsgSend StdTx, laid out by hand
    /// from its encoding rules.
    #[test]
    fn should_encode_std_tx_as_go_amino_binary() {
        let router = Router::standard();
        let from = Address([1; 20]).to_string();
        let to = Address([2; 20]).to_string();
        let mut key = vec![0x02];
        key.extend_from_slice(&[7; 32]);
        let tx = json!({"type": "cosmos-sdk/StdTx", "value": {
            "msg": [send_json(&from, &to, "5")],
            "fee": {"amount": [{"denom": "ugpc", "amount": "500"}], "gas": "200000"},
            "signatures": [{"pub_key": {"type": "tendermint/PubKeySecp256k1", "value": B64.encode(&key)},
                            "signature": B64.encode([9u8; 64])}],
            "memo": "hi", "timeout_height": "0"}});
        let got = encode_amino_json(&router, &tx.to_string()).unwrap();

        let msg = MsgSend {
            from_address: from.clone(),
            to_address: to.clone(),
            amount: vec![ugpc("5")],
        }
        .encode_to_vec();
        let mut want = hex::decode("282816a9").unwrap();
        // 1: msg = prefix ++ MsgSend fields
        want.push(0x0a);
        want.push(u8::try_from(4 + msg.len()).unwrap());
        want.extend(hex::decode("a8a3619a").unwrap());
        want.extend(&msg);
        // 2: fee {1: {denom, amount}, 2: gas}
        let coin = [&[0x0a, 4][..], b"ugpc", &[0x12, 3], b"500"].concat();
        let mut fee = vec![0x0a, u8::try_from(coin.len()).unwrap()];
        fee.extend(&coin);
        fee.push(0x10);
        prost::encoding::encode_varint(200_000, &mut fee);
        want.push(0x12);
        want.push(u8::try_from(fee.len()).unwrap());
        want.extend(&fee);
        // 3: signatures [{1: eb5ae987 21 <key>, 2: <sig>}]
        let mut sig = vec![0x0a, 38];
        sig.extend(hex::decode("eb5ae98721").unwrap());
        sig.extend(&key);
        sig.extend([0x12, 64]);
        sig.extend([9u8; 64]);
        want.push(0x1a);
        want.push(u8::try_from(sig.len()).unwrap());
        want.extend(&sig);
        // 4: memo; 5: timeout_height 0 is left out.
        want.extend([0x22, 2]);
        want.extend(b"hi");
        assert_eq!(hex::encode(&got), hex::encode(&want));
    }

    #[test]
    fn should_round_trip_json_and_binary() {
        let router = Router::standard();
        let from = Address([1; 20]).to_string();
        let to = Address([2; 20]).to_string();
        let input = json!({"type": "cosmos-sdk/StdTx", "value": {
            "msg": [send_json(&from, &to, "5"),
                    {"type": "cosmos-sdk/MsgMultiSend", "value": {
                        "inputs": [{"address": from, "coins": [{"denom": "ugpc", "amount": "3"}]}],
                        "outputs": [{"address": to, "coins": [{"denom": "ugpc", "amount": "3"}]}]}}],
            "fee": {"amount": [], "gas": "1", "payer": to, "granter": from},
            "signatures": [{"pub_key": null, "signature": B64.encode([1u8; 64])}],
            "memo": "a<b", "timeout_height": "77"}});
        let bin = encode_amino_json(&router, &input.to_string()).unwrap();
        let out = decode_amino_binary(&router, &bin).unwrap();
        let parsed: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed["type"], "cosmos-sdk/StdTx");
        let v = &parsed["value"];
        assert_eq!(v["msg"], input["value"]["msg"]);
        assert_eq!(v["fee"], input["value"]["fee"]);
        assert_eq!(v["signatures"], input["value"]["signatures"]);
        assert_eq!(v["memo"], "a<b");
        assert_eq!(v["timeout_height"], "77");
        // go-amino's field order and Go's HTML-safe escaping.
        assert!(
            out.starts_with(
                r#"{"type":"cosmos-sdk/StdTx","value":{"msg":[{"type":"cosmos-sdk/MsgSend","#
            ),
            "{out}"
        );
        assert!(
            out.ends_with(r#""memo":"a\u003cb","timeout_height":"77"}}"#),
            "{out}"
        );
        // And back to the same bytes.
        assert_eq!(encode_amino_json(&router, &out).unwrap(), bin);
    }

    #[test]
    fn should_write_empty_tx_like_go_amino() {
        let router = Router::standard();
        let bin = encode_amino_json(&router, r#"{"type":"cosmos-sdk/StdTx","value":{}}"#).unwrap();
        assert_eq!(bin, amino_prefix(STD_TX_AMINO_NAME).to_vec());
        assert_eq!(
            decode_amino_binary(&router, &bin).unwrap(),
            r#"{"type":"cosmos-sdk/StdTx","value":{"msg":null,"fee":{"amount":[],"gas":"0"},"signatures":null,"memo":"","timeout_height":"0"}}"#
        );
        // The bare value (no type wrapper) is read too.
        assert_eq!(encode_amino_json(&router, r#"{"memo":""}"#).unwrap(), bin);
    }

    #[test]
    fn should_fail_with_code_18_when_input_is_bad() {
        let router = Router::standard();
        for bad_json in [
            "not json",
            "[]",
            r#"{"type":"cosmos-sdk/MsgSend","value":{}}"#,
            r#"{"msg":[{"type":"cosmos-sdk/MsgUnknown","value":{}}]}"#,
            r#"{"msg":[{"value":{}}]}"#,
            r#"{"fee":{"gas":"-1"}}"#,
            r#"{"signatures":[{"pub_key":{"type":"tendermint/PubKeyMultisigThreshold","value":"AA=="}}]}"#,
            r#"{"signatures":[{"signature":"***"}]}"#,
            r#"{"msg":[{"type":"cosmos-sdk/MsgSend","value":{"amount":5}}]}"#,
        ] {
            let e = encode_amino_json(&router, bad_json).unwrap_err();
            assert_eq!(
                (e.codespace.as_ref(), e.code),
                ("sdk", 18),
                "{bad_json}: {}",
                e.log
            );
            assert!(e.log.ends_with(": invalid request"), "{}", e.log);
        }
        let good = encode_amino_json(&router, r#"{"memo":"x"}"#).unwrap();
        for bad_bin in [
            vec![],
            vec![1, 2, 3, 4, 5],
            [&amino_prefix(STD_TX_AMINO_NAME)[..], &[0xff]].concat(),
            // Field 9 is not StdTx's.
            [&good[..], &[0x4a, 0x00]].concat(),
            // A msg whose prefix no module registered.
            [&amino_prefix(STD_TX_AMINO_NAME)[..], &[0x0a, 4, 1, 2, 3, 4]].concat(),
        ] {
            let e = decode_amino_binary(&router, &bad_bin).unwrap_err();
            assert_eq!(e.code, 18, "{}: {}", hex::encode(&bad_bin), e.log);
        }
    }
}

//! Protobuf messages as the Cosmos SDK v0.50 gRPC-gateway renders them
//! (gogoproto `jsonpb` with `OrigName` and `EmitDefaults`):
//!
//! - field names are the proto names (snake_case), every field is present;
//! - 64-bit integers are strings, 32-bit integers and bools are JSON values;
//! - bytes are standard base64, and an empty bytes field is `null` (it
//!   decodes as a nil slice), as are absent messages;
//! - enums are their names (`SIGN_MODE_DIRECT`);
//! - `Any` is `{"@type": "<type url>", ...the message's fields inline}`;
//! - timestamps are RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits.
//!
//! New message types (gpuchain's own modules) are added to [`any_fields`].

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use cosmos_sdk_proto::cosmos::auth::v1beta1::{BaseAccount, ModuleAccount, Params as AuthParams};
use cosmos_sdk_proto::cosmos::bank::v1beta1::{
    Input, Metadata, MsgMultiSend, MsgSend, Output, Params as BankParams, SendEnabled,
};
use cosmos_sdk_proto::cosmos::base::abci::v1beta1::{GasInfo, Result as AbciResult};
use cosmos_sdk_proto::cosmos::base::query::v1beta1::PageResponse;
use cosmos_sdk_proto::cosmos::base::tendermint::v1beta1::GetNodeInfoResponse;
use cosmos_sdk_proto::cosmos::base::v1beta1::Coin;
use cosmos_sdk_proto::cosmos::crypto::multisig::v1beta1::CompactBitArray;
use cosmos_sdk_proto::cosmos::crypto::multisig::LegacyAminoPubKey;
use cosmos_sdk_proto::cosmos::crypto::{ed25519, secp256k1};
use cosmos_sdk_proto::cosmos::tx::signing::v1beta1::SignMode;
use cosmos_sdk_proto::cosmos::tx::v1beta1::{
    mode_info, AuthInfo, Fee, ModeInfo, SignerInfo, Tip, Tx, TxBody,
};
use cosmos_sdk_proto::cosmos::tx::v1beta1::{SimulateResponse, TxRaw};
use cosmos_sdk_proto::tendermint::abci::Event;
use cosmos_sdk_proto::Any;
use prost::Message;
use serde_json::{json, Map, Value};

pub const TX_TYPE_URL: &str = "/cosmos.tx.v1beta1.Tx";

/// A bytes field: base64, `null` when empty.
pub fn bytes(b: &[u8]) -> Value {
    if b.is_empty() {
        Value::Null
    } else {
        Value::String(B64.encode(b))
    }
}

/// An element of a repeated bytes field: always a string.
pub fn bytes_elem(b: &[u8]) -> Value {
    Value::String(B64.encode(b))
}

/// A 64-bit integer field: a decimal string.
pub fn int<T: std::fmt::Display>(v: T) -> Value {
    Value::String(v.to_string())
}

pub fn coin(c: &Coin) -> Value {
    json!({"denom": c.denom, "amount": c.amount})
}

pub fn coins(cs: &[Coin]) -> Value {
    Value::Array(cs.iter().map(coin).collect())
}

pub fn opt_coin(c: Option<&Coin>) -> Value {
    c.map(coin).unwrap_or(Value::Null)
}

pub fn page_response(p: Option<&PageResponse>) -> Value {
    match p {
        Some(p) => json!({"next_key": bytes(&p.next_key), "total": int(p.total)}),
        None => Value::Null,
    }
}

/// An `Any`, its message's fields inline after `@type`. A type this node does
/// not know (or a value that does not decode) is shown as
/// `{"@type", "value": base64}` rather than failing the whole response.
pub fn any(a: &Any) -> Value {
    any_parts(&a.type_url, &a.value)
}

pub fn opt_any(a: Option<&Any>) -> Value {
    a.map(any).unwrap_or(Value::Null)
}

pub fn anys(list: &[Any]) -> Value {
    Value::Array(list.iter().map(any).collect())
}

pub fn any_parts(type_url: &str, value: &[u8]) -> Value {
    let mut fields = match any_fields(type_url, value) {
        Some(Value::Object(m)) => m,
        _ => {
            let mut m = Map::new();
            m.insert("value".into(), bytes(value));
            m
        }
    };
    fields.insert("@type".into(), Value::String(type_url.to_string()));
    Value::Object(fields)
}

fn decode<T: Message + Default>(value: &[u8]) -> Option<T> {
    T::decode(value).ok()
}

/// The fields of the message an `Any` packs, for the types this node knows.
fn any_fields(type_url: &str, v: &[u8]) -> Option<Value> {
    Some(match type_url {
        "/cosmos.auth.v1beta1.BaseAccount" => base_account(&decode(v)?),
        "/cosmos.auth.v1beta1.ModuleAccount" => module_account(&decode(v)?),
        "/cosmos.crypto.secp256k1.PubKey" => {
            json!({"key": bytes(&decode::<secp256k1::PubKey>(v)?.key)})
        }
        "/cosmos.crypto.ed25519.PubKey" => {
            json!({"key": bytes(&decode::<ed25519::PubKey>(v)?.key)})
        }
        "/cosmos.crypto.multisig.LegacyAminoPubKey" => {
            let k: LegacyAminoPubKey = decode(v)?;
            json!({"threshold": k.threshold, "public_keys": anys(&k.public_keys)})
        }
        "/cosmos.bank.v1beta1.MsgSend" => msg_send(&decode(v)?),
        "/cosmos.bank.v1beta1.MsgMultiSend" => msg_multi_send(&decode(v)?),
        "/cosmos.bank.v1beta1.MsgSendResponse" | "/cosmos.bank.v1beta1.MsgMultiSendResponse" => {
            json!({})
        }
        TX_TYPE_URL => tx(&decode(v)?),
        _ => return None,
    })
}

pub fn base_account(a: &BaseAccount) -> Value {
    json!({
        "address": a.address,
        "pub_key": opt_any(a.pub_key.as_ref()),
        "account_number": int(a.account_number),
        "sequence": int(a.sequence),
    })
}

fn module_account(a: &ModuleAccount) -> Value {
    json!({
        "base_account": a.base_account.as_ref().map(base_account).unwrap_or(Value::Null),
        "name": a.name,
        "permissions": a.permissions,
    })
}

fn msg_send(m: &MsgSend) -> Value {
    json!({"from_address": m.from_address, "to_address": m.to_address, "amount": coins(&m.amount)})
}

fn msg_multi_send(m: &MsgMultiSend) -> Value {
    let input = |i: &Input| json!({"address": i.address, "coins": coins(&i.coins)});
    let output = |o: &Output| json!({"address": o.address, "coins": coins(&o.coins)});
    json!({
        "inputs": m.inputs.iter().map(input).collect::<Vec<_>>(),
        "outputs": m.outputs.iter().map(output).collect::<Vec<_>>(),
    })
}

pub fn auth_params(p: Option<&AuthParams>) -> Value {
    match p {
        Some(p) => json!({
            "max_memo_characters": int(p.max_memo_characters),
            "tx_sig_limit": int(p.tx_sig_limit),
            "tx_size_cost_per_byte": int(p.tx_size_cost_per_byte),
            "sig_verify_cost_ed25519": int(p.sig_verify_cost_ed25519),
            "sig_verify_cost_secp256k1": int(p.sig_verify_cost_secp256k1),
        }),
        None => Value::Null,
    }
}

pub fn send_enabled(s: &SendEnabled) -> Value {
    json!({"denom": s.denom, "enabled": s.enabled})
}

#[allow(deprecated)]
pub fn bank_params(p: Option<&BankParams>) -> Value {
    match p {
        Some(p) => json!({
            "send_enabled": p.send_enabled.iter().map(send_enabled).collect::<Vec<_>>(),
            "default_send_enabled": p.default_send_enabled,
        }),
        None => Value::Null,
    }
}

pub fn metadata(m: &Metadata) -> Value {
    let units: Vec<Value> = m
        .denom_units
        .iter()
        .map(|u| json!({"denom": u.denom, "exponent": u.exponent, "aliases": u.aliases}))
        .collect();
    json!({
        "description": m.description,
        "denom_units": units,
        "base": m.base,
        "display": m.display,
        "name": m.name,
        "symbol": m.symbol,
        "uri": m.uri,
        "uri_hash": m.uri_hash,
    })
}

pub fn event(e: &Event) -> Value {
    let attrs: Vec<Value> = e
        .attributes
        .iter()
        .map(|a| json!({"key": a.key, "value": a.value, "index": a.index}))
        .collect();
    json!({"type": e.r#type, "attributes": attrs})
}

/// Events as CometBFT's JSON-RPC returns them (`{type, attributes: [{key,
/// value, index}]}`, strings since 0.37), normalised to the gateway shape.
pub fn rpc_events(v: &Value) -> Value {
    let events = v.as_array().map(Vec::as_slice).unwrap_or_default();
    Value::Array(
        events
            .iter()
            .map(|e| {
                let attrs: Vec<Value> = e["attributes"]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                    .iter()
                    .map(|a| {
                        json!({
                            "key": a["key"].as_str().unwrap_or_default(),
                            "value": a["value"].as_str().unwrap_or_default(),
                            "index": a["index"].as_bool().unwrap_or(false),
                        })
                    })
                    .collect();
                json!({"type": e["type"].as_str().unwrap_or_default(), "attributes": attrs})
            })
            .collect(),
    )
}

fn sign_mode(mode: i32) -> Value {
    match SignMode::try_from(mode) {
        Ok(m) => Value::String(m.as_str_name().to_string()),
        Err(_) => Value::from(mode),
    }
}

fn mode_info(m: &ModeInfo) -> Value {
    match &m.sum {
        Some(mode_info::Sum::Single(s)) => json!({"single": {"mode": sign_mode(s.mode)}}),
        Some(mode_info::Sum::Multi(multi)) => {
            let bitarray = multi
                .bitarray
                .as_ref()
                .map(|b: &CompactBitArray| {
                    json!({"extra_bits_stored": b.extra_bits_stored, "elems": bytes(&b.elems)})
                })
                .unwrap_or(Value::Null);
            let infos: Vec<Value> = multi.mode_infos.iter().map(mode_info).collect();
            json!({"multi": {"bitarray": bitarray, "mode_infos": infos}})
        }
        None => json!({}),
    }
}

fn signer_info(s: &SignerInfo) -> Value {
    json!({
        "public_key": opt_any(s.public_key.as_ref()),
        "mode_info": s.mode_info.as_ref().map(mode_info).unwrap_or(Value::Null),
        "sequence": int(s.sequence),
    })
}

fn fee(f: &Fee) -> Value {
    json!({
        "amount": coins(&f.amount),
        "gas_limit": int(f.gas_limit),
        "payer": f.payer,
        "granter": f.granter,
    })
}

fn tip(t: &Tip) -> Value {
    json!({"amount": coins(&t.amount), "tipper": t.tipper})
}

pub fn tx_body(b: &TxBody) -> Value {
    json!({
        "messages": anys(&b.messages),
        "memo": b.memo,
        "timeout_height": int(b.timeout_height),
        "extension_options": anys(&b.extension_options),
        "non_critical_extension_options": anys(&b.non_critical_extension_options),
    })
}

#[allow(deprecated)]
pub fn auth_info(a: &AuthInfo) -> Value {
    json!({
        "signer_infos": a.signer_infos.iter().map(signer_info).collect::<Vec<_>>(),
        "fee": a.fee.as_ref().map(fee).unwrap_or(Value::Null),
        "tip": a.tip.as_ref().map(tip).unwrap_or(Value::Null),
    })
}

/// A `cosmos.tx.v1beta1.Tx` (body, auth_info, signatures).
pub fn tx(t: &Tx) -> Value {
    json!({
        "body": t.body.as_ref().map(tx_body).unwrap_or(Value::Null),
        "auth_info": t.auth_info.as_ref().map(auth_info).unwrap_or(Value::Null),
        "signatures": t.signatures.iter().map(|s| bytes_elem(s)).collect::<Vec<_>>(),
    })
}

/// Decodes raw tx bytes (a `TxRaw`) into a `Tx`, decoding the body and auth
/// info from exactly the bytes that were signed.
pub fn decode_tx(raw: &[u8]) -> Option<Tx> {
    let r = TxRaw::decode(raw).ok()?;
    Some(Tx {
        body: Some(TxBody::decode(r.body_bytes.as_slice()).ok()?),
        auth_info: Some(AuthInfo::decode(r.auth_info_bytes.as_slice()).ok()?),
        signatures: r.signatures,
    })
}

/// The JSON of raw tx bytes, or `null` when they are not a Cosmos tx.
pub fn raw_tx(raw: &[u8]) -> Value {
    decode_tx(raw).as_ref().map(tx).unwrap_or(Value::Null)
}

/// The tx as a `TxResponse.tx` Any.
pub fn raw_tx_any(raw: &[u8]) -> Value {
    match raw_tx(raw) {
        Value::Object(mut m) => {
            m.insert("@type".into(), Value::String(TX_TYPE_URL.into()));
            Value::Object(m)
        }
        _ => Value::Null,
    }
}

fn gas_info(g: &GasInfo) -> Value {
    json!({"gas_wanted": int(g.gas_wanted), "gas_used": int(g.gas_used)})
}

#[allow(deprecated)]
fn abci_result(r: &AbciResult) -> Value {
    json!({
        "data": bytes(&r.data),
        "log": r.log,
        "events": r.events.iter().map(event).collect::<Vec<_>>(),
        "msg_responses": anys(&r.msg_responses),
    })
}

pub fn simulate_response(r: &SimulateResponse) -> Value {
    json!({
        "gas_info": r.gas_info.as_ref().map(gas_info).unwrap_or(Value::Null),
        "result": r.result.as_ref().map(abci_result).unwrap_or(Value::Null),
    })
}

pub fn node_info(r: &GetNodeInfoResponse) -> Value {
    let default_node_info = r
        .default_node_info
        .as_ref()
        .map(|n| {
            json!({
                "protocol_version": n.protocol_version.as_ref().map(|p| json!({
                    "p2p": int(p.p2p), "block": int(p.block), "app": int(p.app),
                })).unwrap_or(Value::Null),
                "default_node_id": n.default_node_id,
                "listen_addr": n.listen_addr,
                "network": n.network,
                "version": n.version,
                "channels": bytes(&n.channels),
                "moniker": n.moniker,
                "other": n.other.as_ref().map(|o| json!({
                    "tx_index": o.tx_index, "rpc_address": o.rpc_address,
                })).unwrap_or(Value::Null),
            })
        })
        .unwrap_or(Value::Null);
    let application_version = r
        .application_version
        .as_ref()
        .map(|v| {
            let deps: Vec<Value> = v
                .build_deps
                .iter()
                .map(|d| json!({"path": d.path, "version": d.version, "sum": d.sum}))
                .collect();
            json!({
                "name": v.name,
                "app_name": v.app_name,
                "version": v.version,
                "git_commit": v.git_commit,
                "build_tags": v.build_tags,
                "go_version": v.go_version,
                "build_deps": deps,
                "cosmos_sdk_version": v.cosmos_sdk_version,
            })
        })
        .unwrap_or(Value::Null);
    json!({"default_node_info": default_node_info, "application_version": application_version})
}

/// Hex (CometBFT's JSON for hashes and addresses) to the gateway's base64;
/// empty is `null`.
pub fn hex_to_bytes(v: &Value) -> Result<Value, String> {
    let s = match v {
        Value::Null => return Ok(Value::Null),
        Value::String(s) => s,
        other => return Err(format!("expected a hex string, got {other}")),
    };
    let raw = hex::decode(s).map_err(|e| format!("bad hex {s:?}: {e}"))?;
    Ok(bytes(&raw))
}

/// A timestamp as gogoproto's jsonpb prints it: CometBFT prints Go's
/// RFC3339Nano (trailing zeros trimmed), the gateway 0, 3, 6 or 9 digits.
pub fn timestamp(s: &str) -> String {
    let Some(body) = s.strip_suffix('Z') else {
        return s.to_string();
    };
    let (secs, frac) = match body.split_once('.') {
        Some((secs, frac)) if frac.bytes().all(|b| b.is_ascii_digit()) && frac.len() <= 9 => {
            (secs, frac)
        }
        Some(_) => return s.to_string(),
        None => (body, ""),
    };
    let mut nanos = format!("{frac:0<9}");
    for _ in 0..3 {
        if nanos.ends_with("000") {
            nanos.truncate(nanos.len() - 3);
        }
    }
    if nanos.is_empty() {
        format!("{secs}Z")
    } else {
        format!("{secs}.{nanos}Z")
    }
}

/// A decimal number as the SDK's `Dec` prints it: 18 fractional digits.
pub fn dec(s: &str) -> Option<String> {
    if !s.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let (int_part, frac) = s.split_once('.').unwrap_or((s, ""));
    let int_part = if int_part.is_empty() { "0" } else { int_part };
    if !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 18
    {
        return None;
    }
    let int_part = int_part.trim_start_matches('0');
    let int_part = if int_part.is_empty() { "0" } else { int_part };
    Some(format!("{int_part}.{frac:0<18}"))
}

/// Gas prices (`0.0025ugpc,1uatom`) as the SDK's `DecCoins.String()` prints
/// them (`0.002500000000000000ugpc`), sorted by denom; unparseable input is
/// returned unchanged.
pub fn dec_coins(s: &str) -> String {
    let mut parts = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some(split) = part.find(|c: char| !(c.is_ascii_digit() || c == '.')) else {
            return s.to_string();
        };
        let (num, denom) = part.split_at(split);
        let Some(d) = dec(num) else {
            return s.to_string();
        };
        parts.push((denom.to_string(), d));
    }
    parts.sort();
    parts
        .into_iter()
        .map(|(denom, amount)| format!("{amount}{denom}"))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmos_sdk_proto::cosmos::tx::v1beta1::mode_info::Single;

    fn pubkey_any(key: &[u8]) -> Any {
        Any {
            type_url: "/cosmos.crypto.secp256k1.PubKey".into(),
            value: secp256k1::PubKey { key: key.to_vec() }.encode_to_vec(),
        }
    }

    #[test]
    fn should_inline_any_fields_after_type() {
        let acc = BaseAccount {
            address: "gpu1xyz".into(),
            pub_key: Some(pubkey_any(&[2u8; 33])),
            account_number: 7,
            sequence: u64::MAX,
        };
        let v = any(&Any {
            type_url: "/cosmos.auth.v1beta1.BaseAccount".into(),
            value: acc.encode_to_vec(),
        });
        assert_eq!(
            v,
            json!({
                "@type": "/cosmos.auth.v1beta1.BaseAccount",
                "address": "gpu1xyz",
                "pub_key": {"@type": "/cosmos.crypto.secp256k1.PubKey", "key": B64.encode([2u8; 33])},
                "account_number": "7",
                "sequence": "18446744073709551615",
            })
        );
    }

    #[test]
    fn should_render_unknown_any_as_base64_value() {
        let v = any(&Any {
            type_url: "/gpuchain.x.v1.Unknown".into(),
            value: vec![1, 2, 3],
        });
        assert_eq!(
            v,
            json!({"@type": "/gpuchain.x.v1.Unknown", "value": "AQID"})
        );
    }

    #[test]
    fn should_render_uint64_as_strings_and_empty_bytes_as_null() {
        let p = PageResponse {
            next_key: vec![],
            total: 42,
        };
        assert_eq!(
            page_response(Some(&p)),
            json!({"next_key": null, "total": "42"})
        );
        let p = PageResponse {
            next_key: vec![0xff, 0x00],
            total: 0,
        };
        assert_eq!(
            page_response(Some(&p)),
            json!({"next_key": "/wA=", "total": "0"})
        );
        assert_eq!(page_response(None), Value::Null);
    }

    #[test]
    fn should_render_tx_with_enum_names_and_base64_signatures() {
        let body = TxBody {
            messages: vec![Any {
                type_url: "/cosmos.bank.v1beta1.MsgSend".into(),
                value: MsgSend {
                    from_address: "gpu1a".into(),
                    to_address: "gpu1b".into(),
                    amount: vec![Coin {
                        denom: "ugpc".into(),
                        amount: "5".into(),
                    }],
                }
                .encode_to_vec(),
            }],
            memo: "hi".into(),
            timeout_height: 9,
            ..Default::default()
        };
        #[allow(deprecated)]
        let auth = AuthInfo {
            signer_infos: vec![SignerInfo {
                public_key: Some(pubkey_any(&[3u8; 33])),
                mode_info: Some(ModeInfo {
                    sum: Some(mode_info::Sum::Single(Single { mode: 1 })),
                }),
                sequence: 3,
            }],
            fee: Some(Fee {
                amount: vec![],
                gas_limit: 200_000,
                payer: String::new(),
                granter: String::new(),
            }),
            tip: None,
        };
        let raw = TxRaw {
            body_bytes: body.encode_to_vec(),
            auth_info_bytes: auth.encode_to_vec(),
            signatures: vec![vec![0xAB; 64]],
        }
        .encode_to_vec();
        let v = raw_tx_any(&raw);
        assert_eq!(v["@type"], TX_TYPE_URL);
        assert_eq!(
            v["body"]["messages"][0],
            json!({"@type": "/cosmos.bank.v1beta1.MsgSend", "from_address": "gpu1a",
                   "to_address": "gpu1b", "amount": [{"denom": "ugpc", "amount": "5"}]})
        );
        assert_eq!(v["body"]["timeout_height"], "9");
        assert_eq!(v["body"]["extension_options"], json!([]));
        let si = &v["auth_info"]["signer_infos"][0];
        assert_eq!(si["mode_info"]["single"]["mode"], "SIGN_MODE_DIRECT");
        assert_eq!(si["sequence"], "3");
        assert_eq!(v["auth_info"]["fee"]["gas_limit"], "200000");
        assert_eq!(v["auth_info"]["tip"], Value::Null);
        assert_eq!(v["signatures"][0], B64.encode([0xAB; 64]));
        assert_eq!(raw_tx(b"\xff\xff not a tx"), Value::Null);
    }

    #[test]
    fn should_convert_hex_hashes_to_base64() {
        assert_eq!(hex_to_bytes(&json!("0A0B")).unwrap(), json!("Cgs="));
        assert_eq!(hex_to_bytes(&json!("")).unwrap(), Value::Null);
        assert!(hex_to_bytes(&json!("zz")).is_err());
    }

    #[test]
    fn should_print_timestamps_like_jsonpb() {
        assert_eq!(
            timestamp("2024-01-02T03:04:05.1Z"),
            "2024-01-02T03:04:05.100Z"
        );
        assert_eq!(
            timestamp("2024-01-02T03:04:05.1234Z"),
            "2024-01-02T03:04:05.123400Z"
        );
        assert_eq!(
            timestamp("2024-01-02T03:04:05.123456789Z"),
            "2024-01-02T03:04:05.123456789Z"
        );
        assert_eq!(timestamp("2024-01-02T03:04:05Z"), "2024-01-02T03:04:05Z");
        assert_eq!(
            timestamp("2024-01-02T03:04:05.000Z"),
            "2024-01-02T03:04:05Z"
        );
    }

    #[test]
    fn should_print_gas_prices_as_dec_coins() {
        assert_eq!(dec_coins("0.0025ugpc"), "0.002500000000000000ugpc");
        assert_eq!(
            dec_coins("1uatom,0.5ugpc"),
            "1.000000000000000000uatom,0.500000000000000000ugpc"
        );
        assert_eq!(dec_coins(""), "");
        assert_eq!(dec_coins("bad"), "bad");
    }

    #[test]
    fn should_render_events_and_simulate_result() {
        use cosmos_sdk_proto::tendermint::abci::EventAttribute;
        #[allow(deprecated)]
        let r = SimulateResponse {
            gas_info: Some(GasInfo {
                gas_wanted: 0,
                gas_used: 1234,
            }),
            result: Some(AbciResult {
                data: vec![],
                log: String::new(),
                events: vec![Event {
                    r#type: "message".into(),
                    attributes: vec![EventAttribute {
                        key: "sender".into(),
                        value: "gpu1a".into(),
                        index: true,
                    }],
                }],
                msg_responses: vec![Any {
                    type_url: "/cosmos.bank.v1beta1.MsgSendResponse".into(),
                    value: vec![],
                }],
            }),
        };
        assert_eq!(
            simulate_response(&r),
            json!({
                "gas_info": {"gas_wanted": "0", "gas_used": "1234"},
                "result": {
                    "data": null,
                    "log": "",
                    "events": [{"type": "message", "attributes": [
                        {"key": "sender", "value": "gpu1a", "index": true}]}],
                    "msg_responses": [{"@type": "/cosmos.bank.v1beta1.MsgSendResponse"}],
                },
            })
        );
    }
}

//! The legacy amino JSON of the market Msgs (SIGN_MODE_LEGACY_AMINO_JSON,
//! e.g. Keplr), following the SDK's aminojson encoder for protos without
//! amino annotations: `{"type": "gpuchain/MsgX", "value": {...}}` with
//! proto field names, empty/zero fields omitted, 64-bit integers as
//! decimal strings, 32-bit integers as numbers, bytes as base64, coins as
//! `{"amount", "denom"}`. Key order is irrelevant (the app sorts keys).

use base64::Engine as _;
use cosmos_sdk_proto::cosmos::base::v1beta1::Coin;
use gpuchain_proto::market::*;
use gpuchain_types::AppResult;
use prost::Message;
use serde_json::{Map, Value};

use crate::msg::{self, decode};

/// `(type URL, amino name)` of every market Msg.
pub const AMINO_NAMES: &[(&str, &str)] = &[
    (msg::create_offer::TYPE_URL, "gpuchain/MsgCreateOffer"),
    (msg::update_offer::TYPE_URL, "gpuchain/MsgUpdateOffer"),
    (msg::close_offer::TYPE_URL, "gpuchain/MsgCloseOffer"),
    (msg::create_order::TYPE_URL, "gpuchain/MsgCreateOrder"),
    (msg::cancel_order::TYPE_URL, "gpuchain/MsgCancelOrder"),
    (msg::ack_lease::TYPE_URL, "gpuchain/MsgAckLease"),
    (msg::deposit_lease::TYPE_URL, "gpuchain/MsgDepositLease"),
    (msg::withdraw_lease::TYPE_URL, "gpuchain/MsgWithdrawLease"),
    (msg::withdraw_all::TYPE_URL, "gpuchain/MsgWithdrawAll"),
    (msg::close_lease::TYPE_URL, "gpuchain/MsgCloseLease"),
];

#[derive(Default)]
struct Obj(Map<String, Value>);

impl Obj {
    fn s(mut self, k: &str, v: &str) -> Self {
        if !v.is_empty() {
            self.0.insert(k.into(), Value::String(v.into()));
        }
        self
    }
    fn u64(mut self, k: &str, v: u64) -> Self {
        if v != 0 {
            self.0.insert(k.into(), Value::String(v.to_string()));
        }
        self
    }
    fn i64(mut self, k: &str, v: i64) -> Self {
        if v != 0 {
            self.0.insert(k.into(), Value::String(v.to_string()));
        }
        self
    }
    fn u32(mut self, k: &str, v: u32) -> Self {
        if v != 0 {
            self.0.insert(k.into(), Value::from(v));
        }
        self
    }
    fn opt_u32(mut self, k: &str, v: Option<u32>) -> Self {
        if let Some(v) = v {
            self.0.insert(k.into(), Value::from(v));
        }
        self
    }
    fn opt_bool(mut self, k: &str, v: Option<bool>) -> Self {
        if let Some(v) = v {
            self.0.insert(k.into(), Value::Bool(v));
        }
        self
    }
    fn coin(mut self, k: &str, c: &Option<Coin>) -> Self {
        if let Some(c) = c {
            let mut m = Map::new();
            m.insert(
                "amount".into(),
                Value::String(if c.amount.is_empty() {
                    "0".into()
                } else {
                    c.amount.clone()
                }),
            );
            if !c.denom.is_empty() {
                m.insert("denom".into(), Value::String(c.denom.clone()));
            }
            self.0.insert(k.into(), Value::Object(m));
        }
        self
    }
    fn strings(mut self, k: &str, v: &[String]) -> Self {
        if !v.is_empty() {
            self.0.insert(
                k.into(),
                Value::Array(v.iter().map(|s| Value::String(s.clone())).collect()),
            );
        }
        self
    }
    fn bytes(mut self, k: &str, v: &[u8]) -> Self {
        if !v.is_empty() {
            self.0.insert(
                k.into(),
                Value::String(base64::engine::general_purpose::STANDARD.encode(v)),
            );
        }
        self
    }
    fn named(self, type_url: &str) -> Value {
        let name = AMINO_NAMES
            .iter()
            .find(|(u, _)| *u == type_url)
            .map_or("", |(_, n)| n);
        let mut m = Map::new();
        m.insert("type".into(), Value::String(name.into()));
        m.insert("value".into(), Value::Object(self.0));
        Value::Object(m)
    }
}

/// The amino JSON of a market Msg; `None` for another module's type URL.
pub fn amino_json(type_url: &str, value: &[u8]) -> Option<AppResult<Value>> {
    let v = || -> AppResult<Obj> {
        Ok(match type_url {
            msg::create_offer::TYPE_URL => {
                let m: MsgCreateOffer = decode(type_url, value)?;
                Obj::default()
                    .s("provider", &m.provider)
                    .s("sku", &m.sku)
                    .u32("gpus_total", m.gpus_total)
                    .coin("price_per_gpu_hour", &m.price_per_gpu_hour)
                    .i64("min_duration", m.min_duration)
                    .i64("max_duration", m.max_duration)
                    .s("region", &m.region)
            }
            msg::update_offer::TYPE_URL => {
                let m: MsgUpdateOffer = decode(type_url, value)?;
                Obj::default()
                    .s("provider", &m.provider)
                    .u64("offer_id", m.offer_id)
                    .coin("price_per_gpu_hour", &m.price_per_gpu_hour)
                    .opt_u32("gpus_total", m.gpus_total)
                    .opt_bool("active", m.active)
            }
            msg::close_offer::TYPE_URL => {
                let m: MsgCloseOffer = decode(type_url, value)?;
                Obj::default()
                    .s("provider", &m.provider)
                    .u64("offer_id", m.offer_id)
            }
            msg::create_order::TYPE_URL => {
                let m: MsgCreateOrder = decode(type_url, value)?;
                Obj::default()
                    .s("tenant", &m.tenant)
                    .s("sku", &m.sku)
                    .u32("gpu_count", m.gpu_count)
                    .coin("max_price_per_gpu_hour", &m.max_price_per_gpu_hour)
                    .i64("duration", m.duration)
                    .coin("deposit", &m.deposit)
                    .s("region", &m.region)
                    .u64("target_offer_id", m.target_offer_id)
                    .s("target_provider", &m.target_provider)
                    .u32("min_attestation_level", m.min_attestation_level)
                    .i64("ttl", m.ttl)
            }
            msg::cancel_order::TYPE_URL => {
                let m: MsgCancelOrder = decode(type_url, value)?;
                Obj::default()
                    .s("tenant", &m.tenant)
                    .u64("order_id", m.order_id)
            }
            msg::ack_lease::TYPE_URL => {
                let m: MsgAckLease = decode(type_url, value)?;
                Obj::default()
                    .s("signer", &m.signer)
                    .u64("lease_id", m.lease_id)
                    .strings("gpu_uuids", &m.gpu_uuids)
                    .bytes("access", &m.access)
            }
            msg::deposit_lease::TYPE_URL => {
                let m: MsgDepositLease = decode(type_url, value)?;
                Obj::default()
                    .s("depositor", &m.depositor)
                    .u64("lease_id", m.lease_id)
                    .coin("amount", &m.amount)
            }
            msg::withdraw_lease::TYPE_URL => {
                let m: MsgWithdrawLease = decode(type_url, value)?;
                Obj::default()
                    .s("provider", &m.provider)
                    .u64("lease_id", m.lease_id)
            }
            msg::withdraw_all::TYPE_URL => {
                let m: MsgWithdrawAll = decode(type_url, value)?;
                Obj::default().s("provider", &m.provider)
            }
            msg::close_lease::TYPE_URL => {
                let m: MsgCloseLease = decode(type_url, value)?;
                Obj::default()
                    .s("signer", &m.signer)
                    .u64("lease_id", m.lease_id)
            }
            _ => return Err(gpuchain_types::AppError::internal("unreachable")),
        })
    };
    if !AMINO_NAMES.iter().any(|(u, _)| *u == type_url) {
        return None;
    }
    Some(v().map(|o| o.named(type_url)))
}

fn bad_json(type_url: &str, why: impl std::fmt::Display) -> gpuchain_types::AppError {
    gpuchain_auth::error::sdk_wrapped(
        gpuchain_types::error::code::INVALID_REQUEST,
        format!("invalid amino JSON of {type_url}: {why}"),
    )
}

/// Reads the `value` of a market Msg's amino JSON (the inverse of
/// [`amino_json`]): missing fields are empty, 64-bit integers are decimal
/// strings (numbers accepted), bytes base64. Wrong shapes are code 18.
struct Reader<'a>(&'a Map<String, Value>);

impl Reader<'_> {
    fn s(&self, k: &str) -> Result<String, String> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(o) => Err(format!("{k} must be a string, got {o}")),
        }
    }
    fn num<T: std::str::FromStr + Default>(&self, k: &str) -> Result<T, String> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(T::default()),
            Some(Value::String(s)) => s
                .parse()
                .map_err(|_| format!("{k} is not an integer: {s:?}")),
            Some(Value::Number(n)) => n
                .to_string()
                .parse()
                .map_err(|_| format!("{k} is out of range: {n}")),
            Some(o) => Err(format!("{k} must be an integer, got {o}")),
        }
    }
    fn opt_num<T: std::str::FromStr + Default>(&self, k: &str) -> Result<Option<T>, String> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.num(k).map(Some),
        }
    }
    fn opt_bool(&self, k: &str) -> Result<Option<bool>, String> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(o) => Err(format!("{k} must be a bool, got {o}")),
        }
    }
    fn coin(&self, k: &str) -> Result<Option<Coin>, String> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(m)) => {
                let r = Reader(m);
                Ok(Some(Coin {
                    denom: r.s("denom")?,
                    amount: r.s("amount")?,
                }))
            }
            Some(o) => Err(format!("{k} must be a coin, got {o}")),
        }
    }
    fn strings(&self, k: &str) -> Result<Vec<String>, String> {
        match self.0.get(k) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| format!("{k}[] must be strings"))
                })
                .collect(),
            Some(o) => Err(format!("{k} must be a list, got {o}")),
        }
    }
    fn bytes(&self, k: &str) -> Result<Vec<u8>, String> {
        let s = self.s(k)?;
        base64::engine::general_purpose::STANDARD
            .decode(s.as_bytes())
            .map_err(|e| format!("{k} is not base64: {e}"))
    }
}

/// A market Msg's protobuf bytes from the `value` of its amino JSON;
/// `None` for another module's type URL.
pub fn msg_from_amino_json(type_url: &str, value: &Value) -> Option<AppResult<Vec<u8>>> {
    if !AMINO_NAMES.iter().any(|(u, _)| *u == type_url) {
        return None;
    }
    let parsed = (|| -> Result<Vec<u8>, String> {
        let obj = value
            .as_object()
            .ok_or_else(|| format!("value must be an object, got {value}"))?;
        let r = Reader(obj);
        Ok(match type_url {
            msg::create_offer::TYPE_URL => MsgCreateOffer {
                provider: r.s("provider")?,
                sku: r.s("sku")?,
                gpus_total: r.num("gpus_total")?,
                price_per_gpu_hour: r.coin("price_per_gpu_hour")?,
                min_duration: r.num("min_duration")?,
                max_duration: r.num("max_duration")?,
                region: r.s("region")?,
            }
            .encode_to_vec(),
            msg::update_offer::TYPE_URL => MsgUpdateOffer {
                provider: r.s("provider")?,
                offer_id: r.num("offer_id")?,
                price_per_gpu_hour: r.coin("price_per_gpu_hour")?,
                gpus_total: r.opt_num("gpus_total")?,
                active: r.opt_bool("active")?,
            }
            .encode_to_vec(),
            msg::close_offer::TYPE_URL => MsgCloseOffer {
                provider: r.s("provider")?,
                offer_id: r.num("offer_id")?,
            }
            .encode_to_vec(),
            msg::create_order::TYPE_URL => MsgCreateOrder {
                tenant: r.s("tenant")?,
                sku: r.s("sku")?,
                gpu_count: r.num("gpu_count")?,
                max_price_per_gpu_hour: r.coin("max_price_per_gpu_hour")?,
                duration: r.num("duration")?,
                deposit: r.coin("deposit")?,
                region: r.s("region")?,
                target_offer_id: r.num("target_offer_id")?,
                target_provider: r.s("target_provider")?,
                min_attestation_level: r.num("min_attestation_level")?,
                ttl: r.num("ttl")?,
            }
            .encode_to_vec(),
            msg::cancel_order::TYPE_URL => MsgCancelOrder {
                tenant: r.s("tenant")?,
                order_id: r.num("order_id")?,
            }
            .encode_to_vec(),
            msg::ack_lease::TYPE_URL => MsgAckLease {
                signer: r.s("signer")?,
                lease_id: r.num("lease_id")?,
                gpu_uuids: r.strings("gpu_uuids")?,
                access: r.bytes("access")?,
            }
            .encode_to_vec(),
            msg::deposit_lease::TYPE_URL => MsgDepositLease {
                depositor: r.s("depositor")?,
                lease_id: r.num("lease_id")?,
                amount: r.coin("amount")?,
            }
            .encode_to_vec(),
            msg::withdraw_lease::TYPE_URL => MsgWithdrawLease {
                provider: r.s("provider")?,
                lease_id: r.num("lease_id")?,
            }
            .encode_to_vec(),
            msg::withdraw_all::TYPE_URL => MsgWithdrawAll {
                provider: r.s("provider")?,
            }
            .encode_to_vec(),
            _ => MsgCloseLease {
                signer: r.s("signer")?,
                lease_id: r.num("lease_id")?,
            }
            .encode_to_vec(),
        })
    })();
    Some(parsed.map_err(|e| bad_json(type_url, e)))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn should_encode_amino_json_with_names_strings_and_omitted_empties() {
        let m = MsgCreateOrder {
            tenant: "gpu1x".into(),
            sku: "h100".into(),
            gpu_count: 2,
            max_price_per_gpu_hour: Some(Coin {
                denom: "ugpc".into(),
                amount: "5".into(),
            }),
            duration: 3600,
            deposit: Some(Coin {
                denom: "ugpc".into(),
                amount: "100".into(),
            }),
            ttl: 60,
            ..Default::default()
        };
        let v = amino_json(msg::create_order::TYPE_URL, &m.encode_to_vec())
            .unwrap()
            .unwrap();
        assert_eq!(
            v,
            json!({"type": "gpuchain/MsgCreateOrder", "value": {
                "tenant": "gpu1x", "sku": "h100", "gpu_count": 2,
                "max_price_per_gpu_hour": {"amount": "5", "denom": "ugpc"},
                "duration": "3600", "deposit": {"amount": "100", "denom": "ugpc"}, "ttl": "60"
            }})
        );
        let ack = MsgAckLease {
            signer: "s".into(),
            lease_id: 7,
            gpu_uuids: vec!["G".into()],
            access: vec![1, 2],
        };
        let v = amino_json(msg::ack_lease::TYPE_URL, &ack.encode_to_vec())
            .unwrap()
            .unwrap();
        assert_eq!(
            v["value"],
            json!({"signer": "s", "lease_id": "7", "gpu_uuids": ["G"], "access": "AQI="})
        );
        for (url, _) in AMINO_NAMES {
            assert!(amino_json(url, &[]).unwrap().is_ok(), "{url}");
            assert_eq!(amino_json(url, &[0xff]).unwrap().unwrap_err().code, 2);
        }
        assert!(amino_json("/cosmos.bank.v1beta1.MsgSend", &[]).is_none());
    }

    #[test]
    fn should_roundtrip_every_msg_through_amino_json() {
        let coin = || {
            Some(Coin {
                denom: "ugpc".into(),
                amount: "5".into(),
            })
        };
        let msgs: Vec<(&str, Vec<u8>)> = vec![
            (
                msg::create_offer::TYPE_URL,
                MsgCreateOffer {
                    provider: "p".into(),
                    sku: "s".into(),
                    gpus_total: 3,
                    price_per_gpu_hour: coin(),
                    min_duration: 1,
                    max_duration: 9,
                    region: "eu".into(),
                }
                .encode_to_vec(),
            ),
            (
                msg::update_offer::TYPE_URL,
                MsgUpdateOffer {
                    provider: "p".into(),
                    offer_id: 2,
                    price_per_gpu_hour: None,
                    gpus_total: Some(0),
                    active: Some(false),
                }
                .encode_to_vec(),
            ),
            (
                msg::close_offer::TYPE_URL,
                MsgCloseOffer {
                    provider: "p".into(),
                    offer_id: 2,
                }
                .encode_to_vec(),
            ),
            (
                msg::create_order::TYPE_URL,
                MsgCreateOrder {
                    tenant: "t".into(),
                    sku: "s".into(),
                    gpu_count: 1,
                    max_price_per_gpu_hour: coin(),
                    duration: 60,
                    deposit: coin(),
                    region: "r".into(),
                    target_offer_id: 4,
                    target_provider: "p".into(),
                    min_attestation_level: 1,
                    ttl: 5,
                }
                .encode_to_vec(),
            ),
            (
                msg::cancel_order::TYPE_URL,
                MsgCancelOrder {
                    tenant: "t".into(),
                    order_id: u64::MAX,
                }
                .encode_to_vec(),
            ),
            (
                msg::ack_lease::TYPE_URL,
                MsgAckLease {
                    signer: "a".into(),
                    lease_id: 1,
                    gpu_uuids: vec!["G1".into(), "G2".into()],
                    access: vec![0, 255],
                }
                .encode_to_vec(),
            ),
            (
                msg::deposit_lease::TYPE_URL,
                MsgDepositLease {
                    depositor: "d".into(),
                    lease_id: 1,
                    amount: coin(),
                }
                .encode_to_vec(),
            ),
            (
                msg::withdraw_lease::TYPE_URL,
                MsgWithdrawLease {
                    provider: "p".into(),
                    lease_id: 1,
                }
                .encode_to_vec(),
            ),
            (
                msg::withdraw_all::TYPE_URL,
                MsgWithdrawAll {
                    provider: "p".into(),
                }
                .encode_to_vec(),
            ),
            (
                msg::close_lease::TYPE_URL,
                MsgCloseLease {
                    signer: "t".into(),
                    lease_id: 1,
                }
                .encode_to_vec(),
            ),
        ];
        assert_eq!(msgs.len(), AMINO_NAMES.len());
        for (url, bytes) in msgs {
            let j = amino_json(url, &bytes).unwrap().unwrap();
            let back = msg_from_amino_json(url, &j["value"]).unwrap().unwrap();
            assert_eq!(back, bytes, "{url}");
        }
        let e = msg_from_amino_json(msg::close_lease::TYPE_URL, &json!({"lease_id": "x"}))
            .unwrap()
            .unwrap_err();
        assert_eq!(e.code, 18);
        assert!(msg_from_amino_json("/other", &json!({})).is_none());
    }
}

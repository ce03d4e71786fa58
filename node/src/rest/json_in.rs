//! Request bodies in the gateway's JSON (gogoproto `jsonpb`, as
//! [`super::json`] writes it) read back into protobuf, for the routes whose
//! request is a message: `POST /cosmos/tx/v1beta1/encode` takes a whole
//! `cosmos.tx.v1beta1.Tx`.
//!
//! As jsonpb reads: field names in proto (snake_case) or JSON (lowerCamel)
//! form, missing fields empty, 64-bit integers as strings or numbers, bytes
//! as standard or URL-safe base64, enums by name or number, `Any` as
//! `{"@type": <type url>, ...fields}` for the types this node knows (an
//! unknown type is an error, as the SDK's interface registry refuses it).
//! Unknown fields are errors, as jsonpb's strict unmarshaler reports them.

use cosmos_sdk_proto::cosmos::bank::v1beta1::{Input, MsgMultiSend, MsgSend, Output};
use cosmos_sdk_proto::cosmos::base::v1beta1::Coin;
use cosmos_sdk_proto::cosmos::crypto::multisig::v1beta1::CompactBitArray;
use cosmos_sdk_proto::cosmos::crypto::multisig::LegacyAminoPubKey;
use cosmos_sdk_proto::cosmos::crypto::{ed25519, secp256k1};
use cosmos_sdk_proto::cosmos::tx::signing::v1beta1::SignMode;
use cosmos_sdk_proto::cosmos::tx::v1beta1::{
    mode_info, AuthInfo, Fee, ModeInfo, SignerInfo, Tip, Tx, TxBody,
};
use cosmos_sdk_proto::Any;
use prost::Message;
use serde_json::{Map, Value};

use super::decode_base64;

/// A JSON object being read: each field is taken once; what is left at the
/// end is an unknown field.
struct Obj<'a> {
    what: &'a str,
    fields: Map<String, Value>,
}

type R<T> = Result<T, String>;

impl<'a> Obj<'a> {
    fn new(v: &Value, what: &'a str) -> R<Self> {
        match v {
            Value::Object(m) => Ok(Self {
                what,
                fields: m.clone(),
            }),
            other => Err(format!("{what}: expected an object, got {other}")),
        }
    }

    /// The field by its proto name or its lowerCamel JSON name; `Null` when
    /// absent.
    fn take(&mut self, name: &str) -> Value {
        let camel = lower_camel(name);
        let a = self.fields.remove(name);
        let b = self.fields.remove(&camel);
        a.or(b).unwrap_or(Value::Null)
    }

    fn string(&mut self, name: &str) -> R<String> {
        match self.take(name) {
            Value::Null => Ok(String::new()),
            Value::String(s) => Ok(s),
            other => Err(format!(
                "{}.{name}: expected a string, got {other}",
                self.what
            )),
        }
    }

    fn u64(&mut self, name: &str) -> R<u64> {
        let what = format!("{}.{name}", self.what);
        match self.take(name) {
            Value::Null => Ok(0),
            Value::Number(n) => n
                .as_u64()
                .ok_or_else(|| format!("{what}: expected an unsigned integer, got {n}")),
            Value::String(s) => s
                .parse()
                .map_err(|_| format!("{what}: expected an unsigned integer, got {s:?}")),
            other => Err(format!("{what}: expected an unsigned integer, got {other}")),
        }
    }

    fn u32(&mut self, name: &str) -> R<u32> {
        let what = format!("{}.{name}", self.what);
        let v = self.u64(name)?;
        u32::try_from(v).map_err(|_| format!("{what}: {v} does not fit 32 bits"))
    }

    fn bytes(&mut self, name: &str) -> R<Vec<u8>> {
        let what = format!("{}.{name}", self.what);
        match self.take(name) {
            Value::Null => Ok(Vec::new()),
            Value::String(s) => b64(&s, &what),
            other => Err(format!("{what}: expected base64, got {other}")),
        }
    }

    fn list(&mut self, name: &str) -> R<Vec<Value>> {
        match self.take(name) {
            Value::Null => Ok(Vec::new()),
            Value::Array(items) => Ok(items),
            other => Err(format!(
                "{}.{name}: expected a list, got {other}",
                self.what
            )),
        }
    }

    fn coins(&mut self, name: &str) -> R<Vec<Coin>> {
        self.list(name)?.iter().map(coin).collect()
    }

    fn opt(&mut self, name: &str) -> Option<Value> {
        match self.take(name) {
            Value::Null => None,
            v => Some(v),
        }
    }

    /// Fails on any field not read.
    fn done(self) -> R<()> {
        match self.fields.keys().next() {
            None => Ok(()),
            Some(k) => Err(format!("{}: unknown field {k:?}", self.what)),
        }
    }
}

fn lower_camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn b64(s: &str, what: &str) -> R<Vec<u8>> {
    decode_base64(s).ok_or_else(|| format!("{what}: illegal base64 data"))
}

fn coin(v: &Value) -> R<Coin> {
    let mut o = Obj::new(v, "coin")?;
    let c = Coin {
        denom: o.string("denom")?,
        amount: match o.take("amount") {
            Value::Number(n) => n.to_string(),
            Value::Null => String::new(),
            Value::String(s) => s,
            other => return Err(format!("coin.amount: expected a string, got {other}")),
        },
    };
    o.done()?;
    Ok(c)
}

/// A `cosmos.tx.v1beta1.Tx`.
pub fn tx(v: &Value) -> R<Tx> {
    let mut o = Obj::new(v, "tx")?;
    let body = o.opt("body").map(|b| tx_body(&b)).transpose()?;
    let auth_info = o.opt("auth_info").map(|a| auth_info(&a)).transpose()?;
    let signatures = o
        .list("signatures")?
        .iter()
        .map(|s| match s {
            Value::String(s) => b64(s, "tx.signatures"),
            other => Err(format!("tx.signatures: expected base64, got {other}")),
        })
        .collect::<R<Vec<_>>>()?;
    o.done()?;
    Ok(Tx {
        body,
        auth_info,
        signatures,
    })
}

fn anys(list: Vec<Value>) -> R<Vec<Any>> {
    list.iter().map(any).collect()
}

fn tx_body(v: &Value) -> R<TxBody> {
    let mut o = Obj::new(v, "body")?;
    let body = TxBody {
        messages: anys(o.list("messages")?)?,
        memo: o.string("memo")?,
        timeout_height: o.u64("timeout_height")?,
        extension_options: anys(o.list("extension_options")?)?,
        non_critical_extension_options: anys(o.list("non_critical_extension_options")?)?,
    };
    o.done()?;
    Ok(body)
}

#[allow(deprecated)] // AuthInfo.tip
fn auth_info(v: &Value) -> R<AuthInfo> {
    let mut o = Obj::new(v, "auth_info")?;
    let signer_infos = o
        .list("signer_infos")?
        .iter()
        .map(signer_info)
        .collect::<R<Vec<_>>>()?;
    let fee = o.opt("fee").map(|f| fee(&f)).transpose()?;
    let tip = o.opt("tip").map(|t| tip(&t)).transpose()?;
    o.done()?;
    Ok(AuthInfo {
        signer_infos,
        fee,
        tip,
    })
}

fn signer_info(v: &Value) -> R<SignerInfo> {
    let mut o = Obj::new(v, "signer_info")?;
    let info = SignerInfo {
        public_key: o.opt("public_key").map(|k| any(&k)).transpose()?,
        mode_info: o.opt("mode_info").map(|m| mode_info(&m)).transpose()?,
        sequence: o.u64("sequence")?,
    };
    o.done()?;
    Ok(info)
}

fn sign_mode(v: &Value) -> R<i32> {
    match v {
        Value::Null => Ok(0),
        Value::Number(n) => n
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .ok_or_else(|| format!("mode: invalid sign mode {n}")),
        Value::String(s) => SignMode::from_str_name(s)
            .map(|m| m as i32)
            .or_else(|| s.parse().ok())
            .ok_or_else(|| format!("mode: unknown sign mode {s:?}")),
        other => Err(format!("mode: expected a sign mode, got {other}")),
    }
}

fn mode_info(v: &Value) -> R<ModeInfo> {
    let mut o = Obj::new(v, "mode_info")?;
    let single = o.opt("single");
    let multi = o.opt("multi");
    o.done()?;
    let sum = match (single, multi) {
        (Some(_), Some(_)) => return Err("mode_info: both single and multi".into()),
        (Some(s), None) => {
            let mut s = Obj::new(&s, "mode_info.single")?;
            let mode = sign_mode(&s.take("mode"))?;
            s.done()?;
            Some(mode_info::Sum::Single(mode_info::Single { mode }))
        }
        (None, Some(m)) => {
            let mut m = Obj::new(&m, "mode_info.multi")?;
            let bitarray = m
                .opt("bitarray")
                .map(|b| {
                    let mut b = Obj::new(&b, "bitarray")?;
                    let out = CompactBitArray {
                        extra_bits_stored: b.u32("extra_bits_stored")?,
                        elems: b.bytes("elems")?,
                    };
                    b.done()?;
                    Ok::<_, String>(out)
                })
                .transpose()?;
            let mode_infos = m
                .list("mode_infos")?
                .iter()
                .map(mode_info)
                .collect::<R<Vec<_>>>()?;
            m.done()?;
            Some(mode_info::Sum::Multi(mode_info::Multi {
                bitarray,
                mode_infos,
            }))
        }
        (None, None) => None,
    };
    Ok(ModeInfo { sum })
}

fn fee(v: &Value) -> R<Fee> {
    let mut o = Obj::new(v, "fee")?;
    let fee = Fee {
        amount: o.coins("amount")?,
        gas_limit: o.u64("gas_limit")?,
        payer: o.string("payer")?,
        granter: o.string("granter")?,
    };
    o.done()?;
    Ok(fee)
}

fn tip(v: &Value) -> R<Tip> {
    let mut o = Obj::new(v, "tip")?;
    let tip = Tip {
        amount: o.coins("amount")?,
        tipper: o.string("tipper")?,
    };
    o.done()?;
    Ok(tip)
}

/// An `Any` of a type this node knows, its fields inline after `@type`.
pub fn any(v: &Value) -> R<Any> {
    let mut o = Obj::new(v, "any")?;
    let type_url = match o.fields.remove("@type") {
        Some(Value::String(t)) => t,
        _ => return Err("any: \"@type\" is required".into()),
    };
    let value = match type_url.as_str() {
        "/cosmos.bank.v1beta1.MsgSend" => MsgSend {
            from_address: o.string("from_address")?,
            to_address: o.string("to_address")?,
            amount: o.coins("amount")?,
        }
        .encode_to_vec(),
        "/cosmos.bank.v1beta1.MsgMultiSend" => {
            let io = |v: &Value, what: &str| -> R<(String, Vec<Coin>)> {
                let mut io = Obj::new(v, what)?;
                let out = (io.string("address")?, io.coins("coins")?);
                io.done()?;
                Ok(out)
            };
            MsgMultiSend {
                inputs: o
                    .list("inputs")?
                    .iter()
                    .map(|v| io(v, "input").map(|(address, coins)| Input { address, coins }))
                    .collect::<R<_>>()?,
                outputs: o
                    .list("outputs")?
                    .iter()
                    .map(|v| io(v, "output").map(|(address, coins)| Output { address, coins }))
                    .collect::<R<_>>()?,
            }
            .encode_to_vec()
        }
        "/cosmos.crypto.secp256k1.PubKey" => secp256k1::PubKey {
            key: o.bytes("key")?,
        }
        .encode_to_vec(),
        "/cosmos.crypto.ed25519.PubKey" => ed25519::PubKey {
            key: o.bytes("key")?,
        }
        .encode_to_vec(),
        "/cosmos.crypto.multisig.LegacyAminoPubKey" => LegacyAminoPubKey {
            threshold: o.u32("threshold")?,
            public_keys: anys(o.list("public_keys")?)?,
        }
        .encode_to_vec(),
        other => return Err(format!("unable to resolve type URL {other}")),
    };
    o.done()?;
    Ok(Any { type_url, value })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::json as j;
    use super::*;

    fn sample_tx() -> Tx {
        let msg = MsgSend {
            from_address: "gpu1a".into(),
            to_address: "gpu1b".into(),
            amount: vec![Coin {
                denom: "ugpc".into(),
                amount: "5".into(),
            }],
        };
        let multi = MsgMultiSend {
            inputs: vec![Input {
                address: "gpu1a".into(),
                coins: vec![],
            }],
            outputs: vec![Output {
                address: "gpu1b".into(),
                coins: vec![],
            }],
        };
        #[allow(deprecated)]
        let auth_info = AuthInfo {
            signer_infos: vec![SignerInfo {
                public_key: Some(Any {
                    type_url: "/cosmos.crypto.secp256k1.PubKey".into(),
                    value: secp256k1::PubKey { key: vec![2; 33] }.encode_to_vec(),
                }),
                mode_info: Some(ModeInfo {
                    sum: Some(mode_info::Sum::Single(mode_info::Single { mode: 127 })),
                }),
                sequence: u64::MAX,
            }],
            fee: Some(Fee {
                amount: vec![Coin {
                    denom: "ugpc".into(),
                    amount: "500".into(),
                }],
                gas_limit: 200_000,
                payer: String::new(),
                granter: "gpu1g".into(),
            }),
            tip: None,
        };
        Tx {
            body: Some(TxBody {
                messages: vec![
                    Any {
                        type_url: "/cosmos.bank.v1beta1.MsgSend".into(),
                        value: msg.encode_to_vec(),
                    },
                    Any {
                        type_url: "/cosmos.bank.v1beta1.MsgMultiSend".into(),
                        value: multi.encode_to_vec(),
                    },
                ],
                memo: "m".into(),
                timeout_height: 9,
                ..TxBody::default()
            }),
            auth_info: Some(auth_info),
            signatures: vec![vec![0xab; 64], vec![]],
        }
    }

    #[test]
    fn should_read_back_the_gateway_json_of_a_tx() {
        let want = sample_tx();
        assert_eq!(tx(&j::tx(&want)).unwrap(), want);
    }

    #[test]
    fn should_accept_camel_case_names_numbers_and_enum_numbers() {
        let v = json!({
            "body": {"messages": [], "timeoutHeight": 7},
            "authInfo": {"signerInfos": [{"modeInfo": {"single": {"mode": 1}}, "sequence": 3}],
                         "fee": {"gasLimit": "100", "amount": [{"denom": "ugpc", "amount": 1}]}},
            "signatures": ["q83v"]
        });
        let got = tx(&v).unwrap();
        assert_eq!(got.body.unwrap().timeout_height, 7);
        let ai = got.auth_info.unwrap();
        assert_eq!(ai.fee.as_ref().unwrap().gas_limit, 100);
        assert_eq!(ai.fee.unwrap().amount[0].amount, "1");
        assert_eq!(ai.signer_infos[0].sequence, 3);
        assert_eq!(got.signatures, vec![vec![0xab, 0xcd, 0xef]]);
    }

    #[test]
    fn should_refuse_unknown_types_fields_and_bad_values() {
        for bad in [
            json!([]),
            json!({"body": {"messages": [{"@type": "/cosmos.gov.v1.MsgVote"}]}}),
            json!({"body": {"messages": [{"from_address": "x"}]}}),
            json!({"body": {"memo": 5}}),
            json!({"body": {"nonsense": 1}}),
            json!({"auth_info": {"fee": {"gas_limit": "-1"}}}),
            json!({"auth_info": {"signer_infos": [{"mode_info": {"single": {"mode": "SIGN_MODE_NOPE"}}}]}}),
            json!({"signatures": ["%%%"]}),
            json!({"extra": true}),
        ] {
            assert!(tx(&bad).is_err(), "{bad}");
        }
        let e = tx(&json!({"body": {"messages": [{"@type": "/x.Y"}]}})).unwrap_err();
        assert_eq!(e, "unable to resolve type URL /x.Y");
    }
}

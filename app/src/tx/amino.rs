//! SIGN_MODE_LEGACY_AMINO_JSON (127): the sign bytes a legacy amino signer
//! (Keplr with a Ledger, CosmJS `OfflineAminoSigner`) signs, rebuilt from the
//! tx as the Cosmos SDK v0.50 does (x/tx aminojson `GetSignBytes`), and
//! byte-for-byte what CosmJS's `serializeSignDoc(makeSignDoc(...))` produces:
//!
//! ```text
//! {"account_number":"N","chain_id":"..","fee":{"amount":[..],"gas":"N"},
//!  "memo":"..","msgs":[{"type":"..","value":{..}}],"sequence":"N"}
//! ```
//!
//! - `timeout_height` only when non-zero; `fee.payer` / `fee.granter` only
//!   when set; `fee.amount` always an array; uint64s as decimal strings;
//! - each Msg's `{"type","value"}` comes from the module that owns it
//!   ([`gpuchain_store::Component::amino_json`]); a Msg without one fails
//!   with code 4;
//! - object keys sorted (byte order) at every level, no whitespace, strings
//!   escaped as Go's `encoding/json` does: `"` `\` and control characters,
//!   and `&` `<` `>` as `\u0026` `\u003c` `\u003e` (CosmJS's
//!   `escapeCharacters`), U+2028/U+2029 as `\u2028`/`\u2029`.

use cosmos_sdk_proto::cosmos::base::v1beta1::Coin;
use cosmos_sdk_proto::cosmos::tx::v1beta1::Fee;
use gpuchain_types::{AppError, AppResult};
use serde_json::{Map, Value};

use super::decode::DecodedTx;
use crate::router::Router;

/// What one signer signs besides the tx itself.
#[derive(Clone, Copy, Debug)]
pub struct SignerData<'a> {
    pub chain_id: &'a str,
    pub account_number: u64,
    pub sequence: u64,
}

/// The canonical StdSignDoc bytes signer `signer` signs for `tx`.
pub fn std_sign_bytes(
    router: &Router,
    tx: &DecodedTx,
    signer: SignerData<'_>,
) -> AppResult<Vec<u8>> {
    if !tx.body.extension_options.is_empty() || !tx.body.non_critical_extension_options.is_empty() {
        return Err(AppError::unauthorized(
            "SIGN_MODE_LEGACY_AMINO_JSON does not support protobuf extension options",
        ));
    }
    let msgs = tx
        .msgs
        .iter()
        .map(|m| {
            let component = router.route(&m.type_url)?;
            component
                .amino_json(&m.type_url, &m.value)
                .unwrap_or_else(|| {
                    Err(AppError::unauthorized(format!(
                        "signing mode not supported for message {}: \
                         SIGN_MODE_LEGACY_AMINO_JSON needs the Msg's amino JSON",
                        m.type_url
                    )))
                })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let fee = tx.auth_info.fee.clone().unwrap_or_default();
    let doc = std_sign_doc(signer, &fee, &tx.body.memo, tx.body.timeout_height, msgs);
    Ok(canonical_json(&doc).into_bytes())
}

/// The StdSignDoc as a JSON value (its key order is irrelevant: it is
/// serialized by [`canonical_json`]).
pub fn std_sign_doc(
    signer: SignerData<'_>,
    fee: &Fee,
    memo: &str,
    timeout_height: u64,
    msgs: Vec<Value>,
) -> Value {
    let mut doc = Map::new();
    doc.insert(
        "account_number".into(),
        Value::String(signer.account_number.to_string()),
    );
    doc.insert("chain_id".into(), Value::String(signer.chain_id.into()));
    doc.insert("fee".into(), std_fee(fee));
    doc.insert("memo".into(), Value::String(memo.into()));
    doc.insert("msgs".into(), Value::Array(msgs));
    doc.insert(
        "sequence".into(),
        Value::String(signer.sequence.to_string()),
    );
    if timeout_height != 0 {
        doc.insert(
            "timeout_height".into(),
            Value::String(timeout_height.to_string()),
        );
    }
    Value::Object(doc)
}

/// The SDK's `AminoSignFee`: `amount` always an array (`legacy_coins`),
/// `gas` always present, `payer`/`granter` omitted when empty.
fn std_fee(fee: &Fee) -> Value {
    let mut v = Map::new();
    v.insert(
        "amount".into(),
        Value::Array(fee.amount.iter().map(coin).collect()),
    );
    v.insert("gas".into(), Value::String(fee.gas_limit.to_string()));
    if !fee.payer.is_empty() {
        v.insert("payer".into(), Value::String(fee.payer.clone()));
    }
    if !fee.granter.is_empty() {
        v.insert("granter".into(), Value::String(fee.granter.clone()));
    }
    Value::Object(v)
}

/// A `cosmos.base.v1beta1.Coin`: `denom` omitted when empty, `amount` (a
/// `cosmos.Int`) always present, `"0"` when empty.
fn coin(c: &Coin) -> Value {
    let mut v = Map::new();
    if !c.denom.is_empty() {
        v.insert("denom".into(), Value::String(c.denom.clone()));
    }
    let amount = if c.amount.is_empty() { "0" } else { &c.amount };
    v.insert("amount".into(), Value::String(amount.into()));
    Value::Object(v)
}

/// Serializes `v` with object keys sorted at every level and no whitespace,
/// escaping strings as Go's `json.Marshal` (HTML-safe) does.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v);
    out
}

fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            // Sorted explicitly: serde_json's map keeps insertion order when
            // a dependency enables `preserve_order`.
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, key);
                out.push(':');
                write_value(out, value);
            }
            out.push('}');
        }
    }
}

fn write_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '&' | '<' | '>' | '\u{0}'..='\u{1f}' | '\u{2028}' | '\u{2029}' => {
                let n = u32::from(c);
                out.push_str("\\u");
                for shift in [12u32, 8, 4, 0] {
                    let nibble = (n >> shift) & 0xf;
                    out.push(char::from(HEX[nibble as usize]));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use cosmos_sdk_proto::cosmos::bank::v1beta1::MsgSend;
    use cosmos_sdk_proto::cosmos::tx::signing::v1beta1::SignMode;
    use cosmos_sdk_proto::cosmos::tx::v1beta1::{
        mode_info, AuthInfo, ModeInfo, SignerInfo, TxBody, TxRaw,
    };
    use cosmos_sdk_proto::Any;
    use gpuchain_types::Address;
    use prost::Message;
    use serde_json::json;

    use super::*;
    use crate::tx::decode::decode_tx;

    const FROM: &str = "gpu1qyqszqgpqyqszqgpqyqszqgpqyqszqgpy6vjgq";
    const TO: &str = "gpu1qgpqyqszqgpqyqszqgpqyqszqgpqyqsz472hrk";

    fn ugpc(amount: &str) -> Coin {
        Coin {
            denom: "ugpc".into(),
            amount: amount.into(),
        }
    }

    #[allow(deprecated)] // AuthInfo.tip
    fn send_tx(memo: &str, timeout_height: u64, fee: Fee) -> DecodedTx {
        let msg = MsgSend {
            from_address: FROM.into(),
            to_address: TO.into(),
            amount: vec![ugpc("1000")],
        };
        let body = TxBody {
            messages: vec![Any {
                type_url: "/cosmos.bank.v1beta1.MsgSend".into(),
                value: msg.encode_to_vec(),
            }],
            memo: memo.into(),
            timeout_height,
            extension_options: vec![],
            non_critical_extension_options: vec![],
        };
        let auth_info = AuthInfo {
            signer_infos: vec![SignerInfo {
                public_key: None,
                mode_info: Some(ModeInfo {
                    sum: Some(mode_info::Sum::Single(mode_info::Single {
                        mode: SignMode::LegacyAminoJson as i32,
                    })),
                }),
                sequence: 3,
            }],
            fee: Some(fee),
            tip: None,
        };
        let raw = TxRaw {
            body_bytes: body.encode_to_vec(),
            auth_info_bytes: auth_info.encode_to_vec(),
            signatures: vec![vec![0; 64]],
        };
        decode_tx(&Router::standard(), &raw.encode_to_vec(), 1 << 20, false).unwrap()
    }

    fn fee(payer: &str, granter: &str) -> Fee {
        Fee {
            amount: vec![ugpc("500")],
            gas_limit: 200_000,
            payer: payer.into(),
            granter: granter.into(),
        }
    }

    fn signer() -> SignerData<'static> {
        SignerData {
            chain_id: "gpuchain-test-1",
            account_number: 7,
            sequence: 3,
        }
    }

    fn sign_bytes(tx: &DecodedTx) -> String {
        String::from_utf8(std_sign_bytes(&Router::standard(), tx, signer()).unwrap()).unwrap()
    }

    #[test]
    fn should_use_the_literal_test_addresses() {
        assert_eq!(Address([1; 20]).to_string(), FROM);
        assert_eq!(Address([2; 20]).to_string(), TO);
    }

    /// The expected bytes were derived by hand with CosmJS's algorithm:
    /// `serializeSignDoc(makeSignDoc([{type: "cosmos-sdk/MsgSend", value:
    /// {from_address, to_address, amount: [{denom: "ugpc", amount:
    /// "1000"}]}}], {amount: [{denom: "ugpc", amount: "500"}], gas:
    /// "200000"}, "gpuchain-test-1", "a<b>&c", 7, 3))`, i.e.
    /// `escapeCharacters(sortedJsonStringify(doc))`.
    #[test]
    fn should_match_cosmjs_serialize_sign_doc_when_fixed_vector() {
        let got = sign_bytes(&send_tx("a<b>&c", 0, fee("", "")));
        let want = r#"{"account_number":"7","chain_id":"gpuchain-test-1","fee":{"amount":[{"amount":"500","denom":"ugpc"}],"gas":"200000"},"memo":"a\u003cb\u003e\u0026c","msgs":[{"type":"cosmos-sdk/MsgSend","value":{"amount":[{"amount":"1000","denom":"ugpc"}],"from_address":"gpu1qyqszqgpqyqszqgpqyqszqgpqyqszqgpy6vjgq","to_address":"gpu1qgpqyqszqgpqyqszqgpqyqszqgpqyqsz472hrk"}}],"sequence":"3"}"#;
        assert_eq!(got, want);
    }

    #[test]
    fn should_add_timeout_height_only_when_non_zero() {
        let got = sign_bytes(&send_tx("", 42, fee("", "")));
        assert!(got.ends_with(r#","memo":"","msgs":[{"type":"cosmos-sdk/MsgSend","value":{"amount":[{"amount":"1000","denom":"ugpc"}],"from_address":"gpu1qyqszqgpqyqszqgpqyqszqgpqyqszqgpy6vjgq","to_address":"gpu1qgpqyqszqgpqyqszqgpqyqszqgpqyqsz472hrk"}}],"sequence":"3","timeout_height":"42"}"#), "{got}");
        assert!(!sign_bytes(&send_tx("", 0, fee("", ""))).contains("timeout_height"));
    }

    #[test]
    fn should_add_fee_payer_and_granter_only_when_set() {
        let got = sign_bytes(&send_tx("", 0, fee(TO, "gpu1granter")));
        assert!(
            got.contains(r#""fee":{"amount":[{"amount":"500","denom":"ugpc"}],"gas":"200000","granter":"gpu1granter","payer":"gpu1qgpqyqszqgpqyqszqgpqyqszqgpqyqsz472hrk"},"memo""#),
            "{got}"
        );
        let payer_only = sign_bytes(&send_tx("", 0, fee(TO, "")));
        assert!(payer_only.contains(r#""gas":"200000","payer":"gpu1"#));
        assert!(!payer_only.contains("granter"));
    }

    #[test]
    fn should_keep_fee_amount_as_array_when_empty() {
        let doc = std_sign_doc(signer(), &Fee::default(), "", 0, vec![]);
        assert_eq!(
            canonical_json(&doc),
            r#"{"account_number":"7","chain_id":"gpuchain-test-1","fee":{"amount":[],"gas":"0"},"memo":"","msgs":[],"sequence":"3"}"#
        );
    }

    #[test]
    fn should_sort_keys_recursively_without_whitespace() {
        let v = json!({
            "b": [ {"z": 1, "y": {"d": true, "c": null}}, "s" ],
            "a": {"b": "x", "a": -2.5},
            "B": 0,
            "_": []
        });
        assert_eq!(
            canonical_json(&v),
            r#"{"B":0,"_":[],"a":{"a":-2.5,"b":"x"},"b":[{"y":{"c":null,"d":true},"z":1},"s"]}"#
        );
    }

    #[test]
    fn should_escape_like_go_and_cosmjs() {
        let v = json!({"k<&>": "a&b<c>d\"e\\f\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}é€😀\u{2028}/"});
        assert_eq!(
            canonical_json(&v),
            r#"{"k\u003c\u0026\u003e":"a\u0026b\u003cc\u003ed\"e\\f\n\r\t\b\f\u0001\u001f"#
                .to_string()
                + "\u{7f}é€😀"
                + r#"\u2028/"}"#
        );
    }

    /// A module whose Msg has no amino JSON (the trait's default).
    struct NoAmino;

    impl gpuchain_store::Component for NoAmino {
        fn name(&self) -> &'static str {
            "noamino"
        }
        fn init_genesis(
            &self,
            _: &mut dyn gpuchain_store::StateWrite,
            _: &Value,
            _: &gpuchain_types::BlockContext,
        ) -> AppResult<()> {
            Ok(())
        }
        fn msg_types(&self) -> &'static [&'static str] {
            &["/cosmos.bank.v1beta1.MsgSend"]
        }
        fn check_msg(&self, _: &str, _: &[u8]) -> AppResult<Vec<Address>> {
            Ok(vec![Address([1; 20])])
        }
    }

    #[test]
    fn should_fail_with_code_4_when_msg_has_no_amino_json() {
        let tx = send_tx("", 0, fee("", ""));
        let router = Router::new(vec![Box::new(NoAmino)]);
        let e = std_sign_bytes(&router, &tx, signer()).unwrap_err();
        assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 4));
        assert!(
            e.log
                .starts_with("signing mode not supported for message /cosmos.bank.v1beta1.MsgSend"),
            "{}",
            e.log
        );
    }

    #[test]
    fn should_fail_with_code_4_when_extension_options_present() {
        let mut tx = send_tx("", 0, fee("", ""));
        tx.body.non_critical_extension_options.push(Any::default());
        let e = std_sign_bytes(&Router::standard(), &tx, signer()).unwrap_err();
        assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 4));
    }
}

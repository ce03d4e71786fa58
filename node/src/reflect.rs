//! gpuchain's own messages (market, escrow, attestation) by reflection over
//! the descriptor set the proto crate embeds: one generic path from CLI
//! arguments or REST parameters to a request proto, and from any response
//! proto to the JSON the Cosmos gRPC-gateway would render (proto field
//! names, every field present, 64-bit integers as strings, enums by name).

use std::sync::OnceLock;

use anyhow::{anyhow, bail, Context, Result};
use prost::Message;
use prost_reflect::{
    DescriptorPool, DeserializeOptions, DynamicMessage, FieldDescriptor, Kind, MessageDescriptor,
    SerializeOptions,
};
use serde_json::{Map, Value};

/// The pool of every gpuchain message and its imports.
pub fn pool() -> Result<&'static DescriptorPool> {
    static POOL: OnceLock<Result<DescriptorPool, String>> = OnceLock::new();
    POOL.get_or_init(|| {
        DescriptorPool::decode(gpuchain_proto::FILE_DESCRIPTOR_SET).map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| anyhow!("gpuchain descriptor set: {e}"))
}

pub fn message(name: &str) -> Result<MessageDescriptor> {
    pool()?
        .get_message_by_name(name)
        .ok_or_else(|| anyhow!("unknown message type {name}"))
}

/// The request and response types of a gRPC method path
/// (`/gpuchain.market.v1.Query/Lease`): from the service when the .proto
/// declares one, else by the Cosmos naming convention
/// (`QueryLeaseRequest` / `QueryLeaseResponse`).
pub fn method(path: &str) -> Result<(MessageDescriptor, MessageDescriptor)> {
    let (service, name) = path
        .trim_start_matches('/')
        .split_once('/')
        .ok_or_else(|| anyhow!("bad method path {path}"))?;
    let pool = pool()?;
    if let Some(svc) = pool.get_service_by_name(service) {
        if let Some(m) = svc.methods().find(|m| m.name() == name) {
            return Ok((m.input(), m.output()));
        }
    }
    let package = service.rsplit_once('.').map(|(p, _)| p).unwrap_or("");
    Ok((
        message(&format!("{package}.Query{name}Request"))?,
        message(&format!("{package}.Query{name}Response"))?,
    ))
}

/// A message's bytes as gateway JSON.
pub fn to_json(desc: &MessageDescriptor, bytes: &[u8]) -> Result<Value> {
    let msg = DynamicMessage::decode(desc.clone(), bytes)
        .with_context(|| format!("decode {}", desc.full_name()))?;
    let opts = SerializeOptions::new()
        .use_proto_field_name(true)
        .skip_default_fields(false)
        .stringify_64_bit_integers(true);
    msg.serialize_with_options(serde_json::value::Serializer, &opts)
        .with_context(|| format!("render {}", desc.full_name()))
}

/// Protobuf bytes from JSON (proto names or JSON names; unknown fields are
/// an error, so a mistyped flag is never silently dropped).
pub fn from_json(desc: &MessageDescriptor, value: Value) -> Result<Vec<u8>> {
    let opts = DeserializeOptions::new().deny_unknown_fields(true);
    let msg = DynamicMessage::deserialize_with_options(desc.clone(), value, &opts)
        .map_err(|e| anyhow!("{}: {e}", desc.full_name()))?;
    Ok(msg.encode_to_vec())
}

/// JSON for `desc` from `name=value` strings (CLI flags, URL parameters):
/// `a.b=v` sets a nested field; a field of type `Coin` takes `100ugpc`; a
/// repeated field takes comma-separated values or the key repeated; bools
/// take `true`/`false`; a repeated message field also takes one JSON array.
/// Names may use `-` for `_`.
pub fn args_to_json(desc: &MessageDescriptor, args: &[(String, String)]) -> Result<Value> {
    let mut root = Map::new();
    for (key, raw) in args {
        let key = key.replace('-', "_");
        set_path(desc, &mut root, &key, raw).with_context(|| format!("argument {key}"))?;
    }
    Ok(Value::Object(root))
}

fn set_path(
    desc: &MessageDescriptor,
    obj: &mut Map<String, Value>,
    key: &str,
    raw: &str,
) -> Result<()> {
    let (head, rest) = match key.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (key, None),
    };
    let field = desc
        .get_field_by_name(head)
        .ok_or_else(|| anyhow!("{} has no field {head}", desc.full_name()))?;
    match rest {
        Some(rest) => {
            let Kind::Message(inner) = field.kind() else {
                bail!("{head} is not a message");
            };
            let entry = obj
                .entry(head.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(inner_obj) = entry else {
                bail!("{head} given twice");
            };
            set_path(&inner, inner_obj, rest, raw)
        }
        None => {
            if field.is_list() {
                let items = obj
                    .entry(head.to_string())
                    .or_insert_with(|| Value::Array(Vec::new()));
                let Value::Array(items) = items else {
                    bail!("{head} given twice");
                };
                if matches!(field.kind(), Kind::Message(_)) && raw.trim_start().starts_with('[') {
                    // A list of messages as one JSON array.
                    let Value::Array(given) = serde_json::from_str(raw)
                        .with_context(|| format!("{head}: expected a JSON array"))?
                    else {
                        bail!("{head}: expected a JSON array");
                    };
                    items.extend(given);
                } else {
                    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                        items.push(scalar(&field, part)?);
                    }
                }
            } else {
                obj.insert(head.to_string(), scalar(&field, raw)?);
            }
            Ok(())
        }
    }
}

fn scalar(field: &FieldDescriptor, raw: &str) -> Result<Value> {
    Ok(match field.kind() {
        Kind::Bool => Value::Bool(match raw {
            "true" | "1" => true,
            "false" | "0" => false,
            _ => bail!("{}: not a bool: {raw:?}", field.name()),
        }),
        Kind::Message(m) if m.full_name() == "cosmos.base.v1beta1.Coin" => {
            let split = raw
                .find(|c: char| !c.is_ascii_digit())
                .filter(|i| *i > 0)
                .ok_or_else(|| anyhow!("{}: not a coin like 100ugpc: {raw:?}", field.name()))?;
            let (amount, denom) = raw.split_at(split);
            serde_json::json!({"denom": denom, "amount": amount})
        }
        Kind::Message(_) => serde_json::from_str(raw)
            .with_context(|| format!("{}: expected JSON for a message", field.name()))?,
        Kind::Bytes => {
            // Bytes are given as hex (or base64 with a `b64:` prefix) and
            // carried as base64, as proto JSON wants.
            use base64::Engine;
            let b = match raw.strip_prefix("b64:") {
                Some(b) => base64::engine::general_purpose::STANDARD
                    .decode(b)
                    .context("bad base64")?,
                None => hex::decode(raw).context("bytes are hex (or b64:...)")?,
            };
            Value::String(base64::engine::general_purpose::STANDARD.encode(b))
        }
        // Numbers and enums: proto JSON accepts strings for both.
        _ => Value::String(raw.to_string()),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn should_decode_the_embedded_descriptor_set_with_cosmos_imports() {
        let coin = message("cosmos.base.v1beta1.Coin").unwrap();
        let v = args_to_json(&coin, &[("amount".into(), "5".into())]).unwrap();
        let bytes = from_json(&coin, v).unwrap();
        let decoded =
            cosmos_sdk_proto::cosmos::base::v1beta1::Coin::decode(bytes.as_slice()).unwrap();
        assert_eq!(decoded.amount, "5");
        let json = to_json(&coin, &bytes).unwrap();
        assert_eq!(json, serde_json::json!({"denom": "", "amount": "5"}));
    }

    #[test]
    fn should_build_nested_and_repeated_fields_from_arguments() {
        let page = message("cosmos.base.query.v1beta1.PageRequest").unwrap();
        let v = args_to_json(
            &page,
            &[
                ("limit".into(), "10".into()),
                ("count-total".into(), "true".into()),
                ("key".into(), "0a0b".into()),
            ],
        )
        .unwrap();
        assert_eq!(
            v,
            serde_json::json!({"limit": "10", "count_total": true, "key": "Cgs="})
        );
        let bytes = from_json(&page, v).unwrap();
        let p =
            cosmos_sdk_proto::cosmos::base::query::v1beta1::PageRequest::decode(bytes.as_slice())
                .unwrap();
        assert_eq!((p.limit, p.count_total, p.key), (10, true, vec![10, 11]));
        assert!(args_to_json(&page, &[("nope".into(), "1".into())]).is_err());
        assert!(args_to_json(&page, &[("reverse".into(), "maybe".into())]).is_err());
    }
}

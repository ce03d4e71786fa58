//! Queries every client needs: an account's number, sequence and public key,
//! and a committed tx as the Cosmos SDK's CLI prints it.

use anyhow::{anyhow, bail, Context, Result};
use cosmos_sdk_proto::cosmos::auth::v1beta1::{
    BaseAccount, QueryAccountRequest, QueryAccountResponse,
};
use cosmos_sdk_proto::cosmos::crypto::secp256k1::PubKey;
use gpuchain_types::Address;
use prost::Message;
use serde_json::{json, Value};

use crate::rpc::Rpc;

/// Type URL of a BaseAccount in a `QueryAccountResponse`.
pub const BASE_ACCOUNT_TYPE_URL: &str = "/cosmos.auth.v1beta1.BaseAccount";
/// Type URL of a secp256k1 public key in an account or signer info.
pub const SECP256K1_PUBKEY_TYPE_URL: &str = "/cosmos.crypto.secp256k1.PubKey";

/// The account at `address` (`/cosmos.auth.v1beta1.Query/Account`); an
/// unknown account is a [`crate::QueryError`] with code 22 (not found).
pub fn account(rpc: &Rpc, address: &Address) -> Result<BaseAccount> {
    let req = QueryAccountRequest {
        address: address.to_string(),
    };
    let raw = rpc.abci_query("/cosmos.auth.v1beta1.Query/Account", &req.encode_to_vec())?;
    let resp = QueryAccountResponse::decode(raw.as_slice())?;
    let any = resp
        .account
        .ok_or_else(|| anyhow!("empty account response"))?;
    if any.type_url != BASE_ACCOUNT_TYPE_URL {
        bail!("unexpected account type {}", any.type_url);
    }
    Ok(BaseAccount::decode(any.value.as_slice())?)
}

/// The compressed secp256k1 public key of an account, None while the
/// account has never signed a tx (the chain learns a key from its first tx).
pub fn account_pubkey(acc: &BaseAccount) -> Result<Option<[u8; 33]>> {
    let Some(any) = acc.pub_key.as_ref() else {
        return Ok(None);
    };
    if any.type_url != SECP256K1_PUBKEY_TYPE_URL {
        bail!(
            "account {} has a {} key, not secp256k1",
            acc.address,
            any.type_url
        );
    }
    let key = PubKey::decode(any.value.as_slice()).context("decoding the account's public key")?;
    let key: [u8; 33] = key
        .key
        .as_slice()
        .try_into()
        .map_err(|_| anyhow!("account public key is {} bytes, not 33", key.key.len()))?;
    Ok(Some(key))
}

/// A committed tx (the `tx` RPC result) as the SDK's CLI prints it
/// (TxResponse fields).
pub fn tx_json(v: &Value) -> Value {
    let r = &v["tx_result"];
    json!({
        "height": v["height"],
        "txhash": v["hash"],
        "codespace": r["codespace"],
        "code": r["code"].as_u64().unwrap_or(0),
        "raw_log": r["log"],
        "gas_wanted": r["gas_wanted"],
        "gas_used": r["gas_used"],
        "events": r["events"],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmos_sdk_proto::Any;

    fn acc(pub_key: Option<Any>) -> BaseAccount {
        BaseAccount {
            address: "gpu1x".into(),
            pub_key,
            account_number: 1,
            sequence: 2,
        }
    }

    #[test]
    fn should_return_pubkey_when_account_has_a_secp256k1_key() {
        let key = [2u8; 33];
        let any = Any {
            type_url: SECP256K1_PUBKEY_TYPE_URL.into(),
            value: PubKey { key: key.to_vec() }.encode_to_vec(),
        };
        assert_eq!(account_pubkey(&acc(Some(any))).unwrap(), Some(key));
        assert_eq!(account_pubkey(&acc(None)).unwrap(), None);
    }

    #[test]
    fn should_fail_when_account_key_is_not_secp256k1() {
        let other = Any {
            type_url: "/cosmos.crypto.ed25519.PubKey".into(),
            value: vec![],
        };
        assert!(account_pubkey(&acc(Some(other))).is_err());
        let short = Any {
            type_url: SECP256K1_PUBKEY_TYPE_URL.into(),
            value: PubKey { key: vec![2; 32] }.encode_to_vec(),
        };
        assert!(account_pubkey(&acc(Some(short))).is_err());
    }

    #[test]
    fn should_shape_committed_tx_like_the_sdk_when_printing() {
        let v = json!({"height": "5", "hash": "AB", "tx_result": {"code": 3, "codespace": "sdk",
            "log": "bad", "gas_wanted": "10", "gas_used": "7", "events": []}});
        let j = tx_json(&v);
        assert_eq!(j["height"], "5");
        assert_eq!(j["txhash"], "AB");
        assert_eq!(j["code"], 3);
        assert_eq!(j["raw_log"], "bad");
        assert_eq!(j["gas_used"], "7");
    }
}

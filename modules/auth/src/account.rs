//! BaseAccount helpers: building accounts and packing/unpacking public keys.

use cosmos_sdk_proto::cosmos::auth::v1beta1::BaseAccount;
use cosmos_sdk_proto::cosmos::crypto::secp256k1::PubKey;
use cosmos_sdk_proto::Any;
use gpuchain_types::error::code;
use gpuchain_types::{Address, AppResult};
use prost::Message;

use crate::error::sdk_wrapped;

/// The type URL of a user account (the only one CosmJS accepts for users).
pub const BASE_ACCOUNT_TYPE_URL: &str = "/cosmos.auth.v1beta1.BaseAccount";

/// The type URL of a secp256k1 public key.
pub const SECP256K1_PUBKEY_TYPE_URL: &str = "/cosmos.crypto.secp256k1.PubKey";

/// A fresh account: no public key yet, sequence 0.
pub fn new_base_account(address: &Address, account_number: u64) -> BaseAccount {
    BaseAccount {
        address: address.to_string(),
        pub_key: None,
        account_number,
        sequence: 0,
    }
}

/// The address of an account, parsed from its bech32 field (code 7 if bad).
pub fn account_address(account: &BaseAccount) -> AppResult<Address> {
    Address::from_bech32(&account.address)
}

/// Packs a 33-byte compressed secp256k1 key as the `Any` an account holds;
/// any other length is `invalid pubkey` (code 8).
pub fn secp256k1_pubkey_any(compressed: &[u8]) -> AppResult<Any> {
    check_pubkey_len(compressed)?;
    Ok(Any {
        type_url: SECP256K1_PUBKEY_TYPE_URL.to_string(),
        value: PubKey {
            key: compressed.to_vec(),
        }
        .encode_to_vec(),
    })
}

/// The 33 compressed key bytes of a packed secp256k1 key; any other type or
/// a malformed key is `invalid pubkey` (code 8).
pub fn secp256k1_pubkey_bytes(any: &Any) -> AppResult<Vec<u8>> {
    if any.type_url != SECP256K1_PUBKEY_TYPE_URL {
        return Err(sdk_wrapped(
            code::INVALID_PUBKEY,
            format!("unsupported public key type {}", any.type_url),
        ));
    }
    let key = PubKey::decode(any.value.as_slice())
        .map_err(|e| sdk_wrapped(code::INVALID_PUBKEY, format!("bad secp256k1 key: {e}")))?
        .key;
    check_pubkey_len(&key)?;
    Ok(key)
}

fn check_pubkey_len(key: &[u8]) -> AppResult<()> {
    if key.len() == 33 && matches!(key.first(), Some(0x02 | 0x03)) {
        Ok(())
    } else {
        Err(sdk_wrapped(
            code::INVALID_PUBKEY,
            format!(
                "secp256k1 public key must be 33 compressed bytes, got {}",
                key.len()
            ),
        ))
    }
}

/// Decodes a stored account.
pub(crate) fn decode_account(bytes: &[u8]) -> AppResult<BaseAccount> {
    BaseAccount::decode(bytes).map_err(|e| crate::error::corrupt(format!("account: {e}")))
}

/// The `Any` of an account, as `/Account` and `/Accounts` return it.
pub(crate) fn account_any(account: &BaseAccount) -> Any {
    Any {
        type_url: BASE_ACCOUNT_TYPE_URL.to_string(),
        value: account.encode_to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_roundtrip_pubkey_when_packed() {
        let mut key = vec![0x02];
        key.extend_from_slice(&[7; 32]);
        let any = secp256k1_pubkey_any(&key).unwrap();
        assert_eq!(any.type_url, "/cosmos.crypto.secp256k1.PubKey");
        // PubKey{key=1: bytes} : tag 0x0a, length 33.
        assert_eq!(&any.value[..2], &[0x0a, 33]);
        assert_eq!(secp256k1_pubkey_bytes(&any).unwrap(), key);
    }

    #[test]
    fn should_fail_with_code_8_when_pubkey_is_bad() {
        assert_eq!(secp256k1_pubkey_any(&[2; 32]).unwrap_err().code, 8);
        assert_eq!(secp256k1_pubkey_any(&[4; 33]).unwrap_err().code, 8);
        let other = Any {
            type_url: "/cosmos.crypto.ed25519.PubKey".into(),
            value: vec![],
        };
        assert_eq!(secp256k1_pubkey_bytes(&other).unwrap_err().code, 8);
        let garbage = Any {
            type_url: SECP256K1_PUBKEY_TYPE_URL.into(),
            value: vec![0xff, 0xff],
        };
        assert_eq!(secp256k1_pubkey_bytes(&garbage).unwrap_err().code, 8);
    }

    #[test]
    fn should_build_fresh_account_when_new() {
        let a = Address([3; 20]);
        let acc = new_base_account(&a, 9);
        assert_eq!(acc.account_number, 9);
        assert_eq!(acc.sequence, 0);
        assert!(acc.pub_key.is_none());
        assert_eq!(account_address(&acc).unwrap(), a);
    }
}

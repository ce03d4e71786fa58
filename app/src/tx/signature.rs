//! secp256k1 public keys and SIGN_MODE_DIRECT signatures, as the Cosmos SDK
//! checks them.

use cosmos_sdk_proto::cosmos::crypto::secp256k1::PubKey;
use cosmos_sdk_proto::cosmos::tx::v1beta1::SignDoc;
use cosmos_sdk_proto::Any;
use gpuchain_types::error::code;
use gpuchain_types::{Address, AppError, AppResult};
use k256::ecdsa::signature::Verifier;
use k256::ecdsa::{Signature, VerifyingKey};
use prost::Message;

pub const SECP256K1_PUBKEY_TYPE: &str = "/cosmos.crypto.secp256k1.PubKey";

/// A signer's public key from its Any, checked to be a valid compressed
/// secp256k1 point.
pub fn decode_pubkey(any: &Any) -> AppResult<[u8; 33]> {
    decode_pubkey_point(any).map(|(key, _)| key)
}

/// [`decode_pubkey`], also returning the decompressed point so a caller that
/// verifies with the key does not decompress it a second time.
pub fn decode_pubkey_point(any: &Any) -> AppResult<([u8; 33], VerifyingKey)> {
    let key = pubkey_bytes(any)?;
    let point = VerifyingKey::from_sec1_bytes(&key)
        .map_err(|_| AppError::sdk(code::INVALID_PUBKEY, "public key is not a valid point"))?;
    Ok((key, point))
}

/// [`decode_pubkey`] that skips the point check (a square root, about as
/// costly as a tenth of a signature verification) for keys in `valid`:
/// keys the parallel pre-check already decompressed. Validity depends on the
/// bytes alone, so the result is the same either way.
pub fn decode_pubkey_known(any: &Any, valid: &[[u8; 33]]) -> AppResult<[u8; 33]> {
    let key = pubkey_bytes(any)?;
    if valid.contains(&key) {
        return Ok(key);
    }
    decode_pubkey(any)
}

/// The 33 key bytes of a secp256k1 PubKey Any, the point not yet checked.
fn pubkey_bytes(any: &Any) -> AppResult<[u8; 33]> {
    if any.type_url != SECP256K1_PUBKEY_TYPE {
        return Err(AppError::sdk(
            code::INVALID_PUBKEY,
            format!("unsupported public key type {}", any.type_url),
        ));
    }
    let pk = PubKey::decode(any.value.as_slice())
        .map_err(|e| AppError::sdk(code::INVALID_PUBKEY, format!("invalid public key: {e}")))?;
    pk.key.as_slice().try_into().map_err(|_| {
        AppError::sdk(
            code::INVALID_PUBKEY,
            format!("public key must be 33 bytes, got {}", pk.key.len()),
        )
    })
}

pub fn encode_pubkey(key: &[u8; 33]) -> Any {
    Any {
        type_url: SECP256K1_PUBKEY_TYPE.to_string(),
        value: PubKey { key: key.to_vec() }.encode_to_vec(),
    }
}

pub fn pubkey_address(key: &[u8; 33]) -> Address {
    Address::from_pubkey(key)
}

/// The bytes a SIGN_MODE_DIRECT signer signs.
pub fn direct_sign_bytes(
    body_bytes: &[u8],
    auth_info_bytes: &[u8],
    chain_id: &str,
    account_number: u64,
) -> Vec<u8> {
    SignDoc {
        body_bytes: body_bytes.to_vec(),
        auth_info_bytes: auth_info_bytes.to_vec(),
        chain_id: chain_id.to_string(),
        account_number,
    }
    .encode_to_vec()
}

/// Verifies a 64-byte r||s signature over sha256(msg); high-S signatures are
/// rejected as malleable, like the SDK does.
pub fn verify_secp256k1(key: &[u8; 33], msg: &[u8], sig: &[u8]) -> bool {
    let Ok(vk) = VerifyingKey::from_sec1_bytes(key) else {
        return false;
    };
    verify_secp256k1_point(&vk, msg, sig)
}

/// [`verify_secp256k1`] with the key already decompressed.
pub fn verify_secp256k1_point(key: &VerifyingKey, msg: &[u8], sig: &[u8]) -> bool {
    let Ok(sig) = Signature::from_slice(sig) else {
        return false;
    };
    if sig.normalize_s().is_some() {
        return false;
    }
    key.verify(msg, &sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use k256::ecdsa::signature::Signer;
    use k256::ecdsa::SigningKey;

    fn key() -> SigningKey {
        SigningKey::from_slice(&[7u8; 32]).unwrap()
    }

    fn compressed(sk: &SigningKey) -> [u8; 33] {
        sk.verifying_key()
            .to_encoded_point(true)
            .as_bytes()
            .try_into()
            .unwrap()
    }

    #[test]
    fn should_verify_low_s_and_reject_high_s() {
        let sk = key();
        let pk = compressed(&sk);
        let sig: Signature = sk.sign(b"hello");
        let sig = sig.normalize_s().unwrap_or(sig);
        assert!(verify_secp256k1(&pk, b"hello", &sig.to_bytes()));
        assert!(!verify_secp256k1(&pk, b"hellO", &sig.to_bytes()));
        // The same signature with s replaced by n - s is valid ECDSA but malleable.
        let (r, s) = (sig.r(), sig.s());
        let high = Signature::from_scalars(r, -*s.as_ref()).unwrap();
        assert!(!verify_secp256k1(&pk, b"hello", &high.to_bytes()));
        assert!(!verify_secp256k1(&pk, b"hello", &[0u8; 64]));
        assert!(!verify_secp256k1(&pk, b"hello", &[1u8; 63]));
    }

    #[test]
    fn should_reject_bad_pubkeys_with_code_8() {
        let wrong_type = Any {
            type_url: "/cosmos.crypto.ed25519.PubKey".into(),
            value: vec![],
        };
        assert_eq!(decode_pubkey(&wrong_type).unwrap_err().code, 8);
        let short = Any {
            type_url: SECP256K1_PUBKEY_TYPE.into(),
            value: PubKey { key: vec![2; 20] }.encode_to_vec(),
        };
        assert_eq!(decode_pubkey(&short).unwrap_err().code, 8);
        let not_point = Any {
            type_url: SECP256K1_PUBKEY_TYPE.into(),
            value: PubKey { key: vec![9; 33] }.encode_to_vec(),
        };
        assert_eq!(decode_pubkey(&not_point).unwrap_err().code, 8);
        let good = encode_pubkey(&compressed(&key()));
        assert_eq!(decode_pubkey(&good).unwrap(), compressed(&key()));
    }

    #[test]
    fn should_decode_known_keys_as_unknown_ones_when_valid() {
        let good = encode_pubkey(&compressed(&key()));
        let known = [compressed(&key())];
        assert_eq!(decode_pubkey_known(&good, &known).unwrap(), known[0]);
        assert_eq!(decode_pubkey_known(&good, &[]).unwrap(), known[0]);
        let not_point = Any {
            type_url: SECP256K1_PUBKEY_TYPE.into(),
            value: PubKey { key: vec![9; 33] }.encode_to_vec(),
        };
        assert_eq!(decode_pubkey_known(&not_point, &known).unwrap_err().code, 8);
        let (k, point) = decode_pubkey_point(&good).unwrap();
        assert_eq!(k, known[0]);
        let sig: Signature = key().sign(b"hello");
        let sig = sig.normalize_s().unwrap_or(sig);
        assert!(verify_secp256k1_point(&point, b"hello", &sig.to_bytes()));
    }
}

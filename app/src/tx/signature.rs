//! secp256k1 public keys and SIGN_MODE_DIRECT signatures, as the Cosmos SDK
//! checks them.

use cosmos_sdk_proto::cosmos::crypto::secp256k1::PubKey;
use cosmos_sdk_proto::cosmos::tx::v1beta1::SignDoc;
use cosmos_sdk_proto::Any;
use gpuchain_types::error::code;
use gpuchain_types::{Address, AppError, AppResult};
use prost::Message;
use secp256k1::ecdsa::Signature;
use secp256k1::{PublicKey, Secp256k1, VerifyOnly};
use sha2::{Digest, Sha256};

pub const SECP256K1_PUBKEY_TYPE: &str = "/cosmos.crypto.secp256k1.PubKey";

/// A signer's public key from its Any, checked to be a valid compressed
/// secp256k1 point.
pub fn decode_pubkey(any: &Any) -> AppResult<[u8; 33]> {
    decode_pubkey_point(any).map(|(key, _)| key)
}

/// [`decode_pubkey`], also returning the decompressed point so a caller that
/// verifies with the key does not decompress it a second time.
pub fn decode_pubkey_point(any: &Any) -> AppResult<([u8; 33], PublicKey)> {
    let key = pubkey_bytes(any)?;
    let point = PublicKey::from_slice(&key)
        .map_err(|_| AppError::sdk(code::INVALID_PUBKEY, "public key is not a valid point"))?;
    Ok((key, point))
}

/// [`decode_pubkey`] that skips the point check (a square root, about as
/// costly as a tenth of a signature verification) for keys in `valid`:
/// keys the parallel pre-check already decompressed. Validity depends on the
/// bytes alone, so the result is the same either way. A key checked here
/// comes with its point, so verifying with it does not decompress it again.
pub fn decode_pubkey_known(
    any: &Any,
    valid: &[[u8; 33]],
) -> AppResult<([u8; 33], Option<PublicKey>)> {
    let key = pubkey_bytes(any)?;
    if valid.contains(&key) {
        return Ok((key, None));
    }
    decode_pubkey_point(any).map(|(key, point)| (key, Some(point)))
}

/// The 33 key bytes of a secp256k1 PubKey Any, the point not yet checked.
pub(crate) fn pubkey_bytes(any: &Any) -> AppResult<[u8; 33]> {
    if any.type_url != SECP256K1_PUBKEY_TYPE {
        return Err(AppError::sdk(
            code::INVALID_PUBKEY,
            format!("unsupported public key type {}", any.type_url),
        ));
    }
    // The encoding every client writes, field 1 holding 33 bytes, is read in
    // place (prost reads it to the same key, after an allocation).
    if let [0x0a, 33, key @ ..] = any.value.as_slice() {
        if let Ok(key) = <[u8; 33]>::try_from(key) {
            return Ok(key);
        }
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

/// sha256 of [`direct_sign_bytes`], the SignDoc's encoding hashed as it is
/// written: the bytes are hashed once anyway, so they are not first copied
/// into a buffer (4 allocations and ~2 copies of the tx a signature).
pub fn direct_sign_digest(
    body_bytes: &[u8],
    auth_info_bytes: &[u8],
    chain_id: &str,
    account_number: u64,
) -> [u8; 32] {
    let mut h = Sha256::new();
    // Protobuf's encoding of SignDoc: fields in number order, each left out
    // when it holds its default (empty, 0), as prost writes them.
    for (tag, field) in [
        (0x0a, body_bytes),
        (0x12, auth_info_bytes),
        (0x1a, chain_id.as_bytes()),
    ] {
        if !field.is_empty() {
            h.update([tag]);
            hash_varint(&mut h, field.len() as u64);
            h.update(field);
        }
    }
    if account_number != 0 {
        h.update([0x20]);
        hash_varint(&mut h, account_number);
    }
    h.finalize().into()
}

/// Hashes `v` as a protobuf varint (prost's encoding, into a stack buffer).
fn hash_varint(h: &mut Sha256, v: u64) {
    let mut buf = [0u8; 10];
    let mut rest = &mut buf[..];
    prost::encoding::encode_varint(v, &mut rest);
    let len = prost::encoding::encoded_len_varint(v);
    h.update(&buf[..len]);
}

/// One verification context for the process: building one precomputes
/// tables, so it is not done per signature.
fn verifier() -> &'static Secp256k1<VerifyOnly> {
    static CTX: std::sync::OnceLock<Secp256k1<VerifyOnly>> = std::sync::OnceLock::new();
    CTX.get_or_init(Secp256k1::verification_only)
}

/// Verifies a 64-byte r||s signature over sha256(msg); high-S signatures are
/// rejected as malleable, like the SDK does.
pub fn verify_secp256k1(key: &[u8; 33], msg: &[u8], sig: &[u8]) -> bool {
    let Ok(point) = PublicKey::from_slice(key) else {
        return false;
    };
    verify_secp256k1_point(&point, msg, sig)
}

/// [`verify_secp256k1`] with the key already decompressed.
pub fn verify_secp256k1_point(key: &PublicKey, msg: &[u8], sig: &[u8]) -> bool {
    verify_secp256k1_digest(key, &Sha256::digest(msg).into(), sig)
}

/// [`verify_secp256k1`] over a message already hashed with sha256.
pub fn verify_secp256k1_key_digest(key: &[u8; 33], digest: &[u8; 32], sig: &[u8]) -> bool {
    PublicKey::from_slice(key).is_ok_and(|point| verify_secp256k1_digest(&point, digest, sig))
}

/// [`verify_secp256k1_point`] over a message already hashed with sha256.
/// libsecp256k1 accepts only low-S signatures and rejects r or s of zero or
/// not below the group order, which are the SDK's rules (and k256's, which
/// the tests compare it with).
pub fn verify_secp256k1_digest(key: &PublicKey, digest: &[u8; 32], sig: &[u8]) -> bool {
    let Ok(sig) = <&[u8; 64]>::try_from(sig) else {
        return false;
    };
    let Ok(sig) = Signature::from_compact(sig) else {
        return false;
    };
    let msg = secp256k1::Message::from_digest(*digest);
    verifier().verify_ecdsa(&msg, &sig, key).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use k256::ecdsa::signature::{Signer, Verifier};
    use k256::ecdsa::{Signature, SigningKey, VerifyingKey};
    use proptest::prelude::*;

    #[test]
    fn should_hash_the_sign_doc_as_prost_encodes_it() {
        let body = [7u8; 300];
        let auth = [9u8; 128];
        for (body, auth, chain, number) in [
            (&body[..], &auth[..], "gpuchain-1", 0),
            (&body[..], &auth[..], "gpuchain-1", 1),
            (&body[..], &auth[..], "c", 127),
            (&body[..], &auth[..], "c", 128),
            (&body[..1], &auth[..], "", 300),
            (&[][..], &[][..], "gpuchain-1", u64::MAX),
            (&[][..], &[][..], "", 0),
        ] {
            let bytes = direct_sign_bytes(body, auth, chain, number);
            assert_eq!(
                direct_sign_digest(body, auth, chain, number),
                <[u8; 32]>::from(Sha256::digest(&bytes)),
                "{chain} {number}"
            );
        }
    }

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
    fn should_read_key_bytes_as_prost_decodes_them() {
        let key = compressed(&key());
        let canonical = PubKey { key: key.to_vec() }.encode_to_vec();
        let with = |extra: &[u8]| [canonical.as_slice(), extra].concat();
        let other_key = PubKey { key: vec![3; 33] }.encode_to_vec();
        for value in [
            canonical.clone(),
            with(&[]),
            with(&other_key), // a second field 1: the last one wins
            [other_key.as_slice(), &canonical].concat(),
            with(&[0x10, 0x01]),      // an unknown field after the key
            with(&[0x0a]),            // a truncated field
            canonical[..34].to_vec(), // one byte short
            PubKey { key: vec![2; 34] }.encode_to_vec(),
            vec![0x0a, 33],
            vec![],
        ] {
            let any = Any {
                type_url: SECP256K1_PUBKEY_TYPE.into(),
                value: value.clone(),
            };
            let prost = PubKey::decode(value.as_slice())
                .ok()
                .and_then(|pk| <[u8; 33]>::try_from(pk.key).ok());
            assert_eq!(pubkey_bytes(&any).ok(), prost, "{value:?}");
        }
    }

    #[test]
    fn should_decode_known_keys_as_unknown_ones_when_valid() {
        let good = encode_pubkey(&compressed(&key()));
        let known = [compressed(&key())];
        assert_eq!(
            decode_pubkey_known(&good, &known).unwrap(),
            (known[0], None)
        );
        let (k, point) = decode_pubkey_known(&good, &[]).unwrap();
        assert_eq!(k, known[0]);
        assert_eq!(point.map(|p| p.serialize()), Some(known[0]));
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

    /// k256's answer under the SDK's rules: a valid point, a 64-byte
    /// signature with r, s in [1, n), low S.
    fn reference(key: &[u8; 33], msg: &[u8], sig: &[u8]) -> bool {
        let Ok(vk) = VerifyingKey::from_sec1_bytes(key) else {
            return false;
        };
        let Ok(sig) = Signature::from_slice(sig) else {
            return false;
        };
        sig.normalize_s().is_none() && vk.verify(msg, &sig).is_ok()
    }

    /// Signature byte strings around every boundary the rules have.
    fn edge_signatures(good: &[u8; 64]) -> Vec<Vec<u8>> {
        // The group order n and n/2, big-endian.
        let n = hex::decode("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")
            .unwrap();
        let half = hex::decode("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0")
            .unwrap();
        let (r, s) = good.split_at(32);
        let join = |a: &[u8], b: &[u8]| [a, b].concat();
        let mut high_s = [0u8; 32];
        // n - s, the malleated twin.
        let mut borrow = 0i16;
        for i in (0..32).rev() {
            let d = n[i] as i16 - s[i] as i16 - borrow;
            borrow = i16::from(d < 0);
            high_s[i] = d.rem_euclid(256) as u8;
        }
        vec![
            good.to_vec(),
            join(r, &high_s),
            join(&[0; 32], s),
            join(r, &[0; 32]),
            join(&n, s),
            join(r, &n),
            join(&[0xff; 32], s),
            join(r, &half),
            join(r, &[0xff; 32]),
            good[..63].to_vec(),
            [good.as_slice(), &[0]].concat(),
            vec![],
        ]
    }

    #[test]
    fn should_agree_with_k256_on_every_edge_signature() {
        for seed in 1u8..=20 {
            let sk = SigningKey::from_slice(&[seed; 32]).unwrap();
            let pk = compressed(&sk);
            let msg = [seed; 77];
            let sig: Signature = sk.sign(&msg);
            let sig = sig.normalize_s().unwrap_or(sig);
            let good: [u8; 64] = sig.to_bytes().into();
            for (i, cand) in edge_signatures(&good).iter().enumerate() {
                let want = reference(&pk, &msg, cand);
                assert_eq!(
                    verify_secp256k1(&pk, &msg, cand),
                    want,
                    "seed {seed} case {i}"
                );
                // The first case is the honest signature; the rest must all fail.
                assert_eq!(want, i == 0, "seed {seed} case {i}");
            }
            let mut bad_key = pk;
            bad_key[0] = 0x04;
            assert!(!verify_secp256k1(&bad_key, &msg, &good));
            bad_key[0] = pk[0] ^ 1; // the other y: a valid point, the wrong key
            assert!(!verify_secp256k1(&bad_key, &msg, &good));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn should_accept_exactly_what_k256_accepts(
            seed in prop::array::uniform32(1u8..),
            msg in prop::collection::vec(any::<u8>(), 0..300),
            flip in prop::option::of((0usize..64, 0u8..8)),
            key_byte in prop::option::of((1usize..33, any::<u8>())),
            other_msg in any::<bool>(),
        ) {
            let sk = SigningKey::from_slice(&seed).unwrap();
            let mut pk = compressed(&sk);
            let sig: Signature = sk.sign(&msg);
            let mut bytes: [u8; 64] = sig.to_bytes().into();
            if let Some((i, bit)) = flip {
                bytes[i] ^= 1 << bit;
            }
            if let Some((i, b)) = key_byte {
                pk[i] = b;
            }
            let signed = if other_msg { [msg.as_slice(), b"x"].concat() } else { msg.clone() };
            prop_assert_eq!(verify_secp256k1(&pk, &signed, &bytes), reference(&pk, &signed, &bytes));
        }
    }
}

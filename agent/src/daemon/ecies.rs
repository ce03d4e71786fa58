//! ECIES on secp256k1: how the agent encrypts a lease's `access` (the
//! tenant's connection info) to the tenant's account public key, so
//! credentials never go on chain in plain text.
//!
//! # Format (version 1)
//!
//! ```text
//! access = E (33 bytes) || nonce (12 bytes) || ciphertext || tag (16 bytes)
//! ```
//!
//! - `E`: a fresh ephemeral secp256k1 public key, SEC1 compressed;
//! - `Z`: the x-coordinate (32 bytes) of the ECDH point `e * P` (`e` the
//!   ephemeral secret, `P` the tenant's public key; the tenant computes
//!   `p * E`);
//! - `K = HKDF-SHA256(salt = E || P_compressed, ikm = Z, info =
//!   "gpuchain/ecies/v1", L = 32)`;
//! - `ciphertext || tag = AES-256-GCM(K, nonce, plaintext, aad = "")`, with a
//!   random 96-bit nonce.
//!
//! The tenant decrypts with [`decrypt`] and its account's secret key. The
//! plaintext the agent puts in (JSON) is described in `daemon::leases`.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use k256::elliptic_curve::sec1::ToEncodedPoint;
use k256::{PublicKey, SecretKey};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::Sha256;

/// HKDF info string of format version 1.
pub const HKDF_INFO: &[u8] = b"gpuchain/ecies/v1";
/// Bytes of the ephemeral public key.
pub const EPHEMERAL_LEN: usize = 33;
/// Bytes of the AES-GCM nonce.
pub const NONCE_LEN: usize = 12;
/// Bytes of the AES-GCM tag.
pub const TAG_LEN: usize = 16;
/// Bytes an encryption adds to the plaintext.
pub const OVERHEAD: usize = EPHEMERAL_LEN + NONCE_LEN + TAG_LEN;

/// Why encryption or decryption failed.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum EciesError {
    #[error("invalid secp256k1 public key")]
    InvalidPublicKey,
    #[error("invalid secp256k1 secret key")]
    InvalidSecretKey,
    #[error("ciphertext is {0} bytes, shorter than the {OVERHEAD}-byte envelope")]
    TooShort(usize),
    #[error("decryption failed (wrong key or tampered ciphertext)")]
    Decrypt,
    #[error("encryption failed")]
    Encrypt,
}

fn derive_key(shared_x: &[u8], eph: &[u8], recipient: &[u8]) -> Result<Aes256Gcm, EciesError> {
    let mut salt = Vec::with_capacity(eph.len().saturating_add(recipient.len()));
    salt.extend_from_slice(eph);
    salt.extend_from_slice(recipient);
    let hk = Hkdf::<Sha256>::new(Some(&salt), shared_x);
    let mut key = [0u8; 32];
    hk.expand(HKDF_INFO, &mut key)
        .map_err(|_| EciesError::Encrypt)?;
    Aes256Gcm::new_from_slice(&key).map_err(|_| EciesError::Encrypt)
}

/// Encrypts `plaintext` to the SEC1 public key `recipient` (33 or 65 bytes)
/// with a fresh ephemeral key and nonce from the OS.
pub fn encrypt(recipient: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, EciesError> {
    let eph = SecretKey::random(&mut OsRng);
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    encrypt_with(recipient, plaintext, &eph, &nonce)
}

/// [`encrypt`] with a given ephemeral key and nonce (tests, vectors). Never
/// reuse either.
pub fn encrypt_with(
    recipient: &[u8],
    plaintext: &[u8],
    eph: &SecretKey,
    nonce: &[u8; NONCE_LEN],
) -> Result<Vec<u8>, EciesError> {
    let recipient =
        PublicKey::from_sec1_bytes(recipient).map_err(|_| EciesError::InvalidPublicKey)?;
    let recipient_c = recipient.to_encoded_point(true);
    let eph_pub = eph.public_key().to_encoded_point(true);
    let shared = k256::ecdh::diffie_hellman(eph.to_nonzero_scalar(), recipient.as_affine());
    let cipher = derive_key(
        AsRef::<[u8]>::as_ref(shared.raw_secret_bytes()),
        eph_pub.as_bytes(),
        recipient_c.as_bytes(),
    )?;
    let ct = cipher
        .encrypt(&Nonce::from(*nonce), plaintext)
        .map_err(|_| EciesError::Encrypt)?;
    let mut out = Vec::with_capacity(OVERHEAD.saturating_add(plaintext.len()));
    out.extend_from_slice(eph_pub.as_bytes());
    out.extend_from_slice(nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Decrypts an [`encrypt`] output with the recipient's 32-byte secret key.
pub fn decrypt(secret: &[u8], data: &[u8]) -> Result<Vec<u8>, EciesError> {
    let secret = SecretKey::from_slice(secret).map_err(|_| EciesError::InvalidSecretKey)?;
    if data.len() < OVERHEAD {
        return Err(EciesError::TooShort(data.len()));
    }
    let (eph, rest) = data.split_at(EPHEMERAL_LEN);
    let (nonce, ct) = rest.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| EciesError::Decrypt)?;
    let eph_pub = PublicKey::from_sec1_bytes(eph).map_err(|_| EciesError::Decrypt)?;
    let recipient_c = secret.public_key().to_encoded_point(true);
    let shared = k256::ecdh::diffie_hellman(secret.to_nonzero_scalar(), eph_pub.as_affine());
    let cipher = derive_key(
        AsRef::<[u8]>::as_ref(shared.raw_secret_bytes()),
        eph,
        recipient_c.as_bytes(),
    )
    .map_err(|_| EciesError::Decrypt)?;
    cipher
        .decrypt(&Nonce::from(nonce), ct)
        .map_err(|_| EciesError::Decrypt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant() -> (Vec<u8>, Vec<u8>) {
        let sk = gpuchain_keyring::SecretKey::from_bytes(&[9u8; 32]).unwrap();
        (sk.to_bytes().to_vec(), sk.public_key_compressed().to_vec())
    }

    #[test]
    fn should_round_trip_when_decrypted_with_the_recipient_secret() {
        let (sk, pk) = tenant();
        for msg in [
            &b""[..],
            b"x",
            br#"{"host":"10.0.0.1","token":"abc"}"#,
            &[0u8; 4096],
        ] {
            let ct = encrypt(&pk, msg).unwrap();
            assert_eq!(ct.len(), msg.len() + OVERHEAD);
            assert!(ct[0] == 2 || ct[0] == 3);
            assert_eq!(decrypt(&sk, &ct).unwrap(), msg);
        }
    }

    #[test]
    fn should_accept_uncompressed_recipient_keys() {
        let sk = k256::SecretKey::from_slice(&[9u8; 32]).unwrap();
        let unc = sk.public_key().to_encoded_point(false);
        let ct = encrypt(unc.as_bytes(), b"hello").unwrap();
        assert_eq!(decrypt(&[9u8; 32], &ct).unwrap(), b"hello");
    }

    #[test]
    fn should_use_fresh_ephemeral_key_and_nonce_when_encrypting_twice() {
        let (_, pk) = tenant();
        let a = encrypt(&pk, b"same").unwrap();
        let b = encrypt(&pk, b"same").unwrap();
        assert_ne!(a[..EPHEMERAL_LEN], b[..EPHEMERAL_LEN]);
        assert_ne!(a, b);
    }

    #[test]
    fn should_be_deterministic_when_ephemeral_key_and_nonce_are_given() {
        let (sk, pk) = tenant();
        let eph = SecretKey::from_slice(&[5u8; 32]).unwrap();
        let a = encrypt_with(&pk, b"v", &eph, &[1u8; 12]).unwrap();
        let b = encrypt_with(&pk, b"v", &eph, &[1u8; 12]).unwrap();
        assert_eq!(a, b);
        assert_eq!(&a[EPHEMERAL_LEN..EPHEMERAL_LEN + NONCE_LEN], &[1u8; 12]);
        assert_eq!(decrypt(&sk, &a).unwrap(), b"v");
    }

    #[test]
    fn should_fail_when_key_is_wrong_or_ciphertext_tampered() {
        let (_, pk) = tenant();
        let ct = encrypt(&pk, b"secret").unwrap();
        assert_eq!(decrypt(&[8u8; 32], &ct), Err(EciesError::Decrypt));
        for i in [0, 1, 33, 45, ct.len() - 1] {
            let mut t = ct.clone();
            t[i] ^= 1;
            assert!(decrypt(&[9u8; 32], &t).is_err(), "byte {i}");
        }
        assert_eq!(
            decrypt(&[9u8; 32], &ct[..OVERHEAD - 1]),
            Err(EciesError::TooShort(OVERHEAD - 1))
        );
        assert_eq!(decrypt(&[0u8; 32], &ct), Err(EciesError::InvalidSecretKey));
        assert_eq!(encrypt(&[5u8; 33], b"x"), Err(EciesError::InvalidPublicKey));
        assert_eq!(encrypt(&[], b"x"), Err(EciesError::InvalidPublicKey));
    }
}

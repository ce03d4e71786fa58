//! BIP39 mnemonics, BIP32/BIP44 derivation on the Cosmos path and secp256k1 signing.

use std::fmt;
use std::str::FromStr;

use bip32::{DerivationPath, XPrv};
use bip39::{Language, Mnemonic};
use gpuchain_types::Address;
use k256::ecdsa::signature::Signer;
use k256::ecdsa::{Signature, SigningKey, VerifyingKey};
use k256::elliptic_curve::zeroize::Zeroize;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::{KeyringError, Result};

/// SLIP-44 coin type of the Cosmos Hub, used by gpuchain's HD path.
pub const COSMOS_COIN_TYPE: u32 = 118;

/// The HD path `m/44'/118'/0'/0/{index}`.
pub fn hd_path(index: u32) -> String {
    format!("m/44'/{COSMOS_COIN_TYPE}'/0'/0/{index}")
}

/// A fresh 24-word English BIP39 mnemonic from 256 bits of OS randomness.
pub fn generate_mnemonic() -> String {
    let mut entropy = [0u8; 32];
    OsRng.fill_bytes(&mut entropy);
    // 256 bits of entropy + the first 8 bits of sha256(entropy) = 24 words of 11 bits.
    let mut bits = [0u8; 33];
    bits[..32].copy_from_slice(&entropy);
    bits[32] = Sha256::digest(entropy)[0];
    let words = Language::English.word_list();
    let mut phrase = Vec::with_capacity(24);
    for w in 0..24 {
        let mut idx = 0usize;
        for b in w * 11..(w + 1) * 11 {
            let bit = (bits[b / 8] >> (7 - b % 8)) & 1;
            idx = (idx << 1) | usize::from(bit);
        }
        phrase.push(words[idx]);
    }
    entropy.zeroize();
    bits.zeroize();
    phrase.join(" ")
}

/// Parses an English BIP39 mnemonic (any standard length: 12, 15, 18, 21 or
/// 24 words; extra whitespace and upper case are tolerated).
pub(crate) fn parse_mnemonic(mnemonic: &str) -> Result<Mnemonic> {
    let words: Vec<String> = mnemonic.split_whitespace().map(str::to_lowercase).collect();
    if words.is_empty() {
        return Err(KeyringError::InvalidMnemonic("mnemonic is empty".into()));
    }
    let phrase = words.join(" ");
    // Mnemonic words are secret: errors give positions, never the words.
    Mnemonic::parse_in(Language::English, phrase).map_err(|e| {
        KeyringError::InvalidMnemonic(match e {
            bip39::Error::UnknownWord(i) => {
                format!("word #{} is not in the English BIP39 word list", i + 1)
            }
            bip39::Error::InvalidChecksum => {
                "checksum mismatch (a word is wrong or the words are out of order)".into()
            }
            bip39::Error::BadWordCount(n) => {
                format!("{n} words; a mnemonic has 12, 15, 18, 21 or 24 words")
            }
            other => other.to_string(),
        })
    })
}

/// Derives the secp256k1 key at `m/44'/118'/0'/0/{index}` from an English
/// BIP39 mnemonic and BIP39 passphrase (use `""` for none).
pub fn derive(mnemonic: &str, passphrase: &str, index: u32) -> Result<SecretKey> {
    if index >= bip32::ChildNumber::HARDENED_FLAG {
        return Err(KeyringError::InvalidHdPath(format!(
            "address index {index} must be below 2^31"
        )));
    }
    let mnemonic = parse_mnemonic(mnemonic)?;
    let mut seed = mnemonic.to_seed(passphrase);
    let path = DerivationPath::from_str(&hd_path(index))
        .map_err(|e| KeyringError::InvalidHdPath(format!("{}: {e}", hd_path(index))))?;
    let derived = XPrv::derive_from_path(seed, &path);
    seed.zeroize();
    let xprv =
        derived.map_err(|e| KeyringError::InvalidHdPath(format!("derivation failed: {e}")))?;
    Ok(SecretKey(xprv.private_key().clone()))
}

/// A secp256k1 private key. Its `Debug` output never shows the key material.
#[derive(Clone)]
pub struct SecretKey(SigningKey);

impl SecretKey {
    /// Wraps an existing k256 signing key.
    pub fn new(key: SigningKey) -> Self {
        Self(key)
    }

    /// Parses a 32-byte big-endian scalar (must be in `1..n`).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != 32 {
            return Err(KeyringError::Corrupt(format!(
                "secp256k1 private key must be 32 bytes, got {}",
                bytes.len()
            )));
        }
        SigningKey::from_bytes(bytes.into())
            .map(Self)
            .map_err(|_| KeyringError::Corrupt("invalid secp256k1 private key".into()))
    }

    /// The 32-byte big-endian private scalar.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes().into()
    }

    /// The 33-byte SEC1 compressed public key.
    pub fn public_key_compressed(&self) -> [u8; 33] {
        let point = self.0.verifying_key().to_encoded_point(true);
        let mut out = [0u8; 33];
        out.copy_from_slice(point.as_bytes());
        out
    }

    /// The account address: ripemd160(sha256(compressed pubkey)).
    pub fn address(&self) -> Address {
        Address::from_pubkey(&self.public_key_compressed())
    }

    /// ECDSA signature over sha256(msg) as 64 bytes `r || s`, with low S
    /// (as the Cosmos SDK requires).
    pub fn sign_sha256(&self, msg: &[u8]) -> [u8; 64] {
        let sig: Signature = self.0.sign(msg);
        let sig = sig.normalize_s().unwrap_or(sig);
        sig.to_bytes().into()
    }

    /// The public verifying key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        self.0.verifying_key()
    }

    /// The underlying k256 signing key.
    pub fn signing_key(&self) -> &SigningKey {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKey")
            .field("address", &self.address().to_string())
            .field("private_key", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k256::ecdsa::signature::Verifier;

    const ABANDON: &str = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

    /// n/2 for secp256k1, big-endian.
    const HALF_N: [u8; 32] = [
        0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b,
        0x20, 0xa0,
    ];

    #[test]
    fn known_vector_matches_cosmos_hub_address() {
        let key = derive(ABANDON, "", 0).unwrap();
        let (hrp, cosmos_bytes) =
            bech32::decode("cosmos19rl4cm2hmr8afy4kldpxz3fka4jguq0auqdal4").unwrap();
        assert_eq!(hrp.as_str(), "cosmos");
        let ours = key.address().to_string();
        assert!(ours.starts_with("gpu1"), "{ours}");
        let (hrp, our_bytes) = bech32::decode(&ours).unwrap();
        assert_eq!(hrp.as_str(), "gpu");
        assert_eq!(our_bytes, cosmos_bytes);
        assert_eq!(key.address().as_bytes(), cosmos_bytes.as_slice());
        assert_eq!(Address::from_bech32(&ours).unwrap(), key.address());
        // Independently computed with a from-scratch Python BIP39/BIP32/secp256k1.
        assert_eq!(hex::encode(key.public_key_compressed()), KNOWN_PUBKEY_HEX);
    }

    const KNOWN_PUBKEY_HEX: &str =
        "024f4e2ad99c34d60b9ba6283c9431a8418af8673212961f97a77b6377fcd05b62";

    #[test]
    fn passphrase_and_index_change_the_key_and_derivation_is_deterministic() {
        let a = derive(ABANDON, "", 0).unwrap();
        assert_eq!(a.to_bytes(), derive(ABANDON, "", 0).unwrap().to_bytes());
        let b = derive(ABANDON, "", 1).unwrap();
        let c = derive(ABANDON, "secret", 0).unwrap();
        assert_ne!(a.address(), b.address());
        assert_ne!(a.address(), c.address());
        assert_ne!(b.address(), c.address());
        // Extra whitespace / upper case are tolerated.
        let messy = format!("  {}  ", ABANDON.to_uppercase().replace(' ', "\n "));
        assert_eq!(derive(&messy, "", 0).unwrap().to_bytes(), a.to_bytes());
    }

    #[test]
    fn hardened_index_is_rejected() {
        let err = derive(ABANDON, "", 1 << 31).unwrap_err();
        assert!(matches!(err, KeyringError::InvalidHdPath(_)), "{err}");
    }

    #[test]
    fn invalid_mnemonics_are_rejected_clearly() {
        // Last word changed: every word valid but the checksum is wrong.
        let bad_checksum = ABANDON.replace("about", "abandon");
        let err = derive(&bad_checksum, "", 0).unwrap_err();
        assert!(matches!(err, KeyringError::InvalidMnemonic(_)), "{err}");
        assert!(err.to_string().contains("checksum"), "{err}");

        let bad_word = ABANDON.replacen("abandon", "abandonx", 1);
        let err = derive(&bad_word, "", 0).unwrap_err();
        assert!(err.to_string().contains("word #1"), "{err}");
        assert!(!err.to_string().contains("abandonx"), "{err}");

        let err = derive("abandon abandon about", "", 0).unwrap_err();
        assert!(err.to_string().contains("3 words"), "{err}");
        assert!(matches!(
            derive("   ", "", 0),
            Err(KeyringError::InvalidMnemonic(_))
        ));
    }

    #[test]
    fn generated_mnemonics_are_24_valid_distinct_words() {
        let m1 = generate_mnemonic();
        let m2 = generate_mnemonic();
        assert_ne!(m1, m2);
        for m in [&m1, &m2] {
            assert_eq!(m.split(' ').count(), 24);
            let parsed = parse_mnemonic(m).unwrap();
            assert_eq!(parsed.word_count(), 24);
            assert_eq!(&parsed.to_string(), m);
            derive(m, "", 0).unwrap();
        }
    }

    #[test]
    fn signatures_verify_and_are_low_s() {
        let key = derive(&generate_mnemonic(), "", 0).unwrap();
        let vk = *key.verifying_key();
        let mut rng = OsRng;
        for i in 0..200usize {
            let mut msg = vec![0u8; i % 97 + 1];
            rng.fill_bytes(&mut msg);
            let sig = key.sign_sha256(&msg);
            let s: [u8; 32] = sig[32..].try_into().unwrap();
            assert!(s <= HALF_N, "high S for message {i}");
            let parsed = Signature::from_slice(&sig).unwrap();
            vk.verify(&msg, &parsed).unwrap();
            // Same thing via an explicit prehash: the signature is over sha256(msg).
            use k256::ecdsa::signature::hazmat::PrehashVerifier;
            vk.verify_prehash(&Sha256::digest(&msg), &parsed).unwrap();
            // A different message must not verify.
            msg.push(1);
            assert!(vk.verify(&msg, &parsed).is_err());
        }
    }

    #[test]
    fn bytes_round_trip_and_bad_bytes_rejected() {
        let key = derive(ABANDON, "", 0).unwrap();
        let back = SecretKey::from_bytes(&key.to_bytes()).unwrap();
        assert_eq!(back.public_key_compressed(), key.public_key_compressed());
        assert!(SecretKey::from_bytes(&[1u8; 31]).is_err());
        assert!(SecretKey::from_bytes(&[0u8; 32]).is_err());
        assert!(SecretKey::from_bytes(&[0xffu8; 32]).is_err());
    }

    #[test]
    fn debug_redacts_private_key() {
        let key = derive(ABANDON, "", 0).unwrap();
        let dbg = format!("{key:?} {key:#?}");
        assert!(!dbg.contains(&hex::encode(key.to_bytes())), "{dbg}");
        assert!(!dbg
            .to_lowercase()
            .contains(&hex::encode(key.to_bytes())[..16]));
        assert!(dbg.contains("redacted"));
        assert!(dbg.contains(&key.address().to_string()));
    }
}

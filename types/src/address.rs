//! 20-byte Cosmos account addresses: ripemd160(sha256(compressed pubkey)),
//! shown as bech32 with the chain's prefixes.

use std::fmt;

use bech32::{Bech32, Hrp};
use ripemd::Ripemd160;
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};

pub const ACCOUNT_PREFIX: &str = "gpu";
pub const VALOPER_PREFIX: &str = "gpuvaloper";
pub const VALCONS_PREFIX: &str = "gpuvalcons";

#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    borsh::BorshSerialize,
    borsh::BorshDeserialize,
)]
pub struct Address(pub [u8; 20]);

impl Address {
    /// The address of a compressed secp256k1 public key (33 bytes).
    pub fn from_pubkey(compressed: &[u8]) -> Self {
        let sha = Sha256::digest(compressed);
        let rip = Ripemd160::digest(sha);
        let mut out = [0u8; 20];
        out.copy_from_slice(&rip);
        Self(out)
    }

    /// The address of a module account: the first 20 bytes of sha256(name),
    /// as the SDK's `authtypes.NewModuleAddress` derives it.
    pub fn module(name: &str) -> Self {
        let sha = Sha256::digest(name.as_bytes());
        let mut out = [0u8; 20];
        out.copy_from_slice(&sha[..20]);
        Self(out)
    }

    /// Parses a `gpu1...` account address; any other prefix, a bad checksum
    /// or a wrong length is `invalid address` (code 7).
    pub fn from_bech32(s: &str) -> AppResult<Self> {
        Self::from_bech32_with_prefix(s, ACCOUNT_PREFIX)
    }

    pub fn from_bech32_with_prefix(s: &str, prefix: &str) -> AppResult<Self> {
        if s.is_empty() {
            return Err(AppError::invalid_address(
                "empty address string is not allowed",
            ));
        }
        let (hrp, data) = bech32::decode(s)
            .map_err(|e| AppError::invalid_address(format!("invalid address {s:?}: {e}")))?;
        if hrp.as_str() != prefix {
            return Err(AppError::invalid_address(format!(
                "invalid Bech32 prefix; expected {prefix}, got {}",
                hrp.as_str()
            )));
        }
        let bytes: [u8; 20] = data.as_slice().try_into().map_err(|_| {
            AppError::invalid_address(format!("address {s} must be 20 bytes, got {}", data.len()))
        })?;
        Ok(Self(bytes))
    }

    pub fn to_bech32_with_prefix(&self, prefix: &str) -> String {
        // Both the prefix constants and 20-byte payloads are always valid bech32 input.
        let hrp = Hrp::parse(prefix).unwrap_or_else(|_| Hrp::parse_unchecked("gpu"));
        bech32::encode::<Bech32>(hrp, &self.0).unwrap_or_default()
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_bech32_with_prefix(ACCOUNT_PREFIX))
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_roundtrip_bech32() {
        let a = Address([7u8; 20]);
        let s = a.to_string();
        assert!(s.starts_with("gpu1"));
        assert_eq!(Address::from_bech32(&s).unwrap(), a);
    }

    #[test]
    fn should_reject_wrong_prefix_bad_checksum_and_length_with_code_7() {
        let cosmos = Address([7u8; 20]).to_bech32_with_prefix("cosmos");
        assert_eq!(Address::from_bech32(&cosmos).unwrap_err().code, 7);
        let mut s = Address([7u8; 20]).to_string();
        s.pop();
        s.push('q');
        assert_eq!(Address::from_bech32(&s).unwrap_err().code, 7);
        let short = bech32::encode::<Bech32>(Hrp::parse("gpu").unwrap(), &[1u8; 10]).unwrap();
        assert_eq!(Address::from_bech32(&short).unwrap_err().code, 7);
        assert_eq!(Address::from_bech32("").unwrap_err().code, 7);
    }

    #[test]
    fn should_derive_module_address_like_the_sdk() {
        // x/auth's fee_collector address on every Cosmos chain is
        // 17xpfvakm2amg962yls6f84z3kell8c5l (cosmos prefix): sha256("fee_collector")[..20].
        let a = Address::module("fee_collector");
        assert_eq!(
            a.to_bech32_with_prefix("cosmos"),
            "cosmos17xpfvakm2amg962yls6f84z3kell8c5lserqta"
        );
    }
}

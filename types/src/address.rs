//! 20-byte Cosmos account addresses: ripemd160(sha256(compressed pubkey)),
//! shown as bech32 with the chain's prefixes.

use std::cell::RefCell;
use std::collections::HashMap;
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
        if let Some(a) = fast_bech32::decode(s, prefix) {
            return Ok(a);
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
        if let Some(s) = fast_bech32::encode(&self.0, prefix) {
            return s;
        }
        // Both the prefix constants and 20-byte payloads are always valid bech32 input.
        let hrp = Hrp::parse(prefix).unwrap_or_else(|_| Hrp::parse_unchecked("gpu"));
        bech32::encode::<Bech32>(hrp, &self.0).unwrap_or_default()
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

thread_local! {
    /// Account addresses this thread encoded lately: a tx's events name its
    /// sender about seven times and the fee collector in every tx, and bech32
    /// encoding was a sixth of executing a bank send. Only ever looked up.
    static RECENT_BECH32: RefCell<HashMap<[u8; 20], String>> = RefCell::new(HashMap::new());
}

/// Addresses remembered per thread before the memo starts over.
const RECENT_BECH32_MAX: usize = 4096;

impl Address {
    /// The address with the account prefix, as [`fmt::Display`] shows it.
    pub fn to_bech32(&self) -> String {
        self.with_bech32(str::to_string)
    }

    /// Runs `f` on the account bech32 form, from the memo when it is there
    /// (Display writes it without a copy).
    fn with_bech32<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        RECENT_BECH32.with(|memo| {
            // Held while `f` runs: a writer that shows an address from
            // inside `f` gets a fresh encoding rather than a panic.
            let Ok(mut memo) = memo.try_borrow_mut() else {
                return f(&self.to_bech32_with_prefix(ACCOUNT_PREFIX));
            };
            if let Some(s) = memo.get(&self.0) {
                return f(s);
            }
            let s = self.to_bech32_with_prefix(ACCOUNT_PREFIX);
            if memo.len() >= RECENT_BECH32_MAX {
                memo.clear();
            }
            f(memo.entry(self.0).or_insert(s))
        })
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.with_bech32(|s| f.write_str(s))
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({self})")
    }
}

/// Bech32 (BIP-173) for the one shape addresses take, a lowercase prefix
/// and 20 bytes, written out directly: every tx shows several addresses in
/// its events and parses those in its messages, and the general `bech32`
/// crate's iterator pipeline costs several times more. Anything outside that
/// shape (uppercase, other lengths, bech32m, errors) goes to the crate, so
/// results and error messages stay the crate's.
mod fast_bech32 {
    use super::Address;

    const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    /// 20 bytes are exactly 32 five-bit groups; 6 more are the checksum.
    const DATA_LEN: usize = 32;
    const CHECKSUM_LEN: usize = 6;

    /// The XOR of the generator terms for each value of the five bits that
    /// shift out of the checksum: a table lookup instead of five branches
    /// on data bits, which mispredict on every address.
    const GEN_TABLE: [u32; 32] = {
        const GEN: [u32; 5] = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
        let mut table = [0u32; 32];
        let mut top = 0;
        while top < 32 {
            let mut i = 0;
            while i < 5 {
                if (top >> i) & 1 == 1 {
                    table[top] ^= GEN[i];
                }
                i += 1;
            }
            top += 1;
        }
        table
    };

    /// Each ASCII byte's 5-bit value, or `INVALID`: one load per character
    /// instead of a search of `CHARSET`.
    const INVALID: u8 = 0xff;
    const VALUES: [u8; 128] = {
        let mut table = [INVALID; 128];
        let mut v = 0;
        while v < 32 {
            table[CHARSET[v] as usize] = v as u8;
            v += 1;
        }
        table
    };

    fn polymod_step(chk: u32, v: u8) -> u32 {
        let top = (chk >> 25) as usize & 31;
        ((chk & 0x1ff_ffff) << 5) ^ u32::from(v) ^ GEN_TABLE[top]
    }

    /// A prefix this module handles: what `Hrp::parse` accepts, lowercase.
    fn simple_prefix(prefix: &str) -> bool {
        (1..=83).contains(&prefix.len())
            && prefix
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    }

    fn prefix_checksum(prefix: &str) -> u32 {
        let mut chk = 1u32;
        for c in prefix.bytes() {
            chk = polymod_step(chk, c >> 5);
        }
        chk = polymod_step(chk, 0);
        for c in prefix.bytes() {
            chk = polymod_step(chk, c & 31);
        }
        chk
    }

    fn to_groups(bytes: &[u8; 20]) -> [u8; DATA_LEN] {
        let mut out = [0u8; DATA_LEN];
        // 5 bytes are 8 groups.
        for (chunk, groups) in bytes.chunks_exact(5).zip(out.chunks_exact_mut(8)) {
            let v = chunk.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
            for (j, g) in groups.iter_mut().enumerate() {
                *g = ((v >> (35 - 5 * j)) & 31) as u8;
            }
        }
        out
    }

    pub(super) fn encode(bytes: &[u8; 20], prefix: &str) -> Option<String> {
        if !simple_prefix(prefix) {
            return None;
        }
        let groups = to_groups(bytes);
        let mut chk = prefix_checksum(prefix);
        for g in groups {
            chk = polymod_step(chk, g);
        }
        for _ in 0..CHECKSUM_LEN {
            chk = polymod_step(chk, 0);
        }
        chk ^= 1;
        let mut s = String::with_capacity(prefix.len() + 1 + DATA_LEN + CHECKSUM_LEN);
        s.push_str(prefix);
        s.push('1');
        s.extend(groups.iter().map(|g| char::from(CHARSET[usize::from(*g)])));
        s.extend((0..CHECKSUM_LEN).map(|i| {
            let g = (chk >> (5 * (CHECKSUM_LEN - 1 - i))) & 31;
            char::from(CHARSET[g as usize])
        }));
        Some(s)
    }

    /// The address `s` holds when it is a valid lowercase bech32 string of
    /// 20 bytes under `prefix`; `None` for anything else.
    pub(super) fn decode(s: &str, prefix: &str) -> Option<Address> {
        if !simple_prefix(prefix) {
            return None;
        }
        let rest = s.strip_prefix(prefix)?.strip_prefix('1')?;
        if rest.len() != DATA_LEN + CHECKSUM_LEN {
            return None;
        }
        let mut chk = prefix_checksum(prefix);
        let mut groups = [0u8; DATA_LEN];
        for (i, c) in rest.bytes().enumerate() {
            let v = *VALUES.get(usize::from(c)).filter(|v| **v != INVALID)?;
            chk = polymod_step(chk, v);
            if let Some(g) = groups.get_mut(i) {
                *g = v;
            }
        }
        if chk != 1 {
            return None;
        }
        let mut out = [0u8; 20];
        for (chunk, g) in out.chunks_exact_mut(5).zip(groups.chunks_exact(8)) {
            let v = g.iter().fold(0u64, |acc, x| (acc << 5) | u64::from(*x));
            for (j, b) in chunk.iter_mut().enumerate() {
                *b = (v >> (32 - 8 * j)) as u8;
            }
        }
        Some(Address(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_show_the_same_string_from_the_memo_as_encoded_afresh() {
        // More addresses than the memo holds, each shown twice.
        for round in 0..2 {
            for i in 0..(RECENT_BECH32_MAX as u32 + 100) {
                let mut bytes = [round; 20];
                bytes[..4].copy_from_slice(&i.to_be_bytes());
                let a = Address(bytes);
                let fresh = a.to_bech32_with_prefix(ACCOUNT_PREFIX);
                assert_eq!(a.to_string(), fresh);
                assert_eq!(a.to_bech32(), fresh);
            }
        }
    }

    #[test]
    fn should_match_the_bech32_crate_when_encoding_and_decoding() {
        let mut bytes = [0u8; 20];
        for n in 0..2_000u32 {
            let h = Sha256::digest(n.to_be_bytes());
            bytes.copy_from_slice(&h[..20]);
            if n == 0 {
                bytes = [0; 20];
            } else if n == 1 {
                bytes = [0xff; 20];
            }
            for prefix in [
                ACCOUNT_PREFIX,
                VALOPER_PREFIX,
                VALCONS_PREFIX,
                "cosmos",
                "a1",
            ] {
                let hrp = Hrp::parse(prefix).unwrap();
                let expected = bech32::encode::<Bech32>(hrp, &bytes).unwrap();
                assert_eq!(fast_bech32::encode(&bytes, prefix).unwrap(), expected);
                assert_eq!(fast_bech32::decode(&expected, prefix), Some(Address(bytes)));
                // Any one character changed breaks the checksum.
                let mut bad = expected.clone().into_bytes();
                let at = prefix.len() + 1 + (n as usize % 38);
                bad[at] = if bad[at] == b'q' { b'p' } else { b'q' };
                let bad = String::from_utf8(bad).unwrap();
                assert_eq!(fast_bech32::decode(&bad, prefix), None);
                assert!(Address::from_bech32_with_prefix(&bad, prefix).is_err());
            }
        }
        // Bytes outside the charset in the data part: the excluded letters,
        // the separator, an uppercase letter, a non-ASCII character (same length).
        let good = Address([7; 20]).to_string();
        for c in ["b", "i", "o", "1", "Q", "\u{e9}"] {
            let bad = format!("{}{c}{}", &good[..10], &good[10 + c.len()..]);
            assert_eq!(fast_bech32::decode(&bad, ACCOUNT_PREFIX), None, "{bad}");
            assert!(Address::from_bech32(&bad).is_err());
        }
        // Shapes left to the crate.
        let upper = Address([7; 20]).to_string().to_uppercase();
        assert_eq!(fast_bech32::decode(&upper, ACCOUNT_PREFIX), None);
        assert_eq!(
            Address::from_bech32(&upper).unwrap_err().log,
            "invalid Bech32 prefix; expected gpu, got GPU"
        );
        let m = bech32::encode::<bech32::Bech32m>(Hrp::parse("gpu").unwrap(), &[7; 20]).unwrap();
        assert_eq!(fast_bech32::decode(&m, ACCOUNT_PREFIX), None);
        assert_eq!(fast_bech32::encode(&[7; 20], "GPU"), None);
        assert_eq!(fast_bech32::encode(&[7; 20], ""), None);
    }

    #[test]
    fn should_show_an_address_from_a_writer_that_shows_another() {
        // A writer that formats an address each time it is written to: the
        // memo is in use by the outer Display then.
        struct Echo(String);
        impl fmt::Write for Echo {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                self.0.push_str(s);
                self.0.push_str(&Address([9; 20]).to_string());
                Ok(())
            }
        }
        let mut w = Echo(String::new());
        fmt::write(&mut w, format_args!("{}", Address([8; 20]))).unwrap();
        let expected = format!("{}{}", Address([8; 20]), Address([9; 20]));
        assert_eq!(w.0, expected);
    }

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

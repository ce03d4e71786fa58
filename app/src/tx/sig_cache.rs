//! Signatures already verified, so FinalizeBlock need not verify a tx the
//! mempool (or the block's parallel pre-check) verified. An entry binds the
//! public key, the exact sign bytes and the signature, so a hit can only skip
//! a verification that would succeed: results never depend on the cache.

use std::collections::HashSet;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

/// Entries kept before the cache starts over; bounds memory under a flood.
const MAX_ENTRIES: usize = 200_000;

/// Only looked up and cleared, never iterated: its hash order cannot reach
/// a result.
#[derive(Default)]
pub struct SigCache {
    verified: Mutex<HashSet<[u8; 32]>>,
}

/// The entry of a signature over sign bytes whose sha256 is `digest` (the
/// digest the signature itself signs, so it is computed once).
pub fn entry(pubkey: &[u8; 33], digest: &[u8; 32], sig: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(pubkey);
    h.update(digest);
    h.update(sig);
    h.finalize().into()
}

pub fn digest(sign_bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(sign_bytes).into()
}

impl SigCache {
    pub fn contains(&self, e: &[u8; 32]) -> bool {
        self.verified.lock().map(|s| s.contains(e)).unwrap_or(false)
    }

    pub fn insert(&self, e: [u8; 32]) {
        if let Ok(mut s) = self.verified.lock() {
            if s.len() >= MAX_ENTRIES {
                s.clear();
            }
            s.insert(e);
        }
    }

    pub fn remove(&self, e: &[u8; 32]) {
        if let Ok(mut s) = self.verified.lock() {
            s.remove(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_bind_key_bytes_and_signature() {
        let c = SigCache::default();
        let e = entry(&[2; 33], &digest(b"doc"), &[1; 64]);
        assert!(!c.contains(&e));
        c.insert(e);
        assert!(c.contains(&e));
        assert!(!c.contains(&entry(&[3; 33], &digest(b"doc"), &[1; 64])));
        assert!(!c.contains(&entry(&[2; 33], &digest(b"doc2"), &[1; 64])));
        assert!(!c.contains(&entry(&[2; 33], &digest(b"doc"), &[2; 64])));
    }
}

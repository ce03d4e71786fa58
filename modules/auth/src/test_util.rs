//! Test helpers: an empty in-memory base state under a [`Delta`].

use gpuchain_store::{StateRead, StoreError};

/// An empty base; tests write into a `Delta::new(&MemState)` above it.
pub struct MemState;

impl StateRead for MemState {
    fn get(&self, _: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(None)
    }
    fn prefix(&self, _: &[u8]) -> Result<gpuchain_store::KvPairs, StoreError> {
        Ok(Vec::new())
    }
    fn nv_get(&self, _: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(None)
    }
    fn nv_prefix(&self, _: &[u8]) -> Result<gpuchain_store::KvPairs, StoreError> {
        Ok(Vec::new())
    }
}

pub fn addr(n: u8) -> gpuchain_types::Address {
    gpuchain_types::Address([n; 20])
}

//! State at a past height for queries: point reads through the Merkle tree's
//! versions; prefix scans and the non-verifiable indexes (which keep no
//! history) are only offered at the latest height.

use gpuchain_store::{CommittedView, KvPairs, StateRead, StoreError};

pub struct AtHeight<'a> {
    pub view: &'a CommittedView<'a>,
    pub height: u64,
}

fn unsupported() -> StoreError {
    StoreError::Unsupported(
        "listing and index queries are served at the latest height only; query without a height"
            .into(),
    )
}

impl StateRead for AtHeight<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.view.get_at(key, self.height)
    }
    fn prefix(&self, _: &[u8]) -> Result<KvPairs, StoreError> {
        Err(unsupported())
    }
    fn nv_get(&self, _: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Err(unsupported())
    }
    fn nv_prefix(&self, _: &[u8]) -> Result<KvPairs, StoreError> {
        Err(unsupported())
    }
    fn range(&self, _: &[u8], _: Option<&[u8]>, _: usize) -> Result<KvPairs, StoreError> {
        Err(unsupported())
    }
    fn nv_range(&self, _: &[u8], _: Option<&[u8]>, _: usize) -> Result<KvPairs, StoreError> {
        Err(unsupported())
    }
}

use gpuchain_types::Event;

use crate::StoreError;

/// A key and its value.
pub type KvPair = (Vec<u8>, Vec<u8>);
/// Pairs in key order, as prefix scans return them.
pub type KvPairs = Vec<KvPair>;

/// Read access to state: the verifiable store (hashed into the app hash) and
/// the non-verifiable one (indexes a module keeps for itself).
pub trait StateRead {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
    /// Every pair whose key starts with `prefix`, in key order.
    fn prefix(&self, prefix: &[u8]) -> Result<KvPairs, StoreError>;
    fn nv_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
    fn nv_prefix(&self, prefix: &[u8]) -> Result<KvPairs, StoreError>;
    /// At most `limit` pairs with `start <= key < end` (no `end`: to the
    /// last key), in key order. Ordered indexes (due times, prices) read
    /// only the first few entries this way, never the whole index.
    fn range(&self, start: &[u8], end: Option<&[u8]>, limit: usize) -> Result<KvPairs, StoreError>;
    /// [`StateRead::range`] over the non-verifiable store.
    fn nv_range(
        &self,
        start: &[u8],
        end: Option<&[u8]>,
        limit: usize,
    ) -> Result<KvPairs, StoreError>;
}

/// Write access: writes and events land in a [`crate::Delta`] and reach disk
/// only when every layer above the storage has been applied and committed.
pub trait StateWrite: StateRead {
    fn put(&mut self, key: Vec<u8>, value: Vec<u8>) -> Result<(), StoreError>;
    fn delete(&mut self, key: Vec<u8>) -> Result<(), StoreError>;
    fn nv_put(&mut self, key: Vec<u8>, value: Vec<u8>) -> Result<(), StoreError>;
    fn nv_delete(&mut self, key: Vec<u8>) -> Result<(), StoreError>;
    fn emit(&mut self, event: Event);
    /// Whether [`StateWrite::emit`] keeps events: false on a layer whose
    /// events nobody reads (CheckTx's ante checks, as in the SDK), so hot
    /// paths can skip building them.
    fn records_events(&self) -> bool {
        true
    }
}

/// A state with nothing in it: the base of a module's unit tests and of
/// tools that build state from scratch.
pub struct EmptyState;

impl StateRead for EmptyState {
    fn get(&self, _: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(None)
    }
    fn prefix(&self, _: &[u8]) -> Result<KvPairs, StoreError> {
        Ok(Vec::new())
    }
    fn nv_get(&self, _: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(None)
    }
    fn nv_prefix(&self, _: &[u8]) -> Result<KvPairs, StoreError> {
        Ok(Vec::new())
    }
    fn range(&self, _: &[u8], _: Option<&[u8]>, _: usize) -> Result<KvPairs, StoreError> {
        Ok(Vec::new())
    }
    fn nv_range(&self, _: &[u8], _: Option<&[u8]>, _: usize) -> Result<KvPairs, StoreError> {
        Ok(Vec::new())
    }
}

/// Ends of a prefix range: the first key after every key with this prefix.
pub(crate) fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::prefix_end;

    #[test]
    fn should_compute_prefix_end() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_end(&[1, 255]), Some(vec![2]));
        assert_eq!(prefix_end(&[255, 255]), None);
        assert_eq!(prefix_end(b""), None);
    }
}

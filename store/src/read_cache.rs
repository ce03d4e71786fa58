//! Point reads of a state that does not change while it is read, kept so
//! a key is read from the database once: during a block the threads that
//! pre-check txs and the one that runs them read the same accounts.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::state::{KvPairs, StateRead};
use crate::StoreError;

/// A [`StateRead`] over `base` whose `get` results are kept (only ever
/// looked up by key, never iterated). `base` must not change while this
/// exists: it is the committed state a block starts from.
pub struct ReadCache<'a> {
    base: &'a (dyn StateRead + Sync),
    values: Mutex<HashMap<Vec<u8>, Option<Vec<u8>>>>,
}

impl<'a> ReadCache<'a> {
    pub fn new(base: &'a (dyn StateRead + Sync)) -> Self {
        Self {
            base,
            values: Mutex::new(HashMap::new()),
        }
    }
}

impl StateRead for ReadCache<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(v) = self.values.lock().ok().and_then(|m| m.get(key).cloned()) {
            return Ok(v);
        }
        let v = self.base.get(key)?;
        if let Ok(mut m) = self.values.lock() {
            m.insert(key.to_vec(), v.clone());
        }
        Ok(v)
    }
    fn prefix(&self, prefix: &[u8]) -> Result<KvPairs, StoreError> {
        self.base.prefix(prefix)
    }
    fn nv_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.base.nv_get(key)
    }
    fn nv_prefix(&self, prefix: &[u8]) -> Result<KvPairs, StoreError> {
        self.base.nv_prefix(prefix)
    }
    fn range(&self, start: &[u8], end: Option<&[u8]>, limit: usize) -> Result<KvPairs, StoreError> {
        self.base.range(start, end, limit)
    }
    fn nv_range(
        &self,
        start: &[u8],
        end: Option<&[u8]>,
        limit: usize,
    ) -> Result<KvPairs, StoreError> {
        self.base.nv_range(start, end, limit)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::EmptyState;

    /// Counts the reads that reach it.
    struct Counting(AtomicUsize);
    impl StateRead for Counting {
        fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
            self.0.fetch_add(1, Ordering::Relaxed);
            Ok((key == b"a").then(|| b"1".to_vec()))
        }
        fn prefix(&self, p: &[u8]) -> Result<KvPairs, StoreError> {
            EmptyState.prefix(p)
        }
        fn nv_get(&self, k: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
            EmptyState.nv_get(k)
        }
        fn nv_prefix(&self, p: &[u8]) -> Result<KvPairs, StoreError> {
            EmptyState.nv_prefix(p)
        }
        fn range(&self, s: &[u8], e: Option<&[u8]>, l: usize) -> Result<KvPairs, StoreError> {
            EmptyState.range(s, e, l)
        }
        fn nv_range(&self, s: &[u8], e: Option<&[u8]>, l: usize) -> Result<KvPairs, StoreError> {
            EmptyState.nv_range(s, e, l)
        }
    }

    #[test]
    fn should_read_each_key_from_the_base_once_and_answer_the_same() {
        let base = Counting(AtomicUsize::new(0));
        let cache = ReadCache::new(&base);
        for _ in 0..3 {
            assert_eq!(cache.get(b"a").unwrap(), Some(b"1".to_vec()));
            assert_eq!(cache.get(b"b").unwrap(), None);
        }
        assert_eq!(base.0.load(Ordering::Relaxed), 2);
    }
}

//! Versioned non-verifiable indexes. A module's index lives outside the app
//! hash, so a node whose state predates the index (or an older layout of it)
//! must rebuild it itself: once, when the version it recorded differs.

use crate::{StateWrite, StoreError};

/// Records that the index under `version_key` is built at `version`.
pub fn mark_nv_index_version(
    state: &mut dyn StateWrite,
    version_key: Vec<u8>,
    version: u16,
) -> Result<(), StoreError> {
    state.nv_put(version_key, version.to_be_bytes().to_vec())
}

/// When the recorded version is not `version`: clears every nv key under
/// `prefix`, runs `build`, and records `version`. Costs one nv read when the
/// index is current. Returns whether it rebuilt.
pub fn rebuild_nv_index_once<E: From<StoreError>>(
    state: &mut dyn StateWrite,
    version_key: Vec<u8>,
    version: u16,
    prefix: &[u8],
    build: impl FnOnce(&mut dyn StateWrite) -> Result<(), E>,
) -> Result<bool, E> {
    if state.nv_get(&version_key)?.as_deref() == Some(&version.to_be_bytes()[..]) {
        return Ok(false);
    }
    for (key, _) in state.nv_prefix(prefix)? {
        state.nv_delete(key)?;
    }
    build(state)?;
    mark_nv_index_version(state, version_key, version)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Delta, EmptyState, StateRead};

    #[test]
    fn should_rebuild_once_per_version_and_clear_stale_entries() {
        let mut state = Delta::new(&EmptyState);
        state.nv_put(b"idx/stale".to_vec(), vec![]).unwrap();
        let build = |s: &mut dyn StateWrite| s.nv_put(b"idx/fresh".to_vec(), vec![]);
        assert!(
            rebuild_nv_index_once(&mut state, b"idx_version".to_vec(), 1, b"idx/", build).unwrap()
        );
        assert_eq!(state.nv_get(b"idx/stale").unwrap(), None);
        assert_eq!(state.nv_get(b"idx/fresh").unwrap(), Some(vec![]));
        let never = |_: &mut dyn StateWrite| -> Result<(), StoreError> { panic!("rebuilt twice") };
        assert!(
            !rebuild_nv_index_once(&mut state, b"idx_version".to_vec(), 1, b"idx/", never).unwrap()
        );
        // A new layout version rebuilds again.
        assert!(
            rebuild_nv_index_once(&mut state, b"idx_version".to_vec(), 2, b"idx/", build).unwrap()
        );
    }
}

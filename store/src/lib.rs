//! gpuchain's state store.
//!
//! - [`Storage`]: RocksDB on disk; consensus state is committed to by a
//!   Jellyfish Merkle tree whose root is the app hash; indexes live in a
//!   non-verifiable column that is not part of the hash.
//! - [`Delta`]: a copy-on-write layer over any [`StateRead`]. A block runs on
//!   one, each tx on one above it; a layer is applied or dropped whole, its
//!   events with it, which is what makes a tx atomic.
//! - [`GasMeter`]: charged by a delta on every read and write of a tx.

mod allocator;
mod background_prune;
mod clock_cache;
mod column_options;
pub mod component;
mod delta;
mod encoded_nodes;
mod error;
mod gas;
mod hot_cache;
mod idle_drop;
mod key_index;
mod nv_index;
mod state;
mod storage;
mod tree;
mod tree_changes;
mod tree_update;

pub use allocator::keep_freed_memory;
pub use component::{Component, MsgResponse};
pub use delta::{apply_changes, in_layer, Changes, Delta, MempoolChanges};
pub use error::StoreError;
pub use gas::{GasConfig, GasMeter};
pub use nv_index::{mark_nv_index_version, rebuild_nv_index_once};
pub use state::{EmptyState, KvPair, KvPairs, StateRead, StateWrite};
pub use storage::{CommittedView, Storage, StorageConfig, StorageReader};
pub use tree::proof_spec;

//! Test helpers: an empty in-memory base state under a [`Delta`].

/// An empty base; tests write into a `Delta::new(&MemState)` above it.
pub use gpuchain_store::EmptyState as MemState;

pub fn addr(n: u8) -> gpuchain_types::Address {
    gpuchain_types::Address([n; 20])
}

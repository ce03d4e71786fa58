//! Test helpers: an empty in-memory base state and funded layers above it.

use gpuchain_store::Delta;
use gpuchain_types::{Address, Coins};

/// An empty base; tests write into a `Delta::new(&MemState)` above it.
pub use gpuchain_store::EmptyState as MemState;

pub fn addr(n: u8) -> Address {
    Address([n; 20])
}

pub fn coins(s: &str) -> Coins {
    Coins::parse(s).unwrap()
}

/// A layer in which `addr(n)` holds the given coins (minted, so the supply
/// matches); no auth accounts are created.
pub fn funded(holders: &[(u8, &str)]) -> Delta<'static> {
    let mut state = Delta::new(&MemState);
    for (n, amount) in holders {
        crate::keeper::mint(&mut state, &addr(*n), &coins(amount)).unwrap();
    }
    state
}

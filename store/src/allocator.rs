//! How long the process allocator (mimalloc, in `gpuchaind` and the
//! benchmarks) keeps memory it frees before handing it back to the OS.
//!
//! Each block allocates and frees tens of MB (the tree update's batches,
//! the encoded nodes, the cache's replaced entries). mimalloc (v3) returns
//! everything free once its purge delay (1 s by default) has passed since
//! memory was first freed, checked as threads allocate and exit (a block's
//! store work ends several helper threads). Blocks closer than that apart
//! kept faulting the same memory in again: at 1M accounts ~2,000 page faults
//! a block (bench, this VM). With 10 s, a steady node reuses its blocks'
//! memory, and memory left free by a burst still goes back to the OS.
//! Never purging (-1) saved no more faults and left the 1M benchmark's
//! peak RSS 1.8 GB higher (12.4 GB vs 10.6); 10 s: 10.9 GB.
//!
//! mimalloc also serves `malloc` (libmimalloc-sys's `override` feature),
//! so this applies to RocksDB's allocations as well.

use std::os::raw::{c_int, c_long};

/// `mi_option_purge_delay` in mimalloc.h (the same index in its v2 and v3):
/// how long freed memory waits before it is returned, in ms; -1: never.
const MI_OPTION_PURGE_DELAY: c_int = 15;

/// The purge delay set, in ms.
const PURGE_DELAY_MS: c_long = 10_000;

/// Makes mimalloc keep the memory it frees for 10 s before returning it,
/// unless the environment chose a delay (`MIMALLOC_PURGE_DELAY`, in ms),
/// which stays in force. Call once at the start of the process; without
/// mimalloc as the global allocator it has no effect.
pub fn keep_freed_memory() {
    // SAFETY: mi_option_set_default only stores the option's value (a long
    // in mimalloc's option table, read when memory is freed) if neither the
    // environment nor mi_option_set gave one; any thread may call it.
    unsafe { libmimalloc_sys::mi_option_set_default(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// mimalloc's current purge delay (ms; -1: never).
    fn purge_delay() -> c_long {
        // SAFETY: reading an option has no preconditions.
        unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) }
    }

    #[test]
    fn should_lengthen_mimallocs_purge_delay_unless_the_environment_set_it() {
        let set_by_env = ["MIMALLOC_PURGE_DELAY", "MIMALLOC_RESET_DELAY"]
            .iter()
            .any(|v| std::env::var_os(v).is_some());
        let before = purge_delay();
        keep_freed_memory();
        if set_by_env {
            assert_eq!(purge_delay(), before);
        } else {
            // mimalloc v3's default for this option (1000 ms; mimalloc.h's
            // list of options) shows the index names the purge delay in
            // the mimalloc this build links.
            assert_eq!(before, 1000);
            assert_eq!(purge_delay(), 10_000);
        }
    }
}

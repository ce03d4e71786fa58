//! How the process allocator (mimalloc, in `gpuchaind` and the benchmarks)
//! treats memory it frees: kept for reuse rather than handed back to the OS.
//!
//! Each block allocates and frees tens of MB (the tree update's batches,
//! the encoded nodes, the cache's replaced entries). By default mimalloc
//! (v3) returns freed pages to the OS about a second after they were
//! first found free, checked as threads allocate and exit (a block's store
//! work ends several helper threads), so blocks kept faulting the same
//! memory in again: at 1M accounts ~2,000 page faults a block (bench, this
//! VM). With the pages kept, resident memory stays at its high-water mark,
//! which the state cache's bound (`state-cache-mb`) and the block size
//! limit bound.

use std::os::raw::c_int;

/// `mi_option_purge_delay` in mimalloc.h (the same index in its v2 and v3):
/// how long freed memory waits before it is returned, in ms; -1: never.
const MI_OPTION_PURGE_DELAY: c_int = 15;

/// Makes mimalloc keep the memory it frees. Call once at the start of the
/// process; without mimalloc as the global allocator it has no effect.
pub fn keep_freed_memory() {
    // SAFETY: mi_option_set only stores the option's value (an int in
    // mimalloc's option table, read when memory is freed); any thread may
    // call it at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// mimalloc's current purge delay (ms; -1: never).
    fn purge_delay() -> std::os::raw::c_long {
        // SAFETY: reading an option has no preconditions.
        unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) }
    }

    #[test]
    fn should_name_mimallocs_purge_delay_and_turn_purging_off() {
        // mimalloc v3's default for this option (1000 ms; mimalloc.h's
        // list of options) shows the index names the purge delay in the
        // mimalloc this build links.
        assert_eq!(purge_delay(), 1000);
        keep_freed_memory();
        assert_eq!(purge_delay(), -1);
    }
}

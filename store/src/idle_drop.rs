//! Frees a committed block's in-memory versions on a thread that runs when
//! a core is otherwise idle. At 1M accounts a block's tree batch holds
//! ~33k nodes; freeing them took ~9 ms at the end of every Commit, on the
//! path of the next block.
//!
//! At most [`QUEUED`] values wait: when the thread falls behind (cores busy
//! all the time) the caller frees inline, so memory stays bounded.

use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::OnceLock;

type Garbage = Box<dyn Send>;

/// Values waiting to be freed, at most (two blocks' versions).
const QUEUED: usize = 2;

static FREER: OnceLock<Option<SyncSender<Garbage>>> = OnceLock::new();

fn start() -> Option<SyncSender<Garbage>> {
    let (tx, rx) = sync_channel::<Garbage>(QUEUED);
    std::thread::Builder::new()
        .name("store-free".into())
        .spawn(move || {
            run_when_idle();
            for garbage in rx {
                drop(garbage);
            }
        })
        .ok()?;
    Some(tx)
}

/// Drops `value` on the freeing thread, or here when that thread is busy
/// or could not be started.
pub(crate) fn drop_when_idle<T: Send + 'static>(value: T) {
    let Some(tx) = FREER.get_or_init(start) else {
        return drop(value);
    };
    match tx.try_send(Box::new(value)) {
        Ok(()) => {}
        Err(TrySendError::Full(v) | TrySendError::Disconnected(v)) => drop(v),
    }
}

/// Lowers this thread to SCHED_IDLE: it only gets a core nothing else wants.
/// Failing that it runs at normal priority, which is still correct.
#[cfg(target_os = "linux")]
pub(crate) fn run_when_idle() {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: pid 0 is the calling thread and `param` is a valid
    // sched_param for SCHED_IDLE (priority 0); nothing else is touched.
    let rc = unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) };
    if rc != 0 {
        tracing::debug!("store-free thread stays at normal priority");
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn run_when_idle() {}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use super::*;

    struct Counted(Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn should_drop_every_value_handed_over() {
        let dropped = Arc::new(AtomicUsize::new(0));
        // More than the queue holds at once: the rest are dropped inline.
        for _ in 0..50 {
            drop_when_idle(Counted(Arc::clone(&dropped)));
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while dropped.load(Ordering::SeqCst) < 50 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(dropped.load(Ordering::SeqCst), 50);
    }
}

//! Prunes committed heights on a thread that runs when a core is otherwise
//! idle (SCHED_IDLE). At 1M accounts a block's prune deletes ~50k tree
//! nodes and values (~18 ms of CPU); run beside the tree update it took a
//! share of the two cores that update keeps busy, while a node waits for
//! consensus between blocks and even a benchmark running blocks back to
//! back leaves a core idle for moments in each. (At nice 19 instead the
//! prune still took its share of the tree update: FinalizeBlock did not get
//! faster.) Such a thread may get no core for a long while when other
//! processes keep the cores busy, so a commit never waits for it, a store
//! that closes stops it after its batch, and it writes in small batches,
//! each soon done, since a commit's RocksDB write can queue behind one. How
//! commits start, skip and stand in for these prunes: `Storage::prune_after`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use parking_lot::Mutex;
use rocksdb::DB;

use crate::idle_drop::run_when_idle;
use crate::StoreError;

/// A prune started on its own thread (or done already, where no thread
/// could be started), and the flag that asks it to stop early.
pub(crate) struct BackgroundPrune {
    outcome: Outcome,
    stop: Arc<AtomicBool>,
}

enum Outcome {
    Running(JoinHandle<Result<(), StoreError>>),
    Done(Result<(), StoreError>),
}

impl BackgroundPrune {
    /// Runs `prune(&db, stop)` at idle priority, or here when no thread can
    /// be started; `prune` should return early once `stop` is set.
    pub(crate) fn start<F>(db: Arc<DB>, prune: F) -> Self
    where
        F: FnOnce(&DB, &AtomicBool) -> Result<(), StoreError> + Send + 'static,
    {
        let stop = Arc::new(AtomicBool::new(false));
        // Shared, so the job is still here to run when the spawn fails.
        let job = Arc::new(Mutex::new(Some(prune)));
        let (theirs, their_db, their_stop) = (Arc::clone(&job), Arc::clone(&db), Arc::clone(&stop));
        let spawned = std::thread::Builder::new()
            .name("store-prune".into())
            .spawn(move || {
                run_when_idle();
                let prune = theirs.lock().take();
                prune.map_or(Ok(()), |prune| prune(&their_db, &their_stop))
            });
        let outcome = match spawned {
            Ok(handle) => Outcome::Running(handle),
            Err(_) => {
                let prune = job.lock().take();
                Outcome::Done(prune.map_or(Ok(()), |prune| prune(&db, &stop)))
            }
        };
        Self { outcome, stop }
    }

    /// Asks the prune to stop after the batch it is writing (a node that
    /// shuts down need not wait for a thread that may get no core; what is
    /// left waits for the next prune).
    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Whether the prune has ended (`finish` will not wait).
    pub(crate) fn is_done(&self) -> bool {
        match &self.outcome {
            Outcome::Running(handle) => handle.is_finished(),
            Outcome::Done(_) => true,
        }
    }

    /// Waits for the prune to end and returns its outcome.
    pub(crate) fn finish(self) -> Result<(), StoreError> {
        match self.outcome {
            Outcome::Running(handle) => handle
                .join()
                .map_err(|_| StoreError::Corrupt("the prune panicked".into()))?,
            Outcome::Done(result) => result,
        }
    }
}

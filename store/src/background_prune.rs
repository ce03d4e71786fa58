//! Prunes committed heights on a thread that runs when a core is otherwise
//! idle (SCHED_IDLE). At 1M accounts a block's prune deletes ~50k tree
//! nodes and values (~18 ms of CPU); run beside the tree update it took a
//! share of the two cores that update keeps busy, while a node waits for
//! consensus between blocks and even a benchmark running blocks back to
//! back leaves a core idle for moments in each. (At nice 19 instead the
//! prune still took its share of the tree update: FinalizeBlock did not get
//! faster.) Such a thread may get no core for a long while when other
//! processes keep the cores busy, so a commit never waits for it, and it
//! writes in small batches, each soon done, since a commit's RocksDB write
//! can queue behind one. How commits start, skip and stand in for these
//! prunes: `Storage::prune_after`.

use std::sync::Arc;
use std::thread::JoinHandle;

use parking_lot::Mutex;
use rocksdb::DB;

use crate::idle_drop::run_when_idle;
use crate::StoreError;

/// A prune started on its own thread (or done already, where no thread
/// could be started).
pub(crate) enum BackgroundPrune {
    Running(JoinHandle<Result<(), StoreError>>),
    Done(Result<(), StoreError>),
}

impl BackgroundPrune {
    /// Runs `prune(&db)` at idle priority, or here when no thread can be
    /// started.
    pub(crate) fn start<F>(db: Arc<DB>, prune: F) -> Self
    where
        F: FnOnce(&DB) -> Result<(), StoreError> + Send + 'static,
    {
        // Shared, so the job is still here to run when the spawn fails.
        let job = Arc::new(Mutex::new(Some(prune)));
        let (theirs, their_db) = (Arc::clone(&job), Arc::clone(&db));
        let spawned = std::thread::Builder::new()
            .name("store-prune".into())
            .spawn(move || {
                run_when_idle();
                let prune = theirs.lock().take();
                prune.map_or(Ok(()), |prune| prune(&their_db))
            });
        match spawned {
            Ok(handle) => Self::Running(handle),
            Err(_) => {
                let prune = job.lock().take();
                Self::Done(prune.map_or(Ok(()), |prune| prune(&db)))
            }
        }
    }

    /// Whether the prune has ended (`finish` will not wait).
    pub(crate) fn is_done(&self) -> bool {
        match self {
            Self::Running(handle) => handle.is_finished(),
            Self::Done(_) => true,
        }
    }

    /// Waits for the prune to end and returns its outcome.
    pub(crate) fn finish(self) -> Result<(), StoreError> {
        match self {
            Self::Running(handle) => handle
                .join()
                .map_err(|_| StoreError::Corrupt("the prune panicked".into()))?,
            Self::Done(result) => result,
        }
    }
}

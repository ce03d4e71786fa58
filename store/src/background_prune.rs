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
//! commits start, skip and stand in for these prunes: [`Pruner`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use parking_lot::Mutex;
use rocksdb::DB;

use crate::idle_drop::run_when_idle;
use crate::storage::prune;
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

/// Commits after which a prune still running makes the commit prune
/// itself (see [`Pruner::after_commit`]).
pub(crate) const MAX_PRUNE_LAG: u64 = 8;

/// What a store's commits start, skip and stand in for of its prunes.
pub(crate) struct Pruner {
    db: Arc<DB>,
    /// Heights kept readable; 0 keeps all and prunes nothing.
    keep: u64,
    /// The last prune started.
    running: Option<BackgroundPrune>,
    /// The last committed height whose prune has not started yet.
    due: Option<u64>,
    /// Commits since `running` started.
    lag: u64,
    /// What the last prune failed with, returned by the next commit.
    failed: Option<StoreError>,
}

impl Pruner {
    pub(crate) fn new(db: Arc<DB>, keep: u64) -> Self {
        Self {
            db,
            keep,
            running: None,
            due: None,
            lag: 0,
            failed: None,
        }
    }

    /// Starts deleting what the commit of `height` left unreadable, on a
    /// thread at idle priority: a block's prune (~18 ms of CPU at 1M
    /// accounts) then fills the moments a core has nothing else to do
    /// instead of taking a share of the cores a block keeps busy. A commit
    /// never waits for that thread, which may get no core while other
    /// processes keep them busy: while the last prune still runs, the
    /// next one waits and covers every height committed meanwhile; after
    /// [`MAX_PRUNE_LAG`] commits, the commit prunes itself (deleting what
    /// the other thread deletes too is harmless).
    pub(crate) fn after_commit(&mut self, height: u64) {
        let keep = self.keep;
        if keep == 0 {
            return;
        }
        self.due = Some(height);
        if self.is_running() {
            self.lag = self.lag.saturating_add(1);
            if self.lag < MAX_PRUNE_LAG {
                return;
            }
            self.due = None;
            self.lag = 0;
            self.prune_here(height);
            return;
        }
        self.collect();
        self.due = None;
        self.lag = 0;
        self.running = Some(BackgroundPrune::start(
            Arc::clone(&self.db),
            move |db, stop| prune(db, keep, height, stop),
        ));
    }

    /// The error of a prune that has ended, or of an earlier one not yet
    /// reported; one still running is left to run.
    pub(crate) fn take_error(&mut self) -> Result<(), StoreError> {
        if self.running.as_ref().is_some_and(BackgroundPrune::is_done) {
            self.collect();
        }
        self.failed.take().map_or(Ok(()), Err)
    }

    /// Waits for the running prune, prunes any height committed since it
    /// started, and returns the first error of these or of an earlier
    /// prune not yet reported.
    pub(crate) fn finish(&mut self) -> Result<(), StoreError> {
        self.collect();
        self.lag = 0;
        if let Some(height) = self.due.take() {
            self.prune_here(height);
        }
        self.failed.take().map_or(Ok(()), Err)
    }

    /// Prunes through `height` on this thread, keeping its error.
    fn prune_here(&mut self, height: u64) {
        if let Err(e) = prune(&self.db, self.keep, height, &AtomicBool::new(false)) {
            self.failed.get_or_insert(e);
        }
    }

    /// Whether a prune thread still runs.
    pub(crate) fn is_running(&self) -> bool {
        self.running.as_ref().is_some_and(|p| !p.is_done())
    }

    /// Stands `prune` in for the running prune.
    #[cfg(test)]
    pub(crate) fn set_running(&mut self, prune: BackgroundPrune) {
        self.collect();
        self.running = Some(prune);
    }

    /// Waits for the last prune started and keeps its error.
    fn collect(&mut self) {
        if let Some(Err(e)) = self.running.take().map(BackgroundPrune::finish) {
            self.failed.get_or_insert(e);
        }
    }
}

impl Drop for Pruner {
    /// What the running prune leaves, the next start's first commit does.
    fn drop(&mut self) {
        if let Some(p) = self.running.take() {
            p.stop();
            if let Err(e) = p.finish() {
                tracing::error!("pruning old versions: {e}");
            }
        }
    }
}

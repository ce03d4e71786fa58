//! RocksDB storage with a Jellyfish Merkle commitment.
//!
//! Two-step commit: [`Storage::prepare`] computes a version's root (the app
//! hash) and holds the writes in memory; [`Storage::commit`] writes every
//! prepared version, the tree nodes, the height and the app hash in one
//! atomic write batch, synced to disk before the next commit. A crash at any
//! point leaves a committed version intact (the last one, or after a crash
//! of the machine possibly the one before, which CometBFT replays).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use jmt::{KeyHash, Sha256Jmt, Version};
use rocksdb::{ColumnFamilyDescriptor, Options, WriteBatch, DB};
use sha2::Sha256;

use crate::background_prune::Pruner;
use crate::column_options::column_options;
use crate::delta::{merge_prefix, range_through, Changes, WriteSet};
use crate::encoded_nodes::{self, encode_nodes, Encoded};
use crate::hot_cache::HotCache;
use crate::idle_drop;
use crate::state::{KvPair, KvPairs, StateRead};
use crate::tree::{encode_in, encode_value, value_key, PendingVersion, TreeView};
use crate::tree_update::{tree_err, update_tree, HashedWrite};
use crate::StoreError;

pub(crate) mod cf {
    /// Latest value of every verifiable key (fast reads and prefix scans).
    pub const STATE: &str = "state";
    /// Non-verifiable indexes, not part of the app hash.
    pub const NV: &str = "nv";
    pub const JMT_NODE: &str = "jmt_node";
    /// key hash || version (BE) -> tagged value, for reads at past heights.
    pub const JMT_VALUE: &str = "jmt_value";
    pub const PREIMAGE: &str = "preimage";
    /// stale-since version (BE) || kind || id: what pruning may delete.
    pub const STALE: &str = "stale";
    pub const META: &str = "meta";
    pub const ALL: [&str; 7] = [STATE, NV, JMT_NODE, JMT_VALUE, PREIMAGE, STALE, META];
}

const META_HEIGHT: &[u8] = b"height";
const META_APP_HASH: &[u8] = b"app_hash";
const META_EARLIEST: &[u8] = b"earliest";
// Stale entries written by earlier versions of gpuchaind, one per node or
// value (key = version || kind || the stale key); still pruned.
const STALE_NODE: u8 = 0;
const STALE_VALUE: u8 = 1;
// One entry per version and kind; its value lists the stale keys, each
// prefixed by its length (u16, big-endian).
const STALE_NODES: u8 = 2;
const STALE_VALUES: u8 = 3;

fn push_stale(
    lists: &mut BTreeMap<(u64, u8), Vec<u8>>,
    since: u64,
    kind: u8,
    key: &[u8],
) -> Result<(), StoreError> {
    let len = u16::try_from(key.len())
        .map_err(|_| StoreError::Corrupt(format!("stale key of {} bytes", key.len())))?;
    let list = lists.entry((since, kind)).or_default();
    list.extend_from_slice(&len.to_be_bytes());
    list.extend_from_slice(key);
    Ok(())
}

fn stale_list(mut list: &[u8]) -> Result<Vec<&[u8]>, StoreError> {
    let corrupt = || StoreError::Corrupt("truncated stale list".into());
    let mut keys = Vec::new();
    while let Some((len, rest)) = list.split_first_chunk::<2>() {
        let len = usize::from(u16::from_be_bytes(*len));
        let key = rest.get(..len).ok_or_else(corrupt)?;
        keys.push(key);
        list = rest.get(len..).ok_or_else(corrupt)?;
    }
    if list.is_empty() {
        Ok(keys)
    } else {
        Err(corrupt())
    }
}

#[derive(Clone, Debug)]
pub struct StorageConfig {
    /// Versions kept for queries at past heights; 0 keeps all (archive node).
    pub keep_recent: u64,
    /// Memory for committed values and tree nodes kept across blocks
    /// ([`HotCache`]); 0 reads everything from RocksDB.
    pub cache_bytes: u64,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            keep_recent: 100,
            cache_bytes: 1 << 30,
        }
    }
}

/// A source of committed data: the database itself or a snapshot of it.
#[derive(Clone, Copy)]
pub(crate) enum Src<'a> {
    Db(&'a DB),
    Snap(&'a DB, &'a rocksdb::Snapshot<'a>),
}

impl Src<'_> {
    fn db(&self) -> &DB {
        match self {
            Src::Db(db) | Src::Snap(db, _) => db,
        }
    }

    pub fn get(&self, cf_name: &str, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let cf = handle(self.db(), cf_name)?;
        match self {
            Src::Db(db) => Ok(db.get_cf(cf, key)?),
            Src::Snap(_, s) => Ok(s.get_cf(cf, key)?),
        }
    }

    fn raw_iter(&self, cf_name: &str) -> Result<rocksdb::DBRawIterator<'_>, StoreError> {
        let cf = handle(self.db(), cf_name)?;
        match self {
            Src::Db(db) => Ok(db.raw_iterator_cf(cf)),
            Src::Snap(_, s) => Ok(s.raw_iterator_cf(cf)),
        }
    }

    pub fn scan(&self, cf_name: &str, prefix: &[u8]) -> Result<KvPairs, StoreError> {
        let mut it = self.raw_iter(cf_name)?;
        it.seek(prefix);
        let mut out = Vec::new();
        while it.valid() {
            let (Some(k), Some(v)) = (it.key(), it.value()) else {
                break;
            };
            if !k.starts_with(prefix) {
                break;
            }
            out.push((k.to_vec(), v.to_vec()));
            it.next();
        }
        it.status()?;
        Ok(out)
    }

    /// At most `limit` pairs in `[start, end)`, in key order. The end is
    /// also RocksDB's iterate upper bound, so the iterator stops there rather
    /// than stepping over deletion tombstones beyond the range.
    pub fn scan_range(
        &self,
        cf_name: &str,
        start: &[u8],
        end: Option<&[u8]>,
        limit: usize,
    ) -> Result<KvPairs, StoreError> {
        let cf = handle(self.db(), cf_name)?;
        let mut opts = rocksdb::ReadOptions::default();
        if let Some(end) = end {
            opts.set_iterate_upper_bound(end.to_vec());
        }
        let mut it = match self {
            Src::Db(db) => db.raw_iterator_cf_opt(cf, opts),
            Src::Snap(_, s) => s.raw_iterator_cf_opt(cf, opts),
        };
        it.seek(start);
        let mut out = Vec::new();
        while it.valid() && out.len() < limit {
            let (Some(k), Some(v)) = (it.key(), it.value()) else {
                break;
            };
            if end.is_some_and(|end| k >= end) {
                break;
            }
            out.push((k.to_vec(), v.to_vec()));
            it.next();
        }
        it.status()?;
        Ok(out)
    }

    /// The last pair at or before `key`.
    pub fn seek_prev(&self, cf_name: &str, key: &[u8]) -> Result<Option<KvPair>, StoreError> {
        let mut it = self.raw_iter(cf_name)?;
        it.seek_for_prev(key);
        let out = if it.valid() {
            match (it.key(), it.value()) {
                (Some(k), Some(v)) => Some((k.to_vec(), v.to_vec())),
                _ => None,
            }
        } else {
            None
        };
        it.status()?;
        Ok(out)
    }
}

fn handle<'a>(db: &'a DB, name: &str) -> Result<&'a rocksdb::ColumnFamily, StoreError> {
    db.cf_handle(name)
        .ok_or_else(|| StoreError::Corrupt(format!("missing column family {name}")))
}

fn read_u64(src: Src<'_>, key: &[u8]) -> Result<u64, StoreError> {
    match src.get(cf::META, key)? {
        None => Ok(0),
        Some(raw) => raw
            .as_slice()
            .try_into()
            .map(u64::from_be_bytes)
            .map_err(|_| StoreError::Corrupt(format!("meta {key:?}"))),
    }
}

/// For each write, the version its key was last written at (None for a new
/// key); None overall when versions are kept forever and nothing is pruned.
fn superseded_versions(
    view: &TreeView<'_>,
    version: Version,
    hashed: &[HashedWrite<'_>],
    keep: bool,
) -> Result<Option<Vec<Option<Version>>>, StoreError> {
    if !keep {
        return Ok(None);
    }
    let before = version.saturating_sub(1);
    hashed
        .iter()
        .map(|(h, k, _)| view.latest_value_version(before, h, k).map_err(tree_err))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

pub struct Storage {
    db: Arc<DB>,
    config: StorageConfig,
    cache: HotCache,
    pending: Vec<PendingVersion>,
    /// Deletes what commits leave unreadable, while a core is idle (see
    /// [`Storage::commit`]).
    pruner: Pruner,
    /// The last commit's WAL sync (see [`Storage::commit`]).
    wal_sync: Option<WalSync>,
}

enum WalSync {
    Running(std::thread::JoinHandle<Result<(), rocksdb::Error>>),
    Done(Result<(), rocksdb::Error>),
}

impl Drop for Storage {
    /// A node that stops cleanly leaves everything it committed on disk.
    fn drop(&mut self) {
        if let Err(e) = self.finish_wal_sync() {
            tracing::error!("syncing the last commit to disk: {e}");
        }
        // The pruner stops its prune as it drops.
    }
}

impl Storage {
    pub fn open(path: &Path, config: StorageConfig) -> Result<Self, StoreError> {
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        let cfs = cf::ALL
            .iter()
            .map(|n| Ok(ColumnFamilyDescriptor::new(*n, column_options(n)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let db = Arc::new(DB::open_cf_descriptors(&opts, path, cfs)?);
        Ok(Self {
            pruner: Pruner::new(Arc::clone(&db), config.keep_recent),
            db,
            cache: HotCache::new(config.cache_bytes),
            config,
            pending: Vec::new(),
            wal_sync: None,
        })
    }

    /// A handle for reading committed state from other threads (queries).
    pub fn reader(&self) -> StorageReader {
        StorageReader {
            db: self.db.clone(),
        }
    }

    /// Flushes RocksDB's memtables and waits until its compactions are
    /// done, so that what follows does not share the cores with them (a
    /// large genesis, e.g. a benchmark's million accounts, is written to
    /// disk in the background for a long while otherwise).
    pub fn wait_for_background_work(&self) -> Result<(), StoreError> {
        let mut opts = rocksdb::WaitForCompactOptions::default();
        opts.set_flush(true);
        Ok(self.db.wait_for_compact(&opts)?)
    }

    /// Bytes the state cache holds now: (values, tree nodes).
    pub fn cache_used(&self) -> (u64, u64) {
        self.cache.used()
    }

    /// The last committed height (0 before the first commit).
    pub fn committed_height(&self) -> Result<u64, StoreError> {
        read_u64(Src::Db(&self.db), META_HEIGHT)
    }

    pub fn committed_app_hash(&self) -> Result<Vec<u8>, StoreError> {
        Ok(Src::Db(&self.db)
            .get(cf::META, META_APP_HASH)?
            .unwrap_or_default())
    }

    /// The newest version, prepared or committed.
    pub fn latest_version(&self) -> Result<Option<Version>, StoreError> {
        if let Some(p) = self.pending.last() {
            return Ok(Some(p.version));
        }
        let h = self.committed_height()?;
        let has_any = Src::Db(&self.db).get(cf::META, META_APP_HASH)?.is_some();
        Ok(has_any.then_some(h))
    }

    /// Drops versions prepared but not committed (a proposal that was not
    /// decided, or an InitChain that is being re-run).
    pub fn discard_pending(&mut self) {
        self.pending.clear();
    }

    /// Drops prepared versions at or above `version`.
    pub fn discard_pending_from(&mut self, version: Version) {
        self.pending.retain(|p| p.version < version);
    }

    /// Computes the root of `version` with `changes` on top of every earlier
    /// version, and holds it until [`Storage::commit`]. Returns the app hash.
    pub fn prepare(&mut self, version: Version, changes: Changes) -> Result<[u8; 32], StoreError> {
        // Re-executing a height (e.g. a proposal replaced) replaces its version.
        self.pending.retain(|p| p.version < version);
        if let Some(latest) = self.latest_version()? {
            if version <= latest {
                return Err(StoreError::Corrupt(format!(
                    "version {version} is not above the latest version {latest}"
                )));
            }
        }
        let Changes { state, nv, .. } = changes;
        let hashed: Vec<HashedWrite<'_>> = state
            .iter()
            .map(|(k, v)| (KeyHash::with::<Sha256>(k), k, v))
            .collect();
        let view = TreeView {
            src: Src::Db(&self.db),
            pending: &self.pending,
            cache: Some(&self.cache),
        };
        let keep = self.config.keep_recent > 0;
        // While this core updates the tree, another looks up the versions
        // the writes supersede (not touching what the tree update reads).
        let (helper, tree_update) = std::thread::scope(|s| {
            let helper = s.spawn(|| superseded_versions(&view, version, &hashed, keep));
            let tree_update = update_tree(&view, version, &hashed);
            (helper.join(), tree_update)
        });
        let superseded = helper
            .map_err(|_| StoreError::Corrupt("superseded-value lookup panicked".into()))??;
        let (root, batch) = tree_update?;
        let mut stale_values = Vec::new();
        let mut preimages = Vec::new();
        for (i, (h, k, _)) in hashed.iter().enumerate() {
            match superseded
                .as_ref()
                .and_then(|s| s.get(i).copied().flatten())
            {
                Some(prev) => stale_values.push((*h, prev)),
                // A key written before has its preimage stored already (they
                // are never pruned); an archive node does not look, and
                // writes them all.
                None => preimages.push((*h, (*k).clone())),
            }
        }
        self.pending.push(PendingVersion {
            version,
            state,
            nv,
            tree: batch,
            root: root.0,
            preimages,
            stale_values,
        });
        Ok(root.0)
    }

    /// Writes every prepared version in one atomic batch, and puts what it
    /// wrote into the cache. The write is visible to readers when this
    /// returns; the WAL is then synced to disk on another thread, and the
    /// next commit waits for that sync (it has long finished by then) and
    /// fails if it failed. So a crash of the process loses nothing, and a
    /// crash of the machine at most the last block, which CometBFT replays
    /// on restart from its own (synced) block store, as it does for any
    /// height the app reports missing. The disk's sync latency (~9 ms a
    /// block here, hundreds of ms when the disk stalls) is then off the path
    /// of the next block.
    ///
    /// Versions older than `keep_recent` become unreadable with the commit
    /// and are deleted by an idle-priority thread (see
    /// [`Pruner::after_commit`]). A commit fails, before writing, if a prune
    /// before it failed. After a restart the first commit prunes all that is
    /// due.
    ///
    /// After an error the prepared versions are gone: the node stops (the
    /// ABCI server answers with an exception) and CometBFT replays the
    /// block when it restarts.
    pub fn commit(&mut self) -> Result<(), StoreError> {
        let Some(last) = self.pending.last() else {
            return Ok(());
        };
        let (height, root) = (last.version, last.root);
        if let Err(e) = self.finish_wal_sync() {
            // Whether the last commit reached the disk is unknown.
            self.pending.clear();
            self.cache.clear();
            return Err(e);
        }
        if let Err(e) = self.pruner.take_error() {
            self.pending.clear();
            return Err(e);
        }
        let pending = std::mem::take(&mut self.pending);
        let encoded = encode_nodes(&pending)?;
        let this = &*self;
        let written = std::thread::scope(|s| {
            // Later blocks read what this one writes from memory: the cache
            // is filled on another core while this one writes the batch (and
            // cleared below if the write fails).
            s.spawn(|| this.fill_cache(&pending, &encoded));
            let batch = this.write_batch(&pending, &encoded, height, root)?;
            Ok::<_, StoreError>(this.db.write(batch)?)
        });
        // Tens of thousands of nodes: freed while a core is idle.
        idle_drop::drop_when_idle((pending, encoded));
        if let Err(e) = written {
            // The cache holds what may not have been written; whether any of
            // it reached the disk is unknown.
            self.cache.clear();
            return Err(e);
        }
        self.start_wal_sync();
        self.pruner.after_commit(height);
        Ok(())
    }

    /// Waits for the running prune, prunes any height committed since it
    /// started, and returns the first error of these or of an earlier
    /// prune not yet reported.
    pub fn finish_pruning(&mut self) -> Result<(), StoreError> {
        self.pruner.finish()
    }

    /// Syncs the WAL (and so every write before it) on another thread; if
    /// no thread can be started, here.
    fn start_wal_sync(&mut self) {
        let db = Arc::clone(&self.db);
        let spawned = std::thread::Builder::new()
            .name("wal-sync".into())
            .spawn(move || db.flush_wal(true));
        self.wal_sync = Some(match spawned {
            Ok(handle) => WalSync::Running(handle),
            Err(_) => WalSync::Done(self.db.flush_wal(true)),
        });
    }

    /// Waits for the last commit's WAL sync, if any, and returns its error.
    fn finish_wal_sync(&mut self) -> Result<(), StoreError> {
        let result = match self.wal_sync.take() {
            None => return Ok(()),
            Some(WalSync::Done(r)) => r,
            Some(WalSync::Running(handle)) => handle
                .join()
                .map_err(|_| StoreError::Corrupt("WAL sync thread panicked".into()))?,
        };
        Ok(result?)
    }

    /// Every prepared version's writes, in one batch.
    fn write_batch(
        &self,
        pending: &[PendingVersion],
        encoded: &Encoded,
        height: u64,
        root: [u8; 32],
    ) -> Result<WriteBatch, StoreError> {
        let db = &self.db;
        let (state_cf, nv_cf) = (handle(db, cf::STATE)?, handle(db, cf::NV)?);
        let (node_cf, value_cf) = (handle(db, cf::JMT_NODE)?, handle(db, cf::JMT_VALUE)?);
        let mut b = WriteBatch::default();
        // What each version made stale, one list per version and kind rather
        // than an entry per node: tens of thousands fewer writes a block.
        let mut stale: BTreeMap<(u64, u8), Vec<u8>> = BTreeMap::new();
        let keep = self.config.keep_recent > 0;
        let mut key_buf = Vec::with_capacity(64);
        for (p, nodes) in pending.iter().zip(encoded) {
            for (cf, writes) in [(state_cf, &p.state), (nv_cf, &p.nv)] {
                for (k, v) in writes {
                    match v {
                        Some(v) => b.put_cf(cf, k, v),
                        None => b.delete_cf(cf, k),
                    }
                }
            }
            for n in encoded_nodes::all(nodes) {
                b.put_cf(node_cf, &n.key, &n.node);
            }
            for ((ver, kh), v) in p.tree.values() {
                b.put_cf(value_cf, value_key(kh, *ver), encode_value(v));
            }
            for (kh, k) in &p.preimages {
                b.put_cf(handle(db, cf::PREIMAGE)?, kh.0, k);
            }
            if keep {
                for s in p.tree.stale() {
                    let key = encode_in(&mut key_buf, &s.node_key)?;
                    push_stale(&mut stale, s.stale_since_version, STALE_NODES, key)?;
                }
                for (kh, ver) in &p.stale_values {
                    push_stale(&mut stale, p.version, STALE_VALUES, &value_key(kh, *ver))?;
                }
            }
        }
        for ((since, kind), list) in stale {
            let mut key = since.to_be_bytes().to_vec();
            key.push(kind);
            b.put_cf(handle(db, cf::STALE)?, key, list);
        }
        b.put_cf(handle(db, cf::META)?, META_HEIGHT, height.to_be_bytes());
        b.put_cf(handle(db, cf::META)?, META_APP_HASH, root);
        // Heights below the kept ones are unreadable from this commit on,
        // before a prune deletes their data: so any prune may run at any
        // time. The earliest height never goes down (keeping more heights
        // after a restart cannot bring pruned ones back).
        if let Some(earliest) = earliest_kept(self.config.keep_recent, height) {
            let before = read_u64(Src::Db(db), META_EARLIEST)?;
            let earliest = earliest.max(before);
            b.put_cf(handle(db, cf::META)?, META_EARLIEST, earliest.to_be_bytes());
        }
        Ok(b)
    }

    /// Puts what `pending` writes into the cache: values, new tree nodes
    /// (each taking its path's place), and the replaced nodes whose path has
    /// no new node taken out (only reads at past heights need those, and
    /// they do not use the cache). A path that cannot be encoded is left
    /// alone: the cache only saves reads.
    fn fill_cache(&self, pending: &[PendingVersion], encoded: &Encoded) {
        let mut scratch = Vec::with_capacity(64);
        for (p, nodes) in pending.iter().zip(encoded) {
            for (k, v) in &p.state {
                self.cache.put_written(k, v.clone(), p.version);
            }
            for n in encoded_nodes::all(nodes) {
                self.cache
                    .put_node(n.version, n.path(), Arc::clone(&n.node));
            }
            // A replaced node whose path has a new node was replaced in the
            // cache by the put above (a removal would find the newer version
            // and keep it): only paths gone from the tree are looked up, not
            // the ~33k a block of an insert-only version. Only deletions
            // take paths away (an insert keeps every path and adds some), so
            // a version without any has nothing to remove.
            if p.state.values().all(Option::is_some) {
                continue;
            }
            let mut new_paths = Vec::with_capacity(p.tree.node_count());
            new_paths.extend(p.tree.nodes().map(|(k, _)| k.nibble_path()));
            new_paths.sort_unstable();
            for s in p.tree.stale() {
                let path = s.node_key.nibble_path();
                if new_paths.binary_search(&path).is_ok() {
                    continue;
                }
                if let Ok(path) = encode_in(&mut scratch, path) {
                    self.cache.remove_node(s.node_key.version(), path);
                }
            }
        }
    }
}

/// Deletes a prune writes at once: ~0.3 ms of memtable inserts here, all a
/// commit's write may wait for behind the idle-priority thread when a core
/// is free (when none is, longer: see `background_prune`).
const PRUNE_BATCH: usize = 1024;

/// The earliest height readable once `height` is committed, keeping `keep`
/// heights; None while nothing is to be pruned (all kept, or fewer heights).
fn earliest_kept(keep: u64, height: u64) -> Option<u64> {
    if keep == 0 || height.saturating_add(1) <= keep {
        return None;
    }
    Some(height.saturating_add(1).saturating_sub(keep))
}

/// Deletes tree nodes and values that no version of the `keep` up to
/// `height` needs. Safe to repeat and to run beside another prune: what it
/// deletes no readable height needs (the commit of `height` made the rest
/// unreadable); a crash or `stop` before it finishes leaves the work to
/// the next.
pub(crate) fn prune(db: &DB, keep: u64, height: u64, stop: &AtomicBool) -> Result<(), StoreError> {
    // Versions >= earliest stay readable; an entry stale since v is only
    // needed to read versions below v.
    let Some(earliest) = earliest_kept(keep, height) else {
        return Ok(());
    };
    let src = Src::Db(db);
    let mut b = WriteBatch::default();
    let mut it = src.raw_iter(cf::STALE)?;
    // In batches of PRUNE_BATCH deletes: a commit's write that queues
    // behind one waits for little of the low-priority thread's work. A
    // stale entry is deleted after (or with) what it lists, so a crash
    // between batches leaves the rest to the next prune.
    it.seek_to_first();
    while it.valid() {
        let Some(k) = it.key() else { break };
        if k.len() < 9 {
            break;
        }
        let since = u64::from_be_bytes(k[..8].try_into().unwrap_or([0xff; 8]));
        if since > earliest {
            break;
        }
        match (k[8], it.value()) {
            (STALE_NODE, _) => b.delete_cf(handle(db, cf::JMT_NODE)?, &k[9..]),
            (STALE_VALUE, _) => b.delete_cf(handle(db, cf::JMT_VALUE)?, &k[9..]),
            (kind @ (STALE_NODES | STALE_VALUES), Some(list)) => {
                let cf_name = if kind == STALE_NODES {
                    cf::JMT_NODE
                } else {
                    cf::JMT_VALUE
                };
                let cf_handle = handle(db, cf_name)?;
                for key in stale_list(list)? {
                    b.delete_cf(cf_handle, key);
                    if b.len() >= PRUNE_BATCH {
                        db.write(std::mem::take(&mut b))?;
                        if stop.load(Ordering::Relaxed) {
                            return Ok(());
                        }
                    }
                }
            }
            _ => return Err(StoreError::Corrupt(format!("unknown stale entry {k:?}"))),
        }
        b.delete_cf(handle(db, cf::STALE)?, k);
        if b.len() >= PRUNE_BATCH {
            db.write(std::mem::take(&mut b))?;
        }
        it.next();
    }
    it.status()?;
    drop(it);
    db.write(b)?;
    Ok(())
}

impl StateRead for Storage {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        for p in self.pending.iter().rev() {
            if let Some(v) = p.state.get(key) {
                return Ok(v.clone());
            }
        }
        if let Some(v) = self.cache.value(key) {
            return Ok(v);
        }
        let v = Src::Db(&self.db).get(cf::STATE, key)?;
        self.cache.put_read(key, v.clone());
        Ok(v)
    }

    fn prefix(&self, prefix: &[u8]) -> Result<KvPairs, StoreError> {
        let mut items = Src::Db(&self.db).scan(cf::STATE, prefix)?;
        for p in &self.pending {
            items = merge_prefix(items, &p.state, prefix);
        }
        Ok(items)
    }

    fn nv_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        for p in self.pending.iter().rev() {
            if let Some(v) = p.nv.get(key) {
                return Ok(v.clone());
            }
        }
        Src::Db(&self.db).get(cf::NV, key)
    }

    fn nv_prefix(&self, prefix: &[u8]) -> Result<KvPairs, StoreError> {
        let mut items = Src::Db(&self.db).scan(cf::NV, prefix)?;
        for p in &self.pending {
            items = merge_prefix(items, &p.nv, prefix);
        }
        Ok(items)
    }

    fn range(&self, start: &[u8], end: Option<&[u8]>, limit: usize) -> Result<KvPairs, StoreError> {
        let layers: Vec<&WriteSet> = self.pending.iter().map(|p| &p.state).collect();
        range_through(&layers, start, end, limit, |n| {
            Src::Db(&self.db).scan_range(cf::STATE, start, end, n)
        })
    }

    fn nv_range(
        &self,
        start: &[u8],
        end: Option<&[u8]>,
        limit: usize,
    ) -> Result<KvPairs, StoreError> {
        let layers: Vec<&WriteSet> = self.pending.iter().map(|p| &p.nv).collect();
        range_through(&layers, start, end, limit, |n| {
            Src::Db(&self.db).scan_range(cf::NV, start, end, n)
        })
    }
}

/// Reads committed state from any thread, each read through one consistent
/// RocksDB snapshot so a concurrent commit is never seen half-way.
#[derive(Clone)]
pub struct StorageReader {
    db: Arc<DB>,
}

/// Committed state at one height, as a query sees it.
pub struct CommittedView<'a> {
    db: &'a DB,
    snap: rocksdb::Snapshot<'a>,
}

impl StorageReader {
    pub fn view(&self) -> CommittedView<'_> {
        CommittedView {
            db: &self.db,
            snap: self.db.snapshot(),
        }
    }
}

impl CommittedView<'_> {
    fn src(&self) -> Src<'_> {
        Src::Snap(self.db, &self.snap)
    }

    pub fn height(&self) -> Result<u64, StoreError> {
        read_u64(self.src(), META_HEIGHT)
    }

    pub fn app_hash(&self) -> Result<Vec<u8>, StoreError> {
        Ok(self.src().get(cf::META, META_APP_HASH)?.unwrap_or_default())
    }

    /// The earliest height still readable with [`CommittedView::get_at`].
    pub fn earliest_height(&self) -> Result<u64, StoreError> {
        read_u64(self.src(), META_EARLIEST)
    }

    fn check_height(&self, height: u64) -> Result<(), StoreError> {
        if height > self.height()? || height < self.earliest_height()? {
            return Err(StoreError::HeightUnavailable(height));
        }
        Ok(())
    }

    /// A verifiable key's value at a past height.
    pub fn get_at(&self, key: &[u8], height: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.check_height(height)?;
        let view = TreeView {
            src: self.src(),
            pending: &[],
            cache: None,
        };
        Sha256Jmt::new(&view)
            .get(KeyHash::with::<Sha256>(key), height)
            .map_err(tree_err)
    }

    /// A key's value at `height` with an ICS-23 proof of its presence or
    /// absence against that height's app hash.
    pub fn get_with_proof(
        &self,
        key: &[u8],
        height: u64,
    ) -> Result<(Option<Vec<u8>>, ics23::CommitmentProof), StoreError> {
        self.check_height(height)?;
        let view = TreeView {
            src: self.src(),
            pending: &[],
            cache: None,
        };
        Sha256Jmt::new(&view)
            .get_with_ics23_proof(key.to_vec(), height)
            .map_err(tree_err)
    }

    /// The app hash (tree root) of a past height.
    pub fn root_at(&self, height: u64) -> Result<[u8; 32], StoreError> {
        self.check_height(height)?;
        let view = TreeView {
            src: self.src(),
            pending: &[],
            cache: None,
        };
        Ok(Sha256Jmt::new(&view)
            .get_root_hash(height)
            .map_err(tree_err)?
            .0)
    }
}

impl StateRead for CommittedView<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.src().get(cf::STATE, key)
    }
    fn prefix(&self, prefix: &[u8]) -> Result<KvPairs, StoreError> {
        self.src().scan(cf::STATE, prefix)
    }
    fn nv_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.src().get(cf::NV, key)
    }
    fn nv_prefix(&self, prefix: &[u8]) -> Result<KvPairs, StoreError> {
        self.src().scan(cf::NV, prefix)
    }
    fn range(&self, start: &[u8], end: Option<&[u8]>, limit: usize) -> Result<KvPairs, StoreError> {
        self.src().scan_range(cf::STATE, start, end, limit)
    }
    fn nv_range(
        &self,
        start: &[u8],
        end: Option<&[u8]>,
        limit: usize,
    ) -> Result<KvPairs, StoreError> {
        self.src().scan_range(cf::NV, start, end, limit)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::background_prune::{BackgroundPrune, MAX_PRUNE_LAG};

    fn count(s: &Storage, cf_name: &str) -> usize {
        let src = Src::Db(&s.db);
        let mut it = src.raw_iter(cf_name).unwrap();
        it.seek_to_first();
        let mut n = 0;
        while it.valid() {
            n += 1;
            it.next();
        }
        n
    }

    /// An empty store with the default config, in a directory removed with
    /// the returned guard.
    fn fresh() -> (tempfile::TempDir, Storage) {
        let dir = tempfile::tempdir().unwrap();
        let s = Storage::open(dir.path(), StorageConfig::default()).unwrap();
        (dir, s)
    }

    fn write(s: &mut Storage, version: u64, keys: u32) {
        let mut c = Changes::default();
        for i in 0..keys {
            c.state.insert(
                format!("k/{i}").into_bytes(),
                Some(version.to_be_bytes().to_vec()),
            );
        }
        s.prepare(version, c).unwrap();
        s.commit().unwrap();
        // The commit's prune done too, so what the store holds is known.
        s.finish_pruning().unwrap();
    }

    #[test]
    fn should_encode_each_new_node_once_as_borsh_does() {
        let (_dir, mut s) = fresh();
        write(&mut s, 0, 200);
        let mut c = Changes::default();
        for i in 100..400u32 {
            c.state.insert(format!("k/{i}").into_bytes(), Some(vec![1]));
        }
        s.prepare(1, c).unwrap();
        let encoded = encode_nodes(&s.pending).unwrap();
        let [first, second] = &encoded[0];
        assert!(!first.is_empty() && !second.is_empty(), "a split update");
        let expected: BTreeMap<_, _> = s.pending[0]
            .tree
            .nodes()
            .map(|(k, n)| (borsh::to_vec(k).unwrap(), borsh::to_vec(n).unwrap()))
            .collect();
        let mut got = BTreeMap::new();
        for n in encoded_nodes::all(&encoded[0]) {
            assert_eq!(n.version, 1);
            assert_eq!(n.path(), &n.key[8..]);
            got.insert(n.key.to_vec(), n.node.to_vec());
        }
        assert_eq!(got.len(), first.len() + second.len(), "each node once");
        assert_eq!(got, expected);
    }

    #[test]
    fn should_round_trip_stale_lists_and_refuse_truncated_ones() {
        let mut lists = BTreeMap::new();
        push_stale(&mut lists, 7, STALE_NODES, b"abc").unwrap();
        push_stale(&mut lists, 7, STALE_NODES, b"").unwrap();
        push_stale(&mut lists, 7, STALE_NODES, &[9; 300]).unwrap();
        let list = &lists[&(7, STALE_NODES)];
        let keys = stale_list(list).unwrap();
        assert_eq!(keys, vec![&b"abc"[..], &b""[..], &[9u8; 300][..]]);
        assert!(stale_list(&list[..list.len() - 1]).is_err());
        assert!(stale_list(&[0]).is_err());
        assert!(push_stale(&mut lists, 7, STALE_NODES, &vec![0; 70_000]).is_err());
    }

    #[test]
    fn should_delete_what_pruned_versions_alone_needed() {
        // The versions superseded come from the cache when it has them.
        for cache_bytes in [1 << 30, 2_000, 0] {
            delete_what_pruned_versions_alone_needed(cache_bytes);
        }
    }

    fn delete_what_pruned_versions_alone_needed(cache_bytes: u64) {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Storage::open(
            dir.path(),
            StorageConfig {
                keep_recent: 3,
                cache_bytes,
            },
        )
        .unwrap();
        for v in 0..5 {
            write(&mut s, v, 40);
        }
        let (nodes, values) = (count(&s, cf::JMT_NODE), count(&s, cf::JMT_VALUE));
        for v in 5..30 {
            write(&mut s, v, 40);
        }
        // Same keys rewritten each version: what is kept stays the same size.
        assert_eq!(count(&s, cf::JMT_NODE), nodes);
        assert_eq!(count(&s, cf::JMT_VALUE), values);
        // Committed and pruned through 29: versions 27..=29 readable.
        assert_eq!(values, 40 * 3);
        // The lists of what became stale at 28 and 29 wait, one per kind.
        assert_eq!(count(&s, cf::STALE), 2 * 2);
        write(&mut s, 30, 40);
        assert_eq!(count(&s, cf::JMT_VALUE), values);
        // New keys write their preimages once.
        assert_eq!(count(&s, cf::PREIMAGE), 40);
    }

    #[test]
    fn should_prune_a_version_of_more_deletes_than_one_prune_batch_holds() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = keeping(dir.path(), 2);
        // Each version replaces 3,000 values and more nodes than that.
        for v in 0..3 {
            write(&mut s, v, 3000);
        }
        let (nodes, values) = (count(&s, cf::JMT_NODE), count(&s, cf::JMT_VALUE));
        assert_eq!(values, 2 * 3000);
        for v in 3..5 {
            write(&mut s, v, 3000);
        }
        assert_eq!(count(&s, cf::JMT_NODE), nodes);
        assert_eq!(count(&s, cf::JMT_VALUE), values);
        assert_eq!(count(&s, cf::STALE), 2);
    }

    #[test]
    fn should_stop_a_prune_after_a_batch_and_leave_the_rest_to_the_next() {
        let dir = tempfile::tempdir().unwrap();
        // Keeping 1,000 heights, no commit here prunes; the prunes below are
        // asked for 2.
        let mut s = keeping(dir.path(), 1000);
        for v in 0..5 {
            write(&mut s, v, 3000);
        }
        assert_eq!(count(&s, cf::JMT_VALUE), 5 * 3000);
        let (nodes, stale) = (count(&s, cf::JMT_NODE), count(&s, cf::STALE));
        // Stopped after its first batch: nodes a version replaced, deleted
        // first; the lists stay for the next prune.
        prune(&s.db, 2, 4, &AtomicBool::new(true)).unwrap();
        assert_eq!(count(&s, cf::JMT_NODE), nodes - PRUNE_BATCH);
        assert_eq!(count(&s, cf::JMT_VALUE), 5 * 3000);
        assert_eq!(count(&s, cf::STALE), stale);
        prune(&s.db, 2, 4, &AtomicBool::new(false)).unwrap();
        assert_eq!(count(&s, cf::JMT_VALUE), 2 * 3000);
        assert_eq!(count(&s, cf::STALE), 2);
    }

    #[test]
    fn should_cache_the_latest_tree_alone_however_many_versions_pass() {
        for keep_recent in [0, 3] {
            let dir = tempfile::tempdir().unwrap();
            let open = |path: &Path, cache_bytes| {
                Storage::open(
                    path,
                    StorageConfig {
                        keep_recent,
                        cache_bytes,
                    },
                )
                .unwrap()
            };
            let mut s = open(dir.path(), 1 << 30);
            let uncached_dir = tempfile::tempdir().unwrap();
            let mut uncached = open(uncached_dir.path(), 0);
            for v in 0..3 {
                write(&mut s, v, 40);
                write(&mut uncached, v, 40);
            }
            let (_, nodes) = s.cache_used();
            assert!(nodes > 0);
            for v in 3..40 {
                write(&mut s, v, 40);
                write(&mut uncached, v, 40);
            }
            // The same keys rewritten: the tree keeps its shape, and so does
            // what the cache holds of it (each version's nodes replace the last's).
            assert_eq!(s.cache_used().1, nodes, "keep_recent {keep_recent}");
            assert_eq!(
                s.committed_app_hash().unwrap(),
                uncached.committed_app_hash().unwrap()
            );
        }
    }

    #[test]
    fn should_cache_the_latest_tree_alone_as_keys_are_added() {
        // Keys added over 30 versions, a few new ones each (leaves move down
        // as the tree grows), against the same keys written at once: the
        // same tree, so the same cached nodes, with no node left cached at
        // a path the tree no longer has.
        let (_dir, mut s) = fresh();
        for v in 0..30u64 {
            let mut c = Changes::default();
            for i in 0..=v * 3 {
                c.state
                    .insert(format!("k/{i}").into_bytes(), Some(b"v".to_vec()));
            }
            s.prepare(v, c).unwrap();
            s.commit().unwrap();
        }
        let mut c = Changes::default();
        for i in 0..=29 * 3 {
            c.state
                .insert(format!("k/{i}").into_bytes(), Some(b"v".to_vec()));
        }
        assert_same_tree_and_cache_as_written_at_once(&s, c);
    }

    #[test]
    fn should_drop_the_cached_nodes_of_paths_that_deletions_remove() {
        let (_dir, mut s) = fresh();
        write(&mut s, 0, 40);
        // Deleting all but one key collapses the tree to a single leaf: every
        // other path is gone, and with it its cached node.
        let mut c = Changes::default();
        for i in 1..40 {
            c.state.insert(format!("k/{i}").into_bytes(), None);
        }
        s.prepare(1, c).unwrap();
        s.commit().unwrap();
        let mut c = Changes::default();
        c.state
            .insert(b"k/0".to_vec(), Some(0u64.to_be_bytes().to_vec()));
        assert_same_tree_and_cache_as_written_at_once(&s, c);
    }

    /// `s` has the tree that `changes` written at once into a fresh store
    /// gives, and caches the same node bytes of it (nothing more).
    fn assert_same_tree_and_cache_as_written_at_once(s: &Storage, changes: Changes) {
        let dir = tempfile::tempdir().unwrap();
        let mut fresh = Storage::open(dir.path(), StorageConfig::default()).unwrap();
        fresh.prepare(0, changes).unwrap();
        fresh.commit().unwrap();
        assert_eq!(
            s.committed_app_hash().unwrap(),
            fresh.committed_app_hash().unwrap()
        );
        assert_eq!(s.cache_used().1, fresh.cache_used().1);
    }

    fn keeping(dir: &Path, keep_recent: u64) -> Storage {
        let config = StorageConfig {
            keep_recent,
            ..Default::default()
        };
        Storage::open(dir, config).unwrap()
    }

    /// Commits `version` writing key `k` (its value: the version).
    fn commit_k(s: &mut Storage, version: u64) {
        let mut c = Changes::default();
        c.state
            .insert(b"k".to_vec(), Some(version.to_be_bytes().to_vec()));
        s.prepare(version, c).unwrap();
        s.commit().unwrap();
    }

    /// Waits (up to a minute) until the prune thread has ended.
    fn wait_for_prune_thread(s: &Storage) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while s.pruner.is_running() {
            assert!(std::time::Instant::now() < deadline, "prune thread stuck");
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    #[test]
    fn should_make_old_heights_unreadable_with_their_commit_and_delete_them_after() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = keeping(dir.path(), 2);
        for v in 0..12u64 {
            commit_k(&mut s, v);
            // Whether or not its prune has run yet.
            let earliest = s.reader().view().earliest_height().unwrap();
            assert_eq!(earliest, v.saturating_sub(1), "at {v}");
            assert!(
                matches!(
                    s.reader().view().get_at(b"k", earliest.saturating_sub(1)),
                    Err(StoreError::HeightUnavailable(_))
                ) || v < 2
            );
        }
        s.finish_pruning().unwrap();
        // One value per kept version (10, 11), nothing older.
        assert_eq!(count(&s, cf::JMT_VALUE), 2);
    }

    #[test]
    fn should_never_lower_the_earliest_height_when_more_heights_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = keeping(dir.path(), 2);
        for v in 0..6 {
            commit_k(&mut s, v);
        }
        s.finish_pruning().unwrap();
        assert_eq!(s.reader().view().earliest_height().unwrap(), 4);
        drop(s);
        let mut s = keeping(dir.path(), 4);
        commit_k(&mut s, 6);
        s.finish_pruning().unwrap();
        // Keeping 4 would start at 3, whose data is gone.
        let view = s.reader();
        assert_eq!(view.view().earliest_height().unwrap(), 4);
        assert_eq!(
            view.view().get_at(b"k", 4).unwrap(),
            Some(4u64.to_be_bytes().to_vec())
        );
    }

    #[test]
    fn should_prune_in_the_commit_when_the_prune_thread_gets_no_core() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = keeping(dir.path(), 2);
        for v in 0..3 {
            commit_k(&mut s, v);
            s.finish_pruning().unwrap();
        }
        assert_eq!(count(&s, cf::JMT_VALUE), 2);
        // A prune thread that does not run until told to.
        let (go, wait) = std::sync::mpsc::channel::<()>();
        s.pruner
            .set_running(BackgroundPrune::start(Arc::clone(&s.db), move |_, _| {
                let _ = wait.recv();
                Ok(())
            }));
        // Commits go on without it, the values of unreadable heights kept.
        for v in 3..3 + MAX_PRUNE_LAG - 1 {
            commit_k(&mut s, v);
            assert_eq!(count(&s, cf::JMT_VALUE) as u64, v, "at {v}");
        }
        // The next commit prunes itself.
        let v = 2 + MAX_PRUNE_LAG;
        commit_k(&mut s, v);
        assert_eq!(count(&s, cf::JMT_VALUE), 2);
        go.send(()).unwrap();
        s.finish_pruning().unwrap();
        assert_eq!(count(&s, cf::JMT_VALUE), 2);
    }

    #[test]
    fn should_fail_the_next_commit_before_its_write_when_a_prune_failed() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = keeping(dir.path(), 2);
        // A stale entry of a kind no prune knows, due once 0 goes.
        let mut bad = 0u64.to_be_bytes().to_vec();
        bad.extend([9, 1, 2]);
        s.db.put_cf(handle(&s.db, cf::STALE).unwrap(), &bad, [])
            .unwrap();
        for v in 0..3 {
            commit_k(&mut s, v);
            // Each commit then starts its own prune.
            wait_for_prune_thread(&s);
        }
        // The prune after 2 (earliest 1) failed.
        let mut c = Changes::default();
        c.state.insert(b"k".to_vec(), Some(b"3".to_vec()));
        s.prepare(3, c).unwrap();
        let e = s.commit().unwrap_err();
        assert!(matches!(e, StoreError::Corrupt(_)), "{e}");
        assert_eq!(s.committed_height().unwrap(), 2);
        assert_eq!(s.latest_version().unwrap(), Some(2));
    }

    #[test]
    fn should_prune_stale_entries_in_the_earlier_one_per_key_form() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = keeping(dir.path(), 2);
        write(&mut s, 0, 1);
        // As an earlier gpuchaind recorded a stale value: one entry each.
        let old = value_key(&KeyHash([5; 32]), 0);
        let mut stale_key = 1u64.to_be_bytes().to_vec();
        stale_key.push(STALE_VALUE);
        stale_key.extend(&old);
        let db = s.db.clone();
        db.put_cf(handle(&db, cf::JMT_VALUE).unwrap(), &old, [1])
            .unwrap();
        db.put_cf(handle(&db, cf::STALE).unwrap(), &stale_key, [])
            .unwrap();
        write(&mut s, 1, 1);
        assert!(Src::Db(&db).get(cf::JMT_VALUE, &old).unwrap().is_some());
        // Pruned after the commit of 2 (earliest 1).
        write(&mut s, 2, 1);
        assert!(Src::Db(&db).get(cf::JMT_VALUE, &old).unwrap().is_none());
        assert!(Src::Db(&db).get(cf::STALE, &stale_key).unwrap().is_none());
    }
}

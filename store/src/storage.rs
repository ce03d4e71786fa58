//! RocksDB storage with a Jellyfish Merkle commitment.
//!
//! Two-step commit: [`Storage::prepare`] computes a version's root (the app
//! hash) and holds the writes in memory; [`Storage::commit`] writes every
//! prepared version, the tree nodes, the height and the app hash in one
//! atomic, synced write batch. A crash at any point leaves the last committed
//! version intact.

use std::path::Path;

use jmt::storage::TreeUpdateBatch;
use jmt::{KeyHash, Sha256Jmt, Version};
use rocksdb::{ColumnFamilyDescriptor, Options, WriteBatch, WriteOptions, DB};
use sha2::Sha256;

use crate::delta::{merge_prefix, range_through, Changes, WriteSet};
use crate::state::{KvPair, KvPairs, StateRead};
use crate::tree::{encode_value, value_key, PendingVersion, TreeView};
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
const STALE_NODE: u8 = 0;
const STALE_VALUE: u8 = 1;

#[derive(Clone, Debug)]
pub struct StorageConfig {
    /// Versions kept for queries at past heights; 0 keeps all (archive node).
    pub keep_recent: u64,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self { keep_recent: 100 }
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

fn tree_err(e: anyhow::Error) -> StoreError {
    StoreError::Db(format!("merkle tree: {e}"))
}

/// A write with its key's hash: (hash, key, value or deletion).
type HashedWrite<'a> = (KeyHash, &'a Vec<u8>, Option<Vec<u8>>);

pub struct Storage {
    db: std::sync::Arc<DB>,
    config: StorageConfig,
    pending: Vec<PendingVersion>,
}

impl Storage {
    pub fn open(path: &Path, config: StorageConfig) -> Result<Self, StoreError> {
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        let cfs = cf::ALL
            .iter()
            .map(|n| ColumnFamilyDescriptor::new(*n, Options::default()));
        let db = DB::open_cf_descriptors(&opts, path, cfs)?;
        Ok(Self {
            db: std::sync::Arc::new(db),
            config,
            pending: Vec::new(),
        })
    }

    /// A handle for reading committed state from other threads (queries).
    pub fn reader(&self) -> StorageReader {
        StorageReader {
            db: self.db.clone(),
        }
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
            .map(|(k, v)| (KeyHash::with::<Sha256>(k), k, v.clone()))
            .collect();
        let view = TreeView {
            src: Src::Db(&self.db),
            pending: &self.pending,
        };
        let mut stale_values = Vec::new();
        if self.config.keep_recent > 0 {
            for (h, _, _) in &hashed {
                if let Some(prev) = view
                    .latest_value_version(version.saturating_sub(1), h)
                    .map_err(tree_err)?
                {
                    stale_values.push((*h, prev));
                }
            }
        }
        let tree = Sha256Jmt::new(&view);
        let puts: Option<Vec<(KeyHash, Vec<u8>)>> = hashed
            .iter()
            .map(|(h, _, v)| v.clone().map(|v| (*h, v)))
            .collect();
        // jmt's batch insert hashes each new node once instead of once per key
        // below it (about 3x faster), but takes no deletions and needs the
        // previous version's root (absent only when the first version stored
        // is not 0); otherwise keys go in one by one. The tree, and so the
        // root, is the same.
        let prev_root = match version.checked_sub(1) {
            None => true,
            Some(prev) => tree.get_root_hash_option(prev).map_err(tree_err)?.is_some(),
        };
        let (root, batch): (_, TreeUpdateBatch) = match puts {
            Some(puts) if !puts.is_empty() && prev_root => {
                let (roots, batch) = tree
                    .batch_put_value_sets(vec![puts], None, version)
                    .map_err(tree_err)?;
                let root = roots.first().copied().ok_or_else(|| {
                    StoreError::Corrupt("jmt returned no root for the version".into())
                })?;
                (root, batch)
            }
            _ => tree
                .put_value_set(hashed.iter().map(|(h, _, v)| (*h, v.clone())), version)
                .map_err(tree_err)?,
        };
        let preimages = hashed.iter().map(|(h, k, _)| (*h, (*k).clone())).collect();
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

    /// Writes every prepared version in one atomic, synced batch, then prunes
    /// versions older than `keep_recent`.
    pub fn commit(&mut self) -> Result<(), StoreError> {
        let Some(last) = self.pending.last() else {
            return Ok(());
        };
        let (height, root) = (last.version, last.root);
        let db = &self.db;
        let mut b = WriteBatch::default();
        for p in &self.pending {
            for (k, v) in &p.state {
                match v {
                    Some(v) => b.put_cf(handle(db, cf::STATE)?, k, v),
                    None => b.delete_cf(handle(db, cf::STATE)?, k),
                }
            }
            for (k, v) in &p.nv {
                match v {
                    Some(v) => b.put_cf(handle(db, cf::NV)?, k, v),
                    None => b.delete_cf(handle(db, cf::NV)?, k),
                }
            }
            for (nk, node) in p.tree.node_batch.nodes() {
                let key = borsh::to_vec(nk).map_err(|e| StoreError::Db(e.to_string()))?;
                let val = borsh::to_vec(node).map_err(|e| StoreError::Db(e.to_string()))?;
                b.put_cf(handle(db, cf::JMT_NODE)?, key, val);
            }
            for ((ver, kh), v) in p.tree.node_batch.values() {
                b.put_cf(
                    handle(db, cf::JMT_VALUE)?,
                    value_key(kh, *ver),
                    encode_value(v),
                );
            }
            for (kh, k) in &p.preimages {
                b.put_cf(handle(db, cf::PREIMAGE)?, kh.0, k);
            }
            if self.config.keep_recent > 0 {
                for s in p.tree.stale_node_index_batch.iter() {
                    let mut key = s.stale_since_version.to_be_bytes().to_vec();
                    key.push(STALE_NODE);
                    key.extend(
                        borsh::to_vec(&s.node_key).map_err(|e| StoreError::Db(e.to_string()))?,
                    );
                    b.put_cf(handle(db, cf::STALE)?, key, []);
                }
                for (kh, ver) in &p.stale_values {
                    let mut key = p.version.to_be_bytes().to_vec();
                    key.push(STALE_VALUE);
                    key.extend(value_key(kh, *ver));
                    b.put_cf(handle(db, cf::STALE)?, key, []);
                }
            }
        }
        b.put_cf(handle(db, cf::META)?, META_HEIGHT, height.to_be_bytes());
        b.put_cf(handle(db, cf::META)?, META_APP_HASH, root);
        let mut wo = WriteOptions::default();
        wo.set_sync(true);
        db.write_opt(b, &wo)?;
        self.pending.clear();
        self.prune(height)
    }

    /// Deletes tree nodes and values that no kept version needs. Safe to
    /// repeat: a crash before it finishes leaves work for the next commit.
    fn prune(&self, height: u64) -> Result<(), StoreError> {
        let keep = self.config.keep_recent;
        if keep == 0 || height.saturating_add(1) <= keep {
            return Ok(());
        }
        // Versions >= earliest stay readable; an entry stale since v is only
        // needed to read versions below v.
        let earliest = height.saturating_add(1).saturating_sub(keep);
        let db = &self.db;
        let src = Src::Db(db);
        let mut b = WriteBatch::default();
        let mut it = src.raw_iter(cf::STALE)?;
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
            match k[8] {
                STALE_NODE => b.delete_cf(handle(db, cf::JMT_NODE)?, &k[9..]),
                _ => b.delete_cf(handle(db, cf::JMT_VALUE)?, &k[9..]),
            }
            b.delete_cf(handle(db, cf::STALE)?, k);
            it.next();
        }
        it.status()?;
        drop(it);
        b.put_cf(handle(db, cf::META)?, META_EARLIEST, earliest.to_be_bytes());
        db.write(b)?;
        Ok(())
    }
}

impl StateRead for Storage {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        for p in self.pending.iter().rev() {
            if let Some(v) = p.state.get(key) {
                return Ok(v.clone());
            }
        }
        Src::Db(&self.db).get(cf::STATE, key)
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
    db: std::sync::Arc<DB>,
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

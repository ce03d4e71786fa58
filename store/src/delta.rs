//! A copy-on-write layer over any state. Writes and events stay in the layer
//! until [`Delta::into_changes`] hands them to the layer below; dropping the
//! layer discards them, events included (a failed tx emits nothing).

use std::borrow::Cow;
use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use gpuchain_types::Event;

use crate::gas::GasMeter;
use crate::key_index::KeyIndex;
use crate::state::{prefix_end, KvPairs, StateRead, StateWrite};
use crate::StoreError;

/// `None` marks a deletion.
pub type WriteSet = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// What a layer changed, in key order, and the events it emitted in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub state: WriteSet,
    pub nv: WriteSet,
    pub events: Vec<Event>,
}

pub struct Delta<'a> {
    base: &'a dyn StateRead,
    changes: Changes,
    gas: Option<&'a GasMeter>,
    /// False: events are dropped (see [`Delta::without_events`]).
    records_events: bool,
    /// Set on large layers (see [`Delta::indexed`]).
    index: Option<KeyIndex>,
    /// The state writes of a mempool layer (see [`MempoolChanges`]); when
    /// set, `changes.state` stays empty.
    hashed: Option<HashedWrites>,
}

/// State writes in a hash map: only looked up, and sorted when read in key
/// order, so their hash order never reaches a result.
type HashedWrites = FxHashMap<Vec<u8>, Option<Vec<u8>>>;

/// What CheckTx has written since the last commit, kept between batches.
/// Nothing reads these writes in key order on the hot path (the ante checks
/// read single keys) and they are dropped at commit, never written to disk;
/// so their state writes live in a hash map, where a tx's few writes and
/// reads cost no search through tens of thousands of ordered keys. Range
/// reads through the layer still see them, sorted on the spot. Events are
/// not kept.
#[derive(Debug, Default)]
pub struct MempoolChanges {
    state: HashedWrites,
    nv: WriteSet,
}

impl<'a> Delta<'a> {
    pub fn new(base: &'a dyn StateRead) -> Self {
        Self {
            base,
            changes: Changes::default(),
            gas: None,
            records_events: true,
            index: None,
            hashed: None,
        }
    }

    /// A layer that charges every read and write to `meter`.
    pub fn metered(base: &'a dyn StateRead, meter: &'a GasMeter) -> Self {
        Self {
            gas: Some(meter),
            ..Self::new(base)
        }
    }

    /// A layer that starts with changes made earlier (the mempool's state,
    /// kept between CheckTx calls).
    pub fn with_changes(base: &'a dyn StateRead, changes: Changes) -> Self {
        Self {
            changes,
            ..Self::new(base)
        }
    }

    /// The mempool's layer, from what earlier CheckTx batches wrote.
    pub fn with_mempool_changes(base: &'a dyn StateRead, kept: MempoolChanges) -> Self {
        Self {
            changes: Changes {
                nv: kept.nv,
                ..Changes::default()
            },
            hashed: Some(kept.state),
            ..Self::new(base)
        }
    }

    /// What this layer wrote, kept for [`Delta::with_mempool_changes`]
    /// (events dropped).
    pub fn into_mempool_changes(self) -> MempoolChanges {
        let state = match self.hashed {
            Some(hashed) => hashed,
            None => self.changes.state.into_iter().collect(),
        };
        MempoolChanges {
            state,
            nv: self.changes.nv,
        }
    }

    /// This layer, indexing the keys it holds: a read of a key it never
    /// wrote then goes straight to the layer below instead of searching
    /// the ordered map, which for a layer of many keys (a block's, the
    /// mempool's) is most of a read's cost.
    pub fn indexed(mut self) -> Self {
        if self.index.is_none() && self.hashed.is_none() {
            let mut index = KeyIndex::default();
            for key in self.changes.state.keys() {
                index.insert(key);
            }
            self.index = Some(index);
        }
        self
    }

    /// This layer, dropping every event emitted on it: for work whose events
    /// nobody reads (CheckTx returns none, as in the SDK).
    pub fn without_events(mut self) -> Self {
        self.records_events = false;
        self
    }

    pub fn into_changes(mut self) -> Changes {
        if let Some(hashed) = self.hashed.take() {
            self.changes.state = hashed.into_iter().collect();
        }
        self.changes
    }

    /// The changes so far; a mempool layer's state writes show only in
    /// [`Delta::into_changes`].
    pub fn changes(&self) -> &Changes {
        &self.changes
    }

    /// Applies a layer that ran on top of this one.
    pub fn apply(&mut self, changes: Changes) {
        for (key, value) in changes.state {
            self.record_write(key, value);
        }
        self.changes.nv.extend(changes.nv);
        self.changes.events.extend(changes.events);
    }

    /// Takes the events recorded so far (the block's layer hands each tx's
    /// events to its result this way).
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.changes.events)
    }

    /// The state writes for a read in key order: a mempool layer's, those
    /// `wanted` keeps, sorted on the spot.
    fn ordered_state(&self, wanted: impl Fn(&[u8]) -> bool) -> Cow<'_, WriteSet> {
        match &self.hashed {
            Some(hashed) => Cow::Owned(
                hashed
                    .iter()
                    .filter(|(k, _)| wanted(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            None => Cow::Borrowed(&self.changes.state),
        }
    }

    /// Where every state write lands, whatever kind of layer this is.
    fn record_write(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) {
        if let Some(hashed) = &mut self.hashed {
            hashed.insert(key, value);
            return;
        }
        if let Some(index) = &mut self.index {
            index.insert(&key);
        }
        self.changes.state.insert(key, value);
    }

    fn charge_read(&self, key: &[u8], value: Option<&Vec<u8>>) -> Result<(), StoreError> {
        if let Some(g) = self.gas {
            let len = key.len().saturating_add(value.map_or(0, Vec::len));
            g.consume_bytes(g.config.read_flat, g.config.read_per_byte, len)?;
        }
        Ok(())
    }

    fn charge_write(&self, key: &[u8], value: Option<&[u8]>) -> Result<(), StoreError> {
        if let Some(g) = self.gas {
            match value {
                Some(v) => {
                    let len = key.len().saturating_add(v.len());
                    g.consume_bytes(g.config.write_flat, g.config.write_per_byte, len)?
                }
                None => g.consume(g.config.delete)?,
            }
        }
        Ok(())
    }

    fn charge_iter(&self, items: &[(Vec<u8>, Vec<u8>)]) -> Result<(), StoreError> {
        if let Some(g) = self.gas {
            g.consume(g.config.read_flat)?;
            for (k, v) in items {
                let len = k.len().saturating_add(v.len());
                g.consume_bytes(g.config.iter_next_flat, g.config.read_per_byte, len)?;
            }
        }
        Ok(())
    }
}

fn lookup(
    writes: &WriteSet,
    key: &[u8],
    below: impl FnOnce() -> Result<Option<Vec<u8>>, StoreError>,
) -> Result<Option<Vec<u8>>, StoreError> {
    match writes.get(key) {
        Some(v) => Ok(v.clone()),
        None => below(),
    }
}

/// Overlays a layer's writes on the pairs read below it.
pub(crate) fn merge_prefix(below: KvPairs, writes: &WriteSet, prefix: &[u8]) -> KvPairs {
    let range = match prefix_end(prefix) {
        Some(end) => writes.range(prefix.to_vec()..end),
        None => writes.range(prefix.to_vec()..),
    };
    let mut merged: BTreeMap<Vec<u8>, Vec<u8>> = below.into_iter().collect();
    for (k, v) in range {
        match v {
            Some(v) => {
                merged.insert(k.clone(), v.clone());
            }
            None => {
                merged.remove(k);
            }
        }
    }
    merged.into_iter().collect()
}

/// Writes a layer's changes into any state (see [`in_layer`]).
pub fn apply_changes(state: &mut dyn StateWrite, changes: Changes) -> Result<(), StoreError> {
    for (k, v) in changes.state {
        match v {
            Some(v) => state.put(k, v)?,
            None => state.delete(k)?,
        }
    }
    for (k, v) in changes.nv {
        match v {
            Some(v) => state.nv_put(k, v)?,
            None => state.nv_delete(k)?,
        }
    }
    for e in changes.events {
        state.emit(e);
    }
    Ok(())
}

/// Runs `f` on its own layer above `state`: its writes and events reach
/// `state` only when it succeeds, so a step that may fail inside a hook
/// (a slash, a penalty) leaves nothing half-done. The outer result fails
/// only if applying the layer fails.
pub fn in_layer<T, E: From<StoreError>>(
    state: &mut dyn StateWrite,
    f: impl FnOnce(&mut dyn StateWrite) -> Result<T, E>,
) -> Result<Result<T, E>, E> {
    let (result, changes) = {
        let mut layer = Delta::new(&*state);
        let r = f(&mut layer);
        (r, layer.into_changes())
    };
    if result.is_ok() {
        apply_changes(state, changes)?;
    }
    Ok(result)
}

/// A bounded range read through write layers (lowest first) over a base:
/// the base is asked for `limit` plus as many pairs as the layers write in
/// the range, since each write can hide at most one base pair; so the first
/// `limit` merged pairs are exact while the work stays O(limit + writes).
pub(crate) fn range_through(
    layers: &[&WriteSet],
    start: &[u8],
    end: Option<&[u8]>,
    limit: usize,
    base: impl FnOnce(usize) -> Result<KvPairs, StoreError>,
) -> Result<KvPairs, StoreError> {
    let in_range = |w: &&WriteSet| -> usize {
        match end {
            Some(end) if end <= start => 0,
            Some(end) => w.range(start.to_vec()..end.to_vec()).count(),
            None => w.range(start.to_vec()..).count(),
        }
    };
    let extra = layers
        .iter()
        .map(in_range)
        .fold(0usize, usize::saturating_add);
    let mut merged: BTreeMap<Vec<u8>, Vec<u8>> =
        base(limit.saturating_add(extra))?.into_iter().collect();
    for w in layers {
        let writes = match end {
            Some(end) if end <= start => continue,
            Some(end) => w.range(start.to_vec()..end.to_vec()),
            None => w.range(start.to_vec()..),
        };
        for (k, v) in writes {
            match v {
                Some(v) => merged.insert(k.clone(), v.clone()),
                None => merged.remove(k),
            };
        }
    }
    Ok(merged.into_iter().take(limit).collect())
}

impl StateRead for Delta<'_> {
    fn range(&self, start: &[u8], end: Option<&[u8]>, limit: usize) -> Result<KvPairs, StoreError> {
        let writes = self.ordered_state(|k| k >= start && end.is_none_or(|e| k < e));
        let items = range_through(&[&writes], start, end, limit, |n| {
            self.base.range(start, end, n)
        })?;
        self.charge_iter(&items)?;
        Ok(items)
    }

    fn nv_range(
        &self,
        start: &[u8],
        end: Option<&[u8]>,
        limit: usize,
    ) -> Result<KvPairs, StoreError> {
        let items = range_through(&[&self.changes.nv], start, end, limit, |n| {
            self.base.nv_range(start, end, n)
        })?;
        self.charge_iter(&items)?;
        Ok(items)
    }

    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let v = match (&self.hashed, &self.index) {
            (Some(hashed), _) => match hashed.get(key) {
                Some(v) => v.clone(),
                None => self.base.get(key)?,
            },
            (None, Some(index)) if !index.may_contain(key) => self.base.get(key)?,
            _ => lookup(&self.changes.state, key, || self.base.get(key))?,
        };
        self.charge_read(key, v.as_ref())?;
        Ok(v)
    }

    fn prefix(&self, prefix: &[u8]) -> Result<KvPairs, StoreError> {
        let writes = self.ordered_state(|k| k.starts_with(prefix));
        let items = merge_prefix(self.base.prefix(prefix)?, &writes, prefix);
        self.charge_iter(&items)?;
        Ok(items)
    }

    fn nv_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let v = lookup(&self.changes.nv, key, || self.base.nv_get(key))?;
        self.charge_read(key, v.as_ref())?;
        Ok(v)
    }

    fn nv_prefix(&self, prefix: &[u8]) -> Result<KvPairs, StoreError> {
        let items = merge_prefix(self.base.nv_prefix(prefix)?, &self.changes.nv, prefix);
        self.charge_iter(&items)?;
        Ok(items)
    }
}

impl StateWrite for Delta<'_> {
    fn put(&mut self, key: Vec<u8>, value: Vec<u8>) -> Result<(), StoreError> {
        self.charge_write(&key, Some(&value))?;
        self.record_write(key, Some(value));
        Ok(())
    }

    fn delete(&mut self, key: Vec<u8>) -> Result<(), StoreError> {
        self.charge_write(&key, None)?;
        self.record_write(key, None);
        Ok(())
    }

    fn nv_put(&mut self, key: Vec<u8>, value: Vec<u8>) -> Result<(), StoreError> {
        self.charge_write(&key, Some(&value))?;
        self.changes.nv.insert(key, Some(value));
        Ok(())
    }

    fn nv_delete(&mut self, key: Vec<u8>) -> Result<(), StoreError> {
        self.charge_write(&key, None)?;
        self.changes.nv.insert(key, None);
        Ok(())
    }

    fn emit(&mut self, event: Event) {
        if self.records_events {
            self.changes.events.push(event);
        }
    }

    fn records_events(&self) -> bool {
        self.records_events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::EmptyState as Empty;

    #[test]
    fn should_see_writes_of_lower_layer_and_discard_dropped_layer() {
        let mut block = Delta::new(&Empty);
        block.put(b"a/1".to_vec(), b"x".to_vec()).unwrap();
        {
            let mut tx = Delta::new(&block);
            assert_eq!(tx.get(b"a/1").unwrap(), Some(b"x".to_vec()));
            tx.put(b"a/2".to_vec(), b"y".to_vec()).unwrap();
            tx.emit(Event::new("dropped"));
            // dropped: a failed tx
        }
        assert_eq!(block.get(b"a/2").unwrap(), None);
        assert!(block.changes().events.is_empty());
        let mut tx = Delta::new(&block);
        tx.delete(b"a/1".to_vec()).unwrap();
        tx.put(b"a/3".to_vec(), b"z".to_vec()).unwrap();
        tx.put(b"b/1".to_vec(), b"w".to_vec()).unwrap();
        tx.emit(Event::new("kept"));
        let ch = tx.into_changes();
        block.apply(ch);
        let items = block.prefix(b"a/").unwrap();
        assert_eq!(items, vec![(b"a/3".to_vec(), b"z".to_vec())]);
        assert_eq!(block.changes().events, vec![Event::new("kept")]);
    }

    #[test]
    fn should_return_first_pairs_of_range_through_layers_when_limited() {
        let mut block = Delta::new(&Empty);
        for k in [b"d/1", b"d/2", b"d/3", b"d/4", b"e/1"] {
            block.nv_put(k.to_vec(), b"v".to_vec()).unwrap();
        }
        let mut tx = Delta::new(&block);
        tx.nv_delete(b"d/1".to_vec()).unwrap();
        tx.nv_delete(b"d/2".to_vec()).unwrap();
        tx.nv_put(b"d/0".to_vec(), b"n".to_vec()).unwrap();
        let keys = |v: KvPairs| v.into_iter().map(|(k, _)| k).collect::<Vec<_>>();
        assert_eq!(
            keys(tx.nv_range(b"d/", Some(b"e/"), 2).unwrap()),
            vec![b"d/0".to_vec(), b"d/3".to_vec()]
        );
        assert_eq!(keys(tx.nv_range(b"d/", Some(b"e/"), 10).unwrap()).len(), 3);
        assert_eq!(keys(tx.nv_range(b"d/4", None, 10).unwrap()).len(), 2);
        assert!(tx.nv_range(b"e/", Some(b"d/"), 10).unwrap().is_empty());
        assert!(tx.range(b"d/", None, 10).unwrap().is_empty());
    }

    #[test]
    fn should_keep_a_layer_only_when_its_step_succeeds() {
        let mut block = Delta::new(&Empty);
        let ok: Result<Result<u8, StoreError>, StoreError> = in_layer(&mut block, |s| {
            s.put(b"k/ok".to_vec(), b"1".to_vec())?;
            s.emit(Event::new("kept"));
            Ok(1)
        });
        assert_eq!(ok.unwrap().unwrap(), 1);
        let failed: Result<Result<u8, StoreError>, StoreError> = in_layer(&mut block, |s| {
            s.put(b"k/bad".to_vec(), b"1".to_vec())?;
            s.emit(Event::new("dropped"));
            Err(StoreError::Corrupt("step failed".into()))
        });
        assert!(failed.unwrap().is_err());
        assert_eq!(block.get(b"k/ok").unwrap(), Some(b"1".to_vec()));
        assert_eq!(block.get(b"k/bad").unwrap(), None);
        assert_eq!(block.changes().events, vec![Event::new("kept")]);
    }

    #[test]
    fn should_drop_events_but_keep_writes_without_events() {
        let mut block = Delta::new(&Empty);
        let mut quiet = Delta::new(&block).without_events();
        assert!(!quiet.records_events());
        quiet.put(b"k".to_vec(), b"v".to_vec()).unwrap();
        quiet.emit(Event::new("dropped"));
        let changes = quiet.into_changes();
        assert!(changes.events.is_empty());
        block.apply(changes);
        assert!(block.records_events());
        assert_eq!(block.get(b"k").unwrap(), Some(b"v".to_vec()));
    }

    /// Indexed and mempool layers read exactly as a plain one through puts,
    /// deletes, applied upper layers and round trips through what they keep
    /// (`into_changes` and `into_mempool_changes`), point and range reads.
    #[test]
    fn should_read_the_same_through_indexed_and_mempool_layers() {
        let mut base = Delta::new(&Empty);
        for i in 0..40u8 {
            base.put(vec![b'k', i], vec![i]).unwrap();
        }
        let mut plain = Delta::new(&base);
        let mut indexed = Delta::new(&base).indexed();
        let mut mempool = Delta::with_mempool_changes(&base, MempoolChanges::default());
        for step in 0..300u32 {
            let key = vec![b'k', (step.wrapping_mul(7) % 60) as u8];
            let value = step.to_be_bytes().to_vec();
            for layer in [&mut plain, &mut indexed, &mut mempool] {
                match step % 4 {
                    0 => layer.delete(key.clone()).unwrap(),
                    1 => {
                        let mut upper = Delta::new(&*layer);
                        upper.put(key.clone(), value.clone()).unwrap();
                        let changes = upper.into_changes();
                        layer.apply(changes);
                    }
                    _ => layer.put(key.clone(), value.clone()).unwrap(),
                }
            }
            if step % 50 == 49 {
                indexed = Delta::with_changes(&base, indexed.into_changes()).indexed();
                let kept = mempool.into_mempool_changes();
                mempool = Delta::with_mempool_changes(&base, kept);
            }
            for i in 0..70u8 {
                let k = [b'k', i];
                let want = plain.get(&k).unwrap();
                assert_eq!(want, indexed.get(&k).unwrap(), "step {step}");
                assert_eq!(want, mempool.get(&k).unwrap(), "step {step}");
            }
            let want = (
                plain.prefix(b"k").unwrap(),
                plain.range(b"k\x05", Some(b"k\x30"), 9),
            );
            for layer in [&indexed, &mempool] {
                let got = (
                    layer.prefix(b"k").unwrap(),
                    layer.range(b"k\x05", Some(b"k\x30"), 9),
                );
                assert_eq!(want.0, got.0, "step {step}");
                assert_eq!(
                    want.1.as_ref().unwrap(),
                    got.1.as_ref().unwrap(),
                    "step {step}"
                );
            }
        }
        let want = plain.into_changes();
        assert_eq!(want, indexed.into_changes());
        assert_eq!(want.state, mempool.into_changes().state);
    }

    #[test]
    fn should_charge_gas_and_fail_when_out() {
        let meter = GasMeter::new(3_000);
        let mut d = Delta::metered(&Empty, &meter);
        d.get(b"k").unwrap();
        assert_eq!(meter.used(), 1_003);
        let e = d.put(b"k".to_vec(), b"v".to_vec()).unwrap_err();
        assert!(matches!(e, StoreError::OutOfGas { .. }));
    }
}

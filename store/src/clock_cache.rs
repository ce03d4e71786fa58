//! A concurrent cache bounded in bytes whose entries sit inline in a hash
//! table, evicted by second chance (a "clock" hand over the table's buckets).
//!
//! Why not quick_cache (used before): it keeps a table of indices into a
//! separate slab of entries, so a lookup in a table of millions of entries
//! is two memory misses, not one; at 1M accounts the slab reads alone were
//! ~7% of a block's CPU (perf). Here a lookup probes one table and finds
//! the key and value in the bucket it lands on.
//!
//! Eviction order depends on a per-process random hash seed and never on
//! anything a result depends on: the cache only ever answers with what was
//! put in it.

use hashbrown::hash_table::Entry;
use hashbrown::HashTable;
use parking_lot::Mutex;
use smallvec::SmallVec;

/// A cache key held in the entry itself up to 48 bytes (state keys such as
/// `bank/balances/{address}/{denom}`, encoded tree paths), on the heap
/// beyond: comparing a key then reads the bucket already loaded.
pub(crate) type Key = SmallVec<[u8; 48]>;

/// What an entry costs against the cache's bound, in bytes.
pub(crate) trait Weigh {
    fn weight(&self, key: &[u8]) -> u64;
}

struct Slot<V> {
    key: Key,
    value: V,
    weight: u64,
    /// Read since the clock hand last passed: spared once. A new entry is
    /// unmarked: it stays if it is read before the hand comes round (the
    /// hand moves about a bucket per insert, so that is most of a turn).
    referenced: bool,
}

struct Shard<V> {
    table: HashTable<Slot<V>>,
    weight: u64,
    /// The next bucket the clock hand looks at.
    hand: usize,
}

/// A shard on its own cache line, so that locking one does not take the
/// line of its neighbour from the other core.
#[repr(align(64))]
struct Padded<V>(Mutex<Shard<V>>);

pub(crate) struct ClockCache<V> {
    shards: Box<[Padded<V>]>,
    hasher: ahash::RandomState,
    /// Each shard's bound: the cache's bytes split evenly.
    shard_bytes: u64,
}

/// Shards enough that the tree update's two threads rarely wait for each
/// other, but each with room for many entries (small caches: one).
fn shard_count(bytes: u64) -> usize {
    const MAX_SHARDS: u64 = 64;
    const MIN_SHARD_BYTES: u64 = 1 << 20;
    let n = (bytes / MIN_SHARD_BYTES).clamp(1, MAX_SHARDS);
    // A power of two, so a shard is picked by masking hash bits.
    1usize << n.ilog2()
}

impl<V: Weigh> ClockCache<V> {
    /// A cache of at most `bytes` bytes (by [`Weigh`]); 0 caches nothing.
    pub fn new(bytes: u64) -> Self {
        let n = shard_count(bytes);
        let shards = (0..n)
            .map(|_| {
                Padded(Mutex::new(Shard {
                    table: HashTable::new(),
                    weight: 0,
                    hand: 0,
                }))
            })
            .collect();
        Self {
            shards,
            hasher: ahash::RandomState::new(),
            shard_bytes: bytes / n as u64,
        }
    }

    fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    /// The shard of a hash. hashbrown picks a bucket by the hash's low bits
    /// and tags it with its top 7, so the shard takes bits from the middle:
    /// within a shard, keys still differ in both.
    fn shard(&self, hash: u64) -> &Mutex<Shard<V>> {
        let mask = self.shards.len().saturating_sub(1);
        let i = (hash >> 32) as usize & mask;
        &self.shards[i].0
    }

    /// `read` of the value at `key`; a `Some` marks the entry as used.
    pub fn get<R>(&self, key: &[u8], read: impl FnOnce(&V) -> Option<R>) -> Option<R> {
        let hash = self.hash(key);
        let mut shard = self.shard(hash).lock();
        let slot = shard.table.find_mut(hash, |s| s.key.as_slice() == key)?;
        let out = read(&slot.value);
        if out.is_some() {
            slot.referenced = true;
        }
        out
    }

    /// `read` of the value at `key`, not counted as a use.
    pub fn peek<R>(&self, key: &[u8], read: impl FnOnce(&V) -> R) -> Option<R> {
        let hash = self.hash(key);
        let shard = self.shard(hash).lock();
        shard
            .table
            .find(hash, |s| s.key.as_slice() == key)
            .map(|s| read(&s.value))
    }

    /// Puts `value` at `key`, replacing what was there. A value heavier
    /// than a shard's bound is not kept (and the one it replaces is gone).
    pub fn insert(&self, key: &[u8], value: V) {
        let weight = value.weight(key);
        if weight > self.shard_bytes || self.shard_bytes == 0 {
            self.remove_if(key, |_| true);
            return;
        }
        let hash = self.hash(key);
        let mut guard = self.shard(hash).lock();
        let shard = &mut *guard;
        let hasher = &self.hasher;
        let eq = |s: &Slot<V>| s.key.as_slice() == key;
        let rehash = |s: &Slot<V>| hasher.hash_one(s.key.as_slice());
        let (replaced, freed) = match shard.table.entry(hash, eq, rehash) {
            Entry::Occupied(mut e) => {
                let slot = e.get_mut();
                let old_weight = std::mem::replace(&mut slot.weight, weight);
                (Some(std::mem::replace(&mut slot.value, value)), old_weight)
            }
            Entry::Vacant(e) => {
                e.insert(Slot {
                    key: Key::from_slice(key),
                    value,
                    weight,
                    referenced: false,
                });
                (None, 0)
            }
        };
        shard.weight = shard.weight.saturating_sub(freed).saturating_add(weight);
        let evicted = shard.evict_down_to(self.shard_bytes);
        // Values are freed after the lock is released.
        drop(guard);
        drop((replaced, evicted));
    }

    /// Removes the entry at `key` if `pred` holds for its value.
    pub fn remove_if(&self, key: &[u8], pred: impl FnOnce(&V) -> bool) {
        let hash = self.hash(key);
        let mut guard = self.shard(hash).lock();
        let shard = &mut *guard;
        let removed = match shard.table.find_entry(hash, |s| s.key.as_slice() == key) {
            Ok(e) if pred(&e.get().value) => e.remove().0,
            _ => return,
        };
        shard.weight = shard.weight.saturating_sub(removed.weight);
        drop(guard);
        drop(removed);
    }

    /// Bytes held, by [`Weigh`].
    pub fn weight(&self) -> u64 {
        self.shards
            .iter()
            .map(|s| s.0.lock().weight)
            .fold(0, u64::saturating_add)
    }

    /// Removes every entry.
    pub fn clear(&self) {
        for s in self.shards.iter() {
            let old = {
                let mut shard = s.0.lock();
                shard.weight = 0;
                shard.hand = 0;
                std::mem::take(&mut shard.table)
            };
            drop(old);
        }
    }
}

impl<V> Shard<V> {
    /// Advances the clock hand, sparing each entry used since the hand last
    /// passed it once, removing the others, until the shard weighs at most
    /// `bound`. Two turns of the hand clear every mark, so it stops.
    fn evict_down_to(&mut self, bound: u64) -> Vec<Slot<V>> {
        let mut evicted = Vec::new();
        let buckets = self.table.num_buckets();
        let mut steps = buckets.saturating_mul(2);
        while self.weight > bound && steps > 0 {
            steps = steps.saturating_sub(1);
            let at = self.hand % buckets.max(1);
            self.hand = at.saturating_add(1);
            let Ok(mut entry) = self.table.get_bucket_entry(at) else {
                continue;
            };
            let slot = entry.get_mut();
            if std::mem::take(&mut slot.referenced) {
                continue;
            }
            let slot = entry.remove().0;
            self.weight = self.weight.saturating_sub(slot.weight);
            evicted.push(slot);
        }
        evicted
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    impl Weigh for Vec<u8> {
        fn weight(&self, key: &[u8]) -> u64 {
            (key.len() + self.len()) as u64
        }
    }

    fn key(i: u32) -> [u8; 4] {
        i.to_be_bytes()
    }

    #[test]
    fn should_answer_what_was_put_and_replace_in_place() {
        let c = ClockCache::<Vec<u8>>::new(1 << 20);
        assert_eq!(c.get(b"a", |v| Some(v.clone())), None);
        c.insert(b"a", b"1".to_vec());
        c.insert(b"b", b"22".to_vec());
        assert_eq!(c.get(b"a", |v| Some(v.clone())), Some(b"1".to_vec()));
        assert_eq!(c.peek(b"b", Vec::len), Some(2));
        assert_eq!(c.weight(), 2 + 3);
        c.insert(b"a", b"333".to_vec());
        assert_eq!(c.peek(b"a", Clone::clone), Some(b"333".to_vec()));
        assert_eq!(c.weight(), 4 + 3);
        // a key longer than the inline part
        let long = [7u8; 100];
        c.insert(&long, b"x".to_vec());
        assert_eq!(c.peek(&long, Clone::clone), Some(b"x".to_vec()));
        assert_eq!(c.peek(&long[..99], Clone::clone), None);
        c.remove_if(b"a", |v| v.len() == 1);
        assert!(c.peek(b"a", Vec::len).is_some());
        c.remove_if(b"a", |v| v.len() == 3);
        assert!(c.peek(b"a", Vec::len).is_none());
        assert_eq!(c.weight(), 3 + 101);
        c.clear();
        assert_eq!(c.weight(), 0);
        assert!(c.peek(b"b", Vec::len).is_none());
    }

    fn is_marked(c: &ClockCache<Vec<u8>>, key: &[u8]) -> bool {
        let hash = c.hash(key);
        let shard = c.shard(hash).lock();
        shard
            .table
            .find(hash, |s| s.key.as_slice() == key)
            .unwrap()
            .referenced
    }

    #[test]
    fn should_mark_a_use_only_when_the_reader_takes_the_value() {
        let c = ClockCache::<Vec<u8>>::new(1 << 20);
        c.insert(&key(1), vec![0; 40]);
        assert!(!is_marked(&c, &key(1)), "a new entry is not a use");
        // A declined read (say, a node of another version) is no use.
        assert_eq!(c.get(&key(1), |_| None::<()>), None);
        assert_eq!(c.peek(&key(1), |_| ()), Some(()));
        assert!(!is_marked(&c, &key(1)));
        assert_eq!(c.get(&key(1), |_| Some(())), Some(()));
        assert!(is_marked(&c, &key(1)));
    }

    #[test]
    fn should_evict_the_unused_and_spare_the_used_once() {
        let c = ClockCache::<Vec<u8>>::new(100);
        c.insert(&key(1), vec![0; 40]);
        c.insert(&key(2), vec![0; 40]);
        assert!(c.get(&key(1), |_| Some(())).is_some());
        assert!(c.get(&key(2), |_| Some(())).is_some());
        // Over the bound: the only unused entry goes.
        c.insert(&key(3), vec![0; 40]);
        assert!(c.peek(&key(3), |_| ()).is_none());
        assert!(c.peek(&key(1), |_| ()).is_some() && c.peek(&key(2), |_| ()).is_some());
        assert_eq!(c.weight(), 88);
        // Spared once: with no new use, one of them may make room now.
        c.insert(&key(4), vec![0; 40]);
        let left = [1, 2, 4]
            .iter()
            .filter(|&&i| c.peek(&key(i), |_| ()).is_some());
        assert_eq!(left.count(), 2);
        assert_eq!(c.weight(), 88);
    }

    #[test]
    fn should_stay_within_its_bound_and_keep_what_is_used() {
        let c = ClockCache::<Vec<u8>>::new(8 << 20);
        assert!(c.shards.len() > 1);
        for i in 0u32..200_000 {
            c.insert(&key(i), vec![1; 96]);
            // a hot set read all along
            let hot = i % 1_000;
            if i >= 1_000 {
                assert!(c.get(&key(hot), |v| Some(v.len())).is_some(), "{hot}");
            }
        }
        let held = c.weight();
        assert!(held <= 8 << 20, "{held}");
        assert!(held > 7 << 20, "{held}");
        let recent = (199_000..200_000)
            .filter(|&i| c.peek(&key(i), |_| ()).is_some())
            .count();
        assert!(recent > 900, "{recent}");
    }

    #[test]
    fn should_answer_each_thread_with_its_own_values_under_contention() {
        // Four threads write 3 MB into 2 MB: they evict from each other.
        let c = ClockCache::<Vec<u8>>::new(2 << 20);
        std::thread::scope(|s| {
            for t in 0u8..4 {
                let c = &c;
                s.spawn(move || {
                    let mut found = 0;
                    for i in 0u32..20_000 {
                        let k = [&[t][..], &key(i)].concat();
                        let v = vec![t; 1 + (i % 64) as usize];
                        c.insert(&k, v.clone());
                        // Another thread may evict it in between, never change it.
                        if let Some(back) = c.get(&k, |v| Some(v.clone())) {
                            assert_eq!(back, v);
                            found += 1;
                        }
                    }
                    assert!(found > 19_000, "{found}");
                });
            }
        });
        let held = c.weight();
        assert!(held <= 2 << 20 && held > 1 << 20, "{held}");
    }

    #[test]
    fn should_drop_a_value_too_heavy_and_the_one_it_replaces() {
        let c = ClockCache::<Vec<u8>>::new(1_000);
        c.insert(b"k", vec![0; 10]);
        c.insert(b"k", vec![0; 2_000]);
        assert!(c.peek(b"k", |_| ()).is_none());
        assert_eq!(c.weight(), 0);
    }

    #[test]
    fn should_cache_nothing_with_no_bytes() {
        let c = ClockCache::<Vec<u8>>::new(0);
        c.insert(b"k", Vec::new());
        c.insert(b"", Vec::new());
        assert!(c.peek(b"k", |_| ()).is_none());
        assert_eq!(c.weight(), 0);
    }
}

//! P4 (quality.md): matching one order among 100k offers, and end-block
//! with 100k open leases of which 100 are due, against the same with 1k.
//! Ignored in normal runs; `cargo test --release -p gpuchain-market p4 --
//! --ignored --nocapture` prints one JSON line per figure.

use std::time::Instant;

use std::collections::BTreeMap;

use gpuchain_store::{KvPairs, StateRead, StoreError};

use super::*;
use crate::keeper::save_offer;

/// A committed state as the node's storage serves it: bounded ordered
/// reads cost O(log n + limit), unlike a [`Delta`] holding every write.
#[derive(Default)]
struct MemBase {
    state: BTreeMap<Vec<u8>, Vec<u8>>,
    nv: BTreeMap<Vec<u8>, Vec<u8>>,
}

fn bounded(
    m: &BTreeMap<Vec<u8>, Vec<u8>>,
    start: &[u8],
    end: Option<&[u8]>,
    limit: usize,
) -> KvPairs {
    let it = m.range(start.to_vec()..);
    it.take_while(|(k, _)| end.is_none_or(|e| k.as_slice() < e))
        .take(limit)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn with_prefix(m: &BTreeMap<Vec<u8>, Vec<u8>>, p: &[u8]) -> KvPairs {
    m.range(p.to_vec()..)
        .take_while(|(k, _)| k.starts_with(p))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The committed base, shared with the harness's layer above it.
#[derive(Default)]
struct Shared(std::sync::RwLock<MemBase>);

impl StateRead for Shared {
    fn get(&self, k: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.0.read().unwrap().state.get(k).cloned())
    }
    fn prefix(&self, p: &[u8]) -> Result<KvPairs, StoreError> {
        Ok(with_prefix(&self.0.read().unwrap().state, p))
    }
    fn nv_get(&self, k: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.0.read().unwrap().nv.get(k).cloned())
    }
    fn nv_prefix(&self, p: &[u8]) -> Result<KvPairs, StoreError> {
        Ok(with_prefix(&self.0.read().unwrap().nv, p))
    }
    fn range(&self, s: &[u8], e: Option<&[u8]>, l: usize) -> Result<KvPairs, StoreError> {
        Ok(bounded(&self.0.read().unwrap().state, s, e, l))
    }
    fn nv_range(&self, s: &[u8], e: Option<&[u8]>, l: usize) -> Result<KvPairs, StoreError> {
        Ok(bounded(&self.0.read().unwrap().nv, s, e, l))
    }
}

fn apply(m: &mut BTreeMap<Vec<u8>, Vec<u8>>, writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>) {
    for (k, v) in writes {
        match v {
            Some(v) => m.insert(k, v),
            None => m.remove(&k),
        };
    }
}

/// Commits everything written so far into the base, as a block commit
/// does; the harness goes on with an empty layer above it.
fn commit(h: &mut H, base: &'static Shared) {
    let changes =
        std::mem::replace(&mut h.state, Delta::new(&gpuchain_store::EmptyState)).into_changes();
    {
        let mut b = base.0.write().unwrap();
        apply(&mut b.state, changes.state);
        apply(&mut b.nv, changes.nv);
    }
    h.state = Delta::new(base);
}

/// `n` providers with `per` one-GPU offers each, priced pseudo-randomly.
fn book(n: u8, per: u32) -> (H, &'static Shared) {
    let base: &'static Shared = Box::leak(Box::default());
    let mut h = H::new();
    let mut seed = 7u64;
    let mut id = 0u64;
    for i in 0..n {
        let pr = Address([i, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 200]);
        h.reg.add_provider(pr, SKU, per as usize, 1, "eu", 0);
        for _ in 0..per {
            id += 1;
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let o = Offer {
                id,
                provider: pr.to_string(),
                sku: SKU.into(),
                gpus_total: 1,
                price_per_gpu_hour: c(1000 + u128::from(seed >> 40) % 100_000),
                min_duration: 0,
                max_duration: 1_000_000,
                active: true,
                ..Default::default()
            };
            save_offer(&mut h.state, None, &o).unwrap();
        }
    }
    crate::state_ext::set_next_id(&mut h.state, "offer", id + 1).unwrap();
    commit(&mut h, base);
    (h, base)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

#[test]
#[ignore]
fn p4_match_among_100k_offers() {
    let (mut h, _) = book(250, 400);
    let mut times = Vec::new();
    for _ in 0..200 {
        let m = h.order_msg(1, 200_000, 3600, 200_000);
        let start = Instant::now();
        let (_, lease) = h.create_order(&m).unwrap();
        times.push(start.elapsed().as_secs_f64() * 1e3);
        assert_ne!(lease, 0);
    }
    let ms = median(times);
    println!("{{\"bench\":\"p4_match_100k_offers\",\"median_ms\":{ms:.4},\"bound\":1.0,\"ratio\":{:.4}}}", ms / 1.0);
}

/// Median end-block time with `open` active leases, 100 of them due.
fn end_block_with(open: u32) -> f64 {
    let providers = u8::try_from(open.div_ceil(400)).unwrap();
    let (mut h, base) = book(providers, 400);
    let mut leases = Vec::new();
    for i in 0..open {
        // 100 short leases (due in 100 s), the rest long.
        let duration = if i % (open / 100) == 0 {
            100
        } else {
            1_000_000
        };
        let m = h.order_msg(1, 200_000, duration, 200_000);
        let (_, lease) = h.create_order(&m).unwrap();
        leases.push(lease);
        if i % 1000 == 999 {
            commit(&mut h, base);
        }
    }
    commit(&mut h, base);
    for l in leases {
        let pr = Address::from_bech32(&h.lease(l).provider).unwrap();
        let free = (0..400)
            .map(|i| gpu(&pr, SKU, i))
            .find(|u| crate::lease_of_gpu(&h.state, u).unwrap().is_none())
            .unwrap();
        let m = MsgAckLease {
            signer: pr.to_string(),
            lease_id: l,
            gpu_uuids: vec![free],
            access: vec![1],
        };
        h.tx(msg::ack_lease::TYPE_URL, &m).unwrap();
        if l % 1000 == 0 {
            commit(&mut h, base);
        }
    }
    commit(&mut h, base);
    h.now += 100;
    let ctx = h.ctx();
    let mut times = Vec::new();
    for _ in 0..5 {
        let mut layer = Delta::new(&h.state);
        let start = Instant::now();
        h.comp.end_block(&mut layer, &ctx).unwrap();
        times.push(start.elapsed().as_secs_f64() * 1e3);
        let closed = layer
            .changes()
            .events
            .iter()
            .filter(|e| e.kind == "lease_closed")
            .count();
        assert_eq!(closed, 100);
    }
    median(times)
}

#[test]
#[ignore]
fn p4_end_block_100k_open_100_due() {
    let small = end_block_with(1_000);
    let large = end_block_with(100_000);
    println!(
        "{{\"bench\":\"p4_end_block_100k_open_100_due\",\"ms_1k\":{small:.4},\"ms_100k\":{large:.4},\"bound\":1.1,\"ratio\":{:.4}}}",
        large / small
    );
}

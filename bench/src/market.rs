//! P4: the market at scale, on committed RocksDB state.
//!
//! - `market_match`: one `MsgCreateOrder` executed (stateless check, escrow
//!   deposit, matching, lease creation) against a book of `offers` active
//!   one-GPU offers of the same sku, built through `MsgCreateOffer` and
//!   committed to a RocksDB `Storage`; each timed order runs on top of the
//!   previous ones (as in a block), so every order takes the then cheapest
//!   offer. Also timed: `find_offer` alone, and an order no offer may take
//!   (region filter), which reads the `max_match_candidates` cheapest
//!   offers and stays open (the worst case of a match).
//! - `market_endblock`: the market's end-block with `open` active leases of
//!   which 100 are due, for 1k and 100k open leases (states built through
//!   `MsgCreateOrder` + `MsgAckLease` and committed), measured alternately
//!   on fresh layers over the same committed state; also with the state
//!   tree root of its writes (`Storage::prepare`, then discarded). Measured
//!   twice: on the store as written (the build's writes in memtables and L0
//!   files, including one RocksDB tombstone per acknowledged lease in the
//!   ack-deadline index, as on a node between compactions), then after a
//!   forced full compaction (`compacted`, the store's best case). The JSON
//!   also gives the cost of end-block's first index read (the empty
//!   ack-deadline range), the tombstones it skips, and one `get_lease`.
//!
//! The attestation module is replaced by a stateless [`BenchRegistry`]
//! (every provider active at attestation level 1 with `gpus` leasable GPUs).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{anyhow, bail, Result};
use cosmos_sdk_proto::cosmos::base::v1beta1::Coin as ProtoCoin;
use gpuchain_market::keeper::find_offer;
use gpuchain_market::{HostedGpu, MarketComponent, ProviderInfo, ProviderRegistry};
use gpuchain_proto::market::{
    MsgAckLease, MsgCreateOffer, MsgCreateOrder, MsgCreateOrderResponse, Order, OrderState,
};
use gpuchain_store::{Component, Delta, EmptyState, StateRead, StateWrite, Storage, StorageConfig};
use gpuchain_types::{Address, AppResult, BlockContext, Coin, Coins};
use prost::Message;
use serde_json::json;

const SKU: &str = "nvidia-h100-sxm-80gb";
const DENOM: &str = "ugpc";
const T0: i64 = 1_700_000_000;
const TENANTS: u32 = 100;
const MAX_PRICE: u128 = 1_000_000;
/// P4's bound on one match.
pub const MATCH_BOUND_US: f64 = 1_000.0;
/// P4's bound on end-block at 100k open leases relative to 1k.
pub const ENDBLOCK_BOUND_RATIO: f64 = 1.1;

/// The provider registry double: providers are whoever asks, all active at
/// level 1 in region `eu`, each with `gpus` leasable GPUs of [`SKU`].
pub struct BenchRegistry {
    gpus: usize,
}

fn gpu_uuid(provider: &Address, i: usize) -> String {
    let tag: String = provider.0[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("GPU-{tag}-{i}")
}

impl ProviderRegistry for BenchRegistry {
    fn provider(&self, _: &dyn StateRead, _: &Address) -> AppResult<Option<ProviderInfo>> {
        Ok(Some(ProviderInfo {
            active: true,
            attestation_level: 1,
            region: "eu".into(),
        }))
    }
    fn is_agent(&self, _: &dyn StateRead, p: &Address, s: &Address) -> AppResult<bool> {
        Ok(p == s)
    }
    fn sku_exists(&self, _: &dyn StateRead, sku: &str) -> AppResult<bool> {
        Ok(sku == SKU)
    }
    fn leasable_gpus(
        &self,
        _: &dyn StateRead,
        p: &Address,
        _: &str,
        _: i64,
    ) -> AppResult<Vec<HostedGpu>> {
        Ok((0..self.gpus)
            .map(|i| HostedGpu {
                uuid: gpu_uuid(p, i),
                host: String::new(),
            })
            .collect())
    }
    fn on_lease_acked(
        &self,
        _: &mut dyn StateWrite,
        _: &BlockContext,
        _: u64,
        _: &Address,
        _: &[String],
    ) -> AppResult<()> {
        Ok(())
    }
    fn slash_bond_to(
        &self,
        _: &mut dyn StateWrite,
        _: &Address,
        _: u32,
        _: &Address,
    ) -> AppResult<Coins> {
        Ok(Coins::empty())
    }
}

fn provider(i: u32) -> Address {
    let mut a = [0xa0u8; 20];
    a[..4].copy_from_slice(&i.to_be_bytes());
    Address(a)
}

fn tenant(i: u32) -> Address {
    let mut a = [0x7eu8; 20];
    a[..4].copy_from_slice(&i.to_be_bytes());
    Address(a)
}

fn coin(amount: u128) -> Option<ProtoCoin> {
    Some(ProtoCoin {
        denom: DENOM.into(),
        amount: amount.to_string(),
    })
}

fn ctx(height: u64, time: i64) -> BlockContext {
    BlockContext {
        chain_id: "bench-1".into(),
        height,
        time_secs: time,
        ..Default::default()
    }
}

/// The market with its registry, and a RocksDB store holding the built state.
struct Market {
    comp: MarketComponent,
    registry: Arc<BenchRegistry>,
    storage: Storage,
    _dir: tempfile::TempDir,
}

/// Genesis: every tenant funded, escrow and market at defaults.
fn genesis() -> Result<Delta<'static>> {
    let mut bank = serde_json::Value::Null;
    let funds =
        Coins::normalize([Coin::new(1_000_000_000_000_000, DENOM)]).map_err(|e| anyhow!("{e}"))?;
    for t in 0..TENANTS {
        gpuchain_bank::add_genesis_balance(&mut bank, &tenant(t), &funds)
            .map_err(|e| anyhow!("{e}"))?;
    }
    let mut state = Delta::new(&EmptyState);
    let c = ctx(0, T0);
    gpuchain_bank::BankComponent
        .init_genesis(&mut state, &bank, &c)
        .map_err(|e| anyhow!("{e}"))?;
    gpuchain_escrow::EscrowComponent
        .init_genesis(&mut state, &serde_json::Value::Null, &c)
        .map_err(|e| anyhow!("{e}"))?;
    Ok(state)
}

fn deliver<M: Message>(
    comp: &MarketComponent,
    state: &mut dyn StateWrite,
    c: &BlockContext,
    url: &str,
    m: &M,
) -> Result<Vec<u8>> {
    let bytes = m.encode_to_vec();
    comp.check_msg(url, &bytes)
        .map_err(|e| anyhow!("{url}: {e}"))?;
    let r = comp
        .deliver_msg(state, c, url, &bytes)
        .map_err(|e| anyhow!("{url}: {e}"))?;
    Ok(r.value)
}

fn order_msg(t: u32, duration: i64, region: &str) -> MsgCreateOrder {
    MsgCreateOrder {
        tenant: tenant(t % TENANTS).to_string(),
        sku: SKU.into(),
        gpu_count: 1,
        max_price_per_gpu_hour: coin(MAX_PRICE),
        duration,
        deposit: coin(10 * MAX_PRICE),
        region: region.into(),
        ttl: 3600,
        ..Default::default()
    }
}

/// Creates `providers * per` one-GPU offers priced pseudo-randomly in
/// [1000, 101000) ugpc per GPU-hour, in `state`.
fn build_book(
    comp: &MarketComponent,
    state: &mut dyn StateWrite,
    providers: u32,
    per: u32,
    gpus_per_offer: u32,
) -> Result<()> {
    let c = ctx(1, T0);
    let mut seed = 7u64;
    for p in 0..providers {
        for _ in 0..per {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let m = MsgCreateOffer {
                provider: provider(p).to_string(),
                sku: SKU.into(),
                gpus_total: gpus_per_offer,
                price_per_gpu_hour: coin(1000 + u128::from(seed >> 40) % 100_000),
                min_duration: 0,
                max_duration: 10_000_000,
                region: "eu".into(),
            };
            deliver(
                comp,
                state,
                &c,
                gpuchain_market::msg::create_offer::TYPE_URL,
                &m,
            )?;
        }
    }
    Ok(())
}

impl Market {
    /// Builds state with `build`, commits it at height 1 and returns it.
    fn new(
        gpus: usize,
        build: impl FnOnce(&MarketComponent, &mut Delta<'static>) -> Result<()>,
    ) -> Result<Self> {
        let registry = Arc::new(BenchRegistry { gpus });
        let comp = MarketComponent::new(registry.clone());
        let mut state = genesis()?;
        comp.init_genesis(&mut state, &serde_json::Value::Null, &ctx(0, T0))
            .map_err(|e| anyhow!("{e}"))?;
        comp.begin_block(&mut state, &ctx(1, T0))
            .map_err(|e| anyhow!("{e}"))?;
        build(&comp, &mut state)?;
        let dir = tempfile::tempdir()?;
        let mut storage = Storage::open(
            dir.path(),
            StorageConfig {
                keep_recent: 10,
                ..Default::default()
            },
        )?;
        storage.prepare(1, state.into_changes())?;
        storage.commit()?;
        Ok(Self {
            comp,
            registry,
            storage,
            _dir: dir,
        })
    }

    /// The same state after a full RocksDB compaction of every column
    /// family (tombstones of deleted index entries dropped): the store's
    /// best case, against [`Market::new`]'s as-written state (every write of
    /// the build in memtables and L0 files, as on a node between
    /// compactions).
    fn compacted(self) -> Result<Self> {
        let Self {
            comp,
            registry,
            storage,
            _dir,
        } = self;
        drop(storage);
        {
            let opts = rocksdb::Options::default();
            let names = rocksdb::DB::list_cf(&opts, _dir.path())?;
            let db = rocksdb::DB::open_cf(&opts, _dir.path(), &names)?;
            // Force: a lone flushed file would otherwise be moved down
            // as it is, tombstones and all.
            let mut copts = rocksdb::CompactOptions::default();
            copts.set_bottommost_level_compaction(rocksdb::BottommostLevelCompaction::Force);
            for name in &names {
                let cf = db
                    .cf_handle(name)
                    .ok_or_else(|| anyhow!("no column family {name}"))?;
                db.compact_range_cf_opt(cf, None::<&[u8]>, None::<&[u8]>, &copts);
            }
        }
        let storage = Storage::open(
            _dir.path(),
            StorageConfig {
                keep_recent: 10,
                ..Default::default()
            },
        )?;
        Ok(Self {
            comp,
            registry,
            storage,
            _dir,
        })
    }

    /// Median µs of reading the (empty) ack-deadline index up to block time
    /// `now`, as end-block does first, and the number of deleted entries
    /// (RocksDB tombstones) one such read skips.
    fn ack_scan_us(&self, now: i64) -> Result<(f64, u64)> {
        use gpuchain_market::state_key::nv;
        let (start, end) = (nv::ack_prefix(), nv::ack_end(now));
        rocksdb::perf::set_perf_stats(rocksdb::perf::PerfStatsLevel::EnableCount);
        let mut pc = rocksdb::perf::PerfContext::default();
        pc.reset();
        black_box(self.storage.nv_range(&start, Some(&end), 64)?);
        let skipped = pc.metric(rocksdb::perf::PerfMetric::InternalDeleteSkippedCount);
        rocksdb::perf::set_perf_stats(rocksdb::perf::PerfStatsLevel::Disable);
        let mut v = Vec::new();
        for _ in 0..21 {
            let t = Instant::now();
            black_box(self.storage.nv_range(&start, Some(&end), 64)?);
            v.push(t.elapsed().as_secs_f64() * 1e6);
        }
        Ok((median(&mut v), skipped))
    }

    /// Median µs of one `get_lease` over 1,000 leases spread over the ids.
    fn get_lease_us(&self, open: u32) -> Result<f64> {
        let step = u64::from(open / 1000).max(1);
        let mut v = Vec::new();
        for i in 0..1000u64.min(u64::from(open)) {
            let t = Instant::now();
            black_box(
                gpuchain_market::get_lease(&self.storage, 1 + i * step)
                    .map_err(|e| anyhow!("{e}"))?,
            );
            v.push(t.elapsed().as_secs_f64() * 1e6);
        }
        Ok(median(&mut v))
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn pct(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[(((v.len() - 1) as f64) * q).round() as usize]
}

fn r1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn r2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// `market_match`: orders matched one by one among `offers` offers.
pub fn match_bench(offers: u32, per_provider: u32, iters: u32) -> Result<()> {
    let providers = offers.div_ceil(per_provider);
    let setup = Instant::now();
    let market = Market::new(per_provider as usize, |comp, state| {
        build_book(comp, state, providers, per_provider, 1)
    })?;
    let setup_s = setup.elapsed().as_secs_f64();
    let c = ctx(2, T0 + 1);
    let params = gpuchain_market::get_params(&market.storage).map_err(|e| anyhow!("{e}"))?;
    let mut block = Delta::new(&market.storage);
    market
        .comp
        .begin_block(&mut block, &c)
        .map_err(|e| anyhow!("{e}"))?;
    // The order find_offer alone is timed with (as stored by MsgCreateOrder).
    let probe = Order {
        id: u64::MAX,
        tenant: tenant(0).to_string(),
        sku: SKU.into(),
        gpu_count: 1,
        max_price_per_gpu_hour: coin(MAX_PRICE),
        duration: 3600,
        deposit: coin(10 * MAX_PRICE),
        created_at: c.time_secs,
        expires_at: c.time_secs + 3600,
        state: OrderState::Open as i32,
        ..Default::default()
    };
    let (mut msg_us, mut find_us, mut miss_us) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..iters {
        let t = Instant::now();
        let found = find_offer(
            &block,
            market.registry.as_ref(),
            &params,
            c.time_secs,
            &probe,
        );
        find_us.push(t.elapsed().as_secs_f64() * 1e6);
        if black_box(found).map_err(|e| anyhow!("{e}"))?.is_none() {
            bail!("find_offer found nothing in a book of {offers}");
        }
        let m = order_msg(i, 3600, "");
        let bytes = m.encode_to_vec();
        let t = Instant::now();
        market
            .comp
            .check_msg(gpuchain_market::msg::create_order::TYPE_URL, &bytes)
            .map_err(|e| anyhow!("{e}"))?;
        let out = market.comp.deliver_msg(
            &mut block,
            &c,
            gpuchain_market::msg::create_order::TYPE_URL,
            &bytes,
        );
        msg_us.push(t.elapsed().as_secs_f64() * 1e6);
        let out = out.map_err(|e| anyhow!("{e}"))?;
        let resp = MsgCreateOrderResponse::decode(out.value.as_slice())?;
        if resp.lease_id == 0 {
            bail!("order {} did not match", resp.order_id);
        }
        // An order only offers elsewhere may take: reads the
        // max_match_candidates cheapest offers, then stays open. Own layer,
        // dropped (it would fill the tenant's open-order quota).
        let m = order_msg(i, 3600, "us");
        let bytes = m.encode_to_vec();
        let mut layer = Delta::new(&block);
        let t = Instant::now();
        market
            .comp
            .check_msg(gpuchain_market::msg::create_order::TYPE_URL, &bytes)
            .map_err(|e| anyhow!("{e}"))?;
        let out = market.comp.deliver_msg(
            &mut layer,
            &c,
            gpuchain_market::msg::create_order::TYPE_URL,
            &bytes,
        );
        miss_us.push(t.elapsed().as_secs_f64() * 1e6);
        let resp =
            MsgCreateOrderResponse::decode(out.map_err(|e| anyhow!("{e}"))?.value.as_slice())?;
        if resp.lease_id != 0 {
            bail!("the region-filtered order matched");
        }
        drop(layer);
    }
    let med = median(&mut msg_us);
    println!(
        "{}",
        json!({
            "bench": "market_match", "offers": offers, "providers": providers,
            "state": "rocksdb, committed", "orders": iters, "setup_s": r1(setup_s),
            "max_match_candidates": params.max_match_candidates,
            "us_median": r1(med), "us_p99": r1(pct(&mut msg_us, 0.99)),
            "find_offer_us_median": r1(median(&mut find_us)),
            "no_match_us_median": r1(median(&mut miss_us)),
            "no_match_us_p99": r1(pct(&mut miss_us, 0.99)),
            "bound_us": MATCH_BOUND_US,
            "ratio_no_match": (median(&mut miss_us) / MATCH_BOUND_US * 1000.0).round() / 1000.0,
            "ratio": (med / MATCH_BOUND_US * 1000.0).round() / 1000.0,
        })
    );
    Ok(())
}

/// State with `open` acknowledged one-GPU leases (100 of them ending at
/// `T0 + 100`, the rest in ~11 days), `gpus` GPUs per provider.
fn leases_state(open: u32, gpus: u32) -> Result<Market> {
    let providers = open.div_ceil(gpus);
    Market::new(gpus as usize, |comp, state| {
        build_book(comp, state, providers, 1, gpus)?;
        let c = ctx(1, T0);
        let every = (open / 100).max(1);
        let mut next_gpu: BTreeMap<String, usize> = BTreeMap::new();
        for i in 0..open {
            let duration = if i % every == 0 { 100 } else { 1_000_000 };
            let out = deliver(
                comp,
                state,
                &c,
                gpuchain_market::msg::create_order::TYPE_URL,
                &order_msg(i, duration, ""),
            )?;
            let resp = MsgCreateOrderResponse::decode(out.as_slice())?;
            let lease = gpuchain_market::get_lease(&*state, resp.lease_id)
                .map_err(|e| anyhow!("{e}"))?
                .ok_or_else(|| anyhow!("order {} did not match", resp.order_id))?;
            let p = Address::from_bech32(&lease.provider).map_err(|e| anyhow!("{e}"))?;
            let k = next_gpu.entry(lease.provider.clone()).or_insert(0);
            let uuid = gpu_uuid(&p, *k);
            *k += 1;
            let ack = MsgAckLease {
                signer: lease.provider.clone(),
                lease_id: lease.id,
                gpu_uuids: vec![uuid],
                access: vec![1; 64],
            };
            deliver(
                comp,
                state,
                &c,
                gpuchain_market::msg::ack_lease::TYPE_URL,
                &ack,
            )?;
        }
        // The set-up block ends as on a chain, with its end-block.
        comp.end_block(state, &c).map_err(|e| anyhow!("{e}"))?;
        Ok(())
    })
}

/// One end-block at `T0 + 100` on a fresh layer; returns (execution µs,
/// execution + state-root µs).
fn end_block_once(m: &mut Market) -> Result<(f64, f64)> {
    let c = ctx(2, T0 + 100);
    let mut layer = Delta::new(&m.storage);
    m.comp
        .begin_block(&mut layer, &c)
        .map_err(|e| anyhow!("{e}"))?;
    let t = Instant::now();
    m.comp
        .end_block(&mut layer, &c)
        .map_err(|e| anyhow!("{e}"))?;
    let exec = t.elapsed().as_secs_f64() * 1e6;
    let closed = layer
        .changes()
        .events
        .iter()
        .filter(|e| e.kind == "lease_closed")
        .count();
    if closed != 100 {
        bail!("{closed} leases closed, 100 expected");
    }
    let changes = layer.into_changes();
    let t = Instant::now();
    m.storage.prepare(2, changes)?;
    let root = t.elapsed().as_secs_f64() * 1e6;
    m.storage.discard_pending();
    Ok((exec, exec + root))
}

/// Median end-block µs (execution; execution + state root) of `a` and `b`,
/// measured alternately (so drift on a shared machine hits both alike).
fn alternate(a: &mut Market, b: &mut Market, runs: u32) -> Result<[f64; 4]> {
    let (mut sa, mut sb, mut ra, mut rb) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..runs + 2 {
        let (x, y) = (end_block_once(a)?, end_block_once(b)?);
        if i >= 2 {
            sa.push(x.0);
            ra.push(x.1);
            sb.push(y.0);
            rb.push(y.1);
        }
    }
    Ok([
        median(&mut sa),
        median(&mut sb),
        median(&mut ra),
        median(&mut rb),
    ])
}

fn ratio3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// `market_endblock`: end-block with `large` vs `small` open leases, on the
/// store as written and after a full compaction.
pub fn endblock_bench(small: u32, large: u32, gpus: u32, runs: u32) -> Result<()> {
    let setup = Instant::now();
    let mut a = leases_state(small, gpus)?;
    let mut b = leases_state(large, gpus)?;
    let setup_s = setup.elapsed().as_secs_f64();
    let now = T0 + 100;
    let scan = [a.ack_scan_us(now)?, b.ack_scan_us(now)?];
    let get = [a.get_lease_us(small)?, b.get_lease_us(large)?];
    let [ma, mb, rma, rmb] = alternate(&mut a, &mut b, runs)?;
    let mut a = a.compacted()?;
    let mut b = b.compacted()?;
    let cscan = [a.ack_scan_us(now)?, b.ack_scan_us(now)?];
    let cget = [a.get_lease_us(small)?, b.get_lease_us(large)?];
    let [ca, cb, rca, rcb] = alternate(&mut a, &mut b, runs)?;
    println!(
        "{}",
        json!({
            "bench": "market_endblock", "due": 100, "state": "rocksdb, committed",
            "open_small": small, "open_large": large, "gpus_per_provider": gpus,
            "runs": runs, "setup_s": r1(setup_s),
            "us_small": r1(ma), "us_large": r1(mb),
            "us_small_with_state_root": r1(rma), "us_large_with_state_root": r1(rmb),
            "ratio_with_state_root": ratio3(rmb / rma),
            "ack_index_scan_us": [r1(scan[0].0), r1(scan[1].0)],
            "ack_index_tombstones_skipped": [scan[0].1, scan[1].1],
            "get_lease_us": [r2(get[0]), r2(get[1])],
            "compacted": {
                "us_small": r1(ca), "us_large": r1(cb),
                "us_small_with_state_root": r1(rca), "us_large_with_state_root": r1(rcb),
                "ack_index_scan_us": [r1(cscan[0].0), r1(cscan[1].0)],
                "ack_index_tombstones_skipped": [cscan[0].1, cscan[1].1],
                "get_lease_us": [r2(cget[0]), r2(cget[1])],
                "ratio": ratio3(cb / ca),
                "ratio_with_state_root": ratio3(rcb / rca),
            },
            "bound": ENDBLOCK_BOUND_RATIO,
            "ratio": ratio3(mb / ma),
        })
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Smoke runs at tiny sizes (nothing timed is asserted): the states
    // build, every order matches, exactly 100 leases close.
    #[test]
    fn should_run_market_benches_when_sizes_are_tiny() {
        match_bench(300, 10, 5).unwrap();
        endblock_bench(200, 400, 10, 1).unwrap();
    }

    #[test]
    fn should_give_each_gpu_its_own_uuid_when_providers_differ() {
        assert_ne!(gpu_uuid(&provider(1), 0), gpu_uuid(&provider(2), 0));
        assert_ne!(gpu_uuid(&provider(1), 0), gpu_uuid(&provider(1), 1));
    }
}

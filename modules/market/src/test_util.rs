//! Test helpers: a configurable provider registry double and funded state.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use gpuchain_store::{Delta, EmptyState, StateRead, StateWrite};
use gpuchain_types::{Address, AppResult, BlockContext, Coin, Coins};

use crate::expected::{HostedGpu, ProviderInfo, ProviderRegistry};

pub fn addr(n: u8) -> Address {
    Address([n; 20])
}

#[derive(Clone, Debug, Default)]
pub struct TestProvider {
    pub info: Option<ProviderInfo>,
    /// Per SKU, its leasable GPUs in uuid order.
    pub gpus: BTreeMap<String, Vec<HostedGpu>>,
    pub agents: BTreeSet<Address>,
    /// Bond held (in ugpc) in the `attestation` module account.
    pub bond: u128,
}

/// A [`ProviderRegistry`] whose providers and GPUs tests set directly.
#[derive(Default)]
pub struct TestRegistry {
    pub skus: Mutex<BTreeSet<String>>,
    pub providers: Mutex<BTreeMap<Address, TestProvider>>,
    pub acked: Mutex<Vec<(u64, Address, Vec<String>)>>,
    pub slashed: Mutex<Vec<(Address, u32, Address, u128)>>,
}

impl TestRegistry {
    pub fn new(skus: &[&str]) -> Arc<Self> {
        let r = Self::default();
        r.skus
            .lock()
            .unwrap()
            .extend(skus.iter().map(|s| s.to_string()));
        Arc::new(r)
    }

    /// Registers an active provider with `n` GPUs `P<p>-<sku>-<i>` of `sku`.
    pub fn add_provider(
        &self,
        p: Address,
        sku: &str,
        n: usize,
        level: u32,
        region: &str,
        bond: u128,
    ) {
        let mut ps = self.providers.lock().unwrap();
        let e = ps.entry(p).or_default();
        e.info = Some(ProviderInfo {
            active: true,
            attestation_level: level,
            region: region.to_string(),
        });
        e.bond = bond;
        let list = (0..n)
            .map(|i| HostedGpu {
                uuid: gpu(&p, sku, i),
                host: String::new(),
            })
            .collect();
        e.gpus.insert(sku.to_string(), list);
    }

    /// Moves GPUs `range` of `sku` of provider `p` to `host`.
    pub fn set_host(&self, p: &Address, sku: &str, range: std::ops::Range<usize>, host: &str) {
        let mut ps = self.providers.lock().unwrap();
        if let Some(list) = ps.get_mut(p).and_then(|e| e.gpus.get_mut(sku)) {
            for g in list.iter_mut().skip(range.start).take(range.len()) {
                g.host = host.to_string();
            }
        }
    }

    pub fn set_active(&self, p: &Address, active: bool) {
        if let Some(info) = self
            .providers
            .lock()
            .unwrap()
            .get_mut(p)
            .and_then(|e| e.info.as_mut())
        {
            info.active = active;
        }
    }

    pub fn add_agent(&self, p: &Address, agent: Address) {
        self.providers
            .lock()
            .unwrap()
            .entry(*p)
            .or_default()
            .agents
            .insert(agent);
    }
}

/// The uuid the double gives GPU `i` of `sku` of provider `p`.
pub fn gpu(p: &Address, sku: &str, i: usize) -> String {
    format!("GPU-{}-{sku}-{i}", p.0[0])
}

impl ProviderRegistry for TestRegistry {
    fn provider(&self, _: &dyn StateRead, p: &Address) -> AppResult<Option<ProviderInfo>> {
        Ok(self
            .providers
            .lock()
            .unwrap()
            .get(p)
            .and_then(|e| e.info.clone()))
    }
    fn is_agent(&self, _: &dyn StateRead, p: &Address, s: &Address) -> AppResult<bool> {
        Ok(p == s
            || self
                .providers
                .lock()
                .unwrap()
                .get(p)
                .is_some_and(|e| e.agents.contains(s)))
    }
    fn sku_exists(&self, _: &dyn StateRead, sku: &str) -> AppResult<bool> {
        Ok(self.skus.lock().unwrap().contains(sku))
    }
    fn leasable_gpus(
        &self,
        _: &dyn StateRead,
        p: &Address,
        sku: &str,
        _: i64,
    ) -> AppResult<Vec<HostedGpu>> {
        Ok(self
            .providers
            .lock()
            .unwrap()
            .get(p)
            .and_then(|e| e.gpus.get(sku).cloned())
            .unwrap_or_default())
    }
    fn on_lease_acked(
        &self,
        _: &mut dyn StateWrite,
        _: &BlockContext,
        lease_id: u64,
        p: &Address,
        uuids: &[String],
    ) -> AppResult<()> {
        self.acked
            .lock()
            .unwrap()
            .push((lease_id, *p, uuids.to_vec()));
        Ok(())
    }
    fn slash_bond_to(
        &self,
        state: &mut dyn StateWrite,
        p: &Address,
        bps: u32,
        to: &Address,
    ) -> AppResult<Coins> {
        let bond = self.providers.lock().unwrap().get(p).map_or(0, |e| e.bond);
        let amount = bond * u128::from(bps) / 10_000;
        if amount == 0 {
            return Ok(Coins::empty());
        }
        let coins = Coins::normalize([Coin::new(amount, "ugpc")])?;
        gpuchain_bank::send_coins_from_module(state, gpuchain_bank::ATTESTATION, to, &coins)?;
        if let Some(e) = self.providers.lock().unwrap().get_mut(p) {
            e.bond -= amount;
        }
        self.slashed.lock().unwrap().push((*p, bps, *to, amount));
        Ok(coins)
    }
}

/// A state with bank balances (`addr(n)` holds `ugpc` amounts; the
/// attestation module holds `bonds`) and market + escrow genesis.
pub fn genesis_state(holders: &[(u8, u128)], bonds: u128) -> Delta<'static> {
    let mut bank = serde_json::Value::Null;
    for (n, amount) in holders {
        let c = Coins::normalize([Coin::new(*amount, "ugpc")]).unwrap();
        gpuchain_bank::add_genesis_balance(&mut bank, &addr(*n), &c).unwrap();
    }
    if bonds > 0 {
        let c = Coins::normalize([Coin::new(bonds, "ugpc")]).unwrap();
        let a = Address::module(gpuchain_bank::ATTESTATION);
        gpuchain_bank::add_genesis_balance(&mut bank, &a, &c).unwrap();
    }
    let mut state = Delta::new(&EmptyState);
    let ctx = BlockContext::default();
    use gpuchain_store::Component;
    gpuchain_bank::BankComponent
        .init_genesis(&mut state, &bank, &ctx)
        .unwrap();
    gpuchain_escrow::EscrowComponent
        .init_genesis(&mut state, &serde_json::Value::Null, &ctx)
        .unwrap();
    crate::genesis::init_genesis(&mut state, &crate::genesis::GenesisState::default()).unwrap();
    state.take_events();
    state
}

//! Test helpers: a lease-book double, an opening-verifier double, and a
//! chain-like harness (blocks with hashes, txs on their own layers).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use cosmos_sdk_proto::cosmos::base::v1beta1::Coin as ProtoCoin;
use gpuchain_proto::attestation::*;
use gpuchain_store::{Component, Delta, EmptyState, MsgResponse, StateRead, StateWrite};
use gpuchain_types::{Address, AppResult, BlockContext, Coins, Event};
use prost::Message;
use sha2::{Digest, Sha256};

use crate::expected::LeaseBook;
use crate::verify::{OpeningVerifier, Verdict};
use crate::AttestationComponent;

pub const FUNDS: u128 = 1_000_000;
pub const UNBONDING: i64 = 1000;
pub const TTL: i64 = 600;
pub const MAX_AGE: u64 = 10;
pub const MAX_GPUS: usize = 8;
pub const MAX_AGENTS: u8 = 4;
pub const JAIL: i64 = 100;
pub const START: i64 = 1_000_000;
pub const BLOCK_SECS: i64 = 5;

pub fn addr(n: u8) -> Address {
    Address([n; 20])
}

#[derive(Default)]
pub struct FakeInner {
    pub open: BTreeMap<Address, u64>,
    pub gpu_lease: BTreeMap<String, u64>,
    pub tenants: BTreeMap<u64, (Address, u128)>,
    pub closed: Vec<(u64, Coins)>,
}

/// The market as the attestation module sees it.
#[derive(Default)]
pub struct FakeLeases(pub Mutex<FakeInner>);

impl FakeLeases {
    pub fn set_open_count(&self, p: &Address, n: u64) {
        self.0.lock().unwrap().open.insert(*p, n);
    }
    pub fn set_gpu_lease(&self, uuid: &str, lease: u64, tenant: &Address, deposit: u128) {
        let mut i = self.0.lock().unwrap();
        i.gpu_lease.insert(uuid.to_string(), lease);
        i.tenants.insert(lease, (*tenant, deposit));
    }
    pub fn clear_gpu_lease(&self, uuid: &str) {
        self.0.lock().unwrap().gpu_lease.remove(uuid);
    }
    pub fn closed(&self) -> Vec<(u64, Coins)> {
        self.0.lock().unwrap().closed.clone()
    }
}

impl LeaseBook for FakeLeases {
    fn open_lease_count(&self, _: &dyn StateRead, p: &Address) -> AppResult<u64> {
        Ok(self.0.lock().unwrap().open.get(p).copied().unwrap_or(0))
    }
    fn lease_of_gpu(&self, _: &dyn StateRead, uuid: &str) -> AppResult<Option<u64>> {
        Ok(self.0.lock().unwrap().gpu_lease.get(uuid).copied())
    }
    fn lease_tenant_deposit(
        &self,
        _: &dyn StateRead,
        id: u64,
    ) -> AppResult<Option<(Address, u128)>> {
        Ok(self.0.lock().unwrap().tenants.get(&id).copied())
    }
    fn close_lease_faulted(
        &self,
        _: &mut dyn StateWrite,
        _: &BlockContext,
        id: u64,
        compensation: &Coins,
    ) -> AppResult<()> {
        let mut i = self.0.lock().unwrap();
        i.closed.push((id, compensation.clone()));
        i.gpu_lease.retain(|_, l| *l != id);
        i.tenants.remove(&id);
        Ok(())
    }
}

/// Openings: `ok` passes, `bad` fails, anything else is malformed.
pub struct FakeVerifier;

impl OpeningVerifier for FakeVerifier {
    fn verify(&self, _: &Challenge, opening: &[u8]) -> Result<Verdict, String> {
        match opening {
            b"ok" => Ok(Verdict::Pass),
            b"bad" => Ok(Verdict::Fail("entry (0, 1, 2, 3) is wrong".into())),
            _ => Err("not an opening".into()),
        }
    }
}

pub fn hash_of(height: u64) -> Vec<u8> {
    Sha256::digest([b"block".as_slice(), &height.to_be_bytes()].concat()).to_vec()
}

pub fn test_params() -> serde_json::Value {
    serde_json::json!({"params": {
        "min_bond": "1000ugpc",
        "unbonding_period_secs": UNBONDING,
        "report_max_age_blocks": MAX_AGE,
        "report_ttl_secs": TTL,
        "max_gpus_per_report": MAX_GPUS,
        "random_challenges_per_gpu_day": 0,
        "max_random_challenges_per_block": 5,
        "fail_slash_bps": 500,
        "tenant_share_bps": 5000,
        "jail_duration_secs": JAIL,
        "max_agents_per_provider": MAX_AGENTS,
    }})
}

pub struct Setup {
    pub state: Delta<'static>,
    pub ctx: BlockContext,
    pub leases: Arc<FakeLeases>,
    pub comp: AttestationComponent,
}

impl Setup {
    pub fn new() -> Self {
        Self::with_genesis(test_params())
    }

    pub fn with_genesis(genesis: serde_json::Value) -> Self {
        Self::with_genesis_and_verifier(genesis, Arc::new(FakeVerifier))
    }

    /// With gpuchain-challenge's real verifier.
    pub fn real() -> Self {
        Self::with_genesis_and_verifier(test_params(), Arc::new(crate::ChallengeVerifier))
    }

    pub fn with_genesis_and_verifier(
        genesis: serde_json::Value,
        verifier: Arc<dyn OpeningVerifier>,
    ) -> Self {
        let mut state = Delta::new(&EmptyState);
        let mut bank = serde_json::Value::Null;
        for n in 1..=40u8 {
            gpuchain_bank::add_genesis_balance(
                &mut bank,
                &addr(n),
                &Coins::parse(&format!("{FUNDS}ugpc,{FUNDS}uatom")).unwrap(),
            )
            .unwrap();
        }
        let ctx = BlockContext {
            chain_id: "test".into(),
            height: 1,
            time_secs: START,
            time_nanos: 0,
            block_hash: hash_of(1),
        };
        gpuchain_bank::BankComponent
            .init_genesis(&mut state, &bank, &ctx)
            .unwrap();
        let leases = Arc::new(FakeLeases::default());
        let comp = AttestationComponent::with_verifier(leases.clone(), verifier);
        comp.init_genesis(&mut state, &genesis, &ctx).unwrap();
        comp.begin_block(&mut state, &ctx).unwrap();
        let mut s = Self {
            state,
            ctx,
            leases,
            comp,
        };
        s.next_block();
        s
    }

    pub fn with_provider(n: u8) -> Self {
        let mut s = Self::new();
        s.register(n);
        s
    }

    /// Ends this block and begins the next, `BLOCK_SECS` later.
    pub fn next_block(&mut self) {
        let t = self.ctx.time_secs + BLOCK_SECS;
        self.next_block_at(t);
    }

    pub fn next_block_at(&mut self, time: i64) {
        self.comp.end_block(&mut self.state, &self.ctx).unwrap();
        self.ctx.height += 1;
        self.ctx.time_secs = time;
        self.ctx.block_hash = hash_of(self.ctx.height);
        self.comp.begin_block(&mut self.state, &self.ctx).unwrap();
    }

    /// Blocks until the block time reaches `time` (the last one exactly at it).
    pub fn advance_to(&mut self, time: i64) {
        while self.ctx.time_secs < time {
            let t = (self.ctx.time_secs + 50).min(time);
            self.next_block_at(t);
        }
        // Let end-block of the block at `time` run.
        self.comp.end_block(&mut self.state, &self.ctx).unwrap();
    }

    pub fn hash_of(&self, h: u64) -> Vec<u8> {
        hash_of(h)
    }

    /// Runs a Msg as the app does: stateless check, then on its own layer.
    pub fn deliver(&mut self, url: &str, bytes: &[u8]) -> AppResult<MsgResponse> {
        self.comp.check_msg(url, bytes)?;
        let (r, changes) = {
            let mut tx = Delta::new(&self.state);
            let r = self.comp.deliver_msg(&mut tx, &self.ctx, url, bytes);
            (r, tx.into_changes())
        };
        if r.is_ok() {
            self.state.apply(changes);
        }
        r
    }

    /// The Msg fails with this code and changes nothing.
    pub fn assert_rejected(&mut self, url: &str, bytes: &[u8], space: &str, code: u32) {
        let before = self.state.changes().clone();
        let closed = self.leases.closed().len();
        let e = self.deliver(url, bytes).unwrap_err();
        assert_eq!((e.codespace.as_ref(), e.code), (space, code), "{}", e.log);
        assert_eq!(self.state.changes(), &before);
        assert_eq!(self.leases.closed().len(), closed);
    }

    pub fn register(&mut self, n: u8) {
        self.deliver(
            crate::msg::register_provider::TYPE_URL,
            &register_msg(n, "1000"),
        )
        .unwrap();
    }

    pub fn authorize(&mut self, owner: u8, agent: u8) {
        self.deliver(
            crate::msg::agents::AUTHORIZE_TYPE_URL,
            &agent_msg(true, owner, agent),
        )
        .unwrap();
    }

    pub fn unbond(&mut self, n: u8) -> AppResult<MsgResponse> {
        self.deliver(crate::msg::unbond_provider::TYPE_URL, &unbond_msg(n))
    }

    /// Submits a report bound to the previous block.
    pub fn inventory(
        &mut self,
        provider: u8,
        agent: u8,
        gpus: &[GpuReport],
    ) -> AppResult<MsgResponse> {
        self.inventory_on(provider, agent, "", gpus)
    }

    /// A report of `host`'s GPUs.
    pub fn inventory_on(
        &mut self,
        provider: u8,
        agent: u8,
        host: &str,
        gpus: &[GpuReport],
    ) -> AppResult<MsgResponse> {
        let h = self.ctx.height - 1;
        let mut msg = inventory_of(provider, agent, gpus, h, &hash_of(h));
        msg.host = host.into();
        self.deliver(crate::msg::submit_inventory::TYPE_URL, &msg.encode_to_vec())
    }

    pub fn balance(&self, a: &Address) -> u128 {
        gpuchain_bank::balance(&self.state, a, "ugpc").unwrap()
    }

    pub fn module_balance(&self) -> u128 {
        self.balance(&Address::module(gpuchain_bank::ATTESTATION))
    }

    pub fn community_pool(&self) -> u128 {
        self.balance(&Address::module(gpuchain_bank::DISTRIBUTION))
    }

    pub fn bond(&self, n: u8) -> u128 {
        let p = crate::state_ext::provider(&self.state, &addr(n))
            .unwrap()
            .unwrap();
        crate::keeper::bond_amount(&p).unwrap()
    }

    pub fn has_event(&self, kind: &str) -> bool {
        self.event(kind).is_some()
    }

    /// The last event of this kind emitted so far.
    pub fn event(&self, kind: &str) -> Option<Event> {
        self.state
            .changes()
            .events
            .iter()
            .rev()
            .find(|e| e.kind == kind)
            .cloned()
    }

    pub fn check_invariants(&self) {
        self.comp.check_invariants(&self.state).unwrap();
        gpuchain_bank::BankComponent
            .check_invariants(&self.state)
            .unwrap();
    }
}

fn coin(amount: &str, denom: &str) -> ProtoCoin {
    ProtoCoin {
        denom: denom.into(),
        amount: amount.into(),
    }
}

pub fn register_fields(n: u8, moniker: &str, region: &str, endpoint: &str) -> Vec<u8> {
    MsgRegisterProvider {
        owner: addr(n).to_string(),
        moniker: moniker.into(),
        region: region.into(),
        endpoint: endpoint.into(),
        bond: Some(coin("1000", "ugpc")),
    }
    .encode_to_vec()
}

pub fn register_msg_denom(n: u8, amount: &str, denom: &str) -> Vec<u8> {
    MsgRegisterProvider {
        owner: addr(n).to_string(),
        moniker: "prov".into(),
        region: "eu-west".into(),
        endpoint: "https://p.example".into(),
        bond: Some(coin(amount, denom)),
    }
    .encode_to_vec()
}

pub fn register_msg(n: u8, amount: &str) -> Vec<u8> {
    register_msg_denom(n, amount, "ugpc")
}

pub fn bad_owner_register() -> Vec<u8> {
    MsgRegisterProvider {
        owner: addr(1).to_bech32_with_prefix("cosmos"),
        moniker: "prov".into(),
        region: "eu".into(),
        endpoint: String::new(),
        bond: Some(coin("1000", "ugpc")),
    }
    .encode_to_vec()
}

pub fn add_bond_msg(n: u8, amount: &str, denom: &str) -> Vec<u8> {
    MsgAddBond {
        owner: addr(n).to_string(),
        amount: Some(coin(amount, denom)),
    }
    .encode_to_vec()
}

pub fn unbond_msg(n: u8) -> Vec<u8> {
    MsgUnbondProvider {
        owner: addr(n).to_string(),
    }
    .encode_to_vec()
}

pub fn agent_msg(authorize: bool, owner: u8, agent: u8) -> Vec<u8> {
    if authorize {
        MsgAuthorizeAgent {
            owner: addr(owner).to_string(),
            agent: addr(agent).to_string(),
        }
        .encode_to_vec()
    } else {
        MsgRevokeAgent {
            owner: addr(owner).to_string(),
            agent: addr(agent).to_string(),
        }
        .encode_to_vec()
    }
}

pub fn cpu_gpu(uuid: &str) -> GpuReport {
    GpuReport {
        uuid: uuid.into(),
        name: crate::TEST_CPU_NAME.into(),
        memory_mib: 1024,
        driver_version: "cpu".into(),
        pci_bus_id: String::new(),
        mig_mode: false,
    }
}

/// The uuids of `crate::leasable_gpus`.
pub fn leasable_uuids(
    state: &dyn StateRead,
    provider: &Address,
    sku: &str,
    now: i64,
) -> AppResult<Vec<String>> {
    Ok(crate::leasable_gpus(state, provider, sku, now)?
        .into_iter()
        .map(|g| g.uuid)
        .collect())
}

pub fn inventory_msg(
    provider: u8,
    agent: u8,
    gpus: &[GpuReport],
    height: u64,
    hash: &[u8],
) -> Vec<u8> {
    inventory_of(provider, agent, gpus, height, hash).encode_to_vec()
}

fn inventory_of(
    provider: u8,
    agent: u8,
    gpus: &[GpuReport],
    height: u64,
    hash: &[u8],
) -> MsgSubmitInventory {
    MsgSubmitInventory {
        provider: addr(provider).to_string(),
        agent: addr(agent).to_string(),
        gpus: gpus.to_vec(),
        block_height: height,
        block_hash: hash.to_vec(),
        host: String::new(),
    }
}

pub fn commit_msg(signer: u8, id: u64, root: &[u8]) -> Vec<u8> {
    MsgChallengeCommit {
        signer: addr(signer).to_string(),
        challenge_id: id,
        root: root.to_vec(),
    }
    .encode_to_vec()
}

pub fn open_msg(signer: u8, id: u64, opening: &[u8]) -> Vec<u8> {
    MsgChallengeOpen {
        signer: addr(signer).to_string(),
        challenge_id: id,
        opening: opening.to_vec(),
    }
    .encode_to_vec()
}

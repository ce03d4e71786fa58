//! The daemon loop against an in-memory chain ([`FakeChain`]): inventory,
//! acknowledgements (exactly once, across restarts), hooks, challenges
//! (honest, wrong, ignored) and RPC outages.

use std::sync::Mutex;

use gpuchain_challenge::{select_openings, verify_bytes};
use gpuchain_proto::attestation::{
    Challenge, ChallengeParams as ProtoParams, ChallengeStatus, MsgChallengeCommit,
    MsgChallengeOpen, Params,
};
use gpuchain_proto::market::CloseReason;

use super::chain::TxOutcome;
use super::*;
use crate::hardware::{HardwareError, MigMode};

const PROVIDER: &str = "gpu1provider";
const TENANT: &str = "gpu1tenant";
const TENANT_SECRET: [u8; 32] = [9u8; 32];

#[derive(Default)]
struct State {
    height: u64,
    time: i64,
    ttl: i64,
    gpus: Vec<Gpu>,
    leases: BTreeMap<u64, Lease>,
    /// Shown by `leases()` instead of the real state (a stale list).
    stale_pending: Option<Vec<Lease>>,
    challenges: BTreeMap<u64, Challenge>,
    sent: Vec<Any>,
    down: bool,
    /// Broadcasts fail (the node went away mid-transaction).
    broadcast_fails: bool,
}

struct FakeChain(Arc<Mutex<State>>);

impl FakeChain {
    fn check(&self) -> Result<std::sync::MutexGuard<'_, State>> {
        let s = self.0.lock().unwrap();
        if s.down {
            return Err(anyhow!("connection refused"));
        }
        Ok(s)
    }
}

fn ok_outcome(height: u64) -> TxOutcome {
    TxOutcome {
        txhash: "AA".into(),
        code: 0,
        codespace: String::new(),
        log: String::new(),
        height,
    }
}

fn rejected(code: u32, log: &str) -> TxOutcome {
    TxOutcome {
        txhash: "AA".into(),
        code,
        codespace: "market".into(),
        log: log.into(),
        height: 0,
    }
}

impl Chain for FakeChain {
    fn latest_block(&self) -> Result<BlockInfo> {
        let s = self.check()?;
        Ok(BlockInfo {
            height: s.height,
            hash: vec![1, 2, 3],
            time: s.time,
        })
    }
    fn attestation_params(&self) -> Result<Params> {
        let s = self.check()?;
        Ok(Params {
            report_ttl_secs: s.ttl,
            ..Params::default()
        })
    }
    fn provider_gpus(&self, provider: &str) -> Result<Vec<Gpu>> {
        let s = self.check()?;
        Ok(s.gpus
            .iter()
            .filter(|g| g.provider == provider)
            .cloned()
            .collect())
    }
    fn provider_endpoint(&self, _provider: &str) -> Result<Option<String>> {
        let _s = self.check()?;
        Ok(Some("https://gpu-host.example:8443".into()))
    }
    fn challenge(&self, id: u64) -> Result<Option<Challenge>> {
        Ok(self.check()?.challenges.get(&id).cloned())
    }
    fn leases(&self, provider: &str, state: LeaseState) -> Result<Vec<Lease>> {
        let s = self.check()?;
        if state == LeaseState::Pending {
            if let Some(stale) = &s.stale_pending {
                return Ok(stale.clone());
            }
        }
        Ok(s.leases
            .values()
            .filter(|l| l.provider == provider && l.state == state as i32)
            .cloned()
            .collect())
    }
    fn recent_leases(&self, provider: &str, state: LeaseState, limit: u64) -> Result<Vec<Lease>> {
        let s = self.check()?;
        Ok(s.leases
            .values()
            .rev()
            .filter(|l| l.provider == provider && l.state == state as i32)
            .take(usize::try_from(limit).unwrap())
            .cloned()
            .collect())
    }
    fn lease(&self, id: u64) -> Result<Option<Lease>> {
        Ok(self.check()?.leases.get(&id).cloned())
    }
    fn account_pubkey(&self, address: &str) -> Result<Option<[u8; 33]>> {
        let _s = self.check()?;
        if address != TENANT {
            return Ok(None);
        }
        Ok(Some(
            SecretKey::from_bytes(&TENANT_SECRET)
                .unwrap()
                .public_key_compressed(),
        ))
    }
    fn broadcast(&self, msgs: Vec<Any>) -> Result<TxOutcome> {
        let mut s = self.check()?;
        if s.broadcast_fails {
            return Err(anyhow!("tx was not committed within 30s"));
        }
        let any = msgs.into_iter().next().unwrap();
        s.sent.push(any.clone());
        let (height, time, ttl) = (s.height, s.time, s.ttl);
        match any.type_url.as_str() {
            MSG_SUBMIT_INVENTORY => {
                let m = MsgSubmitInventory::decode(any.value.as_slice()).unwrap();
                // As the chain: the report replaces its host's GPUs only.
                s.gpus
                    .retain(|g| g.host != m.host || m.gpus.iter().any(|r| r.uuid == g.uuid));
                for r in &m.gpus {
                    let sku = if r.name.contains("H100") { "h100" } else { "" };
                    let g = Gpu {
                        uuid: r.uuid.clone(),
                        provider: m.provider.clone(),
                        name: r.name.clone(),
                        memory_mib: r.memory_mib,
                        driver_version: r.driver_version.clone(),
                        pci_bus_id: r.pci_bus_id.clone(),
                        mig_mode: r.mig_mode,
                        sku: sku.into(),
                        host: m.host.clone(),
                        report_expires_at: time + ttl,
                        ..Gpu::default()
                    };
                    match s.gpus.iter_mut().find(|x| x.uuid == r.uuid) {
                        Some(x) => {
                            let pending = x.pending_challenge_id;
                            *x = g;
                            x.pending_challenge_id = pending;
                        }
                        None => s.gpus.push(g),
                    }
                }
                Ok(ok_outcome(height))
            }
            MSG_ACK_LEASE => {
                let m = MsgAckLease::decode(any.value.as_slice()).unwrap();
                let l = s.leases.get_mut(&m.lease_id).unwrap();
                if l.state != LeaseState::Pending as i32 {
                    return Ok(rejected(6, "lease is not pending"));
                }
                l.state = LeaseState::Active as i32;
                l.gpu_uuids = m.gpu_uuids;
                l.access = m.access;
                Ok(ok_outcome(height))
            }
            MSG_CHALLENGE_COMMIT => {
                let m = MsgChallengeCommit::decode(any.value.as_slice()).unwrap();
                let c = s.challenges.get_mut(&m.challenge_id).unwrap();
                if c.status != ChallengeStatus::AwaitingCommit as i32 {
                    return Ok(rejected(7, "not awaiting commit"));
                }
                c.root = m.root;
                c.status = ChallengeStatus::AwaitingOpen as i32;
                c.open_deadline = time + 60;
                Ok(ok_outcome(height))
            }
            MSG_CHALLENGE_OPEN => {
                let m = MsgChallengeOpen::decode(any.value.as_slice()).unwrap();
                let c = s.challenges.get_mut(&m.challenge_id).unwrap();
                let params = challenges::to_params(c.params.as_ref().unwrap());
                let seed: [u8; 32] = c.seed.as_slice().try_into().unwrap();
                let root: [u8; 32] = c.root.as_slice().try_into().unwrap();
                let pos = select_openings(&params, &seed, &root, &c.beacon).unwrap();
                let passed = verify_bytes(&params, &seed, &root, &pos, &m.opening).is_ok();
                c.status = if passed {
                    ChallengeStatus::Passed as i32
                } else {
                    ChallengeStatus::Failed as i32
                };
                let uuid = c.gpu_uuid.clone();
                if let Some(g) = s.gpus.iter_mut().find(|g| g.uuid == uuid) {
                    g.pending_challenge_id = 0;
                    g.failed = !passed;
                }
                Ok(ok_outcome(height))
            }
            other => panic!("unexpected message {other}"),
        }
    }
}

/// Hardware whose content the test changes.
struct SharedHardware(Arc<Mutex<Option<Vec<GpuInfo>>>>);

impl HardwareSource for SharedHardware {
    fn read(&self) -> Result<Vec<GpuInfo>, HardwareError> {
        self.0
            .lock()
            .unwrap()
            .clone()
            .ok_or_else(|| HardwareError::MalformedLine {
                line: 1,
                reason: "nvidia-smi failed".into(),
            })
    }
}

/// (hook, env, stdin) of each hook run.
type HookLog = Arc<Mutex<Vec<(HookKind, Vec<(String, String)>, String)>>>;

#[derive(Default)]
struct RecordedHooks(HookLog);

impl HookRunner for RecordedHooks {
    fn run(&self, kind: HookKind, _argv: &[String], env: Vec<(String, String)>, stdin: Vec<u8>) {
        self.0
            .lock()
            .unwrap()
            .push((kind, env, String::from_utf8(stdin).unwrap()));
    }
}

fn gpu_info(uuid: &str) -> GpuInfo {
    GpuInfo {
        uuid: uuid.into(),
        name: "NVIDIA H100 80GB HBM3".into(),
        memory_mib: 81_559,
        driver_version: "550.54.15".into(),
        pci_bus_id: "00000000:00:09.0".into(),
        mig_mode: MigMode::Disabled,
        serial: None,
        compute_cap: None,
        pci_device_id: None,
        index: None,
        mig_devices: vec![],
    }
}

struct Harness {
    state: Arc<Mutex<State>>,
    hardware: Arc<Mutex<Option<Vec<GpuInfo>>>>,
    hooks: HookLog,
    mode: ChallengeMode,
}

impl Harness {
    fn new(gpus: &[&str]) -> Self {
        let state = State {
            height: 10,
            time: 1_000,
            ttl: 600,
            ..State::default()
        };
        Self {
            state: Arc::new(Mutex::new(state)),
            hardware: Arc::new(Mutex::new(Some(gpus.iter().map(|u| gpu_info(u)).collect()))),
            hooks: Arc::default(),
            mode: ChallengeMode::Honest,
        }
    }

    /// A fresh agent process over the same chain (a restart).
    fn daemon(&self) -> Daemon<FakeChain> {
        let opts = Options {
            provider: PROVIDER.into(),
            host: String::new(),
            report_interval: Duration::from_secs(60),
            poll_interval: Duration::from_millis(10),
            challenge_mode: self.mode,
            challenge_solver: SolverKind::Cpu,
            on_lease_start: Some(vec!["start".into()]),
            on_lease_stop: Some(vec!["stop".into()]),
        };
        Daemon::new(
            FakeChain(self.state.clone()),
            Box::new(SharedHardware(self.hardware.clone())),
            SecretKey::from_bytes(&[7u8; 32]).unwrap(),
            opts,
            Arc::new(Metrics::new()),
            Box::new(RecordedHooks(self.hooks.clone())),
        )
    }

    fn sent(&self, type_url: &str) -> Vec<Any> {
        let s = self.state.lock().unwrap();
        s.sent
            .iter()
            .filter(|a| a.type_url == type_url)
            .cloned()
            .collect()
    }

    fn add_lease(&self, id: u64, count: u32) {
        let l = Lease {
            id,
            provider: PROVIDER.into(),
            tenant: TENANT.into(),
            sku: "h100".into(),
            gpu_count: count,
            state: LeaseState::Pending as i32,
            ack_deadline: 5_000,
            ..Lease::default()
        };
        self.state.lock().unwrap().leases.insert(id, l);
    }

    fn add_challenge(&self, id: u64, uuid: &str) {
        let p = gpuchain_challenge::ChallengeParams::test_cpu();
        let mut s = self.state.lock().unwrap();
        let deadline = s.time + 60;
        s.challenges.insert(
            id,
            Challenge {
                id,
                provider: PROVIDER.into(),
                gpu_uuid: uuid.into(),
                seed: vec![id as u8; 32],
                params: Some(ProtoParams {
                    n: p.n,
                    rounds: p.rounds,
                    lanes: p.lanes,
                    checks: p.checks,
                    commit_window_secs: 60,
                    open_window_secs: 60,
                }),
                commit_deadline: deadline,
                status: ChallengeStatus::AwaitingCommit as i32,
                ..Challenge::default()
            },
        );
        if let Some(g) = s.gpus.iter_mut().find(|g| g.uuid == uuid) {
            g.pending_challenge_id = id;
        }
    }

    fn next_block(&self, secs: i64) {
        let mut s = self.state.lock().unwrap();
        s.height += 1;
        s.time += secs;
        // The block after a commit gives committed challenges their beacon.
        for c in s.challenges.values_mut() {
            if c.status == ChallengeStatus::AwaitingOpen as i32 && c.beacon.is_empty() {
                c.beacon = vec![0xbe; 32];
            }
        }
    }
}

#[test]
fn should_submit_inventory_on_start_and_again_only_on_change_or_expiry() {
    let h = Harness::new(&["GPU-a", "GPU-b"]);
    let mut d = h.daemon();
    let t0 = Instant::now();
    assert_eq!(d.tick(t0), 0);
    let sent = h.sent(MSG_SUBMIT_INVENTORY);
    assert_eq!(sent.len(), 1);
    let m = MsgSubmitInventory::decode(sent[0].value.as_slice()).unwrap();
    assert_eq!(m.provider, PROVIDER);
    assert_eq!(m.agent, d.agent_address());
    assert_eq!((m.block_height, m.block_hash.clone()), (10, vec![1, 2, 3]));
    assert_eq!(m.gpus.len(), 2);
    assert_eq!(d.metrics().get(Counter::InventorySubmitted), 1);

    // Unchanged hardware, fresh report: nothing more.
    h.next_block(5);
    assert_eq!(d.tick(t0 + Duration::from_secs(1)), 0);
    assert_eq!(h.sent(MSG_SUBMIT_INVENTORY).len(), 1);

    // Changed hardware, seen at the next hardware read.
    *h.hardware.lock().unwrap() = Some(vec![gpu_info("GPU-a")]);
    assert_eq!(d.tick(t0 + Duration::from_secs(2)), 0);
    assert_eq!(
        h.sent(MSG_SUBMIT_INVENTORY).len(),
        1,
        "not re-read before the interval"
    );
    assert_eq!(d.tick(t0 + Duration::from_secs(61)), 0);
    assert_eq!(h.sent(MSG_SUBMIT_INVENTORY).len(), 2);

    // Close to expiry (ttl 600, margin min(300, 120) = 120): re-reported.
    h.next_block(470);
    assert_eq!(d.tick(t0 + Duration::from_secs(200)), 0);
    assert_eq!(h.sent(MSG_SUBMIT_INVENTORY).len(), 2);
    h.next_block(20);
    assert_eq!(d.tick(t0 + Duration::from_secs(220)), 0);
    assert_eq!(h.sent(MSG_SUBMIT_INVENTORY).len(), 3);

    // A restarted agent whose hardware the chain holds, fresh, sends
    // nothing; with different hardware it reports at once.
    let mut d2 = h.daemon();
    assert_eq!(d2.tick(t0 + Duration::from_secs(230)), 0);
    assert_eq!(h.sent(MSG_SUBMIT_INVENTORY).len(), 3);
    *h.hardware.lock().unwrap() = Some(vec![gpu_info("GPU-a"), gpu_info("GPU-b")]);
    let mut d3 = h.daemon();
    assert_eq!(d3.tick(t0 + Duration::from_secs(240)), 0);
    assert_eq!(h.sent(MSG_SUBMIT_INVENTORY).len(), 4);
}

#[test]
fn should_ack_pending_lease_once_with_free_gpus_and_access_for_the_tenant() {
    let h = Harness::new(&["GPU-a", "GPU-b", "GPU-c"]);
    let mut d = h.daemon();
    let t0 = Instant::now();
    assert_eq!(d.tick(t0), 0); // inventory
    h.add_lease(1, 2);
    assert_eq!(d.tick(t0), 0);
    let acks = h.sent(MSG_ACK_LEASE);
    assert_eq!(acks.len(), 1);
    let m = MsgAckLease::decode(acks[0].value.as_slice()).unwrap();
    assert_eq!(m.lease_id, 1);
    assert_eq!(m.signer, d.agent_address());
    assert_eq!(m.gpu_uuids, vec!["GPU-a".to_string(), "GPU-b".to_string()]);
    let plain = ecies::decrypt(&TENANT_SECRET, &m.access).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(v["lease_id"], 1);
    assert_eq!(v["endpoint"], "https://gpu-host.example:8443");
    assert_eq!(v["gpu_uuids"][1], "GPU-b");
    let key = SecretKey::from_bytes(&[7u8; 32]).unwrap();
    assert_eq!(v["token"], leases::access_token(&key, 1).as_str());
    assert_eq!(d.metrics().get(Counter::LeasesAcked), 1);

    // A second lease gets the GPU left; a third finds none free.
    h.add_lease(2, 1);
    h.add_lease(3, 1);
    assert_eq!(d.tick(t0), 0);
    let acks = h.sent(MSG_ACK_LEASE);
    assert_eq!(acks.len(), 2);
    let m = MsgAckLease::decode(acks[1].value.as_slice()).unwrap();
    assert_eq!((m.lease_id, m.gpu_uuids), (2, vec!["GPU-c".to_string()]));
    assert_eq!(
        h.state.lock().unwrap().leases[&3].state,
        LeaseState::Pending as i32
    );

    // Restarts never acknowledge again.
    for _ in 0..3 {
        let mut again = h.daemon();
        assert_eq!(again.tick(t0), 0);
    }
    assert_eq!(h.sent(MSG_ACK_LEASE).len(), 2);
}

#[test]
fn should_skip_lease_when_reread_shows_it_is_no_longer_pending() {
    let h = Harness::new(&["GPU-a"]);
    let mut d = h.daemon();
    let t0 = Instant::now();
    assert_eq!(d.tick(t0), 0);
    h.add_lease(1, 1);
    {
        let mut s = h.state.lock().unwrap();
        let stale = s.leases[&1].clone();
        s.stale_pending = Some(vec![stale]);
        let l = s.leases.get_mut(&1).unwrap();
        l.state = LeaseState::Closed as i32;
        l.close_reason = CloseReason::TenantClosed as i32;
    }
    assert_eq!(d.tick(t0), 0);
    assert!(h.sent(MSG_ACK_LEASE).is_empty());
}

#[test]
fn should_not_ack_when_deadline_passed_or_gpus_are_elsewhere() {
    let h = Harness::new(&["GPU-a"]);
    let mut d = h.daemon();
    let t0 = Instant::now();
    assert_eq!(d.tick(t0), 0);
    h.add_lease(1, 1);
    h.state
        .lock()
        .unwrap()
        .leases
        .get_mut(&1)
        .unwrap()
        .ack_deadline = 1_000;
    assert_eq!(d.tick(t0), 0);
    h.add_lease(2, 2);
    assert_eq!(d.tick(t0), 0);
    assert!(h.sent(MSG_ACK_LEASE).is_empty());
}

#[test]
fn should_run_hooks_when_a_served_lease_starts_and_closes() {
    let h = Harness::new(&["GPU-a"]);
    let mut d = h.daemon();
    let t0 = Instant::now();
    assert_eq!(d.tick(t0), 0);
    h.add_lease(1, 1);
    assert_eq!(d.tick(t0), 0); // ack
    assert!(h.hooks.lock().unwrap().is_empty());
    assert_eq!(d.tick(t0), 0); // active: start hook
    assert_eq!(d.tick(t0), 0); // once only
    {
        let hooks = h.hooks.lock().unwrap();
        assert_eq!(hooks.len(), 1);
        let (kind, env, stdin) = &hooks[0];
        assert_eq!(*kind, HookKind::Start);
        assert!(env.contains(&("LEASE_ID".to_string(), "1".to_string())));
        assert!(env.contains(&("LEASE_GPU_UUIDS".to_string(), "GPU-a".to_string())));
        let v: serde_json::Value = serde_json::from_str(stdin).unwrap();
        assert_eq!(v["state"], "active");
    }
    {
        let mut s = h.state.lock().unwrap();
        let l = s.leases.get_mut(&1).unwrap();
        l.state = LeaseState::Closed as i32;
        l.close_reason = CloseReason::Completed as i32;
    }
    assert_eq!(d.tick(t0), 0);
    assert_eq!(d.tick(t0), 0);
    let hooks = h.hooks.lock().unwrap();
    assert_eq!(hooks.len(), 2);
    assert_eq!(hooks[1].0, HookKind::Stop);
    assert!(hooks[1]
        .1
        .contains(&("LEASE_CLOSE_REASON".to_string(), "completed".to_string())));
}

#[test]
fn should_run_the_stop_hook_after_a_restart_when_the_lease_closed_while_down() {
    let h = Harness::new(&["GPU-a", "GPU-b"]);
    let t0 = Instant::now();
    let mut d = h.daemon();
    assert_eq!(d.tick(t0), 0);
    h.add_lease(1, 1);
    assert_eq!(d.tick(t0), 0); // ack
    assert_eq!(d.tick(t0), 0); // start hook
    drop(d);
    // The lease closes while no agent runs.
    {
        let mut s = h.state.lock().unwrap();
        let l = s.leases.get_mut(&1).unwrap();
        l.state = LeaseState::Closed as i32;
        l.close_reason = CloseReason::InsufficientFunds as i32;
    }
    let kinds = |h: &Harness| -> Vec<(HookKind, String)> {
        h.hooks
            .lock()
            .unwrap()
            .iter()
            .map(|(k, env, _)| {
                let id = env.iter().find(|(n, _)| n == "LEASE_ID").unwrap();
                (*k, id.1.clone())
            })
            .collect()
    };
    let mut d = h.daemon();
    assert_eq!(d.tick(t0), 0);
    assert_eq!(d.tick(t0), 0);
    assert_eq!(
        kinds(&h),
        [(HookKind::Start, "1".into()), (HookKind::Stop, "1".into())]
    );
    // A new lease on the same GPU: started; once it is active, a restart
    // stops nothing (its GPU is busy, the closed lease's workload replaced).
    h.add_lease(2, 2);
    assert_eq!(d.tick(t0), 0); // ack
    assert_eq!(d.tick(t0), 0); // start hook
    drop(d);
    let mut d = h.daemon();
    assert_eq!(d.tick(t0), 0);
    assert_eq!(d.tick(t0), 0);
    assert_eq!(
        kinds(&h)[2..],
        [(HookKind::Start, "2".into()), (HookKind::Start, "2".into())]
    );
}

fn run_challenge(mode: ChallengeMode) -> (Harness, Daemon<FakeChain>) {
    let mut h = Harness::new(&["GPU-a"]);
    h.mode = mode;
    let mut d = h.daemon();
    let t0 = Instant::now();
    assert_eq!(d.tick(t0), 0);
    h.add_challenge(5, "GPU-a");
    assert_eq!(d.tick(t0), 0); // commit
    assert_eq!(d.tick(t0), 0); // no beacon yet: waits
    h.next_block(5);
    assert_eq!(d.tick(t0), 0); // open
    assert_eq!(d.tick(t0), 0); // resolved: nothing
    (h, d)
}

#[test]
fn should_commit_then_open_and_pass_when_answering_honestly() {
    let (h, d) = run_challenge(ChallengeMode::Honest);
    assert_eq!(h.sent(MSG_CHALLENGE_COMMIT).len(), 1);
    assert_eq!(h.sent(MSG_CHALLENGE_OPEN).len(), 1);
    let s = h.state.lock().unwrap();
    assert_eq!(s.challenges[&5].status, ChallengeStatus::Passed as i32);
    assert_eq!(d.metrics().get(Counter::ChallengesAnswered), 1);
    assert_eq!(d.metrics().get(Counter::ChallengesCommitted), 1);
}

#[test]
fn should_fail_the_challenge_when_mode_is_wrong() {
    let (h, _) = run_challenge(ChallengeMode::Wrong);
    assert_eq!(h.sent(MSG_CHALLENGE_OPEN).len(), 1);
    let s = h.state.lock().unwrap();
    assert_eq!(s.challenges[&5].status, ChallengeStatus::Failed as i32);
    assert!(s.gpus[0].failed);
}

#[test]
fn should_send_nothing_when_mode_is_ignore() {
    let (h, _) = run_challenge(ChallengeMode::Ignore);
    assert!(h.sent(MSG_CHALLENGE_COMMIT).is_empty());
    assert!(h.sent(MSG_CHALLENGE_OPEN).is_empty());
}

#[test]
fn should_open_after_a_restart_between_commit_and_opening() {
    let h = Harness::new(&["GPU-a"]);
    let t0 = Instant::now();
    let mut d = h.daemon();
    assert_eq!(d.tick(t0), 0);
    h.add_challenge(6, "GPU-a");
    assert_eq!(d.tick(t0), 0);
    drop(d);
    h.next_block(5);
    let mut d2 = h.daemon();
    assert_eq!(d2.tick(t0), 0);
    assert_eq!(h.sent(MSG_CHALLENGE_COMMIT).len(), 1);
    assert_eq!(
        h.state.lock().unwrap().challenges[&6].status,
        ChallengeStatus::Passed as i32
    );
}

#[test]
fn should_count_errors_and_recover_when_the_node_is_down() {
    let h = Harness::new(&["GPU-a"]);
    let mut d = h.daemon();
    let t0 = Instant::now();
    h.state.lock().unwrap().down = true;
    assert_eq!(d.tick(t0), 1);
    assert_eq!(d.tick(t0), 1);
    assert_eq!(d.metrics().get(Counter::RpcErrors), 2);
    h.add_lease(1, 1);
    h.state.lock().unwrap().down = false;
    assert_eq!(d.tick(t0), 0); // inventory
    assert_eq!(d.tick(t0), 0); // ack (the GPU is now on chain)
    assert_eq!(h.sent(MSG_SUBMIT_INVENTORY).len(), 1);
    assert_eq!(h.sent(MSG_ACK_LEASE).len(), 1);
}

#[test]
fn should_retry_inventory_at_next_poll_when_broadcast_fails_and_later_when_rejected() {
    let h = Harness::new(&["GPU-a"]);
    let mut d = h.daemon();
    let t0 = Instant::now();
    h.state.lock().unwrap().broadcast_fails = true;
    assert_eq!(d.tick(t0), 1);
    h.state.lock().unwrap().broadcast_fails = false;
    assert_eq!(d.tick(t0), 0);
    assert_eq!(h.sent(MSG_SUBMIT_INVENTORY).len(), 1);
    assert_eq!(d.metrics().get(Counter::InventorySubmitted), 1);
    assert_eq!(d.metrics().get(Counter::RpcErrors), 1);
}

#[test]
fn should_wait_for_hardware_when_the_first_read_fails() {
    let h = Harness::new(&["GPU-a"]);
    *h.hardware.lock().unwrap() = None;
    let mut d = h.daemon();
    let t0 = Instant::now();
    assert_eq!(d.tick(t0), 1);
    assert!(h.sent(MSG_SUBMIT_INVENTORY).is_empty());
    assert_eq!(d.metrics().get(Counter::HardwareErrors), 1);
    *h.hardware.lock().unwrap() = Some(vec![gpu_info("GPU-a")]);
    assert_eq!(d.tick(t0), 0);
    assert_eq!(h.sent(MSG_SUBMIT_INVENTORY).len(), 1);
}

#[test]
fn should_back_off_exponentially_up_to_the_cap() {
    let p = Duration::from_secs(2);
    assert_eq!(backoff(p, 0), p);
    assert_eq!(backoff(p, 1), Duration::from_secs(4));
    assert_eq!(backoff(p, 3), Duration::from_secs(16));
    assert_eq!(backoff(p, 4), MAX_BACKOFF);
    assert_eq!(backoff(p, 1_000), MAX_BACKOFF);
    assert_eq!(backoff(Duration::from_secs(60), 2), Duration::from_secs(60));
}

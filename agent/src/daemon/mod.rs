//! The agent daemon (`gpuchain-agent run --config FILE`): one loop that,
//! every poll interval,
//!
//! 1. reads the latest block (height, hash, time);
//! 2. re-reads the hardware every `[report] interval_secs`;
//! 3. submits `MsgSubmitInventory` on start, when the hardware changed, when
//!    the chain lacks a GPU the host has, and before the chain's copy
//!    expires (`report_ttl_secs`; see [`inventory`]);
//! 4. answers the challenges pending on this host's GPUs: solve, commit the
//!    root, and once the beacon block exists, open ([`challenges`]);
//! 5. runs `on_lease_start` / `on_lease_stop` for the leases this host
//!    serves as they become active / close ([`hooks`]);
//! 6. acknowledges its provider's pending leases with free GPUs of the
//!    lease's SKU on this host, `access` encrypted to the tenant
//!    ([`leases`], [`ecies`]).
//!
//! It keeps no state of its own: everything is re-read from the chain each
//! poll, and a pending lease is re-read just before it is acknowledged, so a
//! restarted agent never acknowledges a lease twice (and the chain refuses a
//! second acknowledgement anyway). RPC failures are logged, counted
//! (`rpc_errors`) and retried with exponential backoff; each step is
//! independent, so one failing query does not stop the others.

pub mod chain;
pub mod challenges;
pub mod cuda;
pub mod ecies;
pub mod hooks;
pub mod inventory;
pub mod keyfile;
pub mod leases;
pub mod metrics;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use cosmos_sdk_proto::Any;
use gpuchain_keyring::SecretKey;
use gpuchain_proto::attestation::{Gpu, MsgSubmitInventory};
use gpuchain_proto::market::{Lease, LeaseState, MsgAckLease};
use prost::Message;

use crate::config::{AgentConfig, LogConfig, LogFormat};
use crate::hardware::{GpuInfo, HardwareSource};
use chain::{BlockInfo, Chain, RpcChain};
use challenges::{ChallengeMode, Solver, SolverKind, Step};
use hooks::{HookKind, HookRunner, ProcessHooks};
use inventory::{refresh_margin, to_reports, InventoryTracker, Reporter};
use metrics::{Counter, Gauge, Metrics};

pub use challenges::ChallengeMode as Mode;

/// Type URLs of the messages the agent sends.
pub const MSG_SUBMIT_INVENTORY: &str = "/gpuchain.attestation.v1.MsgSubmitInventory";
pub const MSG_ACK_LEASE: &str = "/gpuchain.market.v1.MsgAckLease";
pub const MSG_CHALLENGE_COMMIT: &str = "/gpuchain.attestation.v1.MsgChallengeCommit";
pub const MSG_CHALLENGE_OPEN: &str = "/gpuchain.attestation.v1.MsgChallengeOpen";

/// Longest wait between retries while the node is unreachable.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// What the loop needs besides the chain, the hardware and the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// The provider (owner) address the agent works for.
    pub provider: String,
    /// This host's name among the provider's hosts.
    pub host: String,
    /// How often the hardware is re-read.
    pub report_interval: Duration,
    /// How often the chain is polled.
    pub poll_interval: Duration,
    pub challenge_mode: ChallengeMode,
    /// Which solver answers challenges honestly.
    pub challenge_solver: SolverKind,
    pub on_lease_start: Option<Vec<String>>,
    pub on_lease_stop: Option<Vec<String>>,
}

impl Options {
    /// The options a configuration file gives.
    pub fn from_config(c: &AgentConfig) -> Self {
        Self {
            provider: c.provider.address.clone(),
            host: c.host(),
            report_interval: c.report_interval(),
            poll_interval: c.poll_interval(),
            challenge_mode: c.challenge.mode,
            challenge_solver: c.challenge.solver,
            on_lease_start: c.hooks.on_lease_start.clone(),
            on_lease_stop: c.hooks.on_lease_stop.clone(),
        }
    }
}

/// The wait before the next poll after `failures` failed polls in a row:
/// the poll interval doubled per failure, at most [`MAX_BACKOFF`].
pub fn backoff(poll: Duration, failures: u32) -> Duration {
    if failures == 0 {
        return poll;
    }
    poll.saturating_mul(1u32 << failures.min(10))
        .min(MAX_BACKOFF.max(poll))
}

/// The agent's loop state (in memory only; see the module docs).
pub struct Daemon<C: Chain> {
    chain: C,
    hardware: Box<dyn HardwareSource + Send + Sync>,
    key: SecretKey,
    agent: String,
    opts: Options,
    metrics: Arc<Metrics>,
    hooks: Box<dyn HookRunner>,
    tracker: InventoryTracker,
    local: Option<Vec<GpuInfo>>,
    next_hardware_read: Option<Instant>,
    serving: BTreeMap<u64, Lease>,
    /// Whether the stop hooks of leases that closed while no agent ran here
    /// have been run (once, after a start).
    caught_up: bool,
    solver: Solver,
}

/// How many of its provider's newest closed leases an agent reads after a
/// start to find those that closed while it was down.
const RECENT_CLOSED: u64 = 500;

impl<C: Chain> Daemon<C> {
    pub fn new(
        chain: C,
        hardware: Box<dyn HardwareSource + Send + Sync>,
        key: SecretKey,
        opts: Options,
        metrics: Arc<Metrics>,
        hooks: Box<dyn HookRunner>,
    ) -> Self {
        let agent = key.address().to_string();
        let solver = Solver::with_kind(opts.challenge_mode, opts.challenge_solver);
        Self {
            chain,
            hardware,
            key,
            agent,
            opts,
            metrics,
            hooks,
            tracker: InventoryTracker::new(),
            local: None,
            next_hardware_read: None,
            serving: BTreeMap::new(),
            caught_up: false,
            solver,
        }
    }

    /// The agent's own address (the signer of its transactions).
    pub fn agent_address(&self) -> &str {
        &self.agent
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Polls until `shutdown` is set.
    pub fn run(&mut self, shutdown: &AtomicBool) {
        let mut failures: u32 = 0;
        while !shutdown.load(Ordering::SeqCst) {
            let failed = self.tick(Instant::now());
            failures = if failed == 0 {
                0
            } else {
                failures.saturating_add(1)
            };
            let wait = backoff(self.opts.poll_interval, failures);
            if failures > 0 {
                tracing::warn!(
                    failed_steps = failed,
                    retry_in_ms = wait.as_millis() as u64,
                    "poll failed"
                );
            }
            sleep_unless(wait, shutdown);
        }
        tracing::info!("agent stopped");
    }

    fn fail(&self, step: &str, e: &anyhow::Error) {
        self.metrics.inc(Counter::RpcErrors);
        tracing::warn!(step, error = format!("{e:#}"), "step failed");
    }

    /// One poll; returns how many steps failed (0: all went through).
    pub fn tick(&mut self, now: Instant) -> u32 {
        let block = match self.chain.latest_block() {
            Ok(b) => b,
            Err(e) => {
                self.fail("latest_block", &e);
                return 1;
            }
        };
        self.metrics.set(
            Gauge::LastHeight,
            i64::try_from(block.height).unwrap_or(i64::MAX),
        );
        self.read_hardware(now);
        let Some(local) = self.local.clone() else {
            // Nothing can be reported or served before one read succeeded.
            return 1;
        };
        let local_set: BTreeSet<String> = local.iter().map(|g| g.uuid.clone()).collect();
        let mut failed = 0u32;
        let gpus = match self.inventory(&block, &local, now) {
            Ok(g) => g,
            Err(e) => {
                self.fail("inventory", &e);
                return 1;
            }
        };
        if let Err(e) = self.challenges(&block, &gpus, &local_set) {
            self.fail("challenges", &e);
            failed = failed.saturating_add(1);
        }
        let active = match self.chain.leases(&self.opts.provider, LeaseState::Active) {
            Ok(a) => a,
            Err(e) => {
                self.fail("active_leases", &e);
                return failed.saturating_add(1);
            }
        };
        if let Err(e) = self.hooks(&active, &local_set) {
            self.fail("hooks", &e);
            failed = failed.saturating_add(1);
        }
        if !self.caught_up {
            match self.stop_missed(&active, &local_set) {
                Ok(()) => self.caught_up = true,
                Err(e) => {
                    self.fail("missed_stops", &e);
                    failed = failed.saturating_add(1);
                }
            }
        }
        if let Err(e) = self.ack_pending(&block, &gpus, &active, &local_set) {
            self.fail("ack_leases", &e);
            failed = failed.saturating_add(1);
        }
        failed
    }

    fn read_hardware(&mut self, now: Instant) {
        if self.next_hardware_read.is_some_and(|t| now < t) && self.local.is_some() {
            return;
        }
        match self.hardware.read() {
            Ok(gpus) => {
                self.metrics.set(
                    Gauge::GpusLocal,
                    i64::try_from(gpus.len()).unwrap_or(i64::MAX),
                );
                self.local = Some(gpus);
                self.next_hardware_read = now.checked_add(self.opts.report_interval);
            }
            Err(e) => {
                self.metrics.inc(Counter::HardwareErrors);
                tracing::warn!(error = %e, "could not read the hardware");
                // Retry at the next poll.
                self.next_hardware_read = Some(now);
            }
        }
    }

    fn send(&self, what: &str, type_url: &str, value: Vec<u8>) -> Result<bool> {
        let out = self.chain.broadcast(vec![Any {
            type_url: type_url.to_string(),
            value,
        }])?;
        if out.ok() {
            tracing::info!(
                tx = what,
                txhash = out.txhash,
                height = out.height,
                "tx committed"
            );
            Ok(true)
        } else {
            self.metrics.inc(Counter::TxFailed);
            tracing::warn!(
                tx = what,
                txhash = out.txhash,
                code = out.code,
                codespace = out.codespace,
                log = out.log,
                "tx rejected"
            );
            Ok(false)
        }
    }

    /// Submits the inventory when due; returns the provider's GPUs as the
    /// chain has them afterwards.
    fn inventory(
        &mut self,
        block: &BlockInfo,
        local: &[GpuInfo],
        now: Instant,
    ) -> Result<Vec<Gpu>> {
        let provider = self.opts.provider.clone();
        let gpus = self.chain.provider_gpus(&provider)?;
        let reports = to_reports(local);
        let ttl = self.chain.attestation_params()?.report_ttl_secs;
        let margin = refresh_margin(ttl, self.opts.report_interval.as_secs());
        let at = Reporter {
            provider: &provider,
            host: &self.opts.host,
        };
        let Some(reason) = self
            .tracker
            .due(&reports, &gpus, at, block.time, margin, now)
        else {
            return Ok(gpus);
        };
        tracing::info!(
            ?reason,
            gpus = reports.len(),
            height = block.height,
            "submitting inventory"
        );
        let msg = MsgSubmitInventory {
            provider: provider.clone(),
            agent: self.agent.clone(),
            gpus: reports.clone(),
            block_height: block.height,
            block_hash: block.hash.clone(),
            host: self.opts.host.clone(),
        };
        // An RPC failure records nothing: the next poll tries again. A
        // rejected report is retried after a report interval (or at once when
        // the hardware changes); an accepted one is re-checked against the
        // chain after a quarter of the margin.
        let accepted = self.send(
            "submit_inventory",
            MSG_SUBMIT_INVENTORY,
            msg.encode_to_vec(),
        )?;
        let cooldown = if accepted {
            self.metrics.inc(Counter::InventorySubmitted);
            Duration::from_secs(u64::try_from(margin / 4).unwrap_or(1).max(1))
                .min(self.opts.report_interval)
        } else {
            self.opts.report_interval
        };
        self.tracker.attempted(reports, now, cooldown);
        if accepted {
            self.chain.provider_gpus(&provider)
        } else {
            Ok(gpus)
        }
    }

    fn challenges(
        &mut self,
        block: &BlockInfo,
        gpus: &[Gpu],
        local: &BTreeSet<String>,
    ) -> Result<()> {
        let ids: BTreeSet<u64> = gpus
            .iter()
            .filter(|g| {
                g.provider == self.opts.provider
                    && local.contains(&g.uuid)
                    && g.pending_challenge_id != 0
            })
            .map(|g| g.pending_challenge_id)
            .collect();
        self.solver.retain(&ids);
        let mut first_err: Option<anyhow::Error> = None;
        for id in &ids {
            if let Err(e) = self.challenge(*id, block) {
                if first_err.is_none() {
                    first_err = Some(e.context(format!("challenge {id}")));
                }
            }
        }
        first_err.map_or(Ok(()), Err)
    }

    fn challenge(&mut self, id: u64, block: &BlockInfo) -> Result<()> {
        let Some(ch) = self.chain.challenge(id)? else {
            return Ok(());
        };
        match challenges::next_step(&ch, block.time, self.solver.mode()) {
            Step::Commit => {
                tracing::info!(challenge = id, gpu = ch.gpu_uuid, "solving challenge");
                let started = Instant::now();
                let msg = self
                    .solver
                    .commit_msg(&self.agent, &ch)
                    .map_err(|e| anyhow!(e))?;
                tracing::info!(
                    challenge = id,
                    solve_ms = started.elapsed().as_millis() as u64,
                    "committing"
                );
                if self.send(
                    "challenge_commit",
                    MSG_CHALLENGE_COMMIT,
                    msg.encode_to_vec(),
                )? {
                    self.metrics.inc(Counter::ChallengesCommitted);
                }
            }
            Step::Open => {
                let msg = self
                    .solver
                    .open_msg(&self.agent, &ch)
                    .map_err(|e| anyhow!(e))?;
                tracing::info!(challenge = id, bytes = msg.opening.len(), "opening");
                if self.send("challenge_open", MSG_CHALLENGE_OPEN, msg.encode_to_vec())? {
                    self.metrics.inc(Counter::ChallengesAnswered);
                }
            }
            Step::WaitBeacon => tracing::debug!(challenge = id, "waiting for the beacon block"),
            Step::Nothing(why) => tracing::debug!(challenge = id, why, "nothing to do"),
        }
        Ok(())
    }

    fn hooks(&mut self, active: &[Lease], local: &BTreeSet<String>) -> Result<()> {
        let mut now_active = BTreeSet::new();
        for l in active.iter().filter(|l| leases::served_here(l, local)) {
            now_active.insert(l.id);
            if !self.serving.contains_key(&l.id) {
                tracing::info!(lease_id = l.id, tenant = l.tenant, "lease active");
                self.run_hook(HookKind::Start, l);
                self.serving.insert(l.id, l.clone());
            }
        }
        let gone: Vec<u64> = self
            .serving
            .keys()
            .filter(|id| !now_active.contains(id))
            .copied()
            .collect();
        for id in gone {
            let fresh = self.chain.lease(id)?;
            let lease = match fresh {
                Some(l) if l.state == LeaseState::Active as i32 => continue,
                Some(l) => l,
                None => match self.serving.get(&id) {
                    Some(l) => l.clone(),
                    None => continue,
                },
            };
            tracing::info!(
                lease_id = id,
                reason = leases::close_reason_name(lease.close_reason),
                "lease closed"
            );
            self.run_hook(HookKind::Stop, &lease);
            self.serving.remove(&id);
        }
        self.metrics.set(
            Gauge::LeasesServing,
            i64::try_from(self.serving.len()).unwrap_or(i64::MAX),
        );
        Ok(())
    }

    /// After a start: the stop hook of each lease that closed while no agent
    /// ran here (its workload may still run). The agent keeps no state, so
    /// it takes, for each GPU of this host serving no active lease, the
    /// newest closed lease that had it ([`leases::last_closed_on`]); a stop
    /// hook that already ran then runs again, which hooks must allow.
    fn stop_missed(&mut self, active: &[Lease], local: &BTreeSet<String>) -> Result<()> {
        let busy = leases::busy_gpus(active);
        let free: BTreeSet<String> = local.difference(&busy).cloned().collect();
        if free.is_empty() || self.opts.on_lease_stop.is_none() {
            return Ok(());
        }
        let closed =
            self.chain
                .recent_leases(&self.opts.provider, LeaseState::Closed, RECENT_CLOSED)?;
        for l in leases::last_closed_on(&closed, local, &free) {
            tracing::info!(
                lease_id = l.id,
                reason = leases::close_reason_name(l.close_reason),
                closed_at = l.closed_at,
                "lease closed before this start; running its stop hook"
            );
            self.run_hook(HookKind::Stop, l);
        }
        Ok(())
    }

    fn run_hook(&self, kind: HookKind, lease: &Lease) {
        let argv = match kind {
            HookKind::Start => &self.opts.on_lease_start,
            HookKind::Stop => &self.opts.on_lease_stop,
        };
        let Some(argv) = argv else {
            return;
        };
        let token = leases::access_token(&self.key, lease.id);
        let stdin = leases::lease_json(lease).to_string().into_bytes();
        self.hooks
            .run(kind, argv, leases::hook_env(lease, &token), stdin);
    }

    fn ack_pending(
        &mut self,
        block: &BlockInfo,
        gpus: &[Gpu],
        active: &[Lease],
        local: &BTreeSet<String>,
    ) -> Result<()> {
        let mut pending = self
            .chain
            .leases(&self.opts.provider, LeaseState::Pending)?;
        if pending.is_empty() {
            return Ok(());
        }
        pending.sort_by_key(|l| l.id);
        pending.retain(|l| l.ack_deadline == 0 || l.ack_deadline > block.time);
        let mut busy = leases::busy_gpus(active);
        let assigned = leases::assign_hosts(&pending, gpus, &busy, block.time);
        let mut endpoint: Option<String> = None;
        for l in &pending {
            if !leases::ack_here(l, &assigned, &self.opts.host, block.time) {
                tracing::debug!(
                    lease_id = l.id,
                    host = assigned.get(&l.id),
                    "lease left to another host"
                );
                continue;
            }
            let Some(chosen) = leases::select_free_gpus(l, gpus, local, &busy, block.time) else {
                tracing::debug!(
                    lease_id = l.id,
                    sku = l.sku,
                    count = l.gpu_count,
                    "no free GPUs here"
                );
                continue;
            };
            // Re-read: never acknowledge a lease that is no longer pending.
            let Some(fresh) = self.chain.lease(l.id)? else {
                continue;
            };
            if fresh.state != LeaseState::Pending as i32 {
                tracing::info!(
                    lease_id = l.id,
                    state = leases::state_name(fresh.state),
                    "lease no longer pending; skipped"
                );
                continue;
            }
            let Some(pubkey) = self.chain.account_pubkey(&fresh.tenant)? else {
                tracing::warn!(
                    lease_id = l.id,
                    tenant = fresh.tenant,
                    "tenant has no public key on chain; cannot encrypt access"
                );
                continue;
            };
            let ep = match &endpoint {
                Some(e) => e.clone(),
                None => {
                    let e = self
                        .chain
                        .provider_endpoint(&self.opts.provider)?
                        .unwrap_or_default();
                    endpoint = Some(e.clone());
                    e
                }
            };
            let token = leases::access_token(&self.key, fresh.id);
            let plain = leases::access_plaintext(&fresh, &ep, &chosen, &token);
            let access = ecies::encrypt(&pubkey, &plain).context("encrypting access")?;
            let msg = MsgAckLease {
                signer: self.agent.clone(),
                lease_id: fresh.id,
                gpu_uuids: chosen.clone(),
                access,
            };
            tracing::info!(lease_id = fresh.id, gpus = ?chosen, "acknowledging lease");
            if self.send("ack_lease", MSG_ACK_LEASE, msg.encode_to_vec())? {
                self.metrics.inc(Counter::LeasesAcked);
                busy.extend(chosen);
            }
        }
        Ok(())
    }
}

fn sleep_unless(total: Duration, shutdown: &AtomicBool) {
    let step = Duration::from_millis(100);
    let start = Instant::now();
    while !shutdown.load(Ordering::SeqCst) {
        let elapsed = start.elapsed();
        if elapsed >= total {
            return;
        }
        std::thread::sleep(step.min(total.saturating_sub(elapsed)));
    }
}

/// Waits (a few blocks at most) for the node's mempool to drain before the
/// first poll: a tx this agent sent just before it was killed (an ack) may
/// still wait there while the chain shows its lease as pending, and acking
/// again would only be refused (account sequence mismatch). The agent keeps
/// no state, so the chain's committed view, once settled, is the truth.
fn settle_mempool(chain: &RpcChain, shutdown: &AtomicBool, poll: Duration) {
    let start = chain.latest_block().map(|b| b.height).unwrap_or(0);
    loop {
        if shutdown.load(Ordering::SeqCst) {
            return;
        }
        let empty = chain.mempool_txs().map_or(true, |n| n == 0);
        let height = chain.latest_block().map(|b| b.height).unwrap_or(start);
        if empty || height >= start.saturating_add(3) {
            return;
        }
        sleep_unless(poll, shutdown);
    }
}

/// Installs the tracing subscriber `[log]` asks for (`RUST_LOG`, when set,
/// overrides the level).
pub fn init_logging(log: &LogConfig) -> Result<()> {
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var("RUST_LOG") {
        Ok(v) if !v.trim().is_empty() => EnvFilter::new(v),
        _ => EnvFilter::try_new(&log.level).map_err(|e| anyhow!("log.level: {e}"))?,
    };
    // Colour only on a terminal: log files stay plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    let res = match log.format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
    res.map_err(|e| anyhow!("installing the logger: {e}"))
}

/// `gpuchain-agent run`: loads the key, starts the metrics endpoint, waits
/// for the node (checking its chain id) and polls until `shutdown` is set.
pub fn run(config: &AgentConfig, shutdown: Arc<AtomicBool>) -> Result<()> {
    let key = keyfile::load_key_file(&config.provider.key_file)?;
    let opts = Options::from_config(config);
    let metrics = Arc::new(Metrics::new());
    if config.metrics.enabled {
        let addr = metrics::serve(config.metrics_listen()?, metrics.clone())
            .with_context(|| format!("binding the metrics endpoint {}", config.metrics.listen))?;
        tracing::info!(%addr, "metrics on http://{addr}/metrics");
    }
    let chain = RpcChain::new(
        &config.chain.rpc_url,
        &config.chain.chain_id,
        key.clone(),
        &config.chain.gas_prices,
        Duration::from_secs(10),
    )?;
    tracing::info!(
        agent = %key.address(),
        provider = opts.provider,
        host = opts.host,
        rpc = config.chain.rpc_url,
        chain_id = config.chain.chain_id,
        challenge_mode = ?opts.challenge_mode,
        "agent starting"
    );
    let mut failures: u32 = 0;
    loop {
        if shutdown.load(Ordering::SeqCst) {
            return Ok(());
        }
        match chain.node_chain_id() {
            Ok(id) if id == config.chain.chain_id => break,
            Ok(id) => {
                return Err(anyhow!(
                    "the node at {} serves chain {id:?}, not {:?}",
                    config.chain.rpc_url,
                    config.chain.chain_id
                ))
            }
            Err(e) => {
                metrics.inc(Counter::RpcErrors);
                failures = failures.saturating_add(1);
                let wait = backoff(opts.poll_interval, failures);
                tracing::warn!(
                    error = format!("{e:#}"),
                    retry_in_ms = wait.as_millis() as u64,
                    "node unreachable"
                );
                sleep_unless(wait, &shutdown);
            }
        }
    }
    match chain.agent_provider(&key.address().to_string()) {
        Ok(Some(p)) if p == opts.provider => {}
        Ok(Some(p)) => tracing::warn!(
            authorized_for = p,
            "this agent key is authorized for another provider"
        ),
        Ok(None) if key.address().to_string() == opts.provider => {}
        Ok(None) => tracing::warn!("this agent key is not (yet) authorized: MsgAuthorizeAgent"),
        Err(e) => tracing::debug!(
            error = format!("{e:#}"),
            "could not check the agent's authorization"
        ),
    }
    settle_mempool(&chain, &shutdown, opts.poll_interval);
    let hooks = Box::new(ProcessHooks {
        metrics: metrics.clone(),
    });
    let mut daemon = Daemon::new(chain, config.hardware.source(), key, opts, metrics, hooks);
    daemon.run(&shutdown);
    Ok(())
}

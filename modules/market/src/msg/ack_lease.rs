//! `MsgAckLease`: the provider (or its agent) names the GPUs serving a
//! pending lease and hands the tenant its encrypted access; billing starts.

use std::collections::{BTreeMap, BTreeSet};

use gpuchain_proto::market::{LeaseState, MsgAckLease, MsgAckLeaseResponse};
use gpuchain_store::{MsgResponse, StateWrite};
use gpuchain_types::{Address, AppError, AppResult, BlockContext};

use super::{decode, invalid, not_owner, parse_address, respond, MAX_UUID_LEN};
use crate::error::MarketError;
use crate::event;
use crate::expected::ProviderRegistry;
use crate::keeper::{add_secs, amount_of, rate_of};
use crate::state_ext::{self as se, stored_address};
use crate::state_key::nv;

pub const TYPE_URL: &str = "/gpuchain.market.v1.MsgAckLease";
pub const RESPONSE_TYPE_URL: &str = "/gpuchain.market.v1.MsgAckLeaseResponse";

/// Longest `access` accepted before params are read (the params limit is
/// checked in execution).
pub const MAX_ACCESS_BYTES: usize = 65_536;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AckLease {
    pub signer: Address,
    pub lease_id: u64,
    pub gpu_uuids: Vec<String>,
    pub access: Vec<u8>,
}

impl AckLease {
    pub fn check_stateless(value: &[u8]) -> AppResult<Self> {
        let m: MsgAckLease = decode(TYPE_URL, value)?;
        let signer = parse_address("signer", &m.signer)?;
        if m.gpu_uuids.is_empty() {
            return Err(MarketError::WrongGpuCount.wrap("no gpu uuids"));
        }
        let mut seen = BTreeSet::new();
        for u in &m.gpu_uuids {
            if u.is_empty() || u.len() > MAX_UUID_LEN {
                return Err(invalid(format!("invalid gpu uuid {u:?}")));
            }
            if !seen.insert(u.as_str()) {
                return Err(MarketError::DuplicateGpu.wrap(u));
            }
        }
        if m.access.is_empty() || m.access.len() > MAX_ACCESS_BYTES {
            return Err(MarketError::InvalidAccess.wrap(format!("{} bytes", m.access.len())));
        }
        Ok(Self {
            signer,
            lease_id: m.lease_id,
            gpu_uuids: m.gpu_uuids,
            access: m.access,
        })
    }

    pub fn signers(&self) -> Vec<Address> {
        vec![self.signer]
    }

    pub fn check_and_execute(
        &self,
        state: &mut dyn StateWrite,
        ctx: &BlockContext,
        registry: &dyn ProviderRegistry,
    ) -> AppResult<MsgResponse> {
        let params = se::params(state)?;
        let now = ctx.time_secs;
        let mut lease = se::lease(state, self.lease_id)?
            .ok_or_else(|| MarketError::LeaseNotFound.wrap(format!("lease {}", self.lease_id)))?;
        let provider = stored_address(&lease.provider)?;
        if self.signer != provider && !registry.is_agent(state, &provider, &self.signer)? {
            return Err(not_owner(format!(
                "{} may not acknowledge for {provider}",
                self.signer
            )));
        }
        if lease.state != LeaseState::Pending as i32 {
            let e = if lease.state == LeaseState::Closed as i32 {
                MarketError::LeaseClosed
            } else {
                MarketError::LeaseNotPending
            };
            return Err(e.wrap(format!("lease {}", self.lease_id)));
        }
        if now >= lease.ack_deadline {
            return Err(MarketError::AckTooLate.wrap(format!(
                "lease {} deadline {}, now {now}",
                lease.id, lease.ack_deadline
            )));
        }
        if self.access.len() > params.max_access_bytes as usize {
            return Err(MarketError::InvalidAccess.wrap(format!(
                "{} bytes above {}",
                self.access.len(),
                params.max_access_bytes
            )));
        }
        if self.gpu_uuids.len() != lease.gpu_count as usize {
            return Err(MarketError::WrongGpuCount.wrap(format!(
                "{} uuids for {} gpus",
                self.gpu_uuids.len(),
                lease.gpu_count
            )));
        }
        let leasable: BTreeMap<String, String> = registry
            .leasable_gpus(state, &provider, &lease.sku, now)?
            .into_iter()
            .map(|g| (g.uuid, g.host))
            .collect();
        let mut host: Option<&String> = None;
        for uuid in &self.gpu_uuids {
            let Some(on) = leasable.get(uuid) else {
                return Err(MarketError::ForeignGpu.wrap(uuid));
            };
            match host {
                Some(h) if h != on => {
                    return Err(MarketError::GpusOnSeveralHosts
                        .wrap(format!("{uuid} is on host {on:?}, the others on {h:?}")));
                }
                _ => host = Some(on),
            }
            if let Some(other) = se::gpu_lease(state, uuid)? {
                return Err(MarketError::GpuBusy.wrap(format!("{uuid} serves lease {other}")));
            }
        }
        let host = host.cloned().unwrap_or_default();
        let (_, price) = amount_of(&lease.price_per_gpu_hour)?;
        let rate = rate_of(lease.gpu_count, price)?;
        let ends_at = add_secs(now, lease.duration)?;
        gpuchain_escrow::start(state, lease.order_id, &provider, rate, now, ends_at)?;
        let due_at = gpuchain_escrow::get(state, lease.order_id)?
            .and_then(|a| a.due_at())
            .ok_or_else(|| AppError::internal(format!("escrow {} not started", lease.order_id)))?;
        for uuid in &self.gpu_uuids {
            se::set_gpu_lease(state, uuid, Some(lease.id))?;
        }
        state.nv_delete(nv::ack(lease.ack_deadline, lease.id))?;
        state.nv_delete(nv::pending_leases(&provider, lease.id))?;
        state.nv_put(nv::due(due_at, lease.id), Vec::new())?;
        lease.state = LeaseState::Active as i32;
        lease.gpu_uuids = self.gpu_uuids.clone();
        lease.host = host;
        lease.access = self.access.clone();
        lease.started_at = now;
        lease.ends_at = ends_at;
        lease.due_at = due_at;
        se::put_lease(state, &lease)?;
        registry.on_lease_acked(state, ctx, lease.id, &provider, &self.gpu_uuids)?;
        state.emit(event::lease_acked(lease.id, now, ends_at, due_at));
        Ok(respond(RESPONSE_TYPE_URL, &MsgAckLeaseResponse {}))
    }
}

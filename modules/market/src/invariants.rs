//! The market's invariants: each offer's `gpus_leased` is the sum of its
//! open leases' GPUs; the GPU index names exactly the active leases' GPUs;
//! every open order and open lease has an open escrow account; the time
//! indexes hold exactly the open orders and leases; the pending index holds
//! exactly the pending leases with their GPU counts and SKUs.

use std::collections::BTreeMap;

use gpuchain_proto::market::{Lease, LeaseState, Offer, Order, OrderState};
use gpuchain_store::StateRead;
use gpuchain_types::{AppError, AppResult};

use crate::state_ext::{self as se, stored_address};
use crate::state_key::{self, nv};

fn broken(what: impl std::fmt::Display) -> AppError {
    AppError::internal(format!("market invariant broken: {what}"))
}

fn escrow_open(state: &dyn StateRead, id: u64) -> AppResult<bool> {
    Ok(gpuchain_escrow::get(state, id)?.is_some_and(|a| a.open))
}

pub fn check_invariants(state: &dyn StateRead) -> AppResult<()> {
    let offers: Vec<Offer> = se::all(state, &state_key::offers::prefix())?;
    let leases: Vec<Lease> = se::all(state, &state_key::leases::prefix())?;
    let orders: Vec<Order> = se::all(state, &state_key::orders::prefix())?;
    let mut leased: BTreeMap<u64, u32> = BTreeMap::new();
    let mut gpus: BTreeMap<String, u64> = BTreeMap::new();
    let mut pending = 0usize;
    for l in &leases {
        let open = l.state != LeaseState::Closed as i32;
        if open {
            let e = leased.entry(l.offer_id).or_default();
            *e = e.saturating_add(l.gpu_count);
            if !escrow_open(state, l.order_id)? {
                return Err(broken(format!("open lease {} has no open escrow", l.id)));
            }
        }
        if l.state == LeaseState::Active as i32 {
            if l.gpu_uuids.len() != l.gpu_count as usize {
                return Err(broken(format!("lease {} gpu count", l.id)));
            }
            for u in &l.gpu_uuids {
                if gpus.insert(u.clone(), l.id).is_some() {
                    return Err(broken(format!("gpu {u} serves two leases")));
                }
            }
            if state.nv_get(&nv::due(l.due_at, l.id))?.is_none() {
                return Err(broken(format!(
                    "active lease {} not in the due index",
                    l.id
                )));
            }
        }
        if l.state == LeaseState::Pending as i32 {
            if state.nv_get(&nv::ack(l.ack_deadline, l.id))?.is_none() {
                return Err(broken(format!(
                    "pending lease {} not in the ack index",
                    l.id
                )));
            }
            let provider = stored_address(&l.provider)?;
            let entry = state.nv_get(&nv::pending_leases(&provider, l.id))?;
            if entry != Some(nv::pending_value(l.gpu_count, &l.sku)) {
                return Err(broken(format!(
                    "pending lease {} not in the pending index as it is",
                    l.id
                )));
            }
            pending = pending.saturating_add(1);
        }
    }
    let indexed = state.nv_prefix(nv::PENDING_LEASES)?.len();
    if indexed != pending {
        return Err(broken(format!(
            "pending index has {indexed} entries, pending leases {pending}"
        )));
    }
    for o in &offers {
        let want = leased.get(&o.id).copied().unwrap_or(0);
        if o.gpus_leased != want {
            return Err(broken(format!(
                "offer {} gpus_leased {} but open leases hold {want}",
                o.id, o.gpus_leased
            )));
        }
        if o.gpus_leased > o.gpus_total {
            return Err(broken(format!("offer {} leases more than it has", o.id)));
        }
    }
    let index = state.prefix(&state_key::gpus::prefix())?;
    if index.len() != gpus.len() {
        return Err(broken(format!(
            "gpu index has {} entries, active leases {}",
            index.len(),
            gpus.len()
        )));
    }
    for (uuid, id) in &gpus {
        if se::gpu_lease(state, uuid)? != Some(*id) {
            return Err(broken(format!("gpu {uuid} not indexed to lease {id}")));
        }
    }
    for o in &orders {
        if o.state == OrderState::Open as i32 {
            if !escrow_open(state, o.id)? {
                return Err(broken(format!("open order {} has no open escrow", o.id)));
            }
            if state.nv_get(&nv::expiry(o.expires_at, o.id))?.is_none() {
                return Err(broken(format!(
                    "open order {} not in the expiry index",
                    o.id
                )));
            }
        }
    }
    Ok(())
}

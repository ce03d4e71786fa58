//! The market's state transitions shared by its Msgs, its end-block and the
//! attestation module: matching, lease creation and closing, and the
//! indexes each transition keeps in step.

use std::collections::BTreeMap;

use cosmos_sdk_proto::cosmos::base::v1beta1::Coin as ProtoCoin;
use gpuchain_auth::error::corrupt;
use gpuchain_escrow::Settlement;
use gpuchain_proto::market::{CloseReason, Lease, LeaseState, Offer, Order, OrderState, Params};
use gpuchain_store::{StateRead, StateWrite};
use gpuchain_types::{AppError, AppResult, BlockContext};

use crate::error::MarketError;
use crate::event;
use crate::expected::ProviderRegistry;
use crate::host_fit;
use crate::state_ext::{self as se, stored_address};
use crate::state_key::{self, nv};

/// Index entries read per `nv_range` call.
pub(crate) const CHUNK: usize = 64;

/// A stored coin's amount.
pub(crate) fn amount_of(c: &Option<ProtoCoin>) -> AppResult<(String, u128)> {
    let c = c.as_ref().ok_or_else(|| corrupt("missing coin"))?;
    let amount = c
        .amount
        .parse::<u128>()
        .map_err(|_| corrupt(format!("coin amount {:?}", c.amount)))?;
    Ok((c.denom.clone(), amount))
}

pub(crate) fn proto_coin(amount: u128, denom: &str) -> ProtoCoin {
    ProtoCoin {
        denom: denom.to_string(),
        amount: amount.to_string(),
    }
}

fn fmt_coin(amount: u128, denom: &str) -> String {
    format!("{amount}{denom}")
}

pub(crate) fn add_secs(t: i64, secs: i64) -> AppResult<i64> {
    t.checked_add(secs)
        .ok_or_else(|| AppError::invalid_request(format!("time {t} + {secs} overflows")))
}

/// `gpu_count * price`, the escrow rate per hour.
pub(crate) fn rate_of(gpu_count: u32, price: u128) -> AppResult<u128> {
    price
        .checked_mul(u128::from(gpu_count))
        .ok_or_else(|| AppError::invalid_coins("gpu_count * price overflows"))
}

fn free_gpus(o: &Offer) -> u32 {
    o.gpus_total.saturating_sub(o.gpus_leased)
}

/// Whether an offer belongs in the book (may be matched).
pub(crate) fn matchable(o: &Offer) -> bool {
    o.active && !o.closed && free_gpus(o) > 0
}

fn book_key(o: &Offer) -> AppResult<Vec<u8>> {
    let (denom, price) = amount_of(&o.price_per_gpu_hour)?;
    Ok(nv::book(&o.sku, &denom, price, o.id))
}

/// Stores an offer and moves its book entry from `before` to its new state.
pub(crate) fn save_offer(
    state: &mut dyn StateWrite,
    before: Option<&Offer>,
    after: &Offer,
) -> AppResult<()> {
    if let Some(b) = before {
        if matchable(b) {
            state.nv_delete(book_key(b)?)?;
        }
    }
    if matchable(after) {
        state.nv_put(book_key(after)?, Vec::new())?;
    }
    se::put_offer(state, after)
}

/// Marks a sku whose supply grew, so end-block retries its open orders.
pub(crate) fn mark_dirty(state: &mut dyn StateWrite, sku: &str) -> AppResult<()> {
    Ok(state.nv_put(nv::dirty(sku), Vec::new())?)
}

/// Whether `offer` may take `order` now: the filters of market.md, and a
/// host of the provider to serve it beside its pending leases.
fn eligible(
    state: &dyn StateRead,
    registry: &dyn ProviderRegistry,
    now: i64,
    order: &Order,
    offer: &Offer,
) -> AppResult<bool> {
    let (odenom, max) = amount_of(&order.max_price_per_gpu_hour)?;
    let (denom, price) = amount_of(&offer.price_per_gpu_hour)?;
    if !matchable(offer)
        || offer.sku != order.sku
        || denom != odenom
        || price > max
        || free_gpus(offer) < order.gpu_count
        || (!order.region.is_empty() && order.region != offer.region)
        || (!order.target_provider.is_empty() && order.target_provider != offer.provider)
        || (order.target_offer_id != 0 && order.target_offer_id != offer.id)
        || order.duration < offer.min_duration
        || (offer.max_duration > 0 && order.duration > offer.max_duration)
    {
        return Ok(false);
    }
    let provider = stored_address(&offer.provider)?;
    match registry.provider(state, &provider)? {
        Some(info) if info.active && info.attestation_level >= order.min_attestation_level => {}
        _ => return Ok(false),
    }
    // A lease's GPUs are one host's: the provider's pending leases of the
    // SKU and this one must fit on its hosts' free GPUs.
    let mut free: BTreeMap<String, u32> = BTreeMap::new();
    for g in registry.leasable_gpus(state, &provider, &order.sku, now)? {
        if se::gpu_lease(state, &g.uuid)?.is_none() {
            let n = free.entry(g.host).or_default();
            *n = n.saturating_add(1);
        }
    }
    if !free.values().any(|n| *n >= order.gpu_count) {
        return Ok(false);
    }
    let mut demands = vec![order.gpu_count];
    for (_, v) in state.nv_prefix(&nv::pending_leases_prefix(&provider))? {
        let (count, sku) =
            nv::parse_pending_value(&v).ok_or_else(|| corrupt("pending lease index entry"))?;
        if sku == order.sku {
            demands.push(count);
        }
    }
    Ok(host_fit::fits(free, demands))
}

/// The offer an order matches: lowest price, then lowest id, among at most
/// `max_match_candidates` book entries read in chunks.
pub fn find_offer(
    state: &dyn StateRead,
    registry: &dyn ProviderRegistry,
    params: &Params,
    now: i64,
    order: &Order,
) -> AppResult<Option<Offer>> {
    if order.target_offer_id != 0 {
        return match se::offer(state, order.target_offer_id)? {
            Some(o) if eligible(state, registry, now, order, &o)? => Ok(Some(o)),
            _ => Ok(None),
        };
    }
    let (denom, max) = amount_of(&order.max_price_per_gpu_hour)?;
    let prefix = nv::book_prefix(&order.sku, &denom);
    let end = match max.checked_add(1) {
        Some(m) => {
            let mut e = prefix.clone();
            e.extend_from_slice(&m.to_be_bytes());
            Some(e)
        }
        None => prefix_end(&prefix),
    };
    let mut start = prefix;
    let mut left = params.max_match_candidates as usize;
    while left > 0 {
        let chunk = state.nv_range(&start, end.as_deref(), CHUNK.min(left))?;
        let Some((last, _)) = chunk.last() else {
            break;
        };
        let mut next = last.clone();
        next.push(0);
        for (key, _) in &chunk {
            left = left.saturating_sub(1);
            let id = state_key::trailing_id(key).ok_or_else(|| corrupt("book key"))?;
            if let Some(o) = se::offer(state, id)? {
                if eligible(state, registry, now, order, &o)? {
                    return Ok(Some(o));
                }
            }
        }
        start = next;
    }
    Ok(None)
}

pub(crate) fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if let Some(b) = last.checked_add(1) {
            end.push(b);
            return Some(end);
        }
    }
    None
}

fn dec_open_orders(state: &mut dyn StateWrite, order: &Order) -> AppResult<()> {
    let tenant = stored_address(&order.tenant)?;
    let n = se::open_order_count(state, &tenant)?;
    se::set_open_order_count(state, &tenant, n.saturating_sub(1))
}

/// Removes an open order from the expiry and retry indexes.
fn unindex_open_order(state: &mut dyn StateWrite, order: &Order) -> AppResult<()> {
    state.nv_delete(nv::expiry(order.expires_at, order.id))?;
    state.nv_delete(nv::retry(&order.sku, order.id))?;
    dec_open_orders(state, order)
}

/// Matches `order` into a lease with `offer`; returns the lease id.
pub(crate) fn create_lease(
    state: &mut dyn StateWrite,
    params: &Params,
    now: i64,
    order: &mut Order,
    offer: &Offer,
    was_indexed: bool,
) -> AppResult<u64> {
    let id = se::take_next_id(state, "lease")?;
    let ack_deadline = add_secs(now, params.ack_timeout_secs)?;
    let provider = stored_address(&offer.provider)?;
    let tenant = stored_address(&order.tenant)?;
    let lease = Lease {
        id,
        order_id: order.id,
        offer_id: offer.id,
        tenant: order.tenant.clone(),
        provider: offer.provider.clone(),
        sku: order.sku.clone(),
        gpu_count: order.gpu_count,
        price_per_gpu_hour: offer.price_per_gpu_hour.clone(),
        created_at: now,
        ack_deadline,
        duration: order.duration,
        state: LeaseState::Pending as i32,
        ..Default::default()
    };
    let mut after = offer.clone();
    after.gpus_leased = after
        .gpus_leased
        .checked_add(order.gpu_count)
        .ok_or_else(|| corrupt("gpus_leased overflows"))?;
    save_offer(state, Some(offer), &after)?;
    if was_indexed {
        unindex_open_order(state, order)?;
    } else {
        dec_open_orders(state, order)?;
    }
    order.state = OrderState::Matched as i32;
    order.lease_id = id;
    se::put_order(state, order)?;
    se::put_lease(state, &lease)?;
    state.nv_put(nv::ack(ack_deadline, id), Vec::new())?;
    state.nv_put(nv::leases_by_tenant(&tenant, id), Vec::new())?;
    state.nv_put(nv::leases_by_provider(&provider, id), Vec::new())?;
    state.nv_put(nv::open_leases(&provider, id), Vec::new())?;
    state.nv_put(
        nv::pending_leases(&provider, id),
        nv::pending_value(order.gpu_count, &order.sku),
    )?;
    state.emit(event::order_matched(order.id, id, offer.id));
    state.emit(event::lease_created(
        id,
        order.id,
        &provider,
        &tenant,
        ack_deadline,
    ));
    Ok(id)
}

/// Ends an open order (cancelled or expired) with a full refund.
pub(crate) fn end_order(
    state: &mut dyn StateWrite,
    params: &Params,
    now: i64,
    order: &mut Order,
    to: OrderState,
) -> AppResult<u128> {
    let settlement = gpuchain_escrow::close(state, order.id, now, params.take_rate_bps)?;
    unindex_open_order(state, order)?;
    order.state = to as i32;
    se::put_order(state, order)?;
    let (denom, _) = amount_of(&order.deposit)?;
    let refund = fmt_coin(settlement.refund, &denom);
    state.emit(match to {
        OrderState::Expired => event::order_expired(order.id, &refund),
        _ => event::order_cancelled(order.id, &refund),
    });
    Ok(settlement.refund)
}

/// The name of a close reason in events (`tenant_closed`, ...).
pub fn reason_name(r: CloseReason) -> &'static str {
    match r {
        CloseReason::TenantClosed => "tenant_closed",
        CloseReason::ProviderClosed => "provider_closed",
        CloseReason::Completed => "completed",
        CloseReason::InsufficientFunds => "insufficient_funds",
        CloseReason::ProviderTimeout => "provider_timeout",
        CloseReason::ProviderFaulted => "provider_faulted",
        CloseReason::Unspecified => "unspecified",
    }
}

/// Emits `lease_payment` for a non-empty payment.
pub(crate) fn emit_payment(
    state: &mut dyn StateWrite,
    lease: &Lease,
    payment: &gpuchain_escrow::Payment,
) -> AppResult<()> {
    if payment.to_provider > 0 || payment.take > 0 {
        let (denom, _) = amount_of(&lease.price_per_gpu_hour)?;
        let provider = stored_address(&lease.provider)?;
        state.emit(event::lease_payment(
            lease.id,
            &provider,
            &fmt_coin(payment.to_provider, &denom),
            &fmt_coin(payment.take, &denom),
        ));
    }
    Ok(())
}

/// Closes a pending or active lease at `now`: settles to now and refunds
/// the rest (escrow), frees the offer's GPUs and the GPU index, and drops
/// the lease from the time indexes.
pub fn close_lease(
    state: &mut dyn StateWrite,
    params: &Params,
    now: i64,
    lease: &mut Lease,
    reason: CloseReason,
) -> AppResult<Settlement> {
    if lease.state == LeaseState::Closed as i32 {
        return Err(MarketError::LeaseClosed.wrap(format!("lease {}", lease.id)));
    }
    let settlement = gpuchain_escrow::close(state, lease.order_id, now, params.take_rate_bps)?;
    emit_payment(state, lease, &settlement.payment)?;
    let provider = stored_address(&lease.provider)?;
    if settlement.refund > 0 {
        let (denom, _) = amount_of(&lease.price_per_gpu_hour)?;
        let tenant = stored_address(&lease.tenant)?;
        state.emit(event::lease_refund(
            lease.id,
            &tenant,
            &fmt_coin(settlement.refund, &denom),
        ));
    }
    if lease.state == LeaseState::Active as i32 {
        state.nv_delete(nv::due(lease.due_at, lease.id))?;
        for uuid in &lease.gpu_uuids {
            se::set_gpu_lease(state, uuid, None)?;
        }
    } else {
        state.nv_delete(nv::ack(lease.ack_deadline, lease.id))?;
        state.nv_delete(nv::pending_leases(&provider, lease.id))?;
    }
    state.nv_delete(nv::open_leases(&provider, lease.id))?;
    if let Some(offer) = se::offer(state, lease.offer_id)? {
        let mut after = offer.clone();
        after.gpus_leased = after
            .gpus_leased
            .checked_sub(lease.gpu_count)
            .ok_or_else(|| corrupt(format!("offer {} gpus_leased underflows", offer.id)))?;
        save_offer(state, Some(&offer), &after)?;
        if matchable(&after) {
            mark_dirty(state, &after.sku)?;
        }
    }
    lease.state = LeaseState::Closed as i32;
    lease.close_reason = reason as i32;
    lease.closed_at = now;
    lease.due_at = 0;
    se::put_lease(state, lease)?;
    state.emit(event::lease_closed(lease.id, reason_name(reason)));
    Ok(settlement)
}

/// Tries to match an open, indexed order; returns the lease id.
fn retry_order(
    state: &mut dyn StateWrite,
    registry: &dyn ProviderRegistry,
    params: &Params,
    now: i64,
    order_id: u64,
) -> AppResult<Option<u64>> {
    let Some(mut order) = se::order(state, order_id)? else {
        return Ok(None);
    };
    if order.state != OrderState::Open as i32 || order.expires_at <= now {
        return Ok(None);
    }
    match find_offer(state, registry, params, now, &order)? {
        Some(offer) => create_lease(state, params, now, &mut order, &offer, true).map(Some),
        None => Ok(None),
    }
}

/// Reads index entries `< end` from `prefix` chunk by chunk, handing each
/// key to `f` (which deletes its entry), until none are left.
fn drain(
    state: &mut dyn StateWrite,
    start: Vec<u8>,
    end: Vec<u8>,
    mut f: impl FnMut(&mut dyn StateWrite, u64) -> AppResult<()>,
) -> AppResult<()> {
    let mut start = start;
    loop {
        let chunk = state.nv_range(&start, Some(&end), CHUNK)?;
        let Some((last, _)) = chunk.last() else {
            return Ok(());
        };
        start = last.clone();
        start.push(0);
        for (key, _) in chunk {
            let id = state_key::trailing_id(&key).ok_or_else(|| corrupt("time index key"))?;
            f(state, id)?;
            // Whatever `f` did, the entry is done with.
            state.nv_delete(key)?;
        }
    }
}

/// The end-block work: ack timeouts, due leases, expired orders, then a
/// bounded retry of open orders of skus whose offers changed. Costs
/// O(k log n) for k entries due.
pub fn end_block(
    state: &mut dyn StateWrite,
    registry: &dyn ProviderRegistry,
    ctx: &BlockContext,
) -> AppResult<()> {
    let params = se::params(state)?;
    let now = ctx.time_secs;
    // Every entry due before the last end-block's time is gone (new ones are
    // always due after the block that makes them), so the drains start
    // there and never read the tombstones of older deletions.
    let from = se::drained_until(state)?;
    let start = |prefix: Vec<u8>| match from {
        Some(t) => nv::time_from(&prefix, t),
        None => prefix,
    };
    se::set_drained_until(state, now)?;
    drain(state, start(nv::ack_prefix()), nv::ack_end(now), |s, id| {
        let Some(mut lease) = se::lease(s, id)? else {
            return Ok(());
        };
        if lease.state != LeaseState::Pending as i32 {
            return Ok(());
        }
        close_lease(s, &params, now, &mut lease, CloseReason::ProviderTimeout)?;
        let provider = stored_address(&lease.provider)?;
        let tenant = stored_address(&lease.tenant)?;
        // The slash runs on its own layer: a registry failure must not fail
        // end-block (that would halt the chain); the lease is closed and the
        // tenant refunded either way.
        let slash = gpuchain_store::in_layer(s, |l| {
            registry.slash_bond_to(l, &provider, params.ack_timeout_slash_bps, &tenant)
        })?;
        if let Err(e) = slash {
            s.emit(
                gpuchain_types::Event::new("slash_failed")
                    .attr("lease_id", lease.id.to_string())
                    .attr("error", e.log),
            );
        }
        Ok(())
    })?;
    drain(state, start(nv::due_prefix()), nv::due_end(now), |s, id| {
        let Some(mut lease) = se::lease(s, id)? else {
            return Ok(());
        };
        if lease.state != LeaseState::Active as i32 {
            return Ok(());
        }
        // Funds ran out first when the due time (escrow exhaustion) is
        // before ends_at, however late the block that closes it.
        let reason = if lease.due_at < lease.ends_at {
            CloseReason::InsufficientFunds
        } else {
            CloseReason::Completed
        };
        close_lease(s, &params, now, &mut lease, reason).map(|_| ())
    })?;
    drain(
        state,
        start(nv::expiry_prefix()),
        nv::expiry_end(now),
        |s, id| {
            let Some(mut order) = se::order(s, id)? else {
                return Ok(());
            };
            if order.state != OrderState::Open as i32 {
                return Ok(());
            }
            end_order(s, &params, now, &mut order, OrderState::Expired).map(|_| ())
        },
    )?;
    let mut budget = params.order_retry_per_block as usize;
    for (key, _) in state.nv_prefix(&nv::dirty_prefix())? {
        state.nv_delete(key.clone())?;
        let sku = String::from_utf8_lossy(&key[nv::dirty_prefix().len()..]).into_owned();
        if budget == 0 {
            continue;
        }
        let ids: Vec<u64> = state
            .nv_range(
                &nv::retry_prefix(&sku),
                prefix_end(&nv::retry_prefix(&sku)).as_deref(),
                budget,
            )?
            .iter()
            .filter_map(|(k, _)| state_key::trailing_id(k))
            .collect();
        for id in ids {
            budget = budget.saturating_sub(1);
            retry_order(state, registry, &params, now, id)?;
        }
    }
    Ok(())
}

/// The open lease a GPU serves, if any.
pub fn lease_of_gpu(state: &dyn StateRead, uuid: &str) -> AppResult<Option<u64>> {
    se::gpu_lease(state, uuid)
}

/// How many leases (pending or active) the provider has open.
pub fn open_lease_count(
    state: &dyn StateRead,
    provider: &gpuchain_types::Address,
) -> AppResult<u64> {
    Ok(state.nv_prefix(&nv::open_leases_prefix(provider))?.len() as u64)
}

/// One lease (any state).
pub fn get_lease(state: &dyn StateRead, id: u64) -> AppResult<Option<Lease>> {
    se::lease(state, id)
}

/// Closes an open lease as `provider_faulted` (for the attestation module,
/// when the provider's GPUs fail a challenge): settles to block time and
/// refunds the rest to the tenant. Market 6 when there is no such lease,
/// market 18 when it is already closed.
pub fn close_lease_faulted(
    state: &mut dyn StateWrite,
    ctx: &BlockContext,
    lease_id: u64,
) -> AppResult<Settlement> {
    let params = se::params(state)?;
    let mut lease = se::lease(state, lease_id)?
        .ok_or_else(|| MarketError::LeaseNotFound.wrap(format!("lease {lease_id}")))?;
    close_lease(
        state,
        &params,
        ctx.time_secs,
        &mut lease,
        CloseReason::ProviderFaulted,
    )
}

/// Writes every non-verifiable index entry of the stored offers, orders
/// and leases (a node whose indexes are missing or of an older layout).
pub(crate) fn build_indexes(state: &mut dyn StateWrite) -> AppResult<()> {
    for o in se::all::<Offer>(state, &state_key::offers::prefix())? {
        let provider = stored_address(&o.provider)?;
        state.nv_put(nv::offers_by_provider(&provider, o.id), Vec::new())?;
        state.nv_put(nv::offers_by_sku(&o.sku, o.id), Vec::new())?;
        if matchable(&o) {
            state.nv_put(book_key(&o)?, Vec::new())?;
        }
    }
    for o in se::all::<Order>(state, &state_key::orders::prefix())? {
        let tenant = stored_address(&o.tenant)?;
        state.nv_put(nv::orders_by_tenant(&tenant, o.id), Vec::new())?;
        if o.state == OrderState::Open as i32 {
            state.nv_put(nv::expiry(o.expires_at, o.id), Vec::new())?;
            state.nv_put(nv::retry(&o.sku, o.id), Vec::new())?;
        }
    }
    for l in se::all::<Lease>(state, &state_key::leases::prefix())? {
        let tenant = stored_address(&l.tenant)?;
        let provider = stored_address(&l.provider)?;
        state.nv_put(nv::leases_by_tenant(&tenant, l.id), Vec::new())?;
        state.nv_put(nv::leases_by_provider(&provider, l.id), Vec::new())?;
        match LeaseState::try_from(l.state) {
            Ok(LeaseState::Pending) => {
                state.nv_put(nv::open_leases(&provider, l.id), Vec::new())?;
                state.nv_put(nv::ack(l.ack_deadline, l.id), Vec::new())?;
                state.nv_put(
                    nv::pending_leases(&provider, l.id),
                    nv::pending_value(l.gpu_count, &l.sku),
                )?;
            }
            Ok(LeaseState::Active) => {
                state.nv_put(nv::open_leases(&provider, l.id), Vec::new())?;
                state.nv_put(nv::due(l.due_at, l.id), Vec::new())?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Rebuilds the indexes when this node's recorded layout version is not
/// [`nv::INDEXES_VERSION`] (one nv read otherwise). Matching and end-block
/// read these indexes, so a node must never run a block without them.
pub fn ensure_indexes(state: &mut dyn StateWrite) -> AppResult<bool> {
    gpuchain_store::rebuild_nv_index_once(
        state,
        nv::version(),
        nv::INDEXES_VERSION,
        nv::PREFIX,
        build_indexes,
    )
}

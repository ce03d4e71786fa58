//! Typed reads and writes of the market's state. Stored values are the
//! protobuf types of `gpuchain.market.v1`.

use gpuchain_auth::error::corrupt;
use gpuchain_proto::market::{Lease, Offer, Order, Params};
use gpuchain_store::{StateRead, StateWrite};
use gpuchain_types::{Address, AppResult};
use prost::Message;

use crate::params::default_params;
use crate::state_key;

fn read<T: Message + Default>(
    state: &dyn StateRead,
    key: &[u8],
    what: &str,
) -> AppResult<Option<T>> {
    match state.get(key)? {
        Some(bytes) => T::decode(bytes.as_slice())
            .map(Some)
            .map_err(|e| corrupt(format!("{what}: {e}"))),
        None => Ok(None),
    }
}

fn read_u64(bytes: &[u8], what: &str) -> AppResult<u64> {
    let arr: [u8; 8] = bytes
        .try_into()
        .map_err(|_| corrupt(format!("{what} is not 8 bytes")))?;
    Ok(u64::from_be_bytes(arr))
}

/// The params; the defaults before genesis wrote any.
pub fn params(state: &dyn StateRead) -> AppResult<Params> {
    Ok(read(state, &state_key::params(), "market params")?.unwrap_or_else(default_params))
}

pub(crate) fn set_params(state: &mut dyn StateWrite, p: &Params) -> AppResult<()> {
    Ok(state.put(state_key::params(), p.encode_to_vec())?)
}

/// The next id that [`take_next_id`] would hand out (ids start at 1).
pub fn peek_next_id(state: &dyn StateRead, kind: &str) -> AppResult<u64> {
    match state.get(&state_key::next_id(kind))? {
        Some(b) => read_u64(&b, "next id"),
        None => Ok(1),
    }
}

pub(crate) fn set_next_id(state: &mut dyn StateWrite, kind: &str, id: u64) -> AppResult<()> {
    Ok(state.put(state_key::next_id(kind), id.to_be_bytes().to_vec())?)
}

pub(crate) fn take_next_id(state: &mut dyn StateWrite, kind: &str) -> AppResult<u64> {
    let id = peek_next_id(state, kind)?;
    let next = id
        .checked_add(1)
        .ok_or_else(|| corrupt(format!("{kind} ids exhausted")))?;
    set_next_id(state, kind, next)?;
    Ok(id)
}

pub fn offer(state: &dyn StateRead, id: u64) -> AppResult<Option<Offer>> {
    read(state, &state_key::offers::by_id(id), "offer")
}
pub(crate) fn put_offer(state: &mut dyn StateWrite, o: &Offer) -> AppResult<()> {
    Ok(state.put(state_key::offers::by_id(o.id), o.encode_to_vec())?)
}

pub fn order(state: &dyn StateRead, id: u64) -> AppResult<Option<Order>> {
    read(state, &state_key::orders::by_id(id), "order")
}
pub(crate) fn put_order(state: &mut dyn StateWrite, o: &Order) -> AppResult<()> {
    Ok(state.put(state_key::orders::by_id(o.id), o.encode_to_vec())?)
}

pub fn lease(state: &dyn StateRead, id: u64) -> AppResult<Option<Lease>> {
    read(state, &state_key::leases::by_id(id), "lease")
}
pub(crate) fn put_lease(state: &mut dyn StateWrite, l: &Lease) -> AppResult<()> {
    Ok(state.put(state_key::leases::by_id(l.id), l.encode_to_vec())?)
}

/// Every stored value under a prefix, decoded (invariants, queries).
pub(crate) fn all<T: Message + Default>(state: &dyn StateRead, prefix: &[u8]) -> AppResult<Vec<T>> {
    state
        .prefix(prefix)?
        .into_iter()
        .map(|(_, v)| T::decode(v.as_slice()).map_err(|e| corrupt(format!("market value: {e}"))))
        .collect()
}

/// The lease a GPU serves, if any.
pub fn gpu_lease(state: &dyn StateRead, uuid: &str) -> AppResult<Option<u64>> {
    match state.get(&state_key::gpus::by_uuid(uuid))? {
        Some(b) => read_u64(&b, "gpu lease").map(Some),
        None => Ok(None),
    }
}
pub(crate) fn set_gpu_lease(
    state: &mut dyn StateWrite,
    uuid: &str,
    lease: Option<u64>,
) -> AppResult<()> {
    let key = state_key::gpus::by_uuid(uuid);
    match lease {
        Some(id) => state.put(key, id.to_be_bytes().to_vec())?,
        None => state.delete(key)?,
    }
    Ok(())
}

pub fn open_order_count(state: &dyn StateRead, tenant: &Address) -> AppResult<u32> {
    match state.get(&state_key::orders::open_count(tenant))? {
        Some(b) => {
            let arr: [u8; 4] = b
                .as_slice()
                .try_into()
                .map_err(|_| corrupt("open order count is not 4 bytes"))?;
            Ok(u32::from_be_bytes(arr))
        }
        None => Ok(0),
    }
}
pub(crate) fn set_open_order_count(
    state: &mut dyn StateWrite,
    tenant: &Address,
    n: u32,
) -> AppResult<()> {
    let key = state_key::orders::open_count(tenant);
    if n == 0 {
        state.delete(key)?;
    } else {
        state.put(key, n.to_be_bytes().to_vec())?;
    }
    Ok(())
}

/// The last begin-block's time (0 before any block).
pub fn block_time(state: &dyn StateRead) -> AppResult<i64> {
    match state.nv_get(&state_key::nv::block_time())? {
        Some(b) => Ok(read_u64(&b, "block time")? as i64),
        None => Ok(0),
    }
}
/// Where end-block's drains of the time indexes start (see
/// [`state_key::nv::drained_until`]); `None` before the first end-block.
pub(crate) fn drained_until(state: &dyn StateRead) -> AppResult<Option<i64>> {
    match state.nv_get(&state_key::nv::drained_until())? {
        None => Ok(None),
        Some(b) => Ok(Some(i64::from_be_bytes(
            b.as_slice()
                .try_into()
                .map_err(|_| corrupt("market drained_until"))?,
        ))),
    }
}

pub(crate) fn set_drained_until(state: &mut dyn StateWrite, t: i64) -> AppResult<()> {
    Ok(state.nv_put(state_key::nv::drained_until(), t.to_be_bytes().to_vec())?)
}

pub(crate) fn set_block_time(state: &mut dyn StateWrite, t: i64) -> AppResult<()> {
    Ok(state.nv_put(state_key::nv::block_time(), t.to_be_bytes().to_vec())?)
}

/// Ids at the end of the nv keys under `prefix` (small per-owner indexes).
pub(crate) fn nv_ids(state: &dyn StateRead, prefix: &[u8]) -> AppResult<Vec<u64>> {
    Ok(state
        .nv_prefix(prefix)?
        .iter()
        .filter_map(|(k, _)| state_key::trailing_id(k))
        .collect())
}

/// A stored address field.
pub(crate) fn stored_address(s: &str) -> AppResult<Address> {
    Address::from_bech32(s).map_err(|e| corrupt(format!("stored address {s:?}: {}", e.log)))
}

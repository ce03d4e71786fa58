//! Typed reads and writes of the module's state. Nothing else touches the
//! keys of [`crate::state_key`].
//!
//! Encodings: wire types as their protobuf (`Params`, `Provider`, `Gpu`,
//! `Challenge`); integers as fixed-width big-endian bytes; index entries
//! carry an empty value.

use gpuchain_auth::error::corrupt;
use gpuchain_proto::attestation::{Challenge, Gpu, Params, Provider, SkuSpec};
use gpuchain_store::{StateRead, StateWrite};
use gpuchain_types::{Address, AppResult};
use prost::Message;

use crate::params::default_params;
use crate::state_key;

fn decode<T: Message + Default>(bytes: &[u8], what: &str) -> AppResult<T> {
    T::decode(bytes).map_err(|e| corrupt(format!("{what}: {e}")))
}

fn read_u64(bytes: &[u8], what: &str) -> AppResult<u64> {
    let arr: [u8; 8] = bytes
        .try_into()
        .map_err(|_| corrupt(format!("{what} is not 8 bytes")))?;
    Ok(u64::from_be_bytes(arr))
}

/// The params; the defaults before genesis wrote any.
pub fn params(state: &dyn StateRead) -> AppResult<Params> {
    match state.get(&state_key::params())? {
        Some(bytes) => decode(&bytes, "attestation params"),
        None => Ok(default_params()),
    }
}

pub(crate) fn set_params(state: &mut dyn StateWrite, params: &Params) -> AppResult<()> {
    state.put(state_key::params(), params.encode_to_vec())?;
    Ok(())
}

/// The SKU with this id.
pub fn sku(state: &dyn StateRead, id: &str) -> AppResult<Option<SkuSpec>> {
    Ok(params(state)?.skus.into_iter().find(|s| s.id == id))
}

pub fn provider(state: &dyn StateRead, owner: &Address) -> AppResult<Option<Provider>> {
    state
        .get(&state_key::providers::by_owner(owner))?
        .map(|b| decode(&b, "provider"))
        .transpose()
}

pub(crate) fn set_provider(state: &mut dyn StateWrite, p: &Provider) -> AppResult<()> {
    let owner = Address::from_bech32(&p.owner)?;
    state.put(state_key::providers::by_owner(&owner), p.encode_to_vec())?;
    Ok(())
}

pub(crate) fn delete_provider(state: &mut dyn StateWrite, owner: &Address) -> AppResult<()> {
    state.delete(state_key::providers::by_owner(owner))?;
    Ok(())
}

/// Every provider, in owner-address order.
pub fn all_providers(state: &dyn StateRead) -> AppResult<Vec<(Vec<u8>, Provider)>> {
    let prefix = state_key::providers::prefix();
    state
        .prefix(&prefix)?
        .into_iter()
        .map(|(k, v)| Ok((k[prefix.len()..].to_vec(), decode(&v, "provider")?)))
        .collect()
}

/// The provider `agent` is authorized for.
pub fn agent_owner(state: &dyn StateRead, agent: &Address) -> AppResult<Option<Address>> {
    match state.get(&state_key::agents::owner_of(agent))? {
        Some(b) => {
            let arr: [u8; 20] = b
                .as_slice()
                .try_into()
                .map_err(|_| corrupt("agent owner is not 20 bytes"))?;
            Ok(Some(Address(arr)))
        }
        None => Ok(None),
    }
}

/// The agents of a provider, in address order.
pub fn agents(state: &dyn StateRead, provider: &Address) -> AppResult<Vec<Address>> {
    let prefix = state_key::agents::of_provider(provider);
    state
        .prefix(&prefix)?
        .into_iter()
        .map(|(k, _)| {
            let arr: [u8; 20] = k[prefix.len()..]
                .try_into()
                .map_err(|_| corrupt("agent key"))?;
            Ok(Address(arr))
        })
        .collect()
}

pub(crate) fn add_agent(
    state: &mut dyn StateWrite,
    provider: &Address,
    agent: &Address,
) -> AppResult<()> {
    state.put(
        state_key::agents::by_provider_agent(provider, agent),
        vec![],
    )?;
    state.put(
        state_key::agents::owner_of(agent),
        provider.as_bytes().to_vec(),
    )?;
    Ok(())
}

pub(crate) fn remove_agent(
    state: &mut dyn StateWrite,
    provider: &Address,
    agent: &Address,
) -> AppResult<()> {
    state.delete(state_key::agents::by_provider_agent(provider, agent))?;
    state.delete(state_key::agents::owner_of(agent))?;
    Ok(())
}

pub fn gpu(state: &dyn StateRead, uuid: &str) -> AppResult<Option<Gpu>> {
    state
        .get(&state_key::gpus::by_uuid(uuid))?
        .map(|b| decode(&b, "gpu"))
        .transpose()
}

/// Stores a GPU and its provider index entry.
pub(crate) fn set_gpu(state: &mut dyn StateWrite, g: &Gpu) -> AppResult<()> {
    let provider = Address::from_bech32(&g.provider)?;
    let mut stored = g.clone();
    stored.status = 0;
    state.put(state_key::gpus::by_uuid(&g.uuid), stored.encode_to_vec())?;
    state.put(
        state_key::gpus::by_provider_uuid(&provider, &g.uuid),
        vec![],
    )?;
    Ok(())
}

/// Deletes a GPU, its provider index entry and its random-challenge entry.
pub(crate) fn delete_gpu(state: &mut dyn StateWrite, g: &Gpu) -> AppResult<()> {
    let provider = Address::from_bech32(&g.provider)?;
    state.delete(state_key::gpus::by_uuid(&g.uuid))?;
    state.delete(state_key::gpus::by_provider_uuid(&provider, &g.uuid))?;
    if g.next_random_challenge_at != 0 {
        state.nv_delete(state_key::nv::random_due::entry(
            g.next_random_challenge_at,
            &g.uuid,
        ))?;
    }
    Ok(())
}

/// The uuids of a provider's GPUs, in uuid order.
pub fn gpu_uuids(state: &dyn StateRead, provider: &Address) -> AppResult<Vec<String>> {
    let prefix = state_key::gpus::of_provider(provider);
    state
        .prefix(&prefix)?
        .into_iter()
        .map(|(k, _)| {
            String::from_utf8(k[prefix.len()..].to_vec()).map_err(|_| corrupt("gpu index key"))
        })
        .collect()
}

/// A provider's GPUs, in uuid order.
pub fn gpus_of(state: &dyn StateRead, provider: &Address) -> AppResult<Vec<Gpu>> {
    gpu_uuids(state, provider)?
        .iter()
        .map(|u| gpu(state, u)?.ok_or_else(|| corrupt(format!("indexed gpu {u} missing"))))
        .collect()
}

pub fn challenge(state: &dyn StateRead, id: u64) -> AppResult<Option<Challenge>> {
    state
        .get(&state_key::challenges::by_id(id))?
        .map(|b| decode(&b, "challenge"))
        .transpose()
}

/// Stores a challenge (its history index entries are written by
/// [`index_challenge`] once, when issued).
pub(crate) fn set_challenge(state: &mut dyn StateWrite, c: &Challenge) -> AppResult<()> {
    state.put(state_key::challenges::by_id(c.id), c.encode_to_vec())?;
    Ok(())
}

pub(crate) fn index_challenge(
    state: &mut dyn StateWrite,
    provider: &Address,
    uuid: &str,
    id: u64,
) -> AppResult<()> {
    state.put(state_key::challenges::by_provider_id(provider, id), vec![])?;
    state.put(state_key::challenges::by_gpu_id(uuid, id), vec![])?;
    Ok(())
}

/// The ids under a challenge index prefix, in id order.
pub(crate) fn challenge_ids(state: &dyn StateRead, prefix: &[u8]) -> AppResult<Vec<u64>> {
    state
        .prefix(prefix)?
        .into_iter()
        .map(|(k, _)| read_u64(&k[prefix.len()..], "challenge index key"))
        .collect()
}

/// Takes the next challenge id (the first is 1).
pub(crate) fn take_challenge_id(state: &mut dyn StateWrite) -> AppResult<u64> {
    let id = match state.get(&state_key::next_challenge_id())? {
        Some(b) => read_u64(&b, "next challenge id")?,
        None => 1,
    };
    let next = id
        .checked_add(1)
        .ok_or_else(|| gpuchain_types::AppError::internal("challenge ids exhausted"))?;
    state.put(state_key::next_challenge_id(), next.to_be_bytes().to_vec())?;
    Ok(id)
}

/// The recorded hash of a recent block.
pub fn block_hash(state: &dyn StateRead, height: u64) -> AppResult<Option<Vec<u8>>> {
    Ok(state.nv_get(&state_key::nv::block_hash(height))?)
}

/// The time of the last block begun (0 before the first).
pub fn last_block_time(state: &dyn StateRead) -> AppResult<i64> {
    match state.nv_get(&state_key::nv::last_block_time())? {
        Some(b) => Ok(i64::from_be_bytes(
            b.as_slice()
                .try_into()
                .map_err(|_| corrupt("last block time"))?,
        )),
        None => Ok(0),
    }
}

/// Reads the first `limit` keys of an nv queue before `end` (exclusive) and
/// returns the suffix after `prefix` of each.
pub(crate) fn nv_due(
    state: &dyn StateRead,
    prefix: &[u8],
    end: &[u8],
    limit: usize,
) -> AppResult<Vec<Vec<u8>>> {
    Ok(state
        .nv_range(prefix, Some(end), limit)?
        .into_iter()
        .map(|(k, _)| k[prefix.len()..].to_vec())
        .collect())
}

pub(crate) fn split_time(suffix: &[u8]) -> AppResult<(i64, &[u8])> {
    let (t, rest) = suffix
        .split_at_checked(8)
        .ok_or_else(|| corrupt("queue key too short"))?;
    let raw = read_u64(t, "queue time")?;
    Ok(((raw ^ (1u64 << 63)) as i64, rest))
}

pub(crate) fn parse_u64(bytes: &[u8]) -> AppResult<u64> {
    read_u64(bytes, "queue id")
}

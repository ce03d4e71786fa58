//! Reading and writing the module's state. Accounts are stored as one
//! version byte ([`ACCOUNT_ENCODING_V1`]) followed by the borsh encoding of
//! [`EscrowAccount`]; a later layout gets a new version byte.

use gpuchain_auth::error::corrupt;
use gpuchain_store::{StateRead, StateWrite};
use gpuchain_types::{Address, AppResult};

use crate::account::EscrowAccount;
use crate::state_key;

/// The first byte of every stored account of the current layout.
pub const ACCOUNT_ENCODING_V1: u8 = 1;

/// Encodes an account as stored.
pub fn encode_account(account: &EscrowAccount) -> AppResult<Vec<u8>> {
    let mut out = vec![ACCOUNT_ENCODING_V1];
    borsh::to_writer(&mut out, account)
        .map_err(|e| corrupt(format!("cannot encode escrow account: {e}")))?;
    Ok(out)
}

/// Decodes a stored account.
pub fn decode_account(bytes: &[u8]) -> AppResult<EscrowAccount> {
    match bytes.split_first() {
        Some((&ACCOUNT_ENCODING_V1, rest)) => borsh::from_slice(rest)
            .map_err(|e| corrupt(format!("escrow account does not decode: {e}"))),
        Some((v, _)) => Err(corrupt(format!(
            "escrow account has unknown encoding version {v}"
        ))),
        None => Err(corrupt("escrow account is empty")),
    }
}

/// The account with this id (open or closed), if any.
pub fn account(state: &dyn StateRead, id: u64) -> AppResult<Option<EscrowAccount>> {
    state
        .get(&state_key::accounts::by_id(id))?
        .map(|bytes| decode_account(&bytes))
        .transpose()
}

/// Stores an account, and its owner-index entry.
pub(crate) fn set_account(state: &mut dyn StateWrite, account: &EscrowAccount) -> AppResult<()> {
    state.put(
        state_key::accounts::by_id(account.id),
        encode_account(account)?,
    )?;
    Ok(())
}

/// Adds the owner-index entry of a new account.
pub(crate) fn index_owner(state: &mut dyn StateWrite, owner: &Address, id: u64) -> AppResult<()> {
    state.nv_put(state_key::nv::by_owner::by_owner_id(owner, id), Vec::new())?;
    Ok(())
}

/// Every account, in id order.
pub fn all_accounts(state: &dyn StateRead) -> AppResult<Vec<EscrowAccount>> {
    state
        .prefix(&state_key::accounts::prefix())?
        .into_iter()
        .map(|(_, v)| decode_account(&v))
        .collect()
}

/// The ids of one owner's accounts (from the owner index), in id order.
pub fn account_ids_of_owner(state: &dyn StateRead, owner: &Address) -> AppResult<Vec<u64>> {
    state
        .nv_prefix(&state_key::nv::by_owner::of_owner(owner))?
        .into_iter()
        .map(|(k, _)| {
            state_key::nv::by_owner::parse(&k)
                .map(|(_, id)| id)
                .ok_or_else(|| corrupt("bad escrow owner-index key"))
        })
        .collect()
}

/// The block time recorded at the start of the current block; `None`
/// before the first block.
pub fn block_time(state: &dyn StateRead) -> AppResult<Option<i64>> {
    match state.nv_get(&state_key::nv::block_time())? {
        Some(bytes) => {
            let raw: [u8; 8] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| corrupt("escrow block time is not 8 bytes"))?;
            Ok(Some(i64::from_be_bytes(raw)))
        }
        None => Ok(None),
    }
}

pub(crate) fn set_block_time(state: &mut dyn StateWrite, time: i64) -> AppResult<()> {
    state.nv_put(state_key::nv::block_time(), time.to_be_bytes().to_vec())?;
    Ok(())
}

/// The stored layout's version; `None` before genesis.
pub fn schema_version(state: &dyn StateRead) -> AppResult<Option<u16>> {
    match state.get(&state_key::schema_version())? {
        Some(bytes) => {
            let raw: [u8; 2] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| corrupt("escrow schema version is not 2 bytes"))?;
            Ok(Some(u16::from_be_bytes(raw)))
        }
        None => Ok(None),
    }
}

pub(crate) fn set_schema_version(state: &mut dyn StateWrite, version: u16) -> AppResult<()> {
    state.put(state_key::schema_version(), version.to_be_bytes().to_vec())?;
    Ok(())
}

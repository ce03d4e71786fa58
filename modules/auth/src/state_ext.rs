//! Typed reads and writes of the module's state. Nothing else touches the
//! keys of [`crate::state_key`].
//!
//! Encodings (one rule for the module): wire types are stored as their
//! protobuf encoding (`BaseAccount`, `Params`); integers as fixed-width
//! big-endian bytes (the next account number u64, the schema version u16).
//!
//! The non-verifiable index `accounts_by_number` (account number -> 20
//! address bytes, for `AccountAddressByID`) is written wherever an account
//! gets its number: [`ensure_account`] and genesis. [`set_account`] only
//! updates existing accounts (sequence, public key) and never changes a
//! number; the invariants check that the index matches the accounts.

use std::collections::{BTreeMap, BTreeSet};

use cosmos_sdk_proto::cosmos::auth::v1beta1::{BaseAccount, Params};
use gpuchain_store::{StateRead, StateWrite};
use gpuchain_types::{Address, AppError, AppResult};
use prost::Message;

use crate::account::{decode_account, new_base_account};
use crate::error::corrupt;
use crate::params::default_params;
use crate::state_key;

/// The account at `address`, if one exists.
pub fn get_account(state: &dyn StateRead, address: &Address) -> AppResult<Option<BaseAccount>> {
    match state.get(&state_key::accounts::by_address(address))? {
        Some(bytes) => Ok(Some(decode_account(&bytes)?)),
        None => Ok(None),
    }
}

/// Whether an account exists at `address`.
pub fn has_account(state: &dyn StateRead, address: &Address) -> AppResult<bool> {
    Ok(state
        .get(&state_key::accounts::by_address(address))?
        .is_some())
}

/// Stores an account under the address it names (code 7 if that address is
/// not a valid `gpu1...` address). Use [`ensure_account`] to create accounts, so that they
/// get the next account number.
pub fn set_account(state: &mut dyn StateWrite, account: &BaseAccount) -> AppResult<()> {
    let address = Address::from_bech32(&account.address)?;
    update_account(state, &address, account)
}

/// [`set_account`] for an account read from `address` (or made for it), so
/// its address field is known to name `address` and is not parsed again
/// (the ante checks update every signer's account this way).
pub fn update_account(
    state: &mut dyn StateWrite,
    address: &Address,
    account: &BaseAccount,
) -> AppResult<()> {
    debug_assert_eq!(account.address, address.to_string());
    state.put(
        state_key::accounts::by_address(address),
        account.encode_to_vec(),
    )?;
    Ok(())
}

/// The account at `address`, created with the next account number (and no
/// public key, sequence 0) when it does not exist yet.
pub fn ensure_account(state: &mut dyn StateWrite, address: &Address) -> AppResult<BaseAccount> {
    if let Some(existing) = get_account(state, address)? {
        return Ok(existing);
    }
    let number = take_next_account_number(state)?;
    let account = new_base_account(address, number);
    update_account(state, address, &account)?;
    index_account_number(state, number, address)?;
    Ok(account)
}

/// Records in the non-verifiable index that account `number` is `address`.
pub(crate) fn index_account_number(
    state: &mut dyn StateWrite,
    number: u64,
    address: &Address,
) -> AppResult<()> {
    state.nv_put(
        state_key::nv::accounts_by_number::by_number(number),
        address.as_bytes().to_vec(),
    )?;
    Ok(())
}

/// The address of the account with number `number`, from the
/// non-verifiable index (latest height only).
pub fn account_address_by_number(state: &dyn StateRead, number: u64) -> AppResult<Option<Address>> {
    match state.nv_get(&state_key::nv::accounts_by_number::by_number(number))? {
        Some(bytes) => {
            let raw: [u8; 20] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| corrupt(format!("index of account {number} is not 20 bytes")))?;
            Ok(Some(Address(raw)))
        }
        None => Ok(None),
    }
}

/// Every entry of the account-number index, in number order.
fn account_number_index(state: &dyn StateRead) -> AppResult<Vec<(u64, Vec<u8>)>> {
    state
        .nv_prefix(&state_key::nv::accounts_by_number::prefix())?
        .into_iter()
        .map(|(key, value)| {
            let number = state_key::nv::accounts_by_number::number_of(&key)
                .ok_or_else(|| corrupt("malformed account-number index key"))?;
            Ok((number, value))
        })
        .collect()
}

/// Marks the nv indexes as built at [`state_key::nv::INDEXES_VERSION`].
pub(crate) fn set_nv_indexes_version(state: &mut dyn StateWrite) -> AppResult<()> {
    gpuchain_store::mark_nv_index_version(
        state,
        state_key::nv::indexes_version(),
        state_key::nv::INDEXES_VERSION,
    )?;
    Ok(())
}

/// Builds the non-verifiable indexes from the accounts when this node has
/// not built them at the current version (state written before the index
/// existed). Returns whether it rebuilt.
pub(crate) fn ensure_nv_indexes(state: &mut dyn StateWrite) -> AppResult<bool> {
    gpuchain_store::rebuild_nv_index_once(
        state,
        state_key::nv::indexes_version(),
        state_key::nv::INDEXES_VERSION,
        &state_key::nv::accounts_by_number::prefix(),
        |state| -> AppResult<()> {
            for (address, account) in all_accounts(state)? {
                index_account_number(state, account.account_number, &address)?;
            }
            Ok(())
        },
    )
}

/// The number the next new account gets (0 on a fresh chain).
pub fn next_account_number(state: &dyn StateRead) -> AppResult<u64> {
    match state.get(&state_key::next_account_number())? {
        Some(bytes) => {
            let raw: [u8; 8] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| corrupt("next account number is not 8 bytes"))?;
            Ok(u64::from_be_bytes(raw))
        }
        None => Ok(0),
    }
}

pub(crate) fn set_next_account_number(state: &mut dyn StateWrite, next: u64) -> AppResult<()> {
    state.put(
        state_key::next_account_number(),
        next.to_be_bytes().to_vec(),
    )?;
    Ok(())
}

/// Returns the next account number and advances the counter.
fn take_next_account_number(state: &mut dyn StateWrite) -> AppResult<u64> {
    let number = next_account_number(state)?;
    let next = number
        .checked_add(1)
        .ok_or_else(|| AppError::internal("account numbers exhausted"))?;
    set_next_account_number(state, next)?;
    Ok(number)
}

/// The module's params; the SDK defaults when none are stored.
pub fn params(state: &dyn StateRead) -> AppResult<Params> {
    match state.get(&state_key::params())? {
        Some(bytes) => {
            Params::decode(bytes.as_slice()).map_err(|e| corrupt(format!("auth params: {e}")))
        }
        None => Ok(default_params()),
    }
}

pub(crate) fn set_params(state: &mut dyn StateWrite, params: &Params) -> AppResult<()> {
    state.put(state_key::params(), params.encode_to_vec())?;
    Ok(())
}

/// The stored layout's version; `None` before genesis.
pub fn schema_version(state: &dyn StateRead) -> AppResult<Option<u16>> {
    match state.get(&state_key::schema_version())? {
        Some(bytes) => {
            let raw: [u8; 2] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| corrupt("auth schema version is not 2 bytes"))?;
            Ok(Some(u16::from_be_bytes(raw)))
        }
        None => Ok(None),
    }
}

pub(crate) fn set_schema_version(state: &mut dyn StateWrite, version: u16) -> AppResult<()> {
    state.put(state_key::schema_version(), version.to_be_bytes().to_vec())?;
    Ok(())
}

/// Every account with its address, in address-byte order.
pub(crate) fn all_accounts(state: &dyn StateRead) -> AppResult<Vec<(Address, BaseAccount)>> {
    state
        .prefix(&state_key::accounts::prefix())?
        .into_iter()
        .map(|(key, value)| {
            let address = state_key::accounts::address_of(&key)
                .ok_or_else(|| corrupt("malformed account key"))?;
            Ok((address, decode_account(&value)?))
        })
        .collect()
}

/// The module's invariants: every account decodes and names the address it
/// is stored under, account numbers are unique and below the next number,
/// and the account-number index lists exactly the accounts.
pub(crate) fn check_invariants(state: &dyn StateRead) -> AppResult<()> {
    let next = next_account_number(state)?;
    let mut numbers = BTreeSet::new();
    let mut want_index: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
    for (address, account) in all_accounts(state)? {
        let named = Address::from_bech32(&account.address)
            .map_err(|e| broken(format!("account {address} has a bad address: {}", e.log)))?;
        if named != address {
            return Err(broken(format!(
                "account stored under {address} names {named}"
            )));
        }
        if account.account_number >= next {
            return Err(broken(format!(
                "account {address} has number {} but the next number is {next}",
                account.account_number
            )));
        }
        if !numbers.insert(account.account_number) {
            return Err(broken(format!(
                "account number {} is used twice",
                account.account_number
            )));
        }
        want_index.insert(account.account_number, address.as_bytes().to_vec());
    }
    let index: BTreeMap<u64, Vec<u8>> = account_number_index(state)?.into_iter().collect();
    if index != want_index {
        let missing = want_index.iter().find(|(n, a)| index.get(n) != Some(a));
        let extra = index.iter().find(|(n, a)| want_index.get(n) != Some(a));
        return Err(broken(format!(
            "the account-number index does not match the accounts (first missing: {:?}, first extra: {:?})",
            missing.map(|(n, _)| n),
            extra.map(|(n, _)| n)
        )));
    }
    Ok(())
}

fn broken(log: String) -> AppError {
    AppError::internal(format!("auth invariant broken: {log}"))
}

#[cfg(test)]
mod tests {
    use gpuchain_store::Delta;

    use super::*;
    use crate::test_util::{addr, MemState};

    #[test]
    fn should_create_accounts_with_increasing_numbers_when_missing() {
        let mut state = Delta::new(&MemState);
        assert_eq!(get_account(&state, &addr(1)).unwrap(), None);
        let a = ensure_account(&mut state, &addr(1)).unwrap();
        let b = ensure_account(&mut state, &addr(2)).unwrap();
        assert_eq!((a.account_number, b.account_number), (0, 1));
        assert_eq!(a.address, addr(1).to_string());
        assert_eq!(next_account_number(&state).unwrap(), 2);
        // Existing accounts are returned unchanged; no number is consumed.
        let again = ensure_account(&mut state, &addr(1)).unwrap();
        assert_eq!(again, a);
        assert_eq!(next_account_number(&state).unwrap(), 2);
        assert!(has_account(&state, &addr(2)).unwrap());
        check_invariants(&state).unwrap();
    }

    #[test]
    fn should_store_account_protobuf_when_set() {
        let mut state = Delta::new(&MemState);
        let mut acc = ensure_account(&mut state, &addr(5)).unwrap();
        acc.sequence = 3;
        set_account(&mut state, &acc).unwrap();
        let raw = state
            .get(&state_key::accounts::by_address(&addr(5)))
            .unwrap()
            .unwrap();
        assert_eq!(BaseAccount::decode(raw.as_slice()).unwrap(), acc);
        assert_eq!(get_account(&state, &addr(5)).unwrap().unwrap().sequence, 3);
    }

    #[test]
    fn should_fail_with_code_7_when_setting_account_with_bad_address() {
        let mut state = Delta::new(&MemState);
        let acc = BaseAccount {
            address: addr(1).to_bech32_with_prefix("cosmos"),
            ..BaseAccount::default()
        };
        assert_eq!(set_account(&mut state, &acc).unwrap_err().code, 7);
    }

    #[test]
    fn should_return_defaults_when_no_params_stored() {
        let mut state = Delta::new(&MemState);
        assert_eq!(params(&state).unwrap(), default_params());
        let p = Params {
            tx_sig_limit: 3,
            ..default_params()
        };
        set_params(&mut state, &p).unwrap();
        assert_eq!(params(&state).unwrap(), p);
    }

    #[test]
    fn should_fail_with_code_1_when_stored_values_are_corrupt() {
        let mut state = Delta::new(&MemState);
        state
            .put(state_key::accounts::by_address(&addr(1)), vec![0xff])
            .unwrap();
        state
            .put(state_key::next_account_number(), vec![1, 2])
            .unwrap();
        assert_eq!(get_account(&state, &addr(1)).unwrap_err().code, 1);
        assert_eq!(next_account_number(&state).unwrap_err().code, 1);
    }

    #[test]
    fn should_break_invariant_when_numbers_collide_or_exceed_next() {
        let mut state = Delta::new(&MemState);
        ensure_account(&mut state, &addr(1)).unwrap();
        let mut dup = new_base_account(&addr(2), 0);
        set_account(&mut state, &dup).unwrap();
        set_next_account_number(&mut state, 5).unwrap();
        assert!(check_invariants(&state)
            .unwrap_err()
            .log
            .contains("used twice"));
        dup.account_number = 7;
        set_account(&mut state, &dup).unwrap();
        assert!(check_invariants(&state)
            .unwrap_err()
            .log
            .contains("next number"));
    }

    #[test]
    fn should_index_account_numbers_when_accounts_are_created() {
        let mut state = Delta::new(&MemState);
        ensure_account(&mut state, &addr(7)).unwrap();
        ensure_account(&mut state, &addr(3)).unwrap();
        ensure_account(&mut state, &addr(7)).unwrap(); // existing: no new entry
        assert_eq!(account_address_by_number(&state, 0).unwrap(), Some(addr(7)));
        assert_eq!(account_address_by_number(&state, 1).unwrap(), Some(addr(3)));
        assert_eq!(account_address_by_number(&state, 2).unwrap(), None);
        // Only the non-verifiable store holds the index.
        let changes = state.changes();
        assert_eq!(changes.nv.len(), 2);
        assert!(changes
            .state
            .keys()
            .all(|k| !k.starts_with(b"auth/accounts_by_number/")));
        check_invariants(&state).unwrap();
    }

    #[test]
    fn should_break_invariant_when_number_index_is_missing_or_wrong() {
        let mut state = Delta::new(&MemState);
        ensure_account(&mut state, &addr(1)).unwrap();
        ensure_account(&mut state, &addr(2)).unwrap();
        state
            .nv_delete(state_key::nv::accounts_by_number::by_number(1))
            .unwrap();
        let e = check_invariants(&state).unwrap_err();
        assert!(e.log.contains("account-number index"), "{}", e.log);
        index_account_number(&mut state, 1, &addr(9)).unwrap();
        assert!(check_invariants(&state).is_err());
        index_account_number(&mut state, 1, &addr(2)).unwrap();
        check_invariants(&state).unwrap();
        index_account_number(&mut state, 5, &addr(5)).unwrap();
        assert!(check_invariants(&state).is_err(), "an extra entry");
    }

    #[test]
    fn should_rebuild_nv_index_once_when_state_predates_it() {
        // State as an older node wrote it: accounts, no index, no marker.
        let mut state = Delta::new(&MemState);
        set_account(&mut state, &new_base_account(&addr(1), 4)).unwrap();
        set_account(&mut state, &new_base_account(&addr(2), 0)).unwrap();
        set_next_account_number(&mut state, 5).unwrap();
        state
            .nv_put(state_key::nv::accounts_by_number::by_number(3), vec![9; 20])
            .unwrap();
        assert!(check_invariants(&state).is_err());
        assert!(ensure_nv_indexes(&mut state).unwrap());
        check_invariants(&state).unwrap();
        assert_eq!(account_address_by_number(&state, 4).unwrap(), Some(addr(1)));
        assert_eq!(account_address_by_number(&state, 3).unwrap(), None);
        // Built: the next block only reads the marker.
        let before = state.changes().clone();
        assert!(!ensure_nv_indexes(&mut state).unwrap());
        assert_eq!(state.changes(), &before);
    }
}

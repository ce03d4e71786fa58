//! Typed reads and writes of the module's state. Nothing else touches the
//! keys of [`crate::state_key`].
//!
//! Encodings (one rule for the module): amounts are u128 as 16 big-endian
//! bytes, the schema version u16 big-endian; wire types (`Params`,
//! `Metadata`, `SendEnabled`) are stored as their protobuf encoding.
//!
//! Writes are `pub(crate)`: other modules move coins only through
//! [`crate::keeper`].
//!
//! The non-verifiable denom-owners index (`DenomOwners`) has one entry per
//! non-zero balance. [`set_balance`] keeps it: the entry is written when a
//! balance becomes non-zero and deleted when it becomes zero, so writes that
//! leave a balance non-zero cost no extra gas.

use std::collections::{BTreeMap, BTreeSet};

use cosmos_sdk_proto::cosmos::bank::v1beta1::{Metadata, Params, SendEnabled};
use gpuchain_auth::error::corrupt;
use gpuchain_store::{StateRead, StateWrite};
use gpuchain_types::{Address, AppError, AppResult, Coin, Coins};
use prost::Message;

use crate::params::default_params;
use crate::state_key;

fn decode_amount(bytes: &[u8]) -> AppResult<u128> {
    let raw: [u8; 16] = bytes
        .try_into()
        .map_err(|_| corrupt(format!("amount of {} bytes, want 16", bytes.len())))?;
    Ok(u128::from_be_bytes(raw))
}

fn denom_of(key: &[u8], prefix: &[u8]) -> AppResult<String> {
    let raw = key
        .strip_prefix(prefix)
        .ok_or_else(|| corrupt("key outside its prefix"))?;
    String::from_utf8(raw.to_vec()).map_err(|_| corrupt("denom is not UTF-8"))
}

// ----- balances -----

/// An address's balance of one denom (0 when it has none).
pub fn balance(state: &dyn StateRead, address: &Address, denom: &str) -> AppResult<u128> {
    match state.get(&state_key::balances::by_address_denom(address, denom))? {
        Some(bytes) => decode_amount(&bytes),
        None => Ok(0),
    }
}

/// Every non-zero balance of an address, sorted by denom.
pub fn all_balances(state: &dyn StateRead, address: &Address) -> AppResult<Coins> {
    let coins = balance_entries(state, address)?
        .into_iter()
        .map(|(denom, amount)| Coin::new(amount, denom));
    Coins::normalize(coins)
}

/// `(denom, amount)` of every balance of an address, in denom order.
pub(crate) fn balance_entries(
    state: &dyn StateRead,
    address: &Address,
) -> AppResult<Vec<(String, u128)>> {
    let prefix = state_key::balances::of_address(address);
    state
        .prefix(&prefix)?
        .into_iter()
        .map(|(key, value)| Ok((denom_of(&key, &prefix)?, decode_amount(&value)?)))
        .collect()
}

/// Sets a balance whose stored value is `previous` (as the caller just
/// read it); zero deletes it (zero balances are never stored). Keeps the
/// denom-owners index: added when the balance becomes non-zero, removed
/// when it becomes zero.
pub(crate) fn set_balance(
    state: &mut dyn StateWrite,
    address: &Address,
    denom: &str,
    previous: u128,
    amount: u128,
) -> AppResult<()> {
    let key = state_key::balances::by_address_denom(address, denom);
    // The owners index changes only when a balance becomes or stops being
    // zero, so its key is built only then.
    let owner = || state_key::nv::denom_owners::by_denom_address(denom, address);
    if amount == 0 {
        state.delete(key)?;
        if previous != 0 {
            state.nv_delete(owner())?;
        }
    } else {
        state.put(key, amount.to_be_bytes().to_vec())?;
        if previous == 0 {
            state.nv_put(owner(), Vec::new())?;
        }
    }
    Ok(())
}

/// The owners of `denom` (every address with a non-zero balance of it), in
/// address-byte order, from the non-verifiable index (latest height only).
pub(crate) fn denom_owners(state: &dyn StateRead, denom: &str) -> AppResult<Vec<Address>> {
    Ok(state
        .nv_prefix(&state_key::nv::denom_owners::of_denom(denom))?
        .into_iter()
        .filter_map(|(key, _)| state_key::nv::denom_owners::owner_of(&key, denom))
        .collect())
}

/// Every entry of the denom-owners index: `(denom, owner)`.
fn denom_owner_index(state: &dyn StateRead) -> AppResult<Vec<(String, Address)>> {
    state
        .nv_prefix(&state_key::nv::denom_owners::prefix())?
        .into_iter()
        .map(|(key, _)| {
            state_key::nv::denom_owners::parse(&key)
                .ok_or_else(|| corrupt("malformed denom-owners index key"))
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

/// Builds the non-verifiable indexes from the balances when this node has
/// not built them at the current version (state written before the index
/// existed). Returns whether it rebuilt.
pub(crate) fn ensure_nv_indexes(state: &mut dyn StateWrite) -> AppResult<bool> {
    gpuchain_store::rebuild_nv_index_once(
        state,
        state_key::nv::indexes_version(),
        state_key::nv::INDEXES_VERSION,
        &state_key::nv::denom_owners::prefix(),
        |state| -> AppResult<()> {
            for (address, denom, amount) in every_balance(state)? {
                if amount != 0 {
                    state.nv_put(
                        state_key::nv::denom_owners::by_denom_address(&denom, &address),
                        Vec::new(),
                    )?;
                }
            }
            Ok(())
        },
    )
}

/// Every stored balance: `(address, denom, raw amount)`, in key order.
pub(crate) fn every_balance(state: &dyn StateRead) -> AppResult<Vec<(Address, String, u128)>> {
    state
        .prefix(&state_key::balances::prefix())?
        .into_iter()
        .map(|(key, value)| {
            let (address, denom) =
                state_key::balances::parse(&key).ok_or_else(|| corrupt("malformed balance key"))?;
            Ok((address, denom, decode_amount(&value)?))
        })
        .collect()
}

// ----- supply -----

/// The total supply of one denom (0 when none exists).
pub fn supply_of(state: &dyn StateRead, denom: &str) -> AppResult<u128> {
    match state.get(&state_key::supply::by_denom(denom))? {
        Some(bytes) => decode_amount(&bytes),
        None => Ok(0),
    }
}

/// The total supply of every denom, sorted by denom.
pub fn total_supply(state: &dyn StateRead) -> AppResult<Coins> {
    let coins = supply_entries(state)?
        .into_iter()
        .map(|(denom, amount)| Coin::new(amount, denom));
    Coins::normalize(coins)
}

pub(crate) fn supply_entries(state: &dyn StateRead) -> AppResult<Vec<(String, u128)>> {
    let prefix = state_key::supply::prefix();
    state
        .prefix(&prefix)?
        .into_iter()
        .map(|(key, value)| Ok((denom_of(&key, &prefix)?, decode_amount(&value)?)))
        .collect()
}

pub(crate) fn set_supply(state: &mut dyn StateWrite, denom: &str, amount: u128) -> AppResult<()> {
    let key = state_key::supply::by_denom(denom);
    if amount == 0 {
        state.delete(key)?;
    } else {
        state.put(key, amount.to_be_bytes().to_vec())?;
    }
    Ok(())
}

// ----- denom metadata -----

/// The metadata of a (base) denom, if registered.
pub fn denom_metadata(state: &dyn StateRead, denom: &str) -> AppResult<Option<Metadata>> {
    match state.get(&state_key::denom_metadata::by_denom(denom))? {
        Some(bytes) => Ok(Some(
            Metadata::decode(bytes.as_slice()).map_err(|e| corrupt(format!("metadata: {e}")))?,
        )),
        None => Ok(None),
    }
}

/// `(denom, metadata)` of every registered denom, in denom order.
pub(crate) fn denom_metadata_entries(state: &dyn StateRead) -> AppResult<Vec<(String, Metadata)>> {
    let prefix = state_key::denom_metadata::prefix();
    state
        .prefix(&prefix)?
        .into_iter()
        .map(|(key, value)| {
            let meta = Metadata::decode(value.as_slice())
                .map_err(|e| corrupt(format!("metadata: {e}")))?;
            Ok((denom_of(&key, &prefix)?, meta))
        })
        .collect()
}

/// Every registered denom's metadata, in denom order.
pub fn all_denom_metadata(state: &dyn StateRead) -> AppResult<Vec<Metadata>> {
    Ok(denom_metadata_entries(state)?
        .into_iter()
        .map(|(_, m)| m)
        .collect())
}

pub(crate) fn set_denom_metadata(state: &mut dyn StateWrite, meta: &Metadata) -> AppResult<()> {
    state.put(
        state_key::denom_metadata::by_denom(&meta.base),
        meta.encode_to_vec(),
    )?;
    Ok(())
}

// ----- params and send flags -----

/// The module's params; the SDK defaults when none are stored.
pub fn params(state: &dyn StateRead) -> AppResult<Params> {
    match state.get(&state_key::params())? {
        Some(bytes) => {
            Params::decode(bytes.as_slice()).map_err(|e| corrupt(format!("bank params: {e}")))
        }
        None => Ok(default_params()),
    }
}

pub(crate) fn set_params(state: &mut dyn StateWrite, params: &Params) -> AppResult<()> {
    // Per-denom flags are separate entries; the deprecated list stays empty.
    let stored = Params {
        default_send_enabled: params.default_send_enabled,
        ..Params::default()
    };
    state.put(state_key::params(), stored.encode_to_vec())?;
    Ok(())
}

/// The explicit send flag of a denom, if one is set.
pub fn send_enabled_entry(state: &dyn StateRead, denom: &str) -> AppResult<Option<bool>> {
    match state.get(&state_key::send_enabled::by_denom(denom))? {
        Some(bytes) => Ok(Some(
            SendEnabled::decode(bytes.as_slice())
                .map_err(|e| corrupt(format!("send enabled: {e}")))?
                .enabled,
        )),
        None => Ok(None),
    }
}

/// `(denom, flag)` of every explicit send flag, in denom order.
pub(crate) fn send_enabled_entries(state: &dyn StateRead) -> AppResult<Vec<(String, SendEnabled)>> {
    let prefix = state_key::send_enabled::prefix();
    state
        .prefix(&prefix)?
        .into_iter()
        .map(|(key, value)| {
            let se = SendEnabled::decode(value.as_slice())
                .map_err(|e| corrupt(format!("send enabled: {e}")))?;
            Ok((denom_of(&key, &prefix)?, se))
        })
        .collect()
}

/// Every explicit send flag, in denom order.
pub fn all_send_enabled(state: &dyn StateRead) -> AppResult<Vec<SendEnabled>> {
    Ok(send_enabled_entries(state)?
        .into_iter()
        .map(|(_, s)| s)
        .collect())
}

pub(crate) fn set_send_enabled(
    state: &mut dyn StateWrite,
    denom: &str,
    enabled: bool,
) -> AppResult<()> {
    let value = SendEnabled {
        denom: denom.to_string(),
        enabled,
    };
    state.put(
        state_key::send_enabled::by_denom(denom),
        value.encode_to_vec(),
    )?;
    Ok(())
}

/// Whether coins of `denom` may be sent: its own flag, else the params'
/// `default_send_enabled`.
pub fn is_send_enabled(state: &dyn StateRead, denom: &str) -> AppResult<bool> {
    match send_enabled_entry(state, denom)? {
        Some(flag) => Ok(flag),
        None => Ok(params(state)?.default_send_enabled),
    }
}

// ----- schema version -----

/// The stored layout's version; `None` before genesis.
pub fn schema_version(state: &dyn StateRead) -> AppResult<Option<u16>> {
    match state.get(&state_key::schema_version())? {
        Some(bytes) => {
            let raw: [u8; 2] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| corrupt("bank schema version is not 2 bytes"))?;
            Ok(Some(u16::from_be_bytes(raw)))
        }
        None => Ok(None),
    }
}

pub(crate) fn set_schema_version(state: &mut dyn StateWrite, version: u16) -> AppResult<()> {
    state.put(state_key::schema_version(), version.to_be_bytes().to_vec())?;
    Ok(())
}

// ----- invariants -----

/// The module's invariants: no zero balance or supply is stored, the
/// total supply of every denom equals the sum of all balances of it, and
/// the denom-owners index lists exactly the non-zero balances.
pub(crate) fn check_invariants(state: &dyn StateRead) -> AppResult<()> {
    let mut sums: BTreeMap<String, u128> = BTreeMap::new();
    let mut owners: BTreeSet<(String, Address)> = BTreeSet::new();
    for (address, denom, amount) in every_balance(state)? {
        if amount == 0 {
            return Err(broken(format!(
                "zero balance of {denom} stored for {address}"
            )));
        }
        owners.insert((denom.clone(), address));
        let sum = sums.entry(denom.clone()).or_insert(0);
        *sum = sum
            .checked_add(amount)
            .ok_or_else(|| broken(format!("sum of {denom} balances overflows")))?;
    }
    let supply: BTreeMap<String, u128> = supply_entries(state)?.into_iter().collect();
    if let Some((denom, _)) = supply.iter().find(|(_, amount)| **amount == 0) {
        return Err(broken(format!("zero supply of {denom} stored")));
    }
    if sums != supply {
        let show = |m: &BTreeMap<String, u128>| {
            m.iter()
                .map(|(d, a)| format!("{a}{d}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        return Err(broken(format!(
            "total supply {} does not equal the sum of balances {}",
            show(&supply),
            show(&sums)
        )));
    }
    let index: BTreeSet<(String, Address)> = denom_owner_index(state)?.into_iter().collect();
    if let Some((denom, address)) = owners.difference(&index).next() {
        return Err(broken(format!(
            "{address} holds {denom} but is not in the denom-owners index"
        )));
    }
    if let Some((denom, address)) = index.difference(&owners).next() {
        return Err(broken(format!(
            "the denom-owners index lists {address} for {denom}, which it does not hold"
        )));
    }
    Ok(())
}

fn broken(log: String) -> AppError {
    AppError::internal(format!("bank invariant broken: {log}"))
}

#[cfg(test)]
mod tests {
    use gpuchain_store::Delta;

    use super::*;
    use crate::test_util::{addr, MemState};

    #[test]
    fn should_store_u128_big_endian_and_delete_zero_when_setting_balance() {
        let mut state = Delta::new(&MemState);
        set_balance(&mut state, &addr(1), "ugpc", 0, 258).unwrap();
        let raw = state
            .get(&state_key::balances::by_address_denom(&addr(1), "ugpc"))
            .unwrap()
            .unwrap();
        let mut want = [0u8; 16];
        want[14] = 1;
        want[15] = 2;
        assert_eq!(raw, want);
        assert_eq!(balance(&state, &addr(1), "ugpc").unwrap(), 258);
        set_balance(&mut state, &addr(1), "ugpc", 258, 0).unwrap();
        assert_eq!(
            state
                .get(&state_key::balances::by_address_denom(&addr(1), "ugpc"))
                .unwrap(),
            None
        );
        assert_eq!(balance(&state, &addr(1), "ugpc").unwrap(), 0);
    }

    #[test]
    fn should_list_balances_sorted_when_address_has_several() {
        let mut state = Delta::new(&MemState);
        set_balance(&mut state, &addr(1), "ugpc", 0, 5).unwrap();
        set_balance(&mut state, &addr(1), "uatom", 0, 7).unwrap();
        set_balance(&mut state, &addr(2), "uatom", 0, 9).unwrap();
        assert_eq!(
            all_balances(&state, &addr(1)).unwrap().to_string(),
            "7uatom,5ugpc"
        );
        assert!(all_balances(&state, &addr(3)).unwrap().is_empty());
    }

    #[test]
    fn should_fall_back_to_default_when_no_send_flag() {
        let mut state = Delta::new(&MemState);
        assert!(is_send_enabled(&state, "ugpc").unwrap());
        set_send_enabled(&mut state, "ugpc", false).unwrap();
        assert!(!is_send_enabled(&state, "ugpc").unwrap());
        set_params(
            &mut state,
            &Params {
                default_send_enabled: false,
                ..Params::default()
            },
        )
        .unwrap();
        assert!(!is_send_enabled(&state, "uatom").unwrap());
        set_send_enabled(&mut state, "uatom", true).unwrap();
        assert!(is_send_enabled(&state, "uatom").unwrap());
        let denoms: Vec<String> = all_send_enabled(&state)
            .unwrap()
            .into_iter()
            .map(|s| s.denom)
            .collect();
        assert_eq!(denoms, vec!["uatom", "ugpc"]);
    }

    #[test]
    fn should_fail_with_code_1_when_amount_is_corrupt() {
        let mut state = Delta::new(&MemState);
        state
            .put(
                state_key::balances::by_address_denom(&addr(1), "ugpc"),
                vec![1, 2, 3],
            )
            .unwrap();
        assert_eq!(balance(&state, &addr(1), "ugpc").unwrap_err().code, 1);
    }

    #[test]
    fn should_break_invariant_when_supply_differs_or_zero_stored() {
        let mut state = Delta::new(&MemState);
        set_balance(&mut state, &addr(1), "ugpc", 0, 5).unwrap();
        set_supply(&mut state, "ugpc", 5).unwrap();
        check_invariants(&state).unwrap();
        set_supply(&mut state, "ugpc", 6).unwrap();
        assert!(check_invariants(&state)
            .unwrap_err()
            .log
            .contains("does not equal"));
        set_supply(&mut state, "ugpc", 5).unwrap();
        state
            .put(
                state_key::balances::by_address_denom(&addr(2), "ugpc"),
                0u128.to_be_bytes().to_vec(),
            )
            .unwrap();
        assert!(check_invariants(&state)
            .unwrap_err()
            .log
            .contains("zero balance"));
    }

    #[test]
    fn should_index_owner_only_when_balance_becomes_non_zero_or_zero() {
        let mut state = Delta::new(&MemState);
        let owner_key = state_key::nv::denom_owners::by_denom_address("ugpc", &addr(1));
        set_balance(&mut state, &addr(1), "ugpc", 0, 5).unwrap();
        assert_eq!(state.nv_get(&owner_key).unwrap(), Some(vec![]));
        assert_eq!(denom_owners(&state, "ugpc").unwrap(), vec![addr(1)]);
        // Non-zero to non-zero: no nv write at all (no gas for the index).
        let before = state.changes().nv.clone();
        let mut tx = Delta::new(&state);
        set_balance(&mut tx, &addr(1), "ugpc", 5, 7).unwrap();
        assert!(tx.changes().nv.is_empty());
        state.apply(tx.into_changes());
        assert_eq!(state.changes().nv, before);
        set_balance(&mut state, &addr(1), "ugpc", 7, 0).unwrap();
        assert_eq!(state.nv_get(&owner_key).unwrap(), None);
        assert!(denom_owners(&state, "ugpc").unwrap().is_empty());
    }

    #[test]
    fn should_break_invariant_when_denom_owners_index_differs_from_balances() {
        let mut state = Delta::new(&MemState);
        set_balance(&mut state, &addr(1), "ugpc", 0, 5).unwrap();
        set_supply(&mut state, "ugpc", 5).unwrap();
        check_invariants(&state).unwrap();
        let key = state_key::nv::denom_owners::by_denom_address("ugpc", &addr(1));
        state.nv_delete(key.clone()).unwrap();
        let e = check_invariants(&state).unwrap_err();
        assert!(e.log.contains("not in the denom-owners index"), "{}", e.log);
        state.nv_put(key, vec![]).unwrap();
        state
            .nv_put(
                state_key::nv::denom_owners::by_denom_address("ugpc", &addr(2)),
                vec![],
            )
            .unwrap();
        let e = check_invariants(&state).unwrap_err();
        assert!(e.log.contains("which it does not hold"), "{}", e.log);
    }

    #[test]
    fn should_rebuild_denom_owners_once_when_state_predates_index() {
        // Balances as an older node wrote them: no index, no marker.
        let mut state = Delta::new(&MemState);
        for (n, denom, amount) in [(1, "ugpc", 5u128), (2, "ugpc", 7), (2, "ibc/ABC", 1)] {
            state
                .put(
                    state_key::balances::by_address_denom(&addr(n), denom),
                    amount.to_be_bytes().to_vec(),
                )
                .unwrap();
        }
        set_supply(&mut state, "ugpc", 12).unwrap();
        set_supply(&mut state, "ibc/ABC", 1).unwrap();
        assert!(check_invariants(&state).is_err());
        assert!(ensure_nv_indexes(&mut state).unwrap());
        check_invariants(&state).unwrap();
        assert_eq!(
            denom_owners(&state, "ugpc").unwrap(),
            vec![addr(1), addr(2)]
        );
        assert_eq!(denom_owners(&state, "ibc").unwrap(), vec![]);
        assert_eq!(denom_owners(&state, "ibc/ABC").unwrap(), vec![addr(2)]);
        let before = state.changes().clone();
        assert!(!ensure_nv_indexes(&mut state).unwrap());
        assert_eq!(state.changes(), &before);
    }
}

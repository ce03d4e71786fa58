//! Module accounts as auth reports them (`ModuleAccounts`,
//! `ModuleAccountByName`): the SDK's `cosmos.auth.v1beta1.ModuleAccount`.
//!
//! auth depends on no other module, so the modules that own module accounts
//! (bank's `fee_collector`) are told to it by the app through
//! [`crate::AuthComponent::with_module_accounts`], as the SDK's app wires
//! `maccPerms` into the account keeper.
//!
//! gpuchain does not store module accounts: their addresses hold balances
//! but no `BaseAccount` (creating them at genesis would change the pinned
//! app hashes). The SDK's query creates a missing module account on the fly
//! in a context it throws away, so it shows the number the account would get
//! next; gpuchain answers the same: a stored account at the module address
//! keeps its number and sequence, a missing one is shown with
//! `next_account_number` (then +1, +2, ... for further missing ones, in name
//! order, as the SDK's loop assigns them), sequence 0 and no public key.

use cosmos_sdk_proto::cosmos::auth::v1beta1::{BaseAccount, ModuleAccount};
use cosmos_sdk_proto::Any;
use gpuchain_store::StateRead;
use gpuchain_types::{Address, AppResult};
use prost::Message;

use crate::state_ext;

/// The type URL of a module account.
pub const MODULE_ACCOUNT_TYPE_URL: &str = "/cosmos.auth.v1beta1.ModuleAccount";

/// A module account the app registers with auth: its name (its address is
/// `Address::module(name)`) and its permissions (`minter`, `burner`,
/// `staking`; none for the fee collector).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModuleAccountSpec {
    pub name: &'static str,
    pub permissions: &'static [&'static str],
}

impl ModuleAccountSpec {
    pub const fn new(name: &'static str, permissions: &'static [&'static str]) -> Self {
        Self { name, permissions }
    }

    pub fn address(&self) -> Address {
        Address::module(self.name)
    }
}

/// Sorted by name, one entry per name: the first registration of a name
/// wins (the app registers each module account once; a router test checks).
pub(crate) fn normalize(specs: Vec<ModuleAccountSpec>) -> Vec<ModuleAccountSpec> {
    let mut out: Vec<ModuleAccountSpec> = Vec::with_capacity(specs.len());
    for spec in specs {
        if !out.iter().any(|s| s.name == spec.name) {
            out.push(spec);
        }
    }
    out.sort_by(|a, b| a.name.cmp(b.name));
    out
}

/// The module accounts of `specs` (sorted by name) as the SDK shows them;
/// missing ones get provisional numbers from `next_account_number` on.
pub(crate) fn module_accounts(
    state: &dyn StateRead,
    specs: &[ModuleAccountSpec],
) -> AppResult<Vec<ModuleAccount>> {
    let mut next = state_ext::next_account_number(state)?;
    specs
        .iter()
        .map(|spec| {
            let address = spec.address();
            let base = match state_ext::get_account(state, &address)? {
                Some(stored) => BaseAccount {
                    address: address.to_string(),
                    pub_key: stored.pub_key,
                    account_number: stored.account_number,
                    sequence: stored.sequence,
                },
                None => {
                    let number = next;
                    next = next.saturating_add(1);
                    crate::account::new_base_account(&address, number)
                }
            };
            Ok(ModuleAccount {
                base_account: Some(base),
                name: spec.name.to_string(),
                permissions: spec.permissions.iter().map(|p| p.to_string()).collect(),
            })
        })
        .collect()
}

/// The `Any` of a module account.
pub(crate) fn module_account_any(account: &ModuleAccount) -> Any {
    Any {
        type_url: MODULE_ACCOUNT_TYPE_URL.to_string(),
        value: account.encode_to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use gpuchain_store::Delta;

    use super::*;
    use crate::test_util::{addr, MemState};

    const FEE: ModuleAccountSpec = ModuleAccountSpec::new("fee_collector", &[]);
    const MINT: ModuleAccountSpec = ModuleAccountSpec::new("mint", &["minter"]);

    #[test]
    fn should_sort_specs_and_keep_first_registration_of_a_name() {
        assert_eq!(normalize(vec![MINT, FEE, MINT]), vec![FEE, MINT]);
        let other = ModuleAccountSpec::new("mint", &["burner"]);
        assert_eq!(normalize(vec![MINT, other]), vec![MINT]);
    }

    #[test]
    fn should_number_missing_module_accounts_from_next_number_in_name_order() {
        let mut state = Delta::new(&MemState);
        state_ext::ensure_account(&mut state, &addr(1)).unwrap();
        state_ext::ensure_account(&mut state, &addr(2)).unwrap();
        let accounts = module_accounts(&state, &[FEE, MINT]).unwrap();
        let numbers: Vec<(String, u64)> = accounts
            .iter()
            .map(|m| {
                (
                    m.name.clone(),
                    m.base_account.as_ref().unwrap().account_number,
                )
            })
            .collect();
        assert_eq!(
            numbers,
            vec![("fee_collector".into(), 2), ("mint".into(), 3)]
        );
        let fee = &accounts[0];
        assert_eq!(
            fee.base_account.as_ref().unwrap().address,
            Address::module("fee_collector").to_string()
        );
        assert!(fee.permissions.is_empty());
        assert_eq!(accounts[1].permissions, vec!["minter".to_string()]);
        // Nothing was written: the numbers are only shown.
        assert_eq!(state_ext::next_account_number(&state).unwrap(), 2);
    }

    #[test]
    fn should_keep_number_and_sequence_when_module_address_has_an_account() {
        let mut state = Delta::new(&MemState);
        let mut stored = state_ext::ensure_account(&mut state, &FEE.address()).unwrap();
        stored.sequence = 4;
        state_ext::set_account(&mut state, &stored).unwrap();
        let accounts = module_accounts(&state, &[FEE, MINT]).unwrap();
        let base = accounts[0].base_account.as_ref().unwrap();
        assert_eq!((base.account_number, base.sequence), (0, 4));
        // The missing one still gets the next number.
        assert_eq!(accounts[1].base_account.as_ref().unwrap().account_number, 1);
        let any = module_account_any(&accounts[0]);
        assert_eq!(any.type_url, "/cosmos.auth.v1beta1.ModuleAccount");
        assert_eq!(
            ModuleAccount::decode(any.value.as_slice()).unwrap(),
            accounts[0]
        );
    }
}

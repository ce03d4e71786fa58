//! `MsgAddBond`: the owner adds `ugpc` to its bond.

use gpuchain_proto::attestation::{MsgAddBond, MsgAddBondResponse, ProviderStatus};
use gpuchain_store::{MsgResponse, StateWrite};
use gpuchain_types::{Address, AppError, AppResult};

use super::{decode, parse_address, parse_bond, respond};
use crate::error::AttestationError;
use crate::keeper::{bond_amount, fmt_ugpc, set_bond, ugpc};
use crate::{event, state_ext};

pub const TYPE_URL: &str = "/gpuchain.attestation.v1.MsgAddBond";
pub const RESPONSE_TYPE_URL: &str = "/gpuchain.attestation.v1.MsgAddBondResponse";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddBond {
    pub owner: Address,
    pub amount: u128,
}

impl AddBond {
    pub fn check_stateless(value: &[u8]) -> AppResult<Self> {
        let msg: MsgAddBond = decode(TYPE_URL, value)?;
        let owner = parse_address("owner", &msg.owner)?;
        let amount = parse_bond("amount", msg.amount.as_ref())?;
        Ok(Self { owner, amount })
    }

    pub fn signers(&self) -> Vec<Address> {
        vec![self.owner]
    }

    /// Registered (3), not unbonding (6), funds (sdk 5).
    pub fn check_and_execute(&self, state: &mut dyn StateWrite) -> AppResult<MsgResponse> {
        let mut p = state_ext::provider(state, &self.owner)?
            .ok_or_else(|| AttestationError::ProviderNotFound.wrap(self.owner))?;
        if p.status != ProviderStatus::Bonded as i32 {
            return Err(AttestationError::ProviderUnbonding.wrap(self.owner));
        }
        let bond = bond_amount(&p)?
            .checked_add(self.amount)
            .ok_or_else(|| AppError::invalid_coins("bond overflows"))?;
        let coins = ugpc(self.amount);
        gpuchain_bank::send_coins_to_module(
            state,
            &self.owner,
            gpuchain_bank::ATTESTATION,
            &coins,
        )?;
        set_bond(&mut p, bond);
        state_ext::set_provider(state, &p)?;
        state.emit(event::provider_bond_added(
            &self.owner,
            &coins.to_string(),
            &fmt_ugpc(bond),
        ));
        Ok(respond(RESPONSE_TYPE_URL, MsgAddBondResponse {}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;

    #[test]
    fn should_raise_bond_when_adding() {
        let mut t = Setup::with_provider(1);
        t.deliver(TYPE_URL, &add_bond_msg(1, "250", "ugpc"))
            .unwrap();
        assert_eq!(t.bond(1), 1250);
        assert_eq!(t.module_balance(), 1250);
        assert_eq!(t.balance(&addr(1)), FUNDS - 1250);
        t.check_invariants();
    }

    #[test]
    fn should_fail_with_codes_when_add_bond_bad() {
        let mut t = Setup::with_provider(1);
        t.assert_rejected(TYPE_URL, &add_bond_msg(2, "1", "ugpc"), "attestation", 3);
        t.assert_rejected(TYPE_URL, &add_bond_msg(1, "0", "ugpc"), "sdk", 10);
        t.assert_rejected(TYPE_URL, &add_bond_msg(1, "1", "uatom"), "attestation", 5);
        t.assert_rejected(
            TYPE_URL,
            &add_bond_msg(1, &FUNDS.to_string(), "ugpc"),
            "sdk",
            5,
        );
        t.unbond(1).unwrap();
        t.assert_rejected(TYPE_URL, &add_bond_msg(1, "1", "ugpc"), "attestation", 6);
    }
}

//! `MsgRegisterProvider`: a new provider locks its bond (>= `min_bond`, in
//! `ugpc`) in the attestation module account.

use gpuchain_proto::attestation::{
    MsgRegisterProvider, MsgRegisterProviderResponse, Provider, ProviderStatus,
};
use gpuchain_store::{MsgResponse, StateWrite};
use gpuchain_types::{Address, AppResult, BlockContext};

use super::{check_region, check_text, decode, parse_address, parse_bond, respond};
use crate::error::AttestationError;
use crate::keeper::{set_bond, ugpc};
use crate::params::min_bond_amount;
use crate::{event, state_ext};

pub const TYPE_URL: &str = "/gpuchain.attestation.v1.MsgRegisterProvider";
pub const RESPONSE_TYPE_URL: &str = "/gpuchain.attestation.v1.MsgRegisterProviderResponse";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisterProvider {
    pub owner: Address,
    pub moniker: String,
    pub region: String,
    pub endpoint: String,
    pub bond: u128,
}

impl RegisterProvider {
    /// Decodes (2), owner (7), bond (10, or `attestation` 5 for another
    /// denom), moniker 1..=64 bytes, region 1..=32 of `[a-z0-9-]`, endpoint
    /// at most 256 bytes (`attestation` 18).
    pub fn check_stateless(value: &[u8]) -> AppResult<Self> {
        let msg: MsgRegisterProvider = decode(TYPE_URL, value)?;
        let owner = parse_address("owner", &msg.owner)?;
        let bond = parse_bond("bond", msg.bond.as_ref())?;
        check_text("moniker", &msg.moniker, 64, false)?;
        check_region(&msg.region, false)?;
        check_text("endpoint", &msg.endpoint, 256, true)?;
        Ok(Self {
            owner,
            moniker: msg.moniker,
            region: msg.region,
            endpoint: msg.endpoint,
            bond,
        })
    }

    pub fn signers(&self) -> Vec<Address> {
        vec![self.owner]
    }

    /// Not yet registered (2), not someone's agent (9), bond >= min (4),
    /// funds (sdk 5).
    pub fn check_and_execute(
        &self,
        state: &mut dyn StateWrite,
        ctx: &BlockContext,
    ) -> AppResult<MsgResponse> {
        if state_ext::provider(state, &self.owner)?.is_some() {
            return Err(AttestationError::ProviderExists.wrap(self.owner));
        }
        if let Some(p) = state_ext::agent_owner(state, &self.owner)? {
            return Err(
                AttestationError::AgentTaken.wrap(format!("{} is an agent of {p}", self.owner))
            );
        }
        let params = state_ext::params(state)?;
        let min = min_bond_amount(&params);
        if self.bond < min {
            return Err(AttestationError::BondTooSmall.wrap(format!(
                "{} is less than {}",
                ugpc(self.bond),
                ugpc(min)
            )));
        }
        let coins = ugpc(self.bond);
        gpuchain_bank::send_coins_to_module(
            state,
            &self.owner,
            gpuchain_bank::ATTESTATION,
            &coins,
        )?;
        let mut p = Provider {
            owner: self.owner.to_string(),
            moniker: self.moniker.clone(),
            region: self.region.clone(),
            endpoint: self.endpoint.clone(),
            status: ProviderStatus::Bonded as i32,
            registered_at: ctx.time_secs,
            total_slashed: "0".to_string(),
            ..Provider::default()
        };
        set_bond(&mut p, self.bond);
        state_ext::set_provider(state, &p)?;
        state.emit(event::provider_registered(
            &self.owner,
            &self.moniker,
            &self.region,
            &coins.to_string(),
        ));
        Ok(respond(RESPONSE_TYPE_URL, MsgRegisterProviderResponse {}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;

    #[test]
    fn should_lock_bond_and_store_provider_when_registering() {
        let mut t = Setup::new();
        let resp = t.deliver(TYPE_URL, &register_msg(1, "1000")).unwrap();
        assert_eq!(resp.type_url, RESPONSE_TYPE_URL);
        assert_eq!(t.balance(&addr(1)), FUNDS - 1000);
        assert_eq!(t.module_balance(), 1000);
        let p = state_ext::provider(&t.state, &addr(1)).unwrap().unwrap();
        assert_eq!(p.moniker, "prov");
        assert_eq!(p.region, "eu-west");
        assert_eq!(p.bond.unwrap().amount, "1000");
        assert_eq!(p.status, ProviderStatus::Bonded as i32);
        assert!(t.has_event("provider_registered"));
        t.check_invariants();
    }

    #[test]
    fn should_fail_with_codes_and_change_nothing_when_registration_bad() {
        let mut t = Setup::new();
        t.deliver(TYPE_URL, &register_msg(1, "1000")).unwrap();
        let cases: Vec<(Vec<u8>, &str, u32)> = vec![
            (register_msg(1, "1000"), "attestation", 2),
            (register_msg(2, "999"), "attestation", 4),
            (register_msg(2, "0"), "sdk", 10),
            (register_msg(2, "-5"), "sdk", 10),
            (
                register_msg(2, "99999999999999999999999999999999999999999"),
                "sdk",
                10,
            ),
            (register_msg_denom(2, "1000", "uatom"), "attestation", 5),
            (register_msg(2, &(FUNDS + 1).to_string()), "sdk", 5),
            (register_fields(2, "", "eu", "x"), "attestation", 18),
            (register_fields(2, "m", "EU", "x"), "attestation", 18),
            (
                register_fields(2, &"m".repeat(65), "eu", "x"),
                "attestation",
                18,
            ),
            (bad_owner_register(), "sdk", 7),
            (vec![0xff, 0xff], "sdk", 2),
        ];
        for (bytes, space, code) in cases {
            t.assert_rejected(TYPE_URL, &bytes, space, code);
        }
    }

    #[test]
    fn should_fail_with_code_9_when_an_agent_registers() {
        let mut t = Setup::with_provider(1);
        t.authorize(1, 2);
        t.assert_rejected(TYPE_URL, &register_msg(2, "1000"), "attestation", 9);
    }
}

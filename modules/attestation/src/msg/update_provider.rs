//! `MsgUpdateProvider`: the owner changes its moniker, region or endpoint
//! (empty fields are left unchanged).

use gpuchain_proto::attestation::{MsgUpdateProvider, MsgUpdateProviderResponse};
use gpuchain_store::{MsgResponse, StateWrite};
use gpuchain_types::{Address, AppResult};

use super::{check_region, check_text, decode, parse_address, respond};
use crate::error::AttestationError;
use crate::{event, state_ext};

pub const TYPE_URL: &str = "/gpuchain.attestation.v1.MsgUpdateProvider";
pub const RESPONSE_TYPE_URL: &str = "/gpuchain.attestation.v1.MsgUpdateProviderResponse";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateProvider {
    pub owner: Address,
    pub moniker: String,
    pub region: String,
    pub endpoint: String,
}

impl UpdateProvider {
    pub fn check_stateless(value: &[u8]) -> AppResult<Self> {
        let msg: MsgUpdateProvider = decode(TYPE_URL, value)?;
        let owner = parse_address("owner", &msg.owner)?;
        check_text("moniker", &msg.moniker, 64, true)?;
        check_region(&msg.region, true)?;
        check_text("endpoint", &msg.endpoint, 256, true)?;
        Ok(Self {
            owner,
            moniker: msg.moniker,
            region: msg.region,
            endpoint: msg.endpoint,
        })
    }

    pub fn signers(&self) -> Vec<Address> {
        vec![self.owner]
    }

    /// Registered (3).
    pub fn check_and_execute(&self, state: &mut dyn StateWrite) -> AppResult<MsgResponse> {
        let mut p = state_ext::provider(state, &self.owner)?
            .ok_or_else(|| AttestationError::ProviderNotFound.wrap(self.owner))?;
        if !self.moniker.is_empty() {
            p.moniker = self.moniker.clone();
        }
        if !self.region.is_empty() {
            p.region = self.region.clone();
        }
        if !self.endpoint.is_empty() {
            p.endpoint = self.endpoint.clone();
        }
        state_ext::set_provider(state, &p)?;
        state.emit(event::provider_updated(&self.owner));
        Ok(respond(RESPONSE_TYPE_URL, MsgUpdateProviderResponse {}))
    }
}

#[cfg(test)]
mod tests {
    use gpuchain_proto::attestation::MsgUpdateProvider;
    use prost::Message;

    use super::*;
    use crate::test_util::*;

    fn msg(owner: &str, moniker: &str, region: &str, endpoint: &str) -> Vec<u8> {
        MsgUpdateProvider {
            owner: owner.into(),
            moniker: moniker.into(),
            region: region.into(),
            endpoint: endpoint.into(),
        }
        .encode_to_vec()
    }

    #[test]
    fn should_change_only_given_fields_when_updating() {
        let mut t = Setup::with_provider(1);
        t.deliver(TYPE_URL, &msg(&addr(1).to_string(), "", "us-east", ""))
            .unwrap();
        let p = state_ext::provider(&t.state, &addr(1)).unwrap().unwrap();
        assert_eq!((p.moniker.as_str(), p.region.as_str()), ("prov", "us-east"));
        assert_eq!(p.endpoint, "https://p.example");
        assert!(t.has_event("provider_updated"));
    }

    #[test]
    fn should_fail_with_codes_when_update_bad() {
        let mut t = Setup::with_provider(1);
        t.assert_rejected(
            TYPE_URL,
            &msg(&addr(2).to_string(), "x", "", ""),
            "attestation",
            3,
        );
        t.assert_rejected(
            TYPE_URL,
            &msg(&addr(1).to_string(), "", "Bad Region", ""),
            "attestation",
            18,
        );
        t.assert_rejected(TYPE_URL, &msg("gpu1nope", "x", "", ""), "sdk", 7);
    }
}

//! `MsgAuthorizeAgent` / `MsgRevokeAgent`: the owner lets a host key sign
//! agent messages (inventory, challenge answers, lease acknowledgements) for
//! it. An agent serves one provider, is not a provider itself, and can never
//! sign the owner's messages (they name the owner as signer).

use gpuchain_proto::attestation::{
    MsgAuthorizeAgent, MsgAuthorizeAgentResponse, MsgRevokeAgent, MsgRevokeAgentResponse,
};
use gpuchain_store::{MsgResponse, StateWrite};
use gpuchain_types::{Address, AppResult};

use super::{decode, parse_address, respond};
use crate::error::AttestationError;
use crate::{event, state_ext};

pub const AUTHORIZE_TYPE_URL: &str = "/gpuchain.attestation.v1.MsgAuthorizeAgent";
pub const AUTHORIZE_RESPONSE_TYPE_URL: &str = "/gpuchain.attestation.v1.MsgAuthorizeAgentResponse";
pub const REVOKE_TYPE_URL: &str = "/gpuchain.attestation.v1.MsgRevokeAgent";
pub const REVOKE_RESPONSE_TYPE_URL: &str = "/gpuchain.attestation.v1.MsgRevokeAgentResponse";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizeAgent {
    pub owner: Address,
    pub agent: Address,
}

impl AuthorizeAgent {
    /// Decodes (2), addresses (7), agent != owner (27).
    pub fn check_stateless(value: &[u8]) -> AppResult<Self> {
        let msg: MsgAuthorizeAgent = decode(AUTHORIZE_TYPE_URL, value)?;
        let owner = parse_address("owner", &msg.owner)?;
        let agent = parse_address("agent", &msg.agent)?;
        if owner == agent {
            return Err(AttestationError::AgentIsOwner.wrap(owner));
        }
        Ok(Self { owner, agent })
    }

    pub fn signers(&self) -> Vec<Address> {
        vec![self.owner]
    }

    /// Registered (3), agent free and not a provider (9), at most
    /// `max_agents_per_provider` (28).
    pub fn check_and_execute(&self, state: &mut dyn StateWrite) -> AppResult<MsgResponse> {
        if state_ext::provider(state, &self.owner)?.is_none() {
            return Err(AttestationError::ProviderNotFound.wrap(self.owner));
        }
        if let Some(p) = state_ext::agent_owner(state, &self.agent)? {
            return Err(
                AttestationError::AgentTaken.wrap(format!("{} is an agent of {p}", self.agent))
            );
        }
        if state_ext::provider(state, &self.agent)?.is_some() {
            return Err(AttestationError::AgentTaken.wrap(format!("{} is a provider", self.agent)));
        }
        let params = state_ext::params(state)?;
        let count = state_ext::agents(state, &self.owner)?.len();
        if count >= usize::try_from(params.max_agents_per_provider).unwrap_or(usize::MAX) {
            return Err(
                AttestationError::TooManyAgents.wrap(format!("{} has {count} agents", self.owner))
            );
        }
        state_ext::add_agent(state, &self.owner, &self.agent)?;
        state.emit(event::agent_authorized(&self.owner, &self.agent));
        Ok(respond(
            AUTHORIZE_RESPONSE_TYPE_URL,
            MsgAuthorizeAgentResponse {},
        ))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevokeAgent {
    pub owner: Address,
    pub agent: Address,
}

impl RevokeAgent {
    pub fn check_stateless(value: &[u8]) -> AppResult<Self> {
        let msg: MsgRevokeAgent = decode(REVOKE_TYPE_URL, value)?;
        let owner = parse_address("owner", &msg.owner)?;
        let agent = parse_address("agent", &msg.agent)?;
        Ok(Self { owner, agent })
    }

    pub fn signers(&self) -> Vec<Address> {
        vec![self.owner]
    }

    /// Registered (3), the agent is this provider's (10).
    pub fn check_and_execute(&self, state: &mut dyn StateWrite) -> AppResult<MsgResponse> {
        if state_ext::provider(state, &self.owner)?.is_none() {
            return Err(AttestationError::ProviderNotFound.wrap(self.owner));
        }
        if state_ext::agent_owner(state, &self.agent)? != Some(self.owner) {
            return Err(AttestationError::AgentNotFound
                .wrap(format!("{} is not an agent of {}", self.agent, self.owner)));
        }
        state_ext::remove_agent(state, &self.owner, &self.agent)?;
        state.emit(event::agent_revoked(&self.owner, &self.agent));
        Ok(respond(REVOKE_RESPONSE_TYPE_URL, MsgRevokeAgentResponse {}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;

    #[test]
    fn should_let_agent_sign_only_while_authorized() {
        let mut t = Setup::with_provider(1);
        assert!(crate::is_agent(&t.state, &addr(1), &addr(1)).unwrap());
        assert!(!crate::is_agent(&t.state, &addr(1), &addr(2)).unwrap());
        t.authorize(1, 2);
        assert!(crate::is_agent(&t.state, &addr(1), &addr(2)).unwrap());
        assert_eq!(
            state_ext::agents(&t.state, &addr(1)).unwrap(),
            vec![addr(2)]
        );
        assert!(t.has_event("agent_authorized"));
        t.deliver(REVOKE_TYPE_URL, &agent_msg(false, 1, 2)).unwrap();
        assert!(!crate::is_agent(&t.state, &addr(1), &addr(2)).unwrap());
        assert!(state_ext::agents(&t.state, &addr(1)).unwrap().is_empty());
        // Unregistered provider: nobody signs for it.
        assert!(!crate::is_agent(&t.state, &addr(7), &addr(7)).unwrap());
    }

    #[test]
    fn should_fail_with_codes_when_agent_msgs_bad() {
        let mut t = Setup::with_provider(1);
        t.register(3);
        t.authorize(1, 2);
        t.assert_rejected(
            AUTHORIZE_TYPE_URL,
            &agent_msg(true, 1, 1),
            "attestation",
            27,
        );
        t.assert_rejected(AUTHORIZE_TYPE_URL, &agent_msg(true, 1, 2), "attestation", 9);
        t.assert_rejected(AUTHORIZE_TYPE_URL, &agent_msg(true, 3, 2), "attestation", 9);
        t.assert_rejected(AUTHORIZE_TYPE_URL, &agent_msg(true, 1, 3), "attestation", 9);
        t.assert_rejected(AUTHORIZE_TYPE_URL, &agent_msg(true, 5, 6), "attestation", 3);
        t.assert_rejected(REVOKE_TYPE_URL, &agent_msg(false, 3, 2), "attestation", 10);
        t.assert_rejected(REVOKE_TYPE_URL, &agent_msg(false, 5, 2), "attestation", 3);
        for n in 10..(10 + MAX_AGENTS - 1) {
            t.authorize(1, n);
        }
        t.assert_rejected(
            AUTHORIZE_TYPE_URL,
            &agent_msg(true, 1, 99),
            "attestation",
            28,
        );
    }
}

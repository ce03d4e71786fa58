//! `MsgChallengeOpen`: the agent opens the entries the beacon selected,
//! within the opening window; the chain verifies them. A well-formed but
//! wrong opening fails the challenge (the tx succeeds and records the
//! failure with its penalties); bytes that are no opening at all are
//! rejected (24) and change nothing.

use gpuchain_proto::attestation::{ChallengeStatus, MsgChallengeOpen, MsgChallengeOpenResponse};
use gpuchain_store::{MsgResponse, StateWrite};
use gpuchain_types::{Address, AppResult, BlockContext};

use super::{decode, parse_address, respond};
use crate::challenge::{fail, pass};
use crate::error::AttestationError;
use crate::expected::LeaseBook;
use crate::keeper::require_agent;
use crate::verify::{OpeningVerifier, Verdict};
use crate::{state_ext, state_key};

pub const TYPE_URL: &str = "/gpuchain.attestation.v1.MsgChallengeOpen";
pub const RESPONSE_TYPE_URL: &str = "/gpuchain.attestation.v1.MsgChallengeOpenResponse";

/// The largest opening accepted (CometBFT's default tx limit is 1 MiB).
pub const MAX_OPENING_BYTES: usize = 1024 * 1024;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChallengeOpen {
    pub signer: Address,
    pub challenge_id: u64,
    pub opening: Vec<u8>,
}

impl ChallengeOpen {
    /// Decodes (2), signer (7), 1..=1 MiB of opening (24).
    pub fn check_stateless(value: &[u8]) -> AppResult<Self> {
        let msg: MsgChallengeOpen = decode(TYPE_URL, value)?;
        let signer = parse_address("signer", &msg.signer)?;
        if msg.opening.is_empty() || msg.opening.len() > MAX_OPENING_BYTES {
            return Err(AttestationError::MalformedOpening.wrap(format!(
                "opening is {} bytes, must be 1-{MAX_OPENING_BYTES}",
                msg.opening.len()
            )));
        }
        Ok(Self {
            signer,
            challenge_id: msg.challenge_id,
            opening: msg.opening,
        })
    }

    pub fn signers(&self) -> Vec<Address> {
        vec![self.signer]
    }

    /// Exists (20), signed by its provider or agent (8), committed and
    /// unresolved (22), at or before the open deadline (21), beacon known
    /// (23: open no earlier than two blocks after the commit), well formed
    /// (24).
    pub fn check_and_execute(
        &self,
        state: &mut dyn StateWrite,
        ctx: &BlockContext,
        leases: &dyn LeaseBook,
        verifier: &dyn OpeningVerifier,
    ) -> AppResult<MsgResponse> {
        let ch = state_ext::challenge(state, self.challenge_id)?
            .ok_or_else(|| AttestationError::ChallengeNotFound.wrap(self.challenge_id))?;
        let provider = Address::from_bech32(&ch.provider)?;
        require_agent(state, &provider, &self.signer)?;
        if ch.status != ChallengeStatus::AwaitingOpen as i32 {
            return Err(AttestationError::WrongChallengeState
                .wrap(format!("challenge {} is not awaiting an opening", ch.id)));
        }
        if ctx.time_secs > ch.open_deadline {
            return Err(AttestationError::DeadlinePassed.wrap(format!(
                "challenge {} open deadline {} passed at {}",
                ch.id, ch.open_deadline, ctx.time_secs
            )));
        }
        if ch.beacon.is_empty() {
            return Err(AttestationError::BeaconNotReady.wrap(format!(
                "challenge {} committed at height {}",
                ch.id, ch.committed_height
            )));
        }
        let verdict = verifier
            .verify(&ch, &self.opening)
            .map_err(|why| AttestationError::MalformedOpening.wrap(why))?;
        state.nv_delete(state_key::nv::deadlines::entry(ch.open_deadline, ch.id))?;
        let response = match verdict {
            Verdict::Pass => {
                pass(state, ctx, ch)?;
                MsgChallengeOpenResponse {
                    passed: true,
                    failure: String::new(),
                }
            }
            Verdict::Fail(why) => {
                let reason = format!("bad opening: {why}");
                fail(state, ctx, leases, ch, &reason)?;
                MsgChallengeOpenResponse {
                    passed: false,
                    failure: reason,
                }
            }
        };
        Ok(respond(RESPONSE_TYPE_URL, response))
    }
}

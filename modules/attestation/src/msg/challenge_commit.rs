//! `MsgChallengeCommit`: the agent commits the Merkle root of its
//! challenge outputs before the commit deadline. The entries to open are
//! derived from the root and the hash of the next block (the beacon), which
//! begin-block of that block writes into the challenge.

use gpuchain_proto::attestation::{
    ChallengeStatus, MsgChallengeCommit, MsgChallengeCommitResponse,
};
use gpuchain_store::{MsgResponse, StateWrite};
use gpuchain_types::{Address, AppResult, BlockContext};

use super::{decode, parse_address, respond};
use crate::error::AttestationError;
use crate::keeper::require_agent;
use crate::{event, state_ext, state_key};

pub const TYPE_URL: &str = "/gpuchain.attestation.v1.MsgChallengeCommit";
pub const RESPONSE_TYPE_URL: &str = "/gpuchain.attestation.v1.MsgChallengeCommitResponse";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChallengeCommit {
    pub signer: Address,
    pub challenge_id: u64,
    pub root: Vec<u8>,
}

impl ChallengeCommit {
    /// Decodes (2), signer (7), a 32-byte root (18).
    pub fn check_stateless(value: &[u8]) -> AppResult<Self> {
        let msg: MsgChallengeCommit = decode(TYPE_URL, value)?;
        let signer = parse_address("signer", &msg.signer)?;
        if msg.root.len() != 32 {
            return Err(AttestationError::InvalidField
                .wrap(format!("root is {} bytes, must be 32", msg.root.len())));
        }
        Ok(Self {
            signer,
            challenge_id: msg.challenge_id,
            root: msg.root,
        })
    }

    pub fn signers(&self) -> Vec<Address> {
        vec![self.signer]
    }

    /// Exists (20), signed by its provider or agent (8), awaiting a commit
    /// (22), at or before the commit deadline (21).
    pub fn check_and_execute(
        &self,
        state: &mut dyn StateWrite,
        ctx: &BlockContext,
    ) -> AppResult<MsgResponse> {
        let mut ch = state_ext::challenge(state, self.challenge_id)?
            .ok_or_else(|| AttestationError::ChallengeNotFound.wrap(self.challenge_id))?;
        let provider = Address::from_bech32(&ch.provider)?;
        require_agent(state, &provider, &self.signer)?;
        if ch.status != ChallengeStatus::AwaitingCommit as i32 {
            return Err(AttestationError::WrongChallengeState
                .wrap(format!("challenge {} is not awaiting a commit", ch.id)));
        }
        if ctx.time_secs > ch.commit_deadline {
            return Err(AttestationError::DeadlinePassed.wrap(format!(
                "challenge {} commit deadline {} passed at {}",
                ch.id, ch.commit_deadline, ctx.time_secs
            )));
        }
        let cp = ch.params.unwrap_or_default();
        let open_deadline = ctx.time_secs.saturating_add(cp.open_window_secs);
        state.nv_delete(state_key::nv::deadlines::entry(ch.commit_deadline, ch.id))?;
        state.nv_put(
            state_key::nv::deadlines::entry(open_deadline, ch.id),
            vec![],
        )?;
        state.nv_put(
            state_key::nv::beacon_due::entry(ctx.height.saturating_add(1), ch.id),
            vec![],
        )?;
        ch.root = self.root.clone();
        ch.committed_at = ctx.time_secs;
        ch.committed_height = ctx.height;
        ch.open_deadline = open_deadline;
        ch.status = ChallengeStatus::AwaitingOpen as i32;
        state_ext::set_challenge(state, &ch)?;
        state.emit(event::challenge_committed(
            ch.id,
            &ch.provider,
            &ch.gpu_uuid,
            open_deadline,
        ));
        Ok(respond(RESPONSE_TYPE_URL, MsgChallengeCommitResponse {}))
    }
}

//! The one call that checks a challenge opening on-chain, through
//! `gpuchain-challenge`: the positions are
//! `select_openings(params, seed, root, beacon)` and the opening must verify
//! against them ([`gpuchain_challenge::verify_bytes`]). Tests may pass their
//! own [`OpeningVerifier`].
//!
//! - Bytes that do not decode as an opening are no answer at all: the tx is
//!   rejected (code 24) and the agent may still answer before the deadline.
//! - A decoded opening that does not verify (wrong count, wrong positions,
//!   bad Merkle proof, wrong value...) fails the challenge.
//!
//! Gas: verification costs `gpuchain_challenge::verify_cost` units (int8
//! MACs + SHA-256 blocks; ~5k for `test-cpu`, ~202k for a 4096 x 1024 x 16
//! preset, under 1 ms). The opening itself is paid for by the tx-size gas
//! (10 gas per byte: ~320k gas for a `test-cpu` opening, ~4.3M for a
//! data-centre one), 20-60 times the verify cost in units, so the handler
//! charges nothing more.

use gpuchain_challenge::{select_openings, verify_bytes, ChallengeParams, VerifyError};
use gpuchain_proto::attestation::{self as pb, Challenge};

/// The verdict on a well-formed opening.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// Wrong: the challenge fails, with this reason.
    Fail(String),
}

pub trait OpeningVerifier: Send + Sync {
    /// `Err(why)`: the bytes are not an opening at all (the tx is rejected,
    /// code 24). `Ok(verdict)`: a well-formed opening, right or wrong.
    fn verify(&self, challenge: &Challenge, opening: &[u8]) -> Result<Verdict, String>;
}

/// The challenge crate's params of a stored challenge.
pub fn challenge_params(p: &pb::ChallengeParams) -> ChallengeParams {
    ChallengeParams {
        n: p.n,
        rounds: p.rounds,
        lanes: p.lanes,
        checks: p.checks,
    }
}

/// The 32-byte array of a stored seed or root (`None` if not 32 bytes).
fn bytes32(v: &[u8]) -> Option<[u8; 32]> {
    v.try_into().ok()
}

/// The on-chain verifier of gpuchain-challenge.
#[derive(Clone, Copy, Debug, Default)]
pub struct ChallengeVerifier;

impl OpeningVerifier for ChallengeVerifier {
    fn verify(&self, ch: &Challenge, opening: &[u8]) -> Result<Verdict, String> {
        let params = challenge_params(&ch.params.unwrap_or_default());
        let seed = bytes32(&ch.seed).ok_or("stored seed is not 32 bytes")?;
        let root = bytes32(&ch.root).ok_or("stored root is not 32 bytes")?;
        let positions = select_openings(&params, &seed, &root, &ch.beacon)
            .map_err(|e| format!("challenge params: {e}"))?;
        match verify_bytes(&params, &seed, &root, &positions, opening) {
            Ok(()) => Ok(Verdict::Pass),
            Err(VerifyError::Decode(e)) => Err(format!("opening does not decode: {e}")),
            Err(VerifyError::Params(e)) => Err(format!("challenge params: {e}")),
            Err(e) => Ok(Verdict::Fail(format!("{e} (code {})", e.code()))),
        }
    }
}

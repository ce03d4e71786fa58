//! L1 GPU challenges: issue (at random per GPU per day, and on every lease
//! acknowledgement), deadlines, pass and fail with its penalties.
//!
//! - Seeds come from chain data only: `sha256("gpuchain/challenge/v1" |
//!   block hash | height u64 BE | provider 20 bytes | uuid)`.
//! - Random challenges: each challengeable GPU has one entry in the
//!   time-ordered `random_due` queue, at a delay drawn from chain data,
//!   uniform in `[1, 2 * 86400 / rate]` seconds, so the mean is one per
//!   `86400 / rate` seconds. End-block reads at most
//!   `max_random_challenges_per_block` due entries; a GPU serving a lease,
//!   already challenged, unbonding or left out of its report is skipped and
//!   re-drawn. Known limit: the due time is computable by anyone once drawn;
//!   the work itself is still unknown until the challenge is issued.
//! - Beacon: the hash of the block after the commit's, written into the
//!   challenge at that block's begin-block; the entries to open derive from
//!   the root and it, so the agent learns them only after committing.
//! - Failure: GPU loses its attested status, bond slashed by
//!   `fail_slash_bps`, `tenant_share_bps` of that paid to the tenants of the
//!   open lease the GPU serves (split by deposit) and the rest to the
//!   community pool, that lease closed `provider_faulted`, provider jailed for
//!   `jail_duration * 2^(earlier failures, at most 6)`. A failed GPU's next
//!   random challenge is drawn from the end of the jail; passing one restores
//!   it.

use gpuchain_proto::attestation::{
    Challenge, ChallengeReason, ChallengeStatus, Gpu, Params, ProviderStatus,
};
use gpuchain_store::StateWrite;
use gpuchain_types::{Address, AppError, AppResult, BlockContext};
use sha2::{Digest, Sha256};

use crate::event;
use crate::expected::LeaseBook;
use crate::keeper::{self, fmt_ugpc, split_by_weight, ugpc};
use crate::state_ext;
use crate::state_key;
use gpuchain_store::in_layer;

/// Random challenges, deadlines and unbondings handled per block, at most.
pub const MAX_DEADLINES_PER_BLOCK: usize = 100;
pub const MAX_UNBONDINGS_PER_BLOCK: usize = 50;

/// The seed of a challenge issued in block `height` with hash `block_hash`.
pub fn challenge_seed(block_hash: &[u8], height: u64, provider: &Address, uuid: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"gpuchain/challenge/v1");
    h.update(block_hash);
    h.update(height.to_be_bytes());
    h.update(provider.as_bytes());
    h.update(uuid.as_bytes());
    h.finalize().into()
}

/// The beacon a block gives the challenges committed in the block before:
/// its hash, or (where a harness gives no hash) a hash of the height.
pub fn beacon_of(block_hash: &[u8], height: u64) -> Vec<u8> {
    if block_hash.is_empty() {
        let mut h = Sha256::new();
        h.update(b"gpuchain/beacon/v1");
        h.update(height.to_be_bytes());
        h.finalize().to_vec()
    } else {
        block_hash.to_vec()
    }
}

pub fn reason_name(reason: i32) -> &'static str {
    match ChallengeReason::try_from(reason) {
        Ok(ChallengeReason::Random) => "random",
        Ok(ChallengeReason::LeaseAck) => "lease_ack",
        _ => "unspecified",
    }
}

/// Whether a GPU can be challenged at all: known SKU, not MIG.
fn challengeable(g: &Gpu) -> bool {
    !g.sku.is_empty() && !g.mig_mode
}

/// Issues a challenge on `g` (which the caller stores afterwards). `None`
/// when its SKU is unknown or it already has one pending.
pub(crate) fn issue(
    state: &mut dyn StateWrite,
    ctx: &BlockContext,
    params: &Params,
    g: &mut Gpu,
    reason: ChallengeReason,
    lease_id: u64,
) -> AppResult<Option<u64>> {
    if g.pending_challenge_id != 0 || !challengeable(g) {
        return Ok(None);
    }
    let Some(spec) = params.skus.iter().find(|s| s.id == g.sku) else {
        return Ok(None);
    };
    let cp = spec.challenge.unwrap_or_default();
    let provider = Address::from_bech32(&g.provider)?;
    let id = state_ext::take_challenge_id(state)?;
    let now = ctx.time_secs;
    let commit_deadline = now.saturating_add(cp.commit_window_secs);
    let ch = Challenge {
        id,
        provider: g.provider.clone(),
        gpu_uuid: g.uuid.clone(),
        sku: g.sku.clone(),
        reason: reason as i32,
        lease_id,
        seed: challenge_seed(&ctx.block_hash, ctx.height, &provider, &g.uuid).to_vec(),
        params: Some(cp),
        issued_at: now,
        issued_height: ctx.height,
        commit_deadline,
        status: ChallengeStatus::AwaitingCommit as i32,
        ..Challenge::default()
    };
    state_ext::set_challenge(state, &ch)?;
    state_ext::index_challenge(state, &provider, &g.uuid, id)?;
    state.nv_put(state_key::nv::deadlines::entry(commit_deadline, id), vec![])?;
    g.pending_challenge_id = id;
    g.last_challenge_id = id;
    state.emit(event::challenge_issued(
        id,
        &g.provider,
        &g.uuid,
        &g.sku,
        reason_name(reason as i32),
        lease_id,
        commit_deadline,
    ));
    Ok(Some(id))
}

/// Draws the GPU's next random challenge time, not before `not_before`
/// (replacing any entry it had). None when the rate is 0 or the GPU cannot
/// be challenged.
pub(crate) fn schedule_random(
    state: &mut dyn StateWrite,
    ctx: &BlockContext,
    params: &Params,
    g: &mut Gpu,
    not_before: i64,
) -> AppResult<()> {
    if g.next_random_challenge_at != 0 {
        state.nv_delete(state_key::nv::random_due::entry(
            g.next_random_challenge_at,
            &g.uuid,
        ))?;
        g.next_random_challenge_at = 0;
    }
    let rate = params.random_challenges_per_gpu_day;
    if rate == 0 || !challengeable(g) {
        return Ok(());
    }
    let period = (2u64 * 86_400)
        .checked_div(u64::from(rate))
        .unwrap_or(1)
        .max(1);
    let mut h = Sha256::new();
    h.update(b"gpuchain/random-challenge/v1");
    h.update(&ctx.block_hash);
    h.update(ctx.height.to_be_bytes());
    h.update(g.uuid.as_bytes());
    let digest: [u8; 32] = h.finalize().into();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let delay = u64::from_be_bytes(first)
        .checked_rem(period)
        .unwrap_or(0)
        .saturating_add(1);
    let at = ctx
        .time_secs
        .max(not_before)
        .saturating_add(i64::try_from(delay).unwrap_or(i64::MAX));
    state.nv_put(state_key::nv::random_due::entry(at, &g.uuid), vec![])?;
    g.next_random_challenge_at = at;
    Ok(())
}

/// Records a pass: the GPU is attested again, the provider at level 1.
pub(crate) fn pass(
    state: &mut dyn StateWrite,
    ctx: &BlockContext,
    mut ch: Challenge,
) -> AppResult<()> {
    ch.status = ChallengeStatus::Passed as i32;
    ch.resolved_at = ctx.time_secs;
    state_ext::set_challenge(state, &ch)?;
    if let Some(mut g) = state_ext::gpu(state, &ch.gpu_uuid)? {
        if g.provider == ch.provider {
            if g.pending_challenge_id == ch.id {
                g.pending_challenge_id = 0;
            }
            g.failed = false;
            g.last_passed_at = ctx.time_secs;
            state_ext::set_gpu(state, &g)?;
        }
    }
    let owner = Address::from_bech32(&ch.provider)?;
    if let Some(mut p) = state_ext::provider(state, &owner)? {
        p.passed_challenges = p.passed_challenges.saturating_add(1);
        p.last_challenge_passed = true;
        state_ext::set_provider(state, &p)?;
    }
    state.emit(event::challenge_passed(ch.id, &ch.provider, &ch.gpu_uuid));
    Ok(())
}

/// Records a failure and applies its penalties (see the module docs). The
/// penalties run on their own layer: if they fail (a broken lease book), the
/// challenge is still recorded as failed, with the error in its `failure`.
pub(crate) fn fail(
    state: &mut dyn StateWrite,
    ctx: &BlockContext,
    leases: &dyn LeaseBook,
    mut ch: Challenge,
    reason: &str,
) -> AppResult<()> {
    ch.status = ChallengeStatus::Failed as i32;
    ch.resolved_at = ctx.time_secs;
    ch.failure = reason.to_string();
    let outcome = in_layer(state, |s| penalize(s, ctx, leases, &ch, reason))?;
    match outcome {
        Ok(slashed) => ch.slashed = fmt_ugpc(slashed),
        Err(e) => {
            ch.failure = format!("{reason} (penalties not applied: {})", e.log);
            if let Some(mut g) = state_ext::gpu(state, &ch.gpu_uuid)? {
                if g.provider == ch.provider && g.pending_challenge_id == ch.id {
                    g.pending_challenge_id = 0;
                    g.failed = true;
                    state_ext::set_gpu(state, &g)?;
                }
            }
        }
    }
    state_ext::set_challenge(state, &ch)?;
    state.emit(event::challenge_failed(
        ch.id,
        &ch.provider,
        &ch.gpu_uuid,
        reason,
    ));
    Ok(())
}

fn penalize(
    state: &mut dyn StateWrite,
    ctx: &BlockContext,
    leases: &dyn LeaseBook,
    ch: &Challenge,
    reason: &str,
) -> AppResult<u128> {
    let params = state_ext::params(state)?;
    let owner = Address::from_bech32(&ch.provider)?;
    let now = ctx.time_secs;
    let Some(mut p) = state_ext::provider(state, &owner)? else {
        return Ok(0);
    };
    // Jail, doubling for each earlier failure.
    let earlier = p.failed_challenges.min(6);
    let jail = params
        .jail_duration_secs
        .saturating_mul(1i64.checked_shl(earlier).unwrap_or(64));
    p.failed_challenges = p.failed_challenges.saturating_add(1);
    p.last_challenge_passed = false;
    p.jailed_until = p.jailed_until.max(now.saturating_add(jail));
    let jailed_until = p.jailed_until;
    state_ext::set_provider(state, &p)?;
    state.emit(event::provider_jailed(&owner, jailed_until));

    // The GPU loses its attested status; its next random challenge comes
    // after the jail.
    if let Some(mut g) = state_ext::gpu(state, &ch.gpu_uuid)? {
        if g.provider == ch.provider {
            if g.pending_challenge_id == ch.id {
                g.pending_challenge_id = 0;
            }
            g.failed = true;
            g.last_passed_at = 0;
            if p.status == ProviderStatus::Bonded as i32 {
                schedule_random(state, ctx, &params, &mut g, jailed_until)?;
            }
            state_ext::set_gpu(state, &g)?;
        }
    }

    let slash_reason = format!("challenge {} failed: {reason}", ch.id);
    let Some((_, slashed)) =
        keeper::take_from_bond(state, &owner, params.fail_slash_bps, &slash_reason)?
    else {
        return Ok(0);
    };

    // The open lease the GPU serves: its tenant gets the tenants' share.
    let mut affected = Vec::new();
    if let Some(lease_id) = leases.lease_of_gpu(state, &ch.gpu_uuid)? {
        if let Some((tenant, deposit)) = leases.lease_tenant_deposit(state, lease_id)? {
            affected.push((lease_id, tenant, deposit));
        }
    }
    let tenants_total = if affected.is_empty() {
        0
    } else {
        slashed
            .checked_mul(u128::from(params.tenant_share_bps))
            .ok_or_else(|| AppError::internal("tenant share overflows"))?
            .checked_div(10_000)
            .unwrap_or(0)
    };
    let weights: Vec<u128> = affected.iter().map(|(_, _, d)| *d).collect();
    let (shares, left_over) = split_by_weight(tenants_total, &weights)?;
    for ((lease_id, tenant, _), share) in affected.iter().zip(shares) {
        let coins = ugpc(share);
        if !coins.is_empty() {
            gpuchain_bank::send_coins_from_module(
                state,
                gpuchain_bank::ATTESTATION,
                tenant,
                &coins,
            )?;
            state.emit(event::slash_compensation(
                *lease_id,
                tenant,
                &coins.to_string(),
            ));
        }
        leases.close_lease_faulted(state, ctx, *lease_id, &coins)?;
    }
    let community = slashed
        .checked_sub(tenants_total)
        .and_then(|x| x.checked_add(left_over))
        .ok_or_else(|| AppError::internal("community share underflows"))?;
    let coins = ugpc(community);
    if !coins.is_empty() {
        gpuchain_bank::send_coins_from_module(
            state,
            gpuchain_bank::ATTESTATION,
            &Address::module(gpuchain_bank::DISTRIBUTION),
            &coins,
        )?;
    }
    Ok(slashed)
}

/// `ProviderRegistry::on_lease_acked`: issues the acknowledgement challenge
/// on each GPU (one already pending covers it). A uuid that is not one of
/// the provider's GPUs is `attestation` code 25.
pub fn on_lease_acked(
    state: &mut dyn StateWrite,
    ctx: &BlockContext,
    lease_id: u64,
    provider: &Address,
    gpu_uuids: &[String],
) -> AppResult<()> {
    let params = state_ext::params(state)?;
    let owner = provider.to_string();
    for uuid in gpu_uuids {
        let mut g = match state_ext::gpu(state, uuid)? {
            Some(g) if g.provider == owner => g,
            _ => {
                return Err(crate::error::AttestationError::NotProviderGpu
                    .wrap(format!("gpu {uuid} of {provider}")))
            }
        };
        if issue(
            state,
            ctx,
            &params,
            &mut g,
            ChallengeReason::LeaseAck,
            lease_id,
        )?
        .is_some()
        {
            state_ext::set_gpu(state, &g)?;
        }
    }
    Ok(())
}

/// Begin-block: records this block's hash (pruning the one that aged out),
/// its time, and hands it as beacon to the challenges committed in the block
/// before.
pub(crate) fn begin_block(state: &mut dyn StateWrite, ctx: &BlockContext) -> AppResult<()> {
    let params = state_ext::params(state)?;
    state.nv_put(
        state_key::nv::last_block_time(),
        ctx.time_secs.to_be_bytes().to_vec(),
    )?;
    if !ctx.block_hash.is_empty() {
        state.nv_put(
            state_key::nv::block_hash(ctx.height),
            ctx.block_hash.clone(),
        )?;
    }
    if let Some(old) = ctx
        .height
        .checked_sub(params.report_max_age_blocks)
        .and_then(|h| h.checked_sub(1))
    {
        state.nv_delete(state_key::nv::block_hash(old))?;
    }
    let prefix = state_key::nv::beacon_due::at_height(ctx.height);
    for (key, _) in state.nv_prefix(&prefix)? {
        let id = state_ext::parse_u64(&key[prefix.len()..])?;
        state.nv_delete(key)?;
        if let Some(mut ch) = state_ext::challenge(state, id)? {
            if ch.status == ChallengeStatus::AwaitingOpen as i32 && ch.beacon.is_empty() {
                ch.beacon = beacon_of(&ctx.block_hash, ctx.height);
                state_ext::set_challenge(state, &ch)?;
            }
        }
    }
    Ok(())
}

/// End-block: fails challenges past their deadline, issues due random
/// challenges, completes due unbondings; each bounded per block.
pub(crate) fn end_block(
    state: &mut dyn StateWrite,
    ctx: &BlockContext,
    leases: &dyn LeaseBook,
) -> AppResult<()> {
    let now = ctx.time_secs;
    let params = state_ext::params(state)?;

    // Deadlines strictly before now.
    let prefix = state_key::nv::deadlines::prefix();
    let end = state_key::nv::deadlines::before(now);
    for suffix in state_ext::nv_due(state, &prefix, &end, MAX_DEADLINES_PER_BLOCK)? {
        let (t, rest) = state_ext::split_time(&suffix)?;
        let id = state_ext::parse_u64(rest)?;
        state.nv_delete(state_key::nv::deadlines::entry(t, id))?;
        let Some(ch) = state_ext::challenge(state, id)? else {
            continue;
        };
        if ch.status == ChallengeStatus::AwaitingCommit as i32 && ch.commit_deadline == t {
            fail(state, ctx, leases, ch, "commit deadline missed")?;
        } else if ch.status == ChallengeStatus::AwaitingOpen as i32 && ch.open_deadline == t {
            fail(state, ctx, leases, ch, "open deadline missed")?;
        }
    }

    // Random challenges due at or before now.
    let limit = usize::try_from(params.max_random_challenges_per_block).unwrap_or(0);
    if limit > 0 {
        let prefix = state_key::nv::random_due::prefix();
        let end = state_key::nv::random_due::before(now.saturating_add(1));
        for suffix in state_ext::nv_due(state, &prefix, &end, limit)? {
            let (t, rest) = state_ext::split_time(&suffix)?;
            let uuid = String::from_utf8(rest.to_vec())
                .map_err(|_| gpuchain_auth::error::corrupt("random queue uuid"))?;
            state.nv_delete(state_key::nv::random_due::entry(t, &uuid))?;
            let Some(mut g) = state_ext::gpu(state, &uuid)? else {
                continue;
            };
            if g.next_random_challenge_at != t {
                continue;
            }
            g.next_random_challenge_at = 0;
            let owner = Address::from_bech32(&g.provider)?;
            let bonded = state_ext::provider(state, &owner)?
                .is_some_and(|p| p.status == ProviderStatus::Bonded as i32);
            if !bonded || g.report_expires_at <= now {
                // Unbonding, or no fresh report: a new report reschedules it.
                state_ext::set_gpu(state, &g)?;
                continue;
            }
            if !g.missing && leases.lease_of_gpu(state, &uuid)?.is_none() {
                issue(state, ctx, &params, &mut g, ChallengeReason::Random, 0)?;
            }
            schedule_random(state, ctx, &params, &mut g, now)?;
            state_ext::set_gpu(state, &g)?;
        }
    }

    crate::msg::unbond_provider::complete_due(state, ctx, MAX_UNBONDINGS_PER_BLOCK)?;
    Ok(())
}

//! Providers' standing, bonds and slashing, and the GPU checks the market
//! relies on. The functions other crates call are re-exported from the
//! crate root.

use gpuchain_proto::attestation::{Gpu, GpuStatus, Params, Provider, ProviderStatus};
use gpuchain_store::{StateRead, StateWrite};
use gpuchain_types::{Address, AppError, AppResult, Coin, Coins};

use crate::error::AttestationError;
use crate::event;
use crate::params::{min_bond_amount, BOND_DENOM};
use crate::state_ext;

/// A provider as the market sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderInfo {
    /// Registered, bond >= `min_bond`, not jailed and not unbonding.
    pub active: bool,
    /// 1 when its last resolved challenge passed, else 0.
    pub attestation_level: u32,
    pub region: String,
}

/// The amount of a provider's bond (ugpc).
pub fn bond_amount(p: &Provider) -> AppResult<u128> {
    match &p.bond {
        None => Ok(0),
        Some(c) => c
            .amount
            .parse::<u128>()
            .map_err(|_| gpuchain_auth::error::corrupt("provider bond amount")),
    }
}

pub(crate) fn set_bond(p: &mut Provider, amount: u128) {
    p.bond = Some(cosmos_sdk_proto::cosmos::base::v1beta1::Coin {
        denom: BOND_DENOM.to_string(),
        amount: amount.to_string(),
    });
}

pub(crate) fn ugpc(amount: u128) -> Coins {
    if amount == 0 {
        return Coins::empty();
    }
    Coins::from_wire_strict(vec![Coin::new(amount, BOND_DENOM)]).unwrap_or_else(|_| Coins::empty())
}

/// An amount as a coin string, `0ugpc` included.
pub fn fmt_ugpc(amount: u128) -> String {
    format!("{amount}{BOND_DENOM}")
}

/// Whether the provider may get new leases at `now`.
pub fn is_active(p: &Provider, params: &Params, now: i64) -> AppResult<bool> {
    Ok(p.status == ProviderStatus::Bonded as i32
        && p.jailed_until <= now
        && bond_amount(p)? >= min_bond_amount(params))
}

/// The provider's attestation level (see [`ProviderInfo`]).
pub fn level(p: &Provider) -> u32 {
    u32::from(p.last_challenge_passed)
}

/// `ProviderRegistry::provider`: the provider's standing at the last block
/// time (`None` when not registered).
pub fn provider_info(state: &dyn StateRead, provider: &Address) -> AppResult<Option<ProviderInfo>> {
    let Some(p) = state_ext::provider(state, provider)? else {
        return Ok(None);
    };
    let params = state_ext::params(state)?;
    let now = state_ext::last_block_time(state)?;
    Ok(Some(ProviderInfo {
        active: is_active(&p, &params, now)?,
        attestation_level: level(&p),
        region: p.region.clone(),
    }))
}

/// [`provider_info`] at an explicit block time.
pub fn provider_info_at(
    state: &dyn StateRead,
    provider: &Address,
    now: i64,
) -> AppResult<Option<ProviderInfo>> {
    let Some(p) = state_ext::provider(state, provider)? else {
        return Ok(None);
    };
    let params = state_ext::params(state)?;
    Ok(Some(ProviderInfo {
        active: is_active(&p, &params, now)?,
        attestation_level: level(&p),
        region: p.region.clone(),
    }))
}

/// Whether `signer` may sign agent messages for `provider`: the provider
/// itself or one of its authorized agents (false for an unregistered
/// provider).
pub fn is_agent(state: &dyn StateRead, provider: &Address, signer: &Address) -> AppResult<bool> {
    if state_ext::provider(state, provider)?.is_none() {
        return Ok(false);
    }
    if provider == signer {
        return Ok(true);
    }
    Ok(state_ext::agent_owner(state, signer)? == Some(*provider))
}

pub(crate) fn require_agent(
    state: &dyn StateRead,
    provider: &Address,
    signer: &Address,
) -> AppResult<()> {
    if is_agent(state, provider, signer)? {
        Ok(())
    } else {
        Err(AttestationError::NotAgent.wrap(format!("{signer} may not sign for {provider}")))
    }
}

/// Whether `sku` is in the SKU registry.
pub fn sku_exists(state: &dyn StateRead, sku: &str) -> AppResult<bool> {
    Ok(state_ext::sku(state, sku)?.is_some())
}

/// Whether a GPU may be leased at `now`: fresh report, known SKU, not MIG,
/// not failed, not left out of its provider's latest report.
pub fn gpu_leasable(g: &Gpu, now: i64) -> bool {
    !g.sku.is_empty() && !g.mig_mode && !g.failed && !g.missing && g.report_expires_at > now
}

/// A GPU's status at `now`, as queries show it.
pub fn gpu_status(g: &Gpu, now: i64) -> GpuStatus {
    if g.missing {
        GpuStatus::Missing
    } else if g.failed {
        GpuStatus::Failed
    } else if g.sku.is_empty() {
        GpuStatus::UnknownSku
    } else if g.mig_mode {
        GpuStatus::Mig
    } else if g.report_expires_at <= now {
        GpuStatus::Expired
    } else if g.last_passed_at != 0 {
        GpuStatus::ChallengePassed
    } else {
        GpuStatus::Reported
    }
}

/// `ProviderRegistry::leasable_gpus`: the provider's GPUs of `sku` that may
/// be leased at `now`, in uuid order (whether one already serves a lease is
/// the market's knowledge). Empty for an unknown provider.
pub fn leasable_gpus(
    state: &dyn StateRead,
    provider: &Address,
    sku: &str,
    now: i64,
) -> AppResult<Vec<Gpu>> {
    Ok(state_ext::gpus_of(state, provider)?
        .into_iter()
        .filter(|g| g.sku == sku && gpu_leasable(g, now))
        .collect())
}

/// Takes `floor(bond * bps / 10000)` from the provider's bond record (the
/// coins stay in the attestation module account for the caller to pay out)
/// and emits `provider_slashed`. Returns the provider as updated and stored,
/// and the amount taken.
pub(crate) fn take_from_bond(
    state: &mut dyn StateWrite,
    owner: &Address,
    bps: u32,
    reason: &str,
) -> AppResult<Option<(Provider, u128)>> {
    if bps > 10_000 {
        return Err(AppError::invalid_request(format!(
            "{bps} bps is more than 10000"
        )));
    }
    let Some(mut p) = state_ext::provider(state, owner)? else {
        return Ok(None);
    };
    let bond = bond_amount(&p)?;
    let amount = bond
        .checked_mul(u128::from(bps))
        .map(|x| x / 10_000)
        .ok_or_else(|| AppError::internal("slash overflows"))?;
    let left = bond.saturating_sub(amount);
    set_bond(&mut p, left);
    let slashed: u128 = p.total_slashed.parse().unwrap_or(0);
    p.total_slashed = slashed.saturating_add(amount).to_string();
    state_ext::set_provider(state, &p)?;
    state.emit(event::provider_slashed(
        owner,
        &fmt_ugpc(amount),
        reason,
        &fmt_ugpc(left),
    ));
    Ok(Some((p, amount)))
}

/// `ProviderRegistry::slash_bond_to`: takes `bps` basis points of the
/// provider's bond and pays them to `to`; returns what was paid (empty when
/// the provider is unknown or its bond is gone). More than 10000 bps is
/// code 18.
pub fn slash_bond_to(
    state: &mut dyn StateWrite,
    provider: &Address,
    bps: u32,
    to: &Address,
) -> AppResult<Coins> {
    let reason = format!("paid to {to}");
    let Some((_, amount)) = take_from_bond(state, provider, bps, &reason)? else {
        return Ok(Coins::empty());
    };
    let coins = ugpc(amount);
    if !coins.is_empty() {
        gpuchain_bank::send_coins_from_module(state, gpuchain_bank::ATTESTATION, to, &coins)?;
    }
    Ok(coins)
}

/// Splits `total` in proportion to `weights` (floor of each share); what
/// rounding leaves over is returned last. All-zero weights split evenly.
pub fn split_by_weight(total: u128, weights: &[u128]) -> AppResult<(Vec<u128>, u128)> {
    if weights.is_empty() {
        return Ok((Vec::new(), total));
    }
    let even = weights.iter().all(|w| *w == 0);
    let sum = if even {
        u128::try_from(weights.len()).unwrap_or(u128::MAX)
    } else {
        weights
            .iter()
            .try_fold(0u128, |a, w| a.checked_add(*w))
            .ok_or_else(|| AppError::internal("weights overflow"))?
    };
    let mut shares = Vec::with_capacity(weights.len());
    let mut paid = 0u128;
    for w in weights {
        let w = if even { 1 } else { *w };
        let share = total
            .checked_mul(w)
            .ok_or_else(|| AppError::internal("share overflows"))?
            .checked_div(sum)
            .unwrap_or(0);
        paid = paid.saturating_add(share);
        shares.push(share);
    }
    Ok((shares, total.saturating_sub(paid)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_split_by_weight_with_remainder_when_uneven() {
        assert_eq!(
            split_by_weight(100, &[1, 1, 1]).unwrap(),
            (vec![33, 33, 33], 1)
        );
        assert_eq!(
            split_by_weight(100, &[300, 100]).unwrap(),
            (vec![75, 25], 0)
        );
        assert_eq!(split_by_weight(7, &[0, 0]).unwrap(), (vec![3, 3], 1));
        assert_eq!(split_by_weight(7, &[]).unwrap(), (vec![], 7));
    }

    #[test]
    fn should_report_status_in_priority_order() {
        let mut g = Gpu {
            sku: "test-cpu".into(),
            report_expires_at: 100,
            ..Gpu::default()
        };
        assert!(gpu_leasable(&g, 99));
        assert!(!gpu_leasable(&g, 100));
        assert_eq!(gpu_status(&g, 99), GpuStatus::Reported);
        assert_eq!(gpu_status(&g, 100), GpuStatus::Expired);
        g.last_passed_at = 5;
        assert_eq!(gpu_status(&g, 99), GpuStatus::ChallengePassed);
        g.mig_mode = true;
        assert_eq!(gpu_status(&g, 99), GpuStatus::Mig);
        assert!(!gpu_leasable(&g, 99));
        g.failed = true;
        assert_eq!(gpu_status(&g, 99), GpuStatus::Failed);
        g.missing = true;
        assert_eq!(gpu_status(&g, 99), GpuStatus::Missing);
    }
}

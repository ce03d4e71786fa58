//! The market's params: set in genesis (no governance yet), validated.

use gpuchain_types::AppResult;

use crate::error::MarketError;
pub use gpuchain_proto::market::Params;

/// The defaults of market.md.
pub fn default_params() -> Params {
    Params {
        min_prepaid_secs: 3600,
        ack_timeout_secs: 600,
        take_rate_bps: 200,
        ack_timeout_slash_bps: 50,
        allowed_denoms: vec!["ugpc".to_string()],
        max_gpus_per_order: 64,
        max_duration_secs: 90 * 24 * 3600,
        max_open_orders_per_tenant: 100,
        order_retry_per_block: 20,
        max_order_ttl_secs: 7 * 24 * 3600,
        max_access_bytes: 4096,
        max_gpus_per_offer: 4096,
        max_match_candidates: 200,
    }
}

/// Rejects params the state machine cannot run with (market code 25).
pub fn validate_params(p: &Params) -> AppResult<()> {
    let bad = |why: &str| Err(MarketError::InvalidParams.wrap(why));
    if p.min_prepaid_secs < 0 {
        return bad("min_prepaid_secs must not be negative");
    }
    if p.ack_timeout_secs <= 0 {
        return bad("ack_timeout_secs must be positive");
    }
    if p.take_rate_bps > 10_000 || p.ack_timeout_slash_bps > 10_000 {
        return bad("basis points above 10000");
    }
    if p.allowed_denoms.is_empty() {
        return bad("allowed_denoms is empty");
    }
    for d in &p.allowed_denoms {
        gpuchain_types::coin::validate_denom(d)
            .map_err(|e| MarketError::InvalidParams.wrap(e.log))?;
    }
    if p.max_gpus_per_order == 0 || p.max_gpus_per_offer == 0 {
        return bad("gpu limits must be positive");
    }
    if p.max_duration_secs <= 0 || p.max_order_ttl_secs <= 0 {
        return bad("max_duration_secs and max_order_ttl_secs must be positive");
    }
    if p.max_open_orders_per_tenant == 0 || p.max_access_bytes == 0 {
        return bad("max_open_orders_per_tenant and max_access_bytes must be positive");
    }
    if p.max_match_candidates == 0 {
        return bad("max_match_candidates must be positive");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_accept_defaults_and_reject_bad_params_with_code_25() {
        validate_params(&default_params()).unwrap();
        let cases: Vec<fn(&mut Params)> = vec![
            |p| p.take_rate_bps = 10_001,
            |p| p.ack_timeout_secs = 0,
            |p| p.allowed_denoms.clear(),
            |p| p.allowed_denoms = vec!["!".into()],
            |p| p.max_gpus_per_order = 0,
            |p| p.min_prepaid_secs = -1,
            |p| p.max_match_candidates = 0,
        ];
        for f in cases {
            let mut p = default_params();
            f(&mut p);
            let e = validate_params(&p).unwrap_err();
            assert_eq!((e.codespace.as_ref(), e.code), ("market", 25));
        }
    }
}

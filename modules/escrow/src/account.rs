//! One escrow account and its billing arithmetic: what is owed at a block
//! time, when the funds run out, what the cumulative take is. Pure functions
//! of the account; nothing here reads or writes state.

use borsh::{BorshDeserialize, BorshSerialize};
use gpuchain_types::Address;

/// Seconds per hour: rates are per hour, billing is per second.
pub const SECONDS_PER_HOUR: u128 = 3600;

/// The denominator of take rates (basis points).
pub const BPS_DENOMINATOR: u32 = 10_000;

/// The funds of one lease (or of an open order, before a lease starts).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct EscrowAccount {
    pub id: u64,
    /// The tenant: who opened the account and gets every refund.
    pub owner: Address,
    pub denom: String,
    /// Everything ever paid in (the opening deposit and every top-up).
    pub deposited: u128,
    /// Everything paid out for the lease, take included.
    pub paid: u128,
    /// The part of `paid` that went to the community pool.
    pub take: u128,
    /// Everything given back to the owner.
    pub refunded: u128,
    /// `gpu_count * price_per_gpu_hour`; 0 until started.
    pub rate_per_hour: u128,
    pub provider: Option<Address>,
    /// Block time (unix seconds) billing started at.
    pub started_at: Option<i64>,
    /// Block time (unix seconds) billing stops at.
    pub ends_at: Option<i64>,
    pub open: bool,
}

/// What one settle moved out of the escrow account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Payment {
    /// Sent to the provider.
    pub to_provider: u128,
    /// Sent to the community pool.
    pub take: u128,
}

/// What a close moved: the final payment, then the refund to the owner.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Settlement {
    pub payment: Payment,
    pub refund: u128,
}

impl Payment {
    /// Everything the payment moved out (`to_provider + take`).
    pub fn total(&self) -> u128 {
        self.to_provider.saturating_add(self.take)
    }
}

/// `floor(rate * elapsed / 3600)` exactly, or `None` when the true value
/// exceeds `u128::MAX`. Split as `(rate / 3600) * elapsed +
/// floor((rate % 3600) * elapsed / 3600)`, so the only products that can
/// overflow are ones whose true result overflows too.
fn owed_raw(rate: u128, elapsed: u128) -> Option<u128> {
    let whole = rate.checked_div(SECONDS_PER_HOUR)?.checked_mul(elapsed)?;
    let part = rate
        .checked_rem(SECONDS_PER_HOUR)?
        .checked_mul(elapsed)?
        .checked_div(SECONDS_PER_HOUR)?;
    whole.checked_add(part)
}

/// `floor(amount * bps / 10000)` with `bps <= 10000`, without overflow.
pub fn take_of(amount: u128, bps: u32) -> u128 {
    const DEN: u128 = BPS_DENOMINATOR as u128;
    let bps = u128::from(bps.min(BPS_DENOMINATOR));
    // amount = DEN * a + b: floor(amount * bps / DEN) = a * bps + floor(b * bps / DEN),
    // and a * bps <= amount, b * bps < DEN^2: nothing overflows.
    let whole = (amount / DEN).saturating_mul(bps);
    let part = (amount % DEN).saturating_mul(bps) / DEN;
    whole.saturating_add(part)
}

impl EscrowAccount {
    /// A new open, unstarted account holding `deposited`.
    pub fn new(id: u64, owner: Address, denom: impl Into<String>, deposited: u128) -> Self {
        Self {
            id,
            owner,
            denom: denom.into(),
            deposited,
            paid: 0,
            take: 0,
            refunded: 0,
            rate_per_hour: 0,
            provider: None,
            started_at: None,
            ends_at: None,
            open: true,
        }
    }

    /// `owed(t) = floor(rate_per_hour * (min(t, ends_at) - started_at) /
    /// 3600)`, never above `deposited`; 0 if not started or `t <=
    /// started_at`. Computed from the start every time (no drift).
    ///
    /// Overflow: the product is split so that an intermediate overflows
    /// only when the true owed amount is above `u128::MAX`, hence above
    /// `deposited`; saturating to `deposited` then is the exact capped
    /// value, not an approximation.
    pub fn owed(&self, now: i64) -> u128 {
        let (Some(start), Some(end)) = (self.started_at, self.ends_at) else {
            return 0;
        };
        let t = now.min(end);
        if t <= start || self.rate_per_hour == 0 {
            return 0;
        }
        let elapsed = i128::from(t)
            .checked_sub(i128::from(start))
            .and_then(|e| u128::try_from(e).ok());
        match elapsed.and_then(|e| owed_raw(self.rate_per_hour, e)) {
            Some(owed) => owed.min(self.deposited),
            None => self.deposited,
        }
    }

    /// The first block time at which the lease is due to close:
    /// `min(ends_at, started_at + ceil(deposited * 3600 / rate_per_hour))`,
    /// i.e. the first `t` with `owed(t) >= deposited` unless `ends_at`
    /// comes first. `None` if not started or the rate is 0.
    pub fn due_at(&self) -> Option<i64> {
        let (Some(start), Some(end)) = (self.started_at, self.ends_at) else {
            return None;
        };
        let rate = self.rate_per_hour;
        if rate == 0 {
            return None;
        }
        let d = self.deposited;
        // deposited = q * rate + r: the answer lies in [3600q, 3600q + 3600]
        // (3600q exactly when r == 0), where `reached` turns true once.
        let reached = |e: u128| owed_raw(rate, e).is_none_or(|v| v >= d);
        let Some(mut lo) = d
            .checked_div(rate)
            .and_then(|q| q.checked_mul(SECONDS_PER_HOUR))
        else {
            return Some(end);
        };
        let Some(mut hi) = lo.checked_add(SECONDS_PER_HOUR) else {
            return Some(end);
        };
        if !reached(lo) {
            // Invariant: !reached(lo), reached(hi).
            while hi.saturating_sub(lo) > 1 {
                let mid = lo.saturating_add(hi.saturating_sub(lo) / 2);
                if reached(mid) {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            lo = hi;
        }
        let due = i128::try_from(lo)
            .ok()
            .and_then(|e| i128::from(start).checked_add(e))
            .and_then(|t| i64::try_from(t).ok());
        match due {
            Some(t) if t < end => Some(t),
            _ => Some(end),
        }
    }

    /// What the account still holds: `deposited - paid - refunded`
    /// (0 if the stored amounts were ever inconsistent).
    pub fn balance(&self) -> u128 {
        self.deposited
            .saturating_sub(self.paid)
            .saturating_sub(self.refunded)
    }

    /// Whether billing has started.
    pub fn is_started(&self) -> bool {
        self.started_at.is_some()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn started(deposited: u128, rate: u128, start: i64, end: i64) -> EscrowAccount {
        let mut a = EscrowAccount::new(1, Address([1; 20]), "ugpc", deposited);
        a.rate_per_hour = rate;
        a.provider = Some(Address([2; 20]));
        a.started_at = Some(start);
        a.ends_at = Some(end);
        a
    }

    #[test]
    fn should_owe_nothing_when_not_started_or_before_start() {
        let a = EscrowAccount::new(1, Address([1; 20]), "ugpc", 1000);
        assert_eq!(a.owed(i64::MAX), 0);
        assert_eq!(a.due_at(), None);
        let a = started(1000, 3600, 100, 10_000);
        assert_eq!(a.owed(100), 0);
        assert_eq!(a.owed(50), 0);
        assert_eq!(a.owed(i64::MIN), 0);
    }

    #[test]
    fn should_owe_exact_floor_when_billing_per_second() {
        // 7200 per hour = 2 per second.
        let a = started(1_000_000, 7200, 1000, 1_000_000);
        assert_eq!(a.owed(1001), 2);
        assert_eq!(a.owed(1100), 200);
        // 1000 per hour: floor(1000 * 7 / 3600) = 1.
        let a = started(1_000_000, 1000, 0, 1_000_000);
        assert_eq!(a.owed(3), 0);
        assert_eq!(a.owed(4), 1);
        assert_eq!(a.owed(7), 1);
        assert_eq!(a.owed(3600), 1000);
        assert_eq!(a.owed(3601), 1000);
        assert_eq!(a.owed(3604), 1001);
    }

    #[test]
    fn should_cap_owed_at_ends_at_and_deposit() {
        let a = started(1_000_000, 3600, 0, 10);
        assert_eq!(a.owed(10), 10);
        assert_eq!(a.owed(11), 10);
        assert_eq!(a.owed(i64::MAX), 10);
        let a = started(5, 3600, 0, 100);
        assert_eq!(a.owed(4), 4);
        assert_eq!(a.owed(5), 5);
        assert_eq!(a.owed(6), 5);
        assert_eq!(a.due_at(), Some(5));
        let a = started(1_000_000, 3600, 0, 10);
        assert_eq!(a.due_at(), Some(10));
    }

    #[test]
    fn should_saturate_to_deposit_when_product_overflows() {
        let a = started(u128::MAX, u128::MAX, i64::MIN, i64::MAX);
        assert_eq!(a.owed(i64::MAX), u128::MAX);
        assert_eq!(a.owed(i64::MIN + 1), u128::MAX / 3600);
        // owed(3599 s) = floor(MAX * 3599 / 3600) < MAX; owed(3600 s) = MAX.
        assert_eq!(a.due_at(), Some(i64::MIN + 3600));
        assert!(a.owed(i64::MIN + 3599) < u128::MAX);
        let a = started(u128::MAX, 1, i64::MIN, i64::MAX);
        // Funds last far beyond i64 time: due at ends_at.
        assert_eq!(a.due_at(), Some(i64::MAX));
        let a = started(u128::MAX - 1, u128::MAX, 0, i64::MAX);
        assert_eq!(a.owed(1), u128::MAX / 3600);
        assert_eq!(a.owed(i64::MAX), u128::MAX - 1);
    }

    #[test]
    fn should_be_due_at_start_plus_ceiling_when_rate_divides_unevenly() {
        // 7 per hour, deposit 3: ceil(3 * 3600 / 7) = ceil(1542.86) = 1543.
        let a = started(3, 7, 10, 1_000_000);
        assert_eq!(a.due_at(), Some(10 + 1543));
        assert_eq!(a.owed(10 + 1542), 2);
        assert_eq!(a.owed(10 + 1543), 3);
        // Exact division: 3600 per hour, 60 deposit -> 60 s.
        let a = started(60, 3600, 0, 1_000_000);
        assert_eq!(a.due_at(), Some(60));
        assert_eq!(a.owed(59), 59);
    }

    #[test]
    fn should_compute_cumulative_take_exactly() {
        assert_eq!(take_of(0, 200), 0);
        assert_eq!(take_of(49, 200), 0);
        assert_eq!(take_of(50, 200), 1);
        assert_eq!(take_of(10_000, 200), 200);
        assert_eq!(take_of(u128::MAX, 10_000), u128::MAX);
        assert_eq!(take_of(u128::MAX, 5000), u128::MAX / 2);
        assert_eq!(take_of(123, 20_000), 123);
    }

    proptest! {
        #[test]
        fn should_close_at_first_second_owed_reaches_deposit(
            deposited in 1u128..=u128::MAX,
            rate in 1u128..=u128::MAX,
            start in -1_000_000_000i64..1_000_000_000,
            span in 1i64..=i64::MAX / 4,
            small in any::<bool>(),
        ) {
            let (deposited, rate) = if small {
                (deposited % 1_000_000_000 + 1, rate % 100_000 + 1)
            } else {
                (deposited, rate)
            };
            let a = started(deposited, rate, start, start + span);
            let due = a.due_at().unwrap();
            prop_assert!(due > start);
            prop_assert!(due <= start + span);
            prop_assert!(a.owed(due - 1) < deposited);
            if due < start + span {
                prop_assert_eq!(a.owed(due), deposited);
            }
            prop_assert!(a.owed(i64::MAX) <= deposited);
            prop_assert_eq!(a.owed(i64::MAX), a.owed(start + span));
        }

        #[test]
        fn should_match_wide_formula_when_values_small(
            deposited in 1u128..1u128 << 60,
            rate in 1u128..1u128 << 60,
            elapsed in 0i64..1 << 40,
        ) {
            let a = started(deposited, rate, 0, i64::MAX);
            let want = (rate * elapsed as u128 / 3600).min(deposited);
            prop_assert_eq!(a.owed(elapsed), want);
            let due = (deposited * 3600).div_ceil(rate) as i64;
            prop_assert_eq!(a.due_at(), Some(due));
        }

        #[test]
        fn should_take_floor_when_bps_applied(amount in any::<u64>(), bps in 0u32..=10_000) {
            prop_assert_eq!(take_of(u128::from(amount), bps), u128::from(amount) * u128::from(bps) / 10_000);
        }
    }
}

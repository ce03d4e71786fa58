//! The operations the market module calls. Each one validates everything
//! first, then moves coins (the only step that can still fail, with the
//! bank's `insufficient funds`, before any escrow write), then stores the
//! account: a failed call changes nothing.

use std::collections::BTreeMap;

use gpuchain_auth::error::sdk_wrapped;
use gpuchain_bank::{DISTRIBUTION, ESCROW};
use gpuchain_store::{StateRead, StateWrite};
use gpuchain_types::coin::validate_denom;
use gpuchain_types::error::code;
use gpuchain_types::{Address, AppError, AppResult, Coin, Coins};

use crate::account::{take_of, EscrowAccount, Payment, Settlement, BPS_DENOMINATOR};
use crate::error::EscrowError;
use crate::state_ext::{self, account, all_accounts, set_account};

/// The escrow module account's address.
pub fn module_address() -> Address {
    Address::module(ESCROW)
}

fn one_coin(amount: u128, denom: &str) -> AppResult<Coins> {
    Coins::normalize([Coin::new(amount, denom)])
}

fn check_amount(coin: &Coin) -> AppResult<()> {
    validate_denom(&coin.denom).map_err(|e| sdk_wrapped(e.code, e.log))?;
    if coin.amount == 0 {
        return Err(sdk_wrapped(
            code::INVALID_COINS,
            format!("escrow amount must be positive, got {coin}"),
        ));
    }
    Ok(())
}

fn check_take_rate(take_rate_bps: u32) -> AppResult<()> {
    if take_rate_bps > BPS_DENOMINATOR {
        return Err(EscrowError::InvalidTakeRate.wrap(format!(
            "take rate {take_rate_bps} bps is above {BPS_DENOMINATOR}"
        )));
    }
    Ok(())
}

/// The open account `id`: `AccountNotFound` (escrow 3) or `AccountClosed`
/// (escrow 4) otherwise.
fn open_account(state: &dyn StateRead, id: u64) -> AppResult<EscrowAccount> {
    let acc = account(state, id)?
        .ok_or_else(|| EscrowError::AccountNotFound.wrap(format!("escrow {id}")))?;
    if !acc.open {
        return Err(EscrowError::AccountClosed.wrap(format!("escrow {id}")));
    }
    Ok(acc)
}

/// Opens account `id` for `owner`, moving `deposit` from the owner to the
/// escrow module account. `id` must be new (escrow 2, even if the old one
/// is closed); the amount must be positive with a valid denom (sdk 10); the
/// owner must hold it (sdk 5).
pub fn open(state: &mut dyn StateWrite, id: u64, owner: &Address, deposit: &Coin) -> AppResult<()> {
    check_amount(deposit)?;
    if account(state, id)?.is_some() {
        return Err(EscrowError::AccountExists.wrap(format!("escrow {id}")));
    }
    gpuchain_bank::send_coins_to_module(
        state,
        owner,
        ESCROW,
        &one_coin(deposit.amount, &deposit.denom)?,
    )?;
    let acc = EscrowAccount::new(id, *owner, deposit.denom.clone(), deposit.amount);
    set_account(state, &acc)?;
    state_ext::index_owner(state, owner, id)
}

/// Tops up open account `id` with `amount` from `from` (anyone may pay).
/// The denom must be the account's (escrow 5); `deposited` must not
/// overflow (escrow 9).
pub fn deposit(
    state: &mut dyn StateWrite,
    id: u64,
    from: &Address,
    amount: &Coin,
) -> AppResult<()> {
    check_amount(amount)?;
    let mut acc = open_account(state, id)?;
    if amount.denom != acc.denom {
        return Err(EscrowError::DenomMismatch.wrap(format!(
            "escrow {id} holds {}, got {}",
            acc.denom, amount.denom
        )));
    }
    acc.deposited = acc.deposited.checked_add(amount.amount).ok_or_else(|| {
        EscrowError::AmountOverflow.wrap(format!("escrow {id} deposit of {amount}"))
    })?;
    gpuchain_bank::send_coins_to_module(
        state,
        from,
        ESCROW,
        &one_coin(amount.amount, &amount.denom)?,
    )?;
    set_account(state, &acc)
}

/// Starts billing open account `id`: `rate_per_hour` (> 0, escrow 8) from
/// `started_at` until `ends_at` (> `started_at`, escrow 7). Once only
/// (escrow 6).
pub fn start(
    state: &mut dyn StateWrite,
    id: u64,
    provider: &Address,
    rate_per_hour: u128,
    started_at: i64,
    ends_at: i64,
) -> AppResult<()> {
    let mut acc = open_account(state, id)?;
    if acc.is_started() {
        return Err(EscrowError::AlreadyStarted.wrap(format!("escrow {id}")));
    }
    if rate_per_hour == 0 {
        return Err(EscrowError::InvalidRate.wrap(format!("escrow {id} rate 0")));
    }
    if ends_at <= started_at {
        return Err(EscrowError::InvalidSchedule.wrap(format!(
            "escrow {id} ends at {ends_at}, not after its start {started_at}"
        )));
    }
    acc.provider = Some(*provider);
    acc.rate_per_hour = rate_per_hour;
    acc.started_at = Some(started_at);
    acc.ends_at = Some(ends_at);
    set_account(state, &acc)
}

/// The payment due at `now` and the account after it (nothing written).
fn compute_settle(
    acc: &EscrowAccount,
    now: i64,
    take_rate_bps: u32,
) -> AppResult<(Payment, EscrowAccount)> {
    let owed = acc.owed(now);
    let mut after = acc.clone();
    // `owed` is capped by `deposited`; `owed - paid` never reaches refunded
    // funds because only a close refunds, and a closed account is not settled.
    let Some(due) = owed.checked_sub(acc.paid).filter(|d| *d > 0) else {
        return Ok((Payment::default(), after));
    };
    if due > acc.balance() {
        return Err(AppError::internal(format!(
            "escrow {} owes {due} but holds {}",
            acc.id,
            acc.balance()
        )));
    }
    let take = take_of(owed, take_rate_bps)
        .saturating_sub(acc.take)
        .min(due);
    let to_provider = due.saturating_sub(take);
    after.paid = owed;
    after.take = acc.take.saturating_add(take);
    Ok((Payment { to_provider, take }, after))
}

fn pay_out(state: &mut dyn StateWrite, acc: &EscrowAccount, payment: &Payment) -> AppResult<()> {
    if payment.to_provider > 0 {
        let provider = acc.provider.ok_or_else(|| {
            AppError::internal(format!("escrow {} pays with no provider", acc.id))
        })?;
        gpuchain_bank::send_coins_from_module(
            state,
            ESCROW,
            &provider,
            &one_coin(payment.to_provider, &acc.denom)?,
        )?;
    }
    if payment.take > 0 {
        gpuchain_bank::send_coins_from_module(
            state,
            ESCROW,
            &Address::module(DISTRIBUTION),
            &one_coin(payment.take, &acc.denom)?,
        )?;
    }
    Ok(())
}

/// Pays what open account `id` owes at `now` beyond what it already paid:
/// the cumulative take, `floor(paid_total * take_rate_bps / 10000)` minus
/// the take already collected, goes to the community pool (the
/// `distribution` module account), the rest to the provider. An unstarted
/// account, or one already paid up, pays nothing. `take_rate_bps` above
/// 10000 is escrow 10.
pub fn settle(
    state: &mut dyn StateWrite,
    id: u64,
    now: i64,
    take_rate_bps: u32,
) -> AppResult<Payment> {
    check_take_rate(take_rate_bps)?;
    let acc = open_account(state, id)?;
    let (payment, after) = compute_settle(&acc, now, take_rate_bps)?;
    if payment.total() > 0 {
        pay_out(state, &acc, &payment)?;
        set_account(state, &after)?;
    }
    Ok(payment)
}

/// Settles open account `id` to `now`, then refunds its whole remaining
/// balance to the owner and marks it closed (it stays stored for
/// queries). An unstarted account refunds everything.
pub fn close(
    state: &mut dyn StateWrite,
    id: u64,
    now: i64,
    take_rate_bps: u32,
) -> AppResult<Settlement> {
    check_take_rate(take_rate_bps)?;
    let acc = open_account(state, id)?;
    let (payment, mut after) = compute_settle(&acc, now, take_rate_bps)?;
    let refund = after.balance();
    pay_out(state, &acc, &payment)?;
    if refund > 0 {
        gpuchain_bank::send_coins_from_module(
            state,
            ESCROW,
            &acc.owner,
            &one_coin(refund, &acc.denom)?,
        )?;
    }
    after.refunded = after.refunded.saturating_add(refund);
    after.open = false;
    set_account(state, &after)?;
    Ok(Settlement { payment, refund })
}

/// The account with this id (open or closed), if any.
pub fn get(state: &dyn StateRead, id: u64) -> AppResult<Option<EscrowAccount>> {
    account(state, id)
}

/// The module's invariants: for every account `paid + refunded <=
/// deposited` and `take <= paid`; a closed account holds nothing; and, per
/// denom, the escrow module account's bank balance equals the sum of the
/// open accounts' balances.
pub fn check_invariants(state: &dyn StateRead) -> AppResult<()> {
    let mut sums: BTreeMap<String, u128> = BTreeMap::new();
    for acc in all_accounts(state)? {
        let out = acc
            .paid
            .checked_add(acc.refunded)
            .ok_or_else(|| broken(format!("escrow {} paid + refunded overflows", acc.id)))?;
        if out > acc.deposited {
            return Err(broken(format!(
                "escrow {} paid {} + refunded {} exceeds deposited {}",
                acc.id, acc.paid, acc.refunded, acc.deposited
            )));
        }
        if acc.take > acc.paid {
            return Err(broken(format!(
                "escrow {} take {} exceeds paid {}",
                acc.id, acc.take, acc.paid
            )));
        }
        if acc.open {
            let sum = sums.entry(acc.denom.clone()).or_insert(0);
            *sum = sum
                .checked_add(acc.balance())
                .ok_or_else(|| broken(format!("sum of {} balances overflows", acc.denom)))?;
        } else if acc.balance() != 0 {
            return Err(broken(format!(
                "closed escrow {} still holds {}",
                acc.id,
                acc.balance()
            )));
        }
    }
    let held = gpuchain_bank::all_balances(state, &module_address())?;
    let held: BTreeMap<String, u128> = held.iter().map(|c| (c.denom.clone(), c.amount)).collect();
    sums.retain(|_, v| *v > 0);
    if held != sums {
        let show = |m: &BTreeMap<String, u128>| {
            m.iter()
                .map(|(d, a)| format!("{a}{d}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        return Err(broken(format!(
            "escrow module account holds {} but open accounts hold {}",
            show(&held),
            show(&sums)
        )));
    }
    Ok(())
}

fn broken(log: String) -> AppError {
    AppError::internal(format!("escrow invariant broken: {log}"))
}

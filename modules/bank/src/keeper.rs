//! Moving coins: the API other modules and the app use (the SDK's bank
//! keeper). Every amount is checked; a failure may leave partial writes in
//! the caller's state layer, which the app drops with the failed tx.
//!
//! Events follow Cosmos SDK v0.50 exactly (see [`crate::event`]).

use std::sync::LazyLock;

use gpuchain_auth::error::sdk_wrapped;
use gpuchain_store::StateWrite;
use gpuchain_types::error::code;
use gpuchain_types::{Address, AppResult, Coin, Coins};

use crate::event;
use crate::state_ext::{balance, set_balance, set_supply, supply_of};

/// The module account that collects tx fees.
pub const FEE_COLLECTOR: &str = "fee_collector";

/// The names of the module accounts this chain knows. Their addresses get no
/// `BaseAccount` when they receive coins, and they cannot receive coins
/// through `MsgSend`/`MsgMultiSend` (the SDK's blocked addresses).
pub const MODULE_ACCOUNTS: [&str; 4] = [FEE_COLLECTOR, ESCROW, DISTRIBUTION, ATTESTATION];

/// Holds every lease and order deposit (the escrow module's account).
pub const ESCROW: &str = "escrow";
/// Holds the community pool (the market's take), as in the SDK's
/// distribution module; spent by no one until governance exists.
pub const DISTRIBUTION: &str = "distribution";
/// Holds the providers' bonds (the attestation module's account).
pub const ATTESTATION: &str = "attestation";

/// Each of [`MODULE_ACCOUNTS`] with its permissions (the SDK's `maccPerms`;
/// the fee collector has none), which the app registers with auth for its
/// `ModuleAccounts` query.
pub const MODULE_ACCOUNT_PERMISSIONS: &[(&str, &[&str])] = &[
    (FEE_COLLECTOR, &[]),
    (ESCROW, &[]),
    (DISTRIBUTION, &[]),
    (ATTESTATION, &[]),
];

/// The addresses of [`MODULE_ACCOUNTS`], in that order: derived once, as
/// every fee payment and send asks about them (each is a SHA-256).
static MODULE_ADDRESSES: LazyLock<[Address; 4]> =
    LazyLock::new(|| MODULE_ACCOUNTS.map(Address::module));

/// The fee collector's address: `Address::module("fee_collector")`.
pub fn fee_collector() -> Address {
    MODULE_ADDRESSES[0]
}

/// Whether `address` is one of [`MODULE_ACCOUNTS`].
pub fn is_module_account(address: &Address) -> bool {
    MODULE_ADDRESSES.contains(address)
}

/// Whether `address` may not receive coins through bank Msgs.
pub fn is_blocked_address(address: &Address) -> bool {
    is_module_account(address)
}

/// Moves `amount` from `from` to `to` (the SDK's `SendCoins`). Fails with
/// `insufficient funds` (code 5) naming the first short coin. Creates a
/// `BaseAccount` for a recipient that has none, unless it is a module
/// account. Emits `coin_spent`, `coin_received`, `transfer`, `message`.
pub fn send_coins(
    state: &mut dyn StateWrite,
    from: &Address,
    to: &Address,
    amount: &Coins,
) -> AppResult<()> {
    let create = !is_module_account(to);
    transfer(state, from, to, amount, create)
}

/// Moves `amount` from an account to the module account `module` (the
/// SDK's `SendCoinsFromAccountToModule`; fees go to [`FEE_COLLECTOR`] this
/// way). No account is created for the module. Same events as
/// [`send_coins`].
pub fn send_coins_to_module(
    state: &mut dyn StateWrite,
    from: &Address,
    module: &str,
    amount: &Coins,
) -> AppResult<()> {
    transfer(state, from, &Address::module(module), amount, false)
}

/// Moves `amount` from the module account `module` to `to` (the SDK's
/// `SendCoinsFromModuleToAccount`). Same events and account creation as
/// [`send_coins`].
pub fn send_coins_from_module(
    state: &mut dyn StateWrite,
    module: &str,
    to: &Address,
    amount: &Coins,
) -> AppResult<()> {
    send_coins(state, &Address::module(module), to, amount)
}

/// Destroys `amount` held by `from`, lowering the supply (the SDK's
/// `BurnCoins`, for modules such as slashing). Emits `coin_spent`, `burn`.
pub fn burn(state: &mut dyn StateWrite, from: &Address, amount: &Coins) -> AppResult<()> {
    sub_coins(state, from, amount)?;
    for coin in amount.iter() {
        let supply = supply_of(state, &coin.denom)?;
        let left = supply.checked_sub(coin.amount).ok_or_else(|| {
            sdk_wrapped(
                code::INSUFFICIENT_FUNDS,
                format!("burning {coin} exceeds the supply {supply}{}", coin.denom),
            )
        })?;
        set_supply(state, &coin.denom, left)?;
    }
    state.emit(event::burn(from, amount));
    Ok(())
}

/// Creates `amount` in `to`'s balance and the supply. Only genesis mints;
/// it emits no events.
pub(crate) fn mint(state: &mut dyn StateWrite, to: &Address, amount: &Coins) -> AppResult<()> {
    for coin in amount.iter() {
        let supply = supply_of(state, &coin.denom)?;
        let new_supply = supply
            .checked_add(coin.amount)
            .ok_or_else(|| overflow(coin, "supply"))?;
        set_supply(state, &coin.denom, new_supply)?;
        add_amount(state, to, coin)?;
    }
    Ok(())
}

/// One input to many outputs (the SDK's `InputOutputCoins`, v0.50): the
/// caller has checked that the outputs sum to the input. Emits `coin_spent`
/// and `message{sender}`, then per output `coin_received` and
/// `transfer{recipient, amount}`.
pub(crate) fn input_output_coins(
    state: &mut dyn StateWrite,
    input: &Address,
    input_coins: &Coins,
    outputs: &[(Address, Coins)],
) -> AppResult<()> {
    sub_coins(state, input, input_coins)?;
    state.emit(event::message_sender(input));
    for (to, coins) in outputs {
        add_coins(state, to, coins)?;
        state.emit(event::output_transfer(to, coins));
        if !is_module_account(to) {
            gpuchain_auth::ensure_account(state, to)?;
        }
    }
    Ok(())
}

fn transfer(
    state: &mut dyn StateWrite,
    from: &Address,
    to: &Address,
    amount: &Coins,
    create_recipient: bool,
) -> AppResult<()> {
    sub_coins(state, from, amount)?;
    add_coins(state, to, amount)?;
    if create_recipient {
        gpuchain_auth::ensure_account(state, to)?;
    }
    if state.records_events() {
        state.emit(event::transfer(to, from, amount));
        state.emit(event::message_sender(from));
    }
    Ok(())
}

/// Debits every coin (the SDK's `subUnlockedCoins`; nothing is locked here,
/// so the spendable balance is the balance) and emits `coin_spent`.
fn sub_coins(state: &mut dyn StateWrite, address: &Address, amount: &Coins) -> AppResult<()> {
    for coin in amount.iter() {
        let have = balance(state, address, &coin.denom)?;
        let left = have.checked_sub(coin.amount).ok_or_else(|| {
            sdk_wrapped(
                code::INSUFFICIENT_FUNDS,
                format!(
                    "spendable balance {have}{} is smaller than {coin}",
                    coin.denom
                ),
            )
        })?;
        set_balance(state, address, &coin.denom, have, left)?;
    }
    if state.records_events() {
        state.emit(event::coin_spent(address, amount));
    }
    Ok(())
}

/// Credits every coin and emits `coin_received`.
fn add_coins(state: &mut dyn StateWrite, address: &Address, amount: &Coins) -> AppResult<()> {
    for coin in amount.iter() {
        add_amount(state, address, coin)?;
    }
    if state.records_events() {
        state.emit(event::coin_received(address, amount));
    }
    Ok(())
}

fn add_amount(state: &mut dyn StateWrite, address: &Address, coin: &Coin) -> AppResult<()> {
    let have = balance(state, address, &coin.denom)?;
    let new = have
        .checked_add(coin.amount)
        .ok_or_else(|| overflow(coin, "balance"))?;
    set_balance(state, address, &coin.denom, have, new)
}

fn overflow(coin: &Coin, what: &str) -> gpuchain_types::AppError {
    sdk_wrapped(
        code::INVALID_COINS,
        format!("adding {coin} overflows the {what}"),
    )
}

#[cfg(test)]
mod tests {
    use gpuchain_store::Delta;
    use gpuchain_types::Event;
    use proptest::prelude::*;

    use super::*;
    use crate::state_ext::{all_balances, check_invariants, total_supply};
    use crate::test_util::{addr, coins, funded};

    #[test]
    fn should_know_each_module_account_by_its_derived_address() {
        assert_eq!(fee_collector(), Address::module("fee_collector"));
        for name in MODULE_ACCOUNTS {
            assert!(is_module_account(&Address::module(name)), "{name}");
        }
        assert!(!is_module_account(&Address::module("bonded_tokens_pool")));
        assert!(!is_module_account(&addr(1)));
    }

    fn ev(kind: &str, attrs: &[(&str, String)]) -> Event {
        attrs
            .iter()
            .fold(Event::new(kind), |e, (k, v)| e.attr(*k, v.clone()))
    }

    #[test]
    fn should_move_coins_and_emit_sdk_events_when_sending() {
        let mut state = funded(&[(1, "100ugpc,10uatom")]);
        state.take_events();
        let (a, b) = (addr(1), addr(2));
        send_coins(&mut state, &a, &b, &coins("3uatom,40ugpc")).unwrap();
        assert_eq!(all_balances(&state, &a).unwrap(), coins("7uatom,60ugpc"));
        assert_eq!(all_balances(&state, &b).unwrap(), coins("3uatom,40ugpc"));
        assert_eq!(
            state.changes().events,
            vec![
                ev(
                    "coin_spent",
                    &[
                        ("spender", a.to_string()),
                        ("amount", "3uatom,40ugpc".into())
                    ]
                ),
                ev(
                    "coin_received",
                    &[
                        ("receiver", b.to_string()),
                        ("amount", "3uatom,40ugpc".into())
                    ]
                ),
                ev(
                    "transfer",
                    &[
                        ("recipient", b.to_string()),
                        ("sender", a.to_string()),
                        ("amount", "3uatom,40ugpc".into())
                    ]
                ),
                ev("message", &[("sender", a.to_string())]),
            ]
        );
        // The recipient got an account with the next number.
        let acc = gpuchain_auth::get_account(&state, &b).unwrap().unwrap();
        assert_eq!(acc.account_number, 0);
        assert_eq!(total_supply(&state).unwrap(), coins("10uatom,100ugpc"));
        check_invariants(&state).unwrap();
    }

    #[test]
    fn should_fail_with_code_5_and_sdk_log_when_funds_insufficient() {
        let mut state = funded(&[(1, "5ugpc")]);
        let e = send_coins(&mut state, &addr(1), &addr(2), &coins("10ugpc")).unwrap_err();
        assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 5));
        assert_eq!(
            e.log,
            "spendable balance 5ugpc is smaller than 10ugpc: insufficient funds"
        );
        let e = send_coins(&mut state, &addr(1), &addr(2), &coins("1uatom")).unwrap_err();
        assert_eq!(
            e.log,
            "spendable balance 0uatom is smaller than 1uatom: insufficient funds"
        );
    }

    #[test]
    fn should_leave_state_unchanged_when_send_fails_on_a_dropped_layer() {
        let block = funded(&[(1, "100ugpc,1uatom")]);
        let before = block.changes().clone();
        {
            let mut tx = Delta::new(&block);
            // ugpc is debited first, then uatom fails: the layer is dropped.
            let e = send_coins(&mut tx, &addr(1), &addr(2), &coins("2uatom,50ugpc")).unwrap_err();
            assert_eq!(e.code, 5);
        }
        assert_eq!(block.changes(), &before);
        assert_eq!(
            all_balances(&block, &addr(1)).unwrap(),
            coins("1uatom,100ugpc")
        );
    }

    #[test]
    fn should_not_create_account_when_recipient_is_module() {
        let mut state = funded(&[(1, "100ugpc")]);
        send_coins_to_module(&mut state, &addr(1), FEE_COLLECTOR, &coins("7ugpc")).unwrap();
        send_coins(&mut state, &addr(1), &fee_collector(), &coins("3ugpc")).unwrap();
        assert_eq!(balance(&state, &fee_collector(), "ugpc").unwrap(), 10);
        assert!(!gpuchain_auth::has_account(&state, &fee_collector()).unwrap());
        send_coins_from_module(&mut state, FEE_COLLECTOR, &addr(3), &coins("4ugpc")).unwrap();
        assert_eq!(balance(&state, &addr(3), "ugpc").unwrap(), 4);
        assert!(gpuchain_auth::has_account(&state, &addr(3)).unwrap());
        check_invariants(&state).unwrap();
    }

    #[test]
    fn should_list_permissions_for_every_module_account() {
        let named: Vec<&str> = MODULE_ACCOUNT_PERMISSIONS.iter().map(|(n, _)| *n).collect();
        assert_eq!(named, MODULE_ACCOUNTS);
        // None may mint or burn: coins exist only from genesis.
        let none: &[&str] = &[];
        assert_eq!(
            MODULE_ACCOUNT_PERMISSIONS,
            &[
                ("fee_collector", none),
                ("escrow", none),
                ("distribution", none),
                ("attestation", none)
            ]
        );
    }

    #[test]
    fn should_name_fee_collector_like_the_sdk() {
        assert_eq!(
            fee_collector().to_bech32_with_prefix("cosmos"),
            "cosmos17xpfvakm2amg962yls6f84z3kell8c5lserqta"
        );
        assert!(is_blocked_address(&fee_collector()));
        assert!(!is_blocked_address(&addr(1)));
    }

    #[test]
    fn should_keep_balance_when_sending_to_self() {
        let mut state = funded(&[(1, "100ugpc")]);
        send_coins(&mut state, &addr(1), &addr(1), &coins("60ugpc")).unwrap();
        assert_eq!(balance(&state, &addr(1), "ugpc").unwrap(), 100);
        check_invariants(&state).unwrap();
    }

    #[test]
    fn should_lower_supply_and_emit_burn_when_burning() {
        let mut state = funded(&[(1, "100ugpc")]);
        state.take_events();
        burn(&mut state, &addr(1), &coins("30ugpc")).unwrap();
        assert_eq!(supply_of(&state, "ugpc").unwrap(), 70);
        assert_eq!(balance(&state, &addr(1), "ugpc").unwrap(), 70);
        let kinds: Vec<&str> = state
            .changes()
            .events
            .iter()
            .map(|e| e.kind.as_str())
            .collect();
        assert_eq!(kinds, vec!["coin_spent", "burn"]);
        assert_eq!(
            burn(&mut state, &addr(1), &coins("71ugpc"))
                .unwrap_err()
                .code,
            5
        );
        check_invariants(&state).unwrap();
    }

    #[test]
    fn should_fail_with_code_10_when_mint_overflows_supply() {
        let mut state = funded(&[(1, "1ugpc")]);
        let max = Coins::from_wire_strict(vec![Coin::new(u128::MAX, "ugpc")]).unwrap();
        assert_eq!(mint(&mut state, &addr(2), &max).unwrap_err().code, 10);
    }

    #[test]
    fn should_emit_multisend_events_when_one_input_many_outputs() {
        let mut state = funded(&[(1, "100ugpc")]);
        state.take_events();
        let (a, b, c) = (addr(1), addr(2), addr(3));
        let outputs = vec![(b, coins("30ugpc")), (c, coins("20ugpc"))];
        input_output_coins(&mut state, &a, &coins("50ugpc"), &outputs).unwrap();
        assert_eq!(balance(&state, &a, "ugpc").unwrap(), 50);
        assert_eq!(balance(&state, &b, "ugpc").unwrap(), 30);
        assert_eq!(balance(&state, &c, "ugpc").unwrap(), 20);
        assert_eq!(
            state.changes().events,
            vec![
                ev(
                    "coin_spent",
                    &[("spender", a.to_string()), ("amount", "50ugpc".into())]
                ),
                ev("message", &[("sender", a.to_string())]),
                ev(
                    "coin_received",
                    &[("receiver", b.to_string()), ("amount", "30ugpc".into())]
                ),
                ev(
                    "transfer",
                    &[("recipient", b.to_string()), ("amount", "30ugpc".into())]
                ),
                ev(
                    "coin_received",
                    &[("receiver", c.to_string()), ("amount", "20ugpc".into())]
                ),
                ev(
                    "transfer",
                    &[("recipient", c.to_string()), ("amount", "20ugpc".into())]
                ),
            ]
        );
        let nb = gpuchain_auth::get_account(&state, &b).unwrap().unwrap();
        let nc = gpuchain_auth::get_account(&state, &c).unwrap().unwrap();
        assert_eq!((nb.account_number, nc.account_number), (0, 1));
        check_invariants(&state).unwrap();
    }

    proptest! {
        /// Random sends among four accounts, each on its own layer applied on
        /// success and dropped on failure, never change the supply and keep
        /// it equal to the sum of balances.
        #[test]
        fn should_keep_supply_invariant_when_random_sends_run(
            sends in proptest::collection::vec(
                (0u8..4, 0u8..4, 1u128..400, prop_oneof![Just("ugpc"), Just("uatom")]),
                1..40,
            )
        ) {
            let mut block = funded(&[(0, "500uatom,1000ugpc"), (1, "300ugpc"), (2, "50uatom")]);
            let supply = total_supply(&block).unwrap();
            for (from, to, amount, denom) in sends {
                let amount = Coins::from_wire_strict(vec![Coin::new(amount, denom)]).unwrap();
                let mut tx = Delta::new(&block);
                let before = balance(&tx, &addr(from), denom).unwrap();
                let result = send_coins(&mut tx, &addr(from), &addr(to), &amount);
                let changes = tx.into_changes();
                match result {
                    Ok(()) => block.apply(changes),
                    Err(e) => {
                        prop_assert_eq!(e.code, 5);
                        prop_assert!(before < amount.amount_of(denom));
                    }
                }
                check_invariants(&block).unwrap();
                prop_assert_eq!(&total_supply(&block).unwrap(), &supply);
            }
            let sum = (0..4).try_fold(Coins::empty(), |acc, n| {
                acc.checked_add(&all_balances(&block, &addr(n)).unwrap())
            }).unwrap();
            prop_assert_eq!(sum, supply);
        }
    }
}

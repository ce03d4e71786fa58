//! Tests of the keeper operations, the component and its queries.

use gpuchain_bank::{BankComponent, DISTRIBUTION};
use gpuchain_store::{Changes, Component, Delta, EmptyState, StateRead, StateWrite};
use gpuchain_types::{Address, AppError, AppResult, BlockContext, Coin, Coins};
use proptest::prelude::*;
use prost::Message;

use crate::*;

const TAKE: u32 = 200;

fn addr(n: u8) -> Address {
    Address([n; 20])
}

fn owner() -> Address {
    addr(1)
}

fn provider() -> Address {
    addr(2)
}

fn pool() -> Address {
    Address::module(DISTRIBUTION)
}

fn ugpc(amount: u128) -> Coin {
    Coin::new(amount, "ugpc")
}

/// A layer in which `addr(n)` holds the given coins, through the bank's
/// genesis (so the supply matches).
fn funded(holders: &[(u8, &str)]) -> Delta<'static> {
    let mut genesis = serde_json::Value::Null;
    for (n, coins) in holders {
        gpuchain_bank::add_genesis_balance(&mut genesis, &addr(*n), &Coins::parse(coins).unwrap())
            .unwrap();
    }
    let mut state = Delta::new(&EmptyState);
    BankComponent
        .init_genesis(&mut state, &genesis, &BlockContext::default())
        .unwrap();
    state
}

fn bal(state: &dyn StateRead, who: &Address, denom: &str) -> u128 {
    gpuchain_bank::balance(state, who, denom).unwrap()
}

fn escrow_held(state: &dyn StateRead) -> u128 {
    bal(state, &module_address(), "ugpc")
}

/// Runs `f` on a layer above `state`: it must fail with `(codespace, code)`
/// and leave the layer empty (no write, no event); the layer is dropped.
fn fails_cleanly<T: std::fmt::Debug>(
    state: &Delta<'_>,
    codespace: &str,
    code: u32,
    f: impl FnOnce(&mut dyn StateWrite) -> AppResult<T>,
) -> AppError {
    let mut layer = Delta::new(state);
    let e = f(&mut layer).unwrap_err();
    assert_eq!(
        (e.codespace.as_ref(), e.code),
        (codespace, code),
        "{}",
        e.log
    );
    assert_eq!(layer.changes(), &Changes::default(), "a failed call wrote");
    e
}

/// Owner 1 holds 1_000_000ugpc and 500uatom; account 7 opened with 100_000.
fn opened() -> Delta<'static> {
    let mut state = funded(&[(1, "1000000ugpc,500uatom"), (3, "1000ugpc")]);
    open(&mut state, 7, &owner(), &ugpc(100_000)).unwrap();
    state
}

// ----- open -----

#[test]
fn should_move_deposit_to_module_when_opening() {
    let state = opened();
    assert_eq!(bal(&state, &owner(), "ugpc"), 900_000);
    assert_eq!(escrow_held(&state), 100_000);
    let acc = get(&state, 7).unwrap().unwrap();
    assert_eq!(acc, EscrowAccount::new(7, owner(), "ugpc", 100_000));
    assert_eq!(acc.balance(), 100_000);
    assert!(acc.open);
    assert_eq!(get(&state, 8).unwrap(), None);
    check_invariants(&state).unwrap();
}

#[test]
fn should_fail_and_change_nothing_when_open_is_invalid() {
    let state = opened();
    let e = fails_cleanly(&state, "escrow", 2, |s| open(s, 7, &owner(), &ugpc(1)));
    assert_eq!(e.log, "escrow 7: escrow account already exists");
    fails_cleanly(&state, "sdk", 10, |s| open(s, 8, &owner(), &ugpc(0)));
    fails_cleanly(&state, "sdk", 10, |s| {
        open(s, 8, &owner(), &Coin::new(5, "x"))
    });
    let e = fails_cleanly(&state, "sdk", 5, |s| open(s, 8, &owner(), &ugpc(900_001)));
    assert!(e.log.contains("insufficient funds"), "{}", e.log);
    fails_cleanly(&state, "sdk", 5, |s| open(s, 8, &addr(9), &ugpc(1)));
}

#[test]
fn should_refuse_reusing_id_when_account_closed() {
    let mut state = opened();
    close(&mut state, 7, 0, TAKE).unwrap();
    fails_cleanly(&state, "escrow", 2, |s| open(s, 7, &owner(), &ugpc(1)));
}

// ----- deposit -----

#[test]
fn should_add_top_up_when_anyone_deposits() {
    let mut state = opened();
    deposit(&mut state, 7, &addr(3), &ugpc(400)).unwrap();
    deposit(&mut state, 7, &owner(), &ugpc(600)).unwrap();
    assert_eq!(bal(&state, &addr(3), "ugpc"), 600);
    assert_eq!(bal(&state, &owner(), "ugpc"), 899_400);
    let acc = get(&state, 7).unwrap().unwrap();
    assert_eq!((acc.deposited, acc.balance()), (101_000, 101_000));
    assert_eq!(escrow_held(&state), 101_000);
    check_invariants(&state).unwrap();
}

#[test]
fn should_fail_and_change_nothing_when_deposit_is_invalid() {
    let mut state = opened();
    fails_cleanly(&state, "escrow", 3, |s| deposit(s, 8, &owner(), &ugpc(1)));
    let e = fails_cleanly(&state, "escrow", 5, |s| {
        deposit(s, 7, &owner(), &Coin::new(1, "uatom"))
    });
    assert_eq!(
        e.log,
        "escrow 7 holds ugpc, got uatom: denom does not match the escrow account"
    );
    fails_cleanly(&state, "sdk", 10, |s| deposit(s, 7, &owner(), &ugpc(0)));
    fails_cleanly(&state, "sdk", 5, |s| deposit(s, 7, &addr(3), &ugpc(1001)));
    // An account whose deposits are at the u128 limit cannot take more.
    let mut huge = get(&state, 7).unwrap().unwrap();
    huge.id = 9;
    huge.deposited = u128::MAX;
    state_ext::set_account(&mut state, &huge).unwrap();
    fails_cleanly(&state, "escrow", 9, |s| deposit(s, 9, &owner(), &ugpc(1)));
    let mut state = opened();
    close(&mut state, 7, 0, TAKE).unwrap();
    fails_cleanly(&state, "escrow", 4, |s| deposit(s, 7, &owner(), &ugpc(1)));
}

// ----- start -----

#[test]
fn should_fail_and_change_nothing_when_start_is_invalid() {
    let mut state = opened();
    fails_cleanly(&state, "escrow", 3, |s| start(s, 8, &provider(), 1, 0, 10));
    fails_cleanly(&state, "escrow", 8, |s| start(s, 7, &provider(), 0, 0, 10));
    fails_cleanly(&state, "escrow", 7, |s| start(s, 7, &provider(), 1, 10, 10));
    fails_cleanly(&state, "escrow", 7, |s| start(s, 7, &provider(), 1, 10, 9));
    start(&mut state, 7, &provider(), 36_000, 1000, 5000).unwrap();
    fails_cleanly(&state, "escrow", 6, |s| start(s, 7, &provider(), 1, 0, 10));
    close(&mut state, 7, 1000, TAKE).unwrap();
    fails_cleanly(&state, "escrow", 4, |s| start(s, 7, &provider(), 1, 0, 10));
}

#[test]
fn should_record_schedule_when_started() {
    let mut state = opened();
    start(&mut state, 7, &provider(), 36_000, 1000, 5000).unwrap();
    let acc = get(&state, 7).unwrap().unwrap();
    assert_eq!(acc.provider, Some(provider()));
    assert_eq!(acc.rate_per_hour, 36_000);
    assert_eq!((acc.started_at, acc.ends_at), (Some(1000), Some(5000)));
    // 10 per second: 100_000 lasts 10_000 s, past ends_at.
    assert_eq!(acc.due_at(), Some(5000));
    deposit(&mut state, 7, &owner(), &ugpc(1)).unwrap();
    assert_eq!(get(&state, 7).unwrap().unwrap().due_at(), Some(5000));
}

// ----- settle and close -----

#[test]
fn should_pay_provider_and_pool_exactly_when_settling_and_closing() {
    let mut state = opened();
    // 10ugpc per second.
    start(&mut state, 7, &provider(), 36_000, 1000, 1_000_000).unwrap();
    assert_eq!(
        settle(&mut state, 7, 1000, TAKE).unwrap(),
        Payment::default()
    );
    let p = settle(&mut state, 7, 1100, TAKE).unwrap();
    assert_eq!(
        p,
        Payment {
            to_provider: 980,
            take: 20
        }
    );
    let p = settle(&mut state, 7, 1150, TAKE).unwrap();
    assert_eq!(
        p,
        Payment {
            to_provider: 490,
            take: 10
        }
    );
    // Same time again: nothing more.
    assert_eq!(
        settle(&mut state, 7, 1150, TAKE).unwrap(),
        Payment::default()
    );
    let acc = get(&state, 7).unwrap().unwrap();
    assert_eq!((acc.paid, acc.take, acc.balance()), (1500, 30, 98_500));
    check_invariants(&state).unwrap();
    let s = close(&mut state, 7, 1200, TAKE).unwrap();
    assert_eq!(
        s,
        Settlement {
            payment: Payment {
                to_provider: 490,
                take: 10
            },
            refund: 98_000
        }
    );
    assert_eq!(bal(&state, &provider(), "ugpc"), 1960);
    assert_eq!(bal(&state, &pool(), "ugpc"), 40);
    assert_eq!(bal(&state, &owner(), "ugpc"), 998_000);
    assert_eq!(escrow_held(&state), 0);
    let acc = get(&state, 7).unwrap().unwrap();
    assert!(!acc.open);
    assert_eq!((acc.paid, acc.take, acc.refunded), (2000, 40, 98_000));
    assert_eq!(acc.paid + acc.refunded, acc.deposited);
    check_invariants(&state).unwrap();
}

#[test]
fn should_collect_same_take_when_settling_every_second_or_once() {
    // 1ugpc per second, 2%: each one-second payment alone would take 0.
    let run = |every_second: bool| {
        let mut state = opened();
        start(&mut state, 7, &provider(), 3600, 0, 1_000_000).unwrap();
        if every_second {
            for t in 1..=1000 {
                settle(&mut state, 7, t, TAKE).unwrap();
            }
        } else {
            settle(&mut state, 7, 1000, TAKE).unwrap();
        }
        let s = close(&mut state, 7, 1000, TAKE).unwrap();
        assert_eq!(s.refund, 99_000);
        (
            bal(&state, &provider(), "ugpc"),
            bal(&state, &pool(), "ugpc"),
            bal(&state, &owner(), "ugpc"),
        )
    };
    assert_eq!(run(true), (980, 20, 999_000));
    assert_eq!(run(false), (980, 20, 999_000));
}

#[test]
fn should_stop_billing_when_ends_at_passed() {
    let mut state = opened();
    start(&mut state, 7, &provider(), 36_000, 0, 100).unwrap();
    let p = settle(&mut state, 7, 500, 0).unwrap();
    assert_eq!(
        p,
        Payment {
            to_provider: 1000,
            take: 0
        }
    );
    assert_eq!(
        settle(&mut state, 7, 10_000, 0).unwrap(),
        Payment::default()
    );
    let s = close(&mut state, 7, 10_000, 0).unwrap();
    assert_eq!(s.refund, 99_000);
    assert_eq!(bal(&state, &provider(), "ugpc"), 1000);
    check_invariants(&state).unwrap();
}

#[test]
fn should_pay_whole_deposit_and_refund_nothing_when_funds_exhausted() {
    let mut state = funded(&[(1, "1000ugpc")]);
    open(&mut state, 1, &owner(), &ugpc(1000)).unwrap();
    // 7 per hour: 1000 lasts ceil(1000 * 3600 / 7) = 514_286 s.
    start(&mut state, 1, &provider(), 7, 0, i64::MAX).unwrap();
    let acc = get(&state, 1).unwrap().unwrap();
    assert_eq!(acc.due_at(), Some(514_286));
    assert_eq!(acc.owed(514_285), 999);
    let s = close(&mut state, 1, 514_286, 150).unwrap();
    // take = floor(1000 * 150 / 10000) = 15.
    assert_eq!(
        s,
        Settlement {
            payment: Payment {
                to_provider: 985,
                take: 15
            },
            refund: 0
        }
    );
    assert_eq!(bal(&state, &owner(), "ugpc"), 0);
    check_invariants(&state).unwrap();
}

#[test]
fn should_refund_everything_when_unstarted_account_closed() {
    let mut state = opened();
    deposit(&mut state, 7, &addr(3), &ugpc(500)).unwrap();
    assert_eq!(
        settle(&mut state, 7, 1_000_000, TAKE).unwrap(),
        Payment::default()
    );
    let s = close(&mut state, 7, 1_000_000, TAKE).unwrap();
    assert_eq!(
        s,
        Settlement {
            payment: Payment::default(),
            refund: 100_500
        }
    );
    // Top-ups go back to the owner, not the payer.
    assert_eq!(bal(&state, &owner(), "ugpc"), 1_000_500);
    assert_eq!(bal(&state, &addr(3), "ugpc"), 500);
    assert_eq!(escrow_held(&state), 0);
    let acc = get(&state, 7).unwrap().unwrap();
    assert!(!acc.open);
    assert_eq!((acc.refunded, acc.balance()), (100_500, 0));
    check_invariants(&state).unwrap();
}

#[test]
fn should_fail_and_change_nothing_when_settle_or_close_invalid() {
    let mut state = opened();
    start(&mut state, 7, &provider(), 36_000, 0, 1000).unwrap();
    fails_cleanly(&state, "escrow", 3, |s| settle(s, 8, 10, TAKE));
    fails_cleanly(&state, "escrow", 3, |s| close(s, 8, 10, TAKE));
    fails_cleanly(&state, "escrow", 10, |s| settle(s, 7, 10, 10_001));
    fails_cleanly(&state, "escrow", 10, |s| close(s, 7, 10, u32::MAX));
    close(&mut state, 7, 10, TAKE).unwrap();
    fails_cleanly(&state, "escrow", 4, |s| settle(s, 7, 20, TAKE));
    fails_cleanly(&state, "escrow", 4, |s| close(s, 7, 20, TAKE));
}

#[test]
fn should_take_everything_when_take_rate_is_full() {
    let mut state = opened();
    start(&mut state, 7, &provider(), 36_000, 0, 1000).unwrap();
    let p = settle(&mut state, 7, 10, 10_000).unwrap();
    assert_eq!(
        p,
        Payment {
            to_provider: 0,
            take: 100
        }
    );
    check_invariants(&state).unwrap();
}

#[test]
fn should_break_invariant_when_accounts_disagree_with_bank() {
    let mut state = opened();
    check_invariants(&state).unwrap();
    let mut acc = get(&state, 7).unwrap().unwrap();
    acc.paid = 1;
    state_ext::set_account(&mut state, &acc).unwrap();
    let e = check_invariants(&state).unwrap_err();
    assert!(
        e.log
            .contains("escrow module account holds 100000ugpc but open accounts hold 99999ugpc"),
        "{}",
        e.log
    );
    acc.take = 2;
    state_ext::set_account(&mut state, &acc).unwrap();
    assert!(check_invariants(&state)
        .unwrap_err()
        .log
        .contains("take 2 exceeds paid 1"));
    acc.take = 0;
    acc.refunded = 100_000;
    state_ext::set_account(&mut state, &acc).unwrap();
    assert!(check_invariants(&state)
        .unwrap_err()
        .log
        .contains("exceeds deposited"));
    acc.paid = 0;
    acc.refunded = 0;
    acc.open = false;
    state_ext::set_account(&mut state, &acc).unwrap();
    assert!(check_invariants(&state)
        .unwrap_err()
        .log
        .contains("closed escrow 7 still holds 100000"));
}

// ----- storage -----

#[test]
fn should_keep_stored_encoding_when_code_changes() {
    let mut acc = EscrowAccount::new(1, addr(1), "ugpc", 5);
    acc.provider = Some(addr(2));
    acc.started_at = Some(3);
    acc.ends_at = Some(4);
    acc.rate_per_hour = 6;
    let bytes = state_ext::encode_account(&acc).unwrap();
    assert_eq!(bytes[0], 1);
    assert_eq!(
        bytes.len(),
        1 + 8 + 20 + 4 + 4 + 16 * 5 + 1 + 20 + 1 + 8 + 1 + 8 + 1
    );
    assert_eq!(state_ext::decode_account(&bytes).unwrap(), acc);
    let mut bad = bytes.clone();
    bad[0] = 2;
    assert_eq!(state_ext::decode_account(&bad).unwrap_err().code, 1);
    assert_eq!(state_ext::decode_account(&[]).unwrap_err().code, 1);
    assert_eq!(state_ext::decode_account(&bytes[..10]).unwrap_err().code, 1);
}

// ----- component: genesis -----

fn ctx(time: i64) -> BlockContext {
    BlockContext {
        time_secs: time,
        ..BlockContext::default()
    }
}

#[test]
fn should_accept_empty_genesis_when_null_or_empty_object() {
    for g in [
        serde_json::Value::Null,
        serde_json::json!({}),
        serde_json::json!({"accounts": []}),
    ] {
        let mut state = Delta::new(&EmptyState);
        EscrowComponent
            .init_genesis(&mut state, &g, &ctx(0))
            .unwrap();
        assert_eq!(
            state_ext::schema_version(&state).unwrap(),
            Some(SCHEMA_VERSION)
        );
        assert!(state_ext::all_accounts(&state).unwrap().is_empty());
        EscrowComponent.check_invariants(&state).unwrap();
    }
    assert_eq!(EscrowComponent.name(), "escrow");
    assert_eq!(MODULE_NAME, "escrow");
    assert!(EscrowComponent.msg_types().is_empty());
}

fn genesis_account() -> serde_json::Value {
    serde_json::json!({
        "id": "4", "owner": addr(1).to_string(), "denom": "ugpc", "deposited": "1000",
        "paid": "100", "take": "2", "rate_per_hour": "3600",
        "provider": addr(2).to_string(), "started_at": 10, "ends_at": "5000", "open": true
    })
}

#[test]
fn should_load_accounts_when_genesis_lists_them() {
    let mut state = funded(&[(1, "1ugpc")]);
    // The escrow module account's 900 come from the bank section.
    let mut bank = serde_json::Value::Null;
    gpuchain_bank::add_genesis_balance(
        &mut bank,
        &module_address(),
        &Coins::parse("900ugpc").unwrap(),
    )
    .unwrap();
    let mut state2 = Delta::new(&EmptyState);
    BankComponent
        .init_genesis(&mut state2, &bank, &ctx(0))
        .unwrap();
    let g = serde_json::json!({"accounts": [genesis_account()]});
    EscrowComponent
        .init_genesis(&mut state2, &g, &ctx(0))
        .unwrap();
    let acc = get(&state2, 4).unwrap().unwrap();
    assert_eq!(
        (acc.deposited, acc.paid, acc.take, acc.balance()),
        (1000, 100, 2, 900)
    );
    assert_eq!((acc.started_at, acc.ends_at), (Some(10), Some(5000)));
    EscrowComponent.check_invariants(&state2).unwrap();
    let exported = serde_json::to_value(genesis::export_genesis(&state2).unwrap()).unwrap();
    let mut again = Delta::new(&EmptyState);
    EscrowComponent
        .init_genesis(&mut again, &exported, &ctx(0))
        .unwrap();
    assert_eq!(get(&again, 4).unwrap().unwrap(), acc);
    // Without the bank's balance the invariant fails.
    EscrowComponent
        .init_genesis(&mut state, &g, &ctx(0))
        .unwrap();
    assert!(EscrowComponent.check_invariants(&state).is_err());
}

#[test]
fn should_reject_genesis_when_invalid() {
    let with = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut a = genesis_account();
        f(&mut a);
        serde_json::json!({"accounts": [a]})
    };
    let cases: Vec<(serde_json::Value, u32)> = vec![
        (serde_json::json!([]), 17),
        (serde_json::json!({"foo": 1}), 17),
        (
            serde_json::json!({"accounts": [genesis_account(), genesis_account()]}),
            18,
        ),
        (with(&|a| a["owner"] = "cosmos1xyz".into()), 7),
        (with(&|a| a["provider"] = "bad".into()), 7),
        (with(&|a| a["denom"] = "x".into()), 10),
        (with(&|a| a["deposited"] = "-1".into()), 10),
        (with(&|a| a["paid"] = "1001".into()), 18),
        (with(&|a| a["take"] = "101".into()), 18),
        (with(&|a| a["open"] = false.into()), 18),
        (with(&|a| a["ends_at"] = "10".into()), 18),
        (with(&|a| a["rate_per_hour"] = "0".into()), 18),
        (
            with(&|a| {
                a.as_object_mut().unwrap().remove("started_at");
            }),
            18,
        ),
        (with(&|a| a["id"] = "-1".into()), 17),
        (
            with(&|a| {
                a.as_object_mut().unwrap().remove("id");
            }),
            17,
        ),
    ];
    for (g, code) in cases {
        let mut state = Delta::new(&EmptyState);
        let e = EscrowComponent
            .init_genesis(&mut state, &g, &ctx(0))
            .unwrap_err();
        assert_eq!(
            (e.codespace.as_ref(), e.code),
            ("sdk", code),
            "{g}: {}",
            e.log
        );
        assert_eq!(state.changes(), &Changes::default());
    }
}

// ----- component: queries -----

fn query<Resp: Message + Default>(
    state: &dyn StateRead,
    path: &str,
    req: impl Message,
) -> AppResult<Resp> {
    let bytes = EscrowComponent
        .query(state, path, &req.encode_to_vec())
        .unwrap()?;
    Ok(Resp::decode(bytes.as_slice()).unwrap())
}

#[test]
fn should_report_owed_now_when_account_queried() {
    use gpuchain_proto::escrow::{QueryAccountRequest, QueryAccountResponse};
    let mut state = opened();
    start(&mut state, 7, &provider(), 36_000, 1000, 2000).unwrap();
    settle(&mut state, 7, 1100, TAKE).unwrap();
    EscrowComponent.begin_block(&mut state, &ctx(1500)).unwrap();
    let r: QueryAccountResponse =
        query(&state, query::ACCOUNT, QueryAccountRequest { id: 7 }).unwrap();
    assert_eq!(r.owed_now, "5000");
    assert_eq!(r.balance, "99000");
    assert_eq!(r.block_time, 1500);
    assert_eq!(r.due_at, Some(2000));
    let a = r.account.unwrap();
    assert_eq!(a.id, 7);
    assert_eq!(a.owner, owner().to_string());
    assert!(a.owner.starts_with("gpu1"));
    assert_eq!(a.provider, provider().to_string());
    assert_eq!(
        (a.deposited.as_str(), a.paid.as_str(), a.take.as_str()),
        ("100000", "1000", "20")
    );
    assert_eq!(
        (a.refunded.as_str(), a.rate_per_hour.as_str()),
        ("0", "36000")
    );
    assert_eq!(
        (a.started_at, a.ends_at, a.open),
        (Some(1000), Some(2000), true)
    );
    let e = query::<QueryAccountResponse>(&state, query::ACCOUNT, QueryAccountRequest { id: 8 })
        .unwrap_err();
    assert_eq!(e.code, 22);
    let e = EscrowComponent
        .query(&state, query::ACCOUNT, &[0xff])
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, 18);
    assert!(EscrowComponent
        .query(&state, "/gpuchain.escrow.v1.Query/Nope", &[])
        .is_none());
    // Closed: owed_now is what was paid.
    close(&mut state, 7, 1600, TAKE).unwrap();
    let r: QueryAccountResponse =
        query(&state, query::ACCOUNT, QueryAccountRequest { id: 7 }).unwrap();
    assert_eq!((r.owed_now.as_str(), r.balance.as_str()), ("6000", "0"));
    assert!(!r.account.unwrap().open);
}

#[test]
fn should_page_accounts_when_listing_by_owner_or_all() {
    use cosmos_sdk_proto::cosmos::base::query::v1beta1::PageRequest;
    use gpuchain_proto::escrow::{QueryAccountsRequest, QueryAccountsResponse};
    let mut state = funded(&[(1, "1000ugpc"), (3, "1000ugpc")]);
    for (id, who) in [(5u64, 1u8), (2, 3), (9, 1), (300, 1)] {
        open(&mut state, id, &addr(who), &ugpc(10)).unwrap();
    }
    let ids = |r: &QueryAccountsResponse| r.accounts.iter().map(|a| a.id).collect::<Vec<_>>();
    let r: QueryAccountsResponse =
        query(&state, query::ACCOUNTS, QueryAccountsRequest::default()).unwrap();
    assert_eq!(ids(&r), vec![2, 5, 9, 300]);
    assert_eq!(r.pagination.unwrap().total, 4);
    let req = QueryAccountsRequest {
        owner: addr(1).to_string(),
        pagination: Some(PageRequest {
            limit: 2,
            ..Default::default()
        }),
    };
    let r: QueryAccountsResponse = query(&state, query::ACCOUNTS, req.clone()).unwrap();
    assert_eq!(ids(&r), vec![5, 9]);
    let next = r.pagination.unwrap().next_key;
    assert_eq!(next, 300u64.to_be_bytes().to_vec());
    let mut req2 = req.clone();
    req2.pagination.as_mut().unwrap().key = next;
    let r: QueryAccountsResponse = query(&state, query::ACCOUNTS, req2).unwrap();
    assert_eq!(ids(&r), vec![300]);
    assert!(r.pagination.unwrap().next_key.is_empty());
    let r: QueryAccountsResponse = query(
        &state,
        query::ACCOUNTS,
        QueryAccountsRequest {
            owner: addr(4).to_string(),
            pagination: None,
        },
    )
    .unwrap();
    assert!(r.accounts.is_empty());
    let e = query::<QueryAccountsResponse>(
        &state,
        query::ACCOUNTS,
        QueryAccountsRequest {
            owner: "gpu1bad".into(),
            pagination: None,
        },
    )
    .unwrap_err();
    assert_eq!(e.code, 7);
}

// ----- random sequences -----

#[derive(Clone, Debug)]
enum Op {
    Open {
        id: u64,
        owner: u8,
        amount: u128,
        atom: bool,
    },
    Deposit {
        id: u64,
        from: u8,
        amount: u128,
        atom: bool,
    },
    Start {
        id: u64,
        rate: u128,
        span: i64,
    },
    Settle {
        id: u64,
        bps: u32,
    },
    Close {
        id: u64,
        bps: u32,
    },
    Tick {
        secs: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let id = 0u64..5;
    let amount = prop_oneof![0u128..2000, Just(u128::MAX), 1u128..10];
    prop_oneof![
        (id.clone(), 1u8..4, amount.clone(), any::<bool>()).prop_map(
            |(id, owner, amount, atom)| Op::Open {
                id,
                owner,
                amount,
                atom
            }
        ),
        (id.clone(), 1u8..5, amount, any::<bool>()).prop_map(|(id, from, amount, atom)| {
            Op::Deposit {
                id,
                from,
                amount,
                atom,
            }
        }),
        (
            id.clone(),
            prop_oneof![0u128..100_000, Just(u128::MAX)],
            -5i64..10_000
        )
            .prop_map(|(id, rate, span)| Op::Start { id, rate, span }),
        (id.clone(), prop_oneof![0u32..=10_000, Just(10_001)])
            .prop_map(|(id, bps)| Op::Settle { id, bps }),
        (id, 0u32..=10_000).prop_map(|(id, bps)| Op::Close { id, bps }),
        (0i64..5000).prop_map(|secs| Op::Tick { secs }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
    #[test]
    fn should_keep_invariants_and_supply_when_random_ops_run(ops in prop::collection::vec(op(), 1..40)) {
        let mut state = funded(&[(1, "5000ugpc,5000uatom"), (2, "3000ugpc"), (3, "100uatom"), (4, "1ugpc")]);
        let supply = gpuchain_bank::total_supply(&state).unwrap();
        let mut now = 0i64;
        for op in ops {
            let mut layer = Delta::new(&state);
            let result = match op.clone() {
                Op::Open { id, owner, amount, atom } => {
                    let denom = if atom { "uatom" } else { "ugpc" };
                    open(&mut layer, id, &addr(owner), &Coin::new(amount, denom)).map(|_| ())
                }
                Op::Deposit { id, from, amount, atom } => {
                    let denom = if atom { "uatom" } else { "ugpc" };
                    deposit(&mut layer, id, &addr(from), &Coin::new(amount, denom)).map(|_| ())
                }
                Op::Start { id, rate, span } => {
                    start(&mut layer, id, &addr(9), rate, now, now.saturating_add(span)).map(|_| ())
                }
                Op::Settle { id, bps } => {
                    let before = get(&layer, id).unwrap();
                    settle(&mut layer, id, now, bps).map(|p| {
                        let (b, a) = (before.unwrap(), get(&layer, id).unwrap().unwrap());
                        assert_eq!(a.paid - b.paid, p.to_provider + p.take);
                        assert_eq!(a.take - b.take, p.take);
                        // Cumulative take; a take rate changed between settles
                        // is capped by what this payment moves.
                        let want = take_of(a.paid, bps).max(b.take).min(b.take + (a.paid - b.paid));
                        assert_eq!(a.take, want);
                    })
                }
                Op::Close { id, bps } => {
                    let before = get(&layer, id).unwrap();
                    close(&mut layer, id, now, bps).map(|s| {
                        let (b, a) = (before.unwrap(), get(&layer, id).unwrap().unwrap());
                        assert!(!a.open);
                        assert_eq!(s.payment.total() + s.refund, b.balance());
                        assert_eq!(a.paid + a.refunded, a.deposited);
                        assert!(a.paid <= a.owed(now).max(b.paid));
                    })
                }
                Op::Tick { secs } => {
                    now += secs;
                    Ok(())
                }
            };
            match result {
                Ok(()) => state.apply(layer.into_changes()),
                Err(_) => prop_assert_eq!(layer.changes(), &Changes::default()),
            }
            check_invariants(&state).unwrap();
            gpuchain_bank::BankComponent.check_invariants(&state).unwrap();
            prop_assert_eq!(gpuchain_bank::total_supply(&state).unwrap(), supply.clone());
            for acc in state_ext::all_accounts(&state).unwrap() {
                prop_assert!(acc.owed(now) <= acc.deposited);
                if let Some(end) = acc.ends_at {
                    prop_assert_eq!(acc.owed(now), acc.owed(end.min(now)));
                }
            }
        }
    }
}

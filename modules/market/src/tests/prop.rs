//! Random market and escrow operations over many blocks; after every block:
//! supply unchanged, escrow and market invariants, no provider paid more
//! than was deposited for its leases.

use proptest::prelude::*;

use super::*;

#[derive(Clone, Debug)]
enum Op {
    CreateOffer {
        prov: bool,
        gpus: u32,
        price: u128,
    },
    UpdateOffer {
        id: u64,
        price: Option<u128>,
        gpus: Option<u32>,
        active: Option<bool>,
    },
    CloseOffer {
        id: u64,
    },
    CreateOrder {
        tenant: bool,
        gpus: u32,
        max: u128,
        duration: i64,
        extra: u128,
        ttl: i64,
    },
    CancelOrder {
        id: u64,
    },
    Ack {
        lease: u64,
        agent: bool,
        pick: u8,
    },
    Deposit {
        lease: u64,
        amount: u128,
    },
    Withdraw {
        lease: u64,
    },
    WithdrawAll {
        prov: bool,
    },
    Close {
        lease: u64,
        tenant: bool,
    },
    Faulted {
        lease: u64,
    },
    Block {
        secs: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (any::<bool>(), 1u32..5, 100u128..2000).prop_map(|(prov, gpus, price)| Op::CreateOffer { prov, gpus, price }),
        1 => (1u64..6, proptest::option::of(100u128..2000), proptest::option::of(1u32..6), proptest::option::of(any::<bool>()))
            .prop_map(|(id, price, gpus, active)| Op::UpdateOffer { id, price, gpus, active }),
        1 => (1u64..6).prop_map(|id| Op::CloseOffer { id }),
        4 => (any::<bool>(), 1u32..4, 500u128..3000, 60i64..40_000, 0u128..2_000, 1i64..3000)
            .prop_map(|(tenant, gpus, max, duration, extra, ttl)| Op::CreateOrder { tenant, gpus, max, duration, extra, ttl }),
        1 => (1u64..10).prop_map(|id| Op::CancelOrder { id }),
        5 => (1u64..8, any::<bool>(), any::<u8>()).prop_map(|(lease, agent, pick)| Op::Ack { lease, agent, pick }),
        2 => (1u64..8, 1u128..20_000).prop_map(|(lease, amount)| Op::Deposit { lease, amount }),
        2 => (1u64..8).prop_map(|lease| Op::Withdraw { lease }),
        1 => any::<bool>().prop_map(|prov| Op::WithdrawAll { prov }),
        1 => (1u64..8, any::<bool>()).prop_map(|(lease, tenant)| Op::Close { lease, tenant }),
        1 => (1u64..10).prop_map(|lease| Op::Faulted { lease: lease + 4 }),
        4 => (1i64..900).prop_map(|secs| Op::Block { secs }),
    ]
}

/// The `n`-th open lease (cycling), or `n` itself when none is open.
fn open_lease(h: &H, n: u64) -> u64 {
    let open: Vec<u64> = (1..se::peek_next_id(&h.state, "lease").unwrap())
        .filter(|i| h.lease(*i).state != LeaseState::Closed as i32)
        .collect();
    if open.is_empty() {
        n
    } else {
        open[n as usize % open.len()]
    }
}

fn prov(b: bool) -> Address {
    if b {
        p()
    } else {
        p2()
    }
}

fn run(h: &mut H, op: &Op) {
    let _ = match op.clone() {
        Op::CreateOffer {
            prov: pr,
            gpus,
            price,
        } => h.create_offer(prov(pr), gpus, price).map(|_| ()),
        Op::UpdateOffer {
            id,
            price,
            gpus,
            active,
        } => {
            let owner = se::offer(&h.state, id)
                .unwrap()
                .map(|o| o.provider)
                .unwrap_or_default();
            h.tx(
                msg::update_offer::TYPE_URL,
                &MsgUpdateOffer {
                    provider: owner,
                    offer_id: id,
                    price_per_gpu_hour: price.and_then(c),
                    gpus_total: gpus,
                    active,
                },
            )
            .map(|_| ())
        }
        Op::CloseOffer { id } => {
            let owner = se::offer(&h.state, id)
                .unwrap()
                .map(|o| o.provider)
                .unwrap_or_default();
            h.tx(
                msg::close_offer::TYPE_URL,
                &MsgCloseOffer {
                    provider: owner,
                    offer_id: id,
                },
            )
            .map(|_| ())
        }
        Op::CreateOrder {
            tenant,
            gpus,
            max,
            duration,
            extra,
            ttl,
        } => {
            let need = gpus as u128 * max; // one hour at the max price
            let mut m = h.order_msg(gpus, max, duration, need + extra);
            m.ttl = ttl;
            m.tenant = if tenant { t() } else { addr(21) }.to_string();
            h.create_order(&m).map(|_| ())
        }
        Op::CancelOrder { id } => {
            let owner = se::order(&h.state, id)
                .unwrap()
                .map(|o| o.tenant)
                .unwrap_or_default();
            h.tx(
                msg::cancel_order::TYPE_URL,
                &MsgCancelOrder {
                    tenant: owner,
                    order_id: id,
                },
            )
            .map(|_| ())
        }
        Op::Ack {
            lease,
            agent: use_agent,
            pick,
        } => {
            // Mostly a pending lease; sometimes any id (refusals).
            let pending: Vec<u64> = (1..se::peek_next_id(&h.state, "lease").unwrap())
                .filter(|i| h.lease(*i).state == LeaseState::Pending as i32)
                .collect();
            let lease = if pick % 7 == 0 || pending.is_empty() {
                lease
            } else {
                pending[pick as usize % pending.len()]
            };
            let Some(l) = se::lease(&h.state, lease).unwrap() else {
                return;
            };
            let pr = Address::from_bech32(&l.provider).unwrap();
            // Mostly free GPUs; sometimes a busy one to exercise refusals.
            let mut uuids: Vec<String> = (0..8)
                .map(|i| gpu(&pr, SKU, i))
                .filter(|u| pick % 5 == 0 || crate::lease_of_gpu(&h.state, u).unwrap().is_none())
                .collect();
            let n = uuids.len().max(1);
            uuids.rotate_left(pick as usize % n);
            uuids.truncate(l.gpu_count as usize);
            let signer = if use_agent && pr == p() { agent() } else { pr };
            h.tx(
                msg::ack_lease::TYPE_URL,
                &MsgAckLease {
                    signer: signer.to_string(),
                    lease_id: lease,
                    gpu_uuids: uuids,
                    access: vec![1; 32],
                },
            )
            .map(|_| ())
        }
        Op::Deposit { lease, amount } => {
            let lease = open_lease(h, lease);
            h.tx(
                msg::deposit_lease::TYPE_URL,
                &MsgDepositLease {
                    depositor: x().to_string(),
                    lease_id: lease,
                    amount: c(amount),
                },
            )
            .map(|_| ())
        }
        Op::Withdraw { lease } => {
            let lease = open_lease(h, lease);
            let owner = se::lease(&h.state, lease)
                .unwrap()
                .map(|l| l.provider)
                .unwrap_or_default();
            h.tx(
                msg::withdraw_lease::TYPE_URL,
                &MsgWithdrawLease {
                    provider: owner,
                    lease_id: lease,
                },
            )
            .map(|_| ())
        }
        Op::WithdrawAll { prov: pr } => h
            .tx(
                msg::withdraw_all::TYPE_URL,
                &MsgWithdrawAll {
                    provider: prov(pr).to_string(),
                },
            )
            .map(|_| ()),
        Op::Close { lease, tenant } => {
            let lease = open_lease(h, lease);
            let Some(l) = se::lease(&h.state, lease).unwrap() else {
                return;
            };
            let signer =
                Address::from_bech32(if tenant { &l.tenant } else { &l.provider }).unwrap();
            h.close(signer, lease).map(|_| ())
        }
        Op::Faulted { lease } => {
            let ctx = h.ctx();
            let mut layer = Delta::new(&h.state);
            let r = crate::close_lease_faulted(&mut layer, &ctx, lease);
            let changes = layer.into_changes();
            if r.is_ok() {
                h.state.apply(changes);
            }
            r.map(|_| ())
        }
        Op::Block { secs } => {
            h.block(secs);
            Ok(())
        }
    };
}

/// What each provider was paid must not exceed what was deposited into
/// its leases' escrow accounts.
fn check_providers_paid(h: &H, start: &[(Address, u128)]) {
    for (pr, before) in start {
        let got = h.bal(pr) - before;
        let mut deposited = 0u128;
        for id in 1..se::peek_next_id(&h.state, "lease").unwrap() {
            let l = h.lease(id);
            if l.provider == pr.to_string() {
                deposited += gpuchain_escrow::get(&h.state, l.order_id)
                    .unwrap()
                    .unwrap()
                    .deposited;
            }
        }
        assert!(got <= deposited, "{pr} got {got} of {deposited} deposited");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn should_keep_every_invariant_over_random_market_operations(ops in proptest::collection::vec(op(), 1..120)) {
        let mut h = H::new();
        let start = [(p(), h.bal(&p())), (p2(), h.bal(&p2()))];
        for op in &ops {
            run(&mut h, op);
            if matches!(op, Op::Block { .. }) {
                check_providers_paid(&h, &start);
            }
        }
        h.block(1);
        check_providers_paid(&h, &start);
        // Run everything out: every lease and order ends, escrow empties.
        h.block(200_000);
        h.block(200_000);
        check_providers_paid(&h, &start);
        for id in 1..se::peek_next_id(&h.state, "lease").unwrap() {
            prop_assert_eq!(h.lease(id).state, LeaseState::Closed as i32);
        }
        prop_assert_eq!(h.bal(&gpuchain_escrow::module_address()), 0);
        if std::env::var("MARKET_PROP_STATS").is_ok() {
            let leases = se::peek_next_id(&h.state, "lease").unwrap() - 1;
            let acked = (1..=leases).filter(|i| h.lease(*i).started_at > 0).count();
            let reasons: Vec<i32> = (1..=leases).map(|i| h.lease(i).close_reason).collect();
            eprintln!("ops {} leases {leases} acked {acked} reasons {reasons:?} pool {}", ops.len(), h.pool());
        }
    }
}

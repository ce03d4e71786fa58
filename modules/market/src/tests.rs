//! Scenario tests of the market over blocks: every transition of offers,
//! orders and leases with exact amounts, and every bad input with its code
//! and no state change.

use std::sync::Arc;

use cosmos_sdk_proto::cosmos::base::v1beta1::Coin as ProtoCoin;
use gpuchain_proto::market::*;
use gpuchain_store::{Component, Delta, MsgResponse};
use gpuchain_types::{Address, AppError, AppResult, BlockContext, Event};
use prost::Message;

use crate::msg;
use crate::state_ext as se;
use crate::test_util::{addr, genesis_state, gpu, TestRegistry};
use crate::MarketComponent;

pub const SKU: &str = "nvidia-h100-sxm-80gb";
pub const T0: i64 = 1_700_000_000;
pub const FUNDS: u128 = 1_000_000_000_000_000;
pub const BOND: u128 = 1_000_000;

pub fn c(amount: u128) -> Option<ProtoCoin> {
    Some(ProtoCoin {
        denom: "ugpc".into(),
        amount: amount.to_string(),
    })
}

pub struct H {
    pub state: Delta<'static>,
    pub reg: Arc<TestRegistry>,
    pub comp: MarketComponent,
    pub now: i64,
    pub height: u64,
    pub supply: gpuchain_types::Coins,
}

/// Provider, its agent, tenant, a stranger, a second provider.
pub fn p() -> Address {
    addr(10)
}
pub fn agent() -> Address {
    addr(11)
}
pub fn t() -> Address {
    addr(20)
}
pub fn x() -> Address {
    addr(30)
}
pub fn p2() -> Address {
    addr(40)
}

impl H {
    pub fn new() -> Self {
        let state = genesis_state(
            &[(10, FUNDS), (20, FUNDS), (30, FUNDS), (40, FUNDS)],
            3 * BOND,
        );
        let reg = TestRegistry::new(&[SKU, "a100"]);
        reg.add_provider(p(), SKU, 8, 1, "eu", BOND);
        reg.add_provider(p2(), SKU, 8, 0, "us", BOND);
        reg.add_agent(&p(), agent());
        let comp = MarketComponent::new(reg.clone());
        let supply = gpuchain_bank::total_supply(&state).unwrap();
        let mut h = Self {
            state,
            reg,
            comp,
            now: T0,
            height: 1,
            supply,
        };
        let ctx = h.ctx();
        h.comp.begin_block(&mut h.state, &ctx).unwrap();
        h
    }

    pub fn ctx(&self) -> BlockContext {
        BlockContext {
            chain_id: "gpuchain-test".into(),
            height: self.height,
            time_secs: self.now,
            ..Default::default()
        }
    }

    /// Runs a Msg as a tx: stateless check, then execution on its own
    /// layer applied only on success.
    pub fn tx<M: Message>(&mut self, url: &str, m: &M) -> AppResult<MsgResponse> {
        let bytes = m.encode_to_vec();
        self.comp.check_msg(url, &bytes)?;
        let ctx = self.ctx();
        let mut layer = Delta::new(&self.state);
        let r = self.comp.deliver_msg(&mut layer, &ctx, url, &bytes);
        let changes = layer.into_changes();
        if r.is_ok() {
            self.state.apply(changes);
        }
        r
    }

    /// Runs a Msg directly on the block state, asserting that a failure
    /// wrote nothing (not even events); returns the error.
    pub fn fail<M: Message>(&mut self, url: &str, m: &M) -> AppError {
        let before = self.state.changes().clone();
        let bytes = m.encode_to_vec();
        let ctx = self.ctx();
        let e = match self.comp.check_msg(url, &bytes) {
            Err(e) => e,
            Ok(_) => self
                .comp
                .deliver_msg(&mut self.state, &ctx, url, &bytes)
                .unwrap_err(),
        };
        assert!(
            self.state.changes() == &before,
            "{url} failed with {e} but changed state"
        );
        e
    }

    /// Ends this block and runs the next one `secs` later (begin + end),
    /// checking every invariant.
    pub fn block(&mut self, secs: i64) {
        self.now += secs;
        self.height += 1;
        let ctx = self.ctx();
        self.comp.begin_block(&mut self.state, &ctx).unwrap();
        self.comp.end_block(&mut self.state, &ctx).unwrap();
        self.check();
    }

    pub fn check(&self) {
        self.comp.check_invariants(&self.state).unwrap();
        gpuchain_escrow::check_invariants(&self.state).unwrap();
        assert_eq!(
            gpuchain_bank::total_supply(&self.state).unwrap(),
            self.supply
        );
    }

    pub fn bal(&self, a: &Address) -> u128 {
        gpuchain_bank::balance(&self.state, a, "ugpc").unwrap()
    }

    pub fn pool(&self) -> u128 {
        self.bal(&Address::module(gpuchain_bank::DISTRIBUTION))
    }

    pub fn lease(&self, id: u64) -> Lease {
        se::lease(&self.state, id).unwrap().unwrap()
    }

    pub fn offer(&self, id: u64) -> Offer {
        se::offer(&self.state, id).unwrap().unwrap()
    }

    pub fn order(&self, id: u64) -> Order {
        se::order(&self.state, id).unwrap().unwrap()
    }

    pub fn create_offer(&mut self, prov: Address, gpus: u32, price: u128) -> AppResult<u64> {
        let r = self.tx(
            msg::create_offer::TYPE_URL,
            &MsgCreateOffer {
                provider: prov.to_string(),
                sku: SKU.into(),
                gpus_total: gpus,
                price_per_gpu_hour: c(price),
                min_duration: 60,
                max_duration: 30 * 24 * 3600,
                region: if prov == p() {
                    "eu".into()
                } else {
                    "us".into()
                },
            },
        )?;
        Ok(MsgCreateOfferResponse::decode(r.value.as_slice())
            .unwrap()
            .offer_id)
    }

    pub fn order_msg(&self, gpus: u32, max: u128, duration: i64, deposit: u128) -> MsgCreateOrder {
        MsgCreateOrder {
            tenant: t().to_string(),
            sku: SKU.into(),
            gpu_count: gpus,
            max_price_per_gpu_hour: c(max),
            duration,
            deposit: c(deposit),
            ttl: 3600,
            ..Default::default()
        }
    }

    /// Creates an order; returns (order id, lease id or 0).
    pub fn create_order(&mut self, m: &MsgCreateOrder) -> AppResult<(u64, u64)> {
        let r = self.tx(msg::create_order::TYPE_URL, m)?;
        let r = MsgCreateOrderResponse::decode(r.value.as_slice()).unwrap();
        Ok((r.order_id, r.lease_id))
    }

    pub fn ack_msg(&self, signer: Address, lease: u64, gpus: &[usize]) -> MsgAckLease {
        let prov = self.lease(lease).provider;
        let prov = Address::from_bech32(&prov).unwrap();
        MsgAckLease {
            signer: signer.to_string(),
            lease_id: lease,
            gpu_uuids: gpus.iter().map(|i| gpu(&prov, SKU, *i)).collect(),
            access: vec![7; 100],
        }
    }

    pub fn ack(&mut self, lease: u64, gpus: &[usize]) -> AppResult<MsgResponse> {
        let m = self.ack_msg(p(), lease, gpus);
        self.tx(msg::ack_lease::TYPE_URL, &m)
    }

    pub fn close(&mut self, signer: Address, lease: u64) -> AppResult<MsgCloseLeaseResponse> {
        let r = self.tx(
            msg::close_lease::TYPE_URL,
            &MsgCloseLease {
                signer: signer.to_string(),
                lease_id: lease,
            },
        )?;
        Ok(MsgCloseLeaseResponse::decode(r.value.as_slice()).unwrap())
    }

    pub fn events(&mut self, kind: &str) -> Vec<Event> {
        self.state
            .changes()
            .events
            .iter()
            .filter(|e| e.kind == kind)
            .cloned()
            .collect()
    }
}

fn code(e: &AppError) -> (&str, u32) {
    (e.codespace.as_ref(), e.code)
}

/// One offer of 4 GPUs at 1000/h by `p()`, one order of 2 GPUs matched
/// into lease 1 and acknowledged 10 s later: rate 2000/h.
fn active_lease(deposit: u128, duration: i64) -> H {
    let mut h = H::new();
    assert_eq!(h.create_offer(p(), 4, 1000).unwrap(), 1);
    let (order, lease) = h
        .create_order(&h.order_msg(2, 1500, duration, deposit))
        .unwrap();
    assert_eq!((order, lease), (1, 1));
    h.block(10);
    h.ack(1, &[0, 1]).unwrap();
    h.check();
    h
}

#[test]
fn should_match_ack_bill_per_second_and_complete_with_exact_amounts() {
    let mut h = H::new();
    let (t_before, p_before) = (h.bal(&t()), h.bal(&p()));
    h.create_offer(p(), 4, 1000).unwrap();
    let (order, lease) = h.create_order(&h.order_msg(2, 1500, 7200, 10_000)).unwrap();
    assert_eq!((order, lease), (1, 1));
    assert_eq!(h.bal(&t()), t_before - 10_000);
    let l = h.lease(1);
    assert_eq!(l.state, LeaseState::Pending as i32);
    assert_eq!(
        l.price_per_gpu_hour,
        c(1000),
        "the lease takes the offer's price"
    );
    assert_eq!(l.ack_deadline, T0 + 600);
    assert_eq!(h.offer(1).gpus_leased, 2);
    assert_eq!(h.order(1).state, OrderState::Matched as i32);
    assert_eq!(h.events("lease_created").len(), 1);
    h.check();

    h.block(10);
    let started = h.now;
    h.ack(1, &[0, 1]).unwrap();
    let l = h.lease(1);
    assert_eq!(l.state, LeaseState::Active as i32);
    assert_eq!(
        (l.started_at, l.ends_at, l.due_at),
        (started, started + 7200, started + 7200)
    );
    assert_eq!(
        crate::lease_of_gpu(&h.state, &gpu(&p(), SKU, 0)).unwrap(),
        Some(1)
    );
    assert_eq!(h.reg.acked.lock().unwrap().len(), 1);

    // 1800 s at 2000/h: owed 1000, take 2% = 20.
    h.block(1800);
    let r = h
        .tx(
            msg::withdraw_lease::TYPE_URL,
            &MsgWithdrawLease {
                provider: p().to_string(),
                lease_id: 1,
            },
        )
        .unwrap();
    let r = MsgWithdrawLeaseResponse::decode(r.value.as_slice()).unwrap();
    assert_eq!((r.amount, r.take), (c(980), c(20)));
    assert_eq!(h.bal(&p()), p_before + 980);
    assert_eq!(h.pool(), 20);
    // Query: owed and withdrawable now.
    h.block(1);
    let q = h
        .comp
        .query(
            &h.state,
            crate::query::LEASE,
            &QueryLeaseRequest { id: 1 }.encode_to_vec(),
        )
        .unwrap()
        .unwrap();
    let q = QueryLeaseResponse::decode(q.as_slice()).unwrap();
    assert_eq!(q.owed, c(1000), "floor(2000 * 1801 / 3600) = 1000");
    assert_eq!(q.escrow.unwrap().deposited, "10000");

    // Runs to ends_at: completed at exactly started + 7200.
    h.block(7200 - 1801 - 1);
    assert_eq!(h.lease(1).state, LeaseState::Active as i32);
    h.block(1);
    let l = h.lease(1);
    assert_eq!(l.state, LeaseState::Closed as i32);
    assert_eq!(l.close_reason, CloseReason::Completed as i32);
    assert_eq!(l.closed_at, started + 7200);
    // Owed 4000: take 80, provider 3920, refund 6000.
    assert_eq!(h.bal(&p()), p_before + 3920);
    assert_eq!(h.pool(), 80);
    assert_eq!(h.bal(&t()), t_before - 4000);
    assert_eq!((h.bal(&p()) - p_before) + h.pool() + 6000, 10_000);
    assert_eq!(h.offer(1).gpus_leased, 0);
    assert_eq!(
        crate::lease_of_gpu(&h.state, &gpu(&p(), SKU, 0)).unwrap(),
        None
    );
    let pay = h.events("lease_payment");
    assert_eq!(
        pay.last().unwrap(),
        &Event::new("lease_payment")
            .attr("lease_id", "1")
            .attr("provider", p().to_string())
            .attr("amount", "2940ugpc")
            .attr("take", "60ugpc")
    );
    assert_eq!(
        h.events("lease_refund").last().unwrap(),
        &Event::new("lease_refund")
            .attr("lease_id", "1")
            .attr("tenant", t().to_string())
            .attr("amount", "6000ugpc")
    );
    assert_eq!(
        h.events("lease_closed").last().unwrap(),
        &Event::new("lease_closed")
            .attr("lease_id", "1")
            .attr("reason", "completed")
    );
}

#[test]
fn should_close_insufficient_funds_at_the_exact_exhaustion_block() {
    // Deposit 3000 at 2000/h runs out after 5400 s, before ends_at (7200).
    let mut h = active_lease(3000, 7200);
    let (start, p0, t0) = (h.lease(1).started_at, h.bal(&p()), h.bal(&t()));
    assert_eq!(h.lease(1).due_at, start + 5400);
    h.block(5399);
    assert_eq!(h.lease(1).state, LeaseState::Active as i32);
    h.block(1);
    let l = h.lease(1);
    assert_eq!(l.close_reason, CloseReason::InsufficientFunds as i32);
    assert_eq!(l.closed_at, start + 5400);
    assert_eq!(h.bal(&p()) - p0, 2940);
    assert_eq!(h.pool(), 60);
    assert_eq!(h.bal(&t()), t0, "nothing left to refund");
}

#[test]
fn should_move_the_due_time_when_topped_up() {
    let mut h = active_lease(3000, 7200);
    let start = h.lease(1).started_at;
    h.block(100);
    // Anyone may pay: 500 more buys 900 s.
    let r = h
        .tx(
            msg::deposit_lease::TYPE_URL,
            &MsgDepositLease {
                depositor: x().to_string(),
                lease_id: 1,
                amount: c(500),
            },
        )
        .unwrap();
    assert_eq!(
        MsgDepositLeaseResponse::decode(r.value.as_slice())
            .unwrap()
            .due_at,
        start + 6300
    );
    assert_eq!(h.lease(1).due_at, start + 6300);
    h.block(5400 - 100);
    assert_eq!(
        h.lease(1).state,
        LeaseState::Active as i32,
        "old due time passed"
    );
    h.block(899);
    assert_eq!(h.lease(1).state, LeaseState::Active as i32);
    h.block(1);
    assert_eq!(
        h.lease(1).close_reason,
        CloseReason::InsufficientFunds as i32
    );
    assert_eq!(h.pool(), 70, "2% of 3500");
    // Topping up to cover the whole duration completes instead.
    let mut h = active_lease(3000, 7200);
    h.tx(
        msg::deposit_lease::TYPE_URL,
        &MsgDepositLease {
            depositor: t().to_string(),
            lease_id: 1,
            amount: c(2000),
        },
    )
    .unwrap();
    let start = h.lease(1).started_at;
    assert_eq!(h.lease(1).due_at, start + 7200);
    h.block(7200);
    assert_eq!(h.lease(1).close_reason, CloseReason::Completed as i32);
}

#[test]
fn should_settle_and_refund_when_tenant_or_provider_closes() {
    let mut h = active_lease(10_000, 7200);
    let (p0, t0) = (h.bal(&p()), h.bal(&t()));
    h.block(900);
    let r = h.close(t(), 1).unwrap();
    assert_eq!((r.payment, r.take, r.refund), (c(490), c(10), c(9500)));
    assert_eq!(h.lease(1).close_reason, CloseReason::TenantClosed as i32);
    assert_eq!(
        (h.bal(&p()) - p0, h.pool(), h.bal(&t()) - t0),
        (490, 10, 9500)
    );
    // Double close: market 18, nothing changes.
    let e = h.fail(
        msg::close_lease::TYPE_URL,
        &MsgCloseLease {
            signer: t().to_string(),
            lease_id: 1,
        },
    );
    assert_eq!(code(&e), ("market", 18));

    let mut h = active_lease(10_000, 7200);
    h.block(3600);
    let r = h.close(p(), 1).unwrap();
    assert_eq!((r.payment, r.take, r.refund), (c(1960), c(40), c(8000)));
    assert_eq!(h.lease(1).close_reason, CloseReason::ProviderClosed as i32);
    h.check();
}

#[test]
fn should_refund_in_full_when_a_pending_lease_is_closed() {
    let mut h = H::new();
    h.create_offer(p(), 4, 1000).unwrap();
    let t0 = h.bal(&t());
    h.create_order(&h.order_msg(2, 1500, 7200, 10_000)).unwrap();
    h.block(5);
    let r = h.close(t(), 1).unwrap();
    assert_eq!((r.payment, r.take, r.refund), (c(0), c(0), c(10_000)));
    assert_eq!(h.bal(&t()), t0);
    assert_eq!(h.offer(1).gpus_leased, 0);
    h.check();
}

#[test]
fn should_time_out_refund_and_slash_when_ack_is_missing() {
    let mut h = H::new();
    h.create_offer(p(), 4, 1000).unwrap();
    let t0 = h.bal(&t());
    h.create_order(&h.order_msg(2, 1500, 7200, 10_000)).unwrap();
    h.block(599);
    assert_eq!(h.lease(1).state, LeaseState::Pending as i32);
    h.block(1);
    // A late ack (at the deadline) is refused before end-block closes it.
    let m = h.ack_msg(p(), 1, &[0, 1]);
    let e = h.fail(msg::ack_lease::TYPE_URL, &m);
    assert_eq!(
        code(&e),
        ("market", 18),
        "closed by end-block of this block"
    );
    let l = h.lease(1);
    assert_eq!(l.close_reason, CloseReason::ProviderTimeout as i32);
    // Full refund plus 0.5% of the bond (1_000_000) = 5000.
    assert_eq!(h.bal(&t()), t0 + 5000);
    assert_eq!(h.reg.slashed.lock().unwrap()[0].3, 5000);
    assert_eq!(h.pool(), 0);
}

#[test]
fn should_refuse_an_ack_at_the_deadline_with_code_13() {
    let mut h = H::new();
    h.create_offer(p(), 4, 1000).unwrap();
    h.create_order(&h.order_msg(2, 1500, 7200, 10_000)).unwrap();
    // Same block time as the deadline, before end-block ran.
    h.now += 600;
    let m = h.ack_msg(p(), 1, &[0, 1]);
    let e = h.fail(msg::ack_lease::TYPE_URL, &m);
    assert_eq!(code(&e), ("market", 13));
}

#[test]
fn should_close_as_provider_faulted_settling_to_now() {
    let mut h = active_lease(10_000, 7200);
    h.block(1800);
    let ctx = h.ctx();
    let s = crate::close_lease_faulted(&mut h.state, &ctx, 1).unwrap();
    assert_eq!(
        (s.payment.to_provider, s.payment.take, s.refund),
        (980, 20, 9000)
    );
    assert_eq!(h.lease(1).close_reason, CloseReason::ProviderFaulted as i32);
    assert_eq!(crate::open_lease_count(&h.state, &p()).unwrap(), 0);
    assert_eq!(
        code(&crate::close_lease_faulted(&mut h.state, &ctx, 1).unwrap_err()),
        ("market", 18)
    );
    assert_eq!(
        code(&crate::close_lease_faulted(&mut h.state, &ctx, 9).unwrap_err()),
        ("market", 6)
    );
    h.check();
}

#[test]
fn should_pick_lowest_price_then_lowest_id() {
    let mut h = H::new();
    h.create_offer(p(), 2, 1200).unwrap();
    h.create_offer(p(), 2, 1000).unwrap();
    h.create_offer(p(), 2, 1000).unwrap();
    h.create_offer(p2(), 2, 1100).unwrap();
    let (_, l) = h.create_order(&h.order_msg(2, 1500, 3600, 10_000)).unwrap();
    assert_eq!(h.lease(l).offer_id, 2);
    let (_, l) = h.create_order(&h.order_msg(2, 1500, 3600, 10_000)).unwrap();
    assert_eq!(h.lease(l).offer_id, 3);
    let (_, l) = h.create_order(&h.order_msg(1, 1500, 3600, 10_000)).unwrap();
    assert_eq!(h.lease(l).offer_id, 4);
    // Price above max: no match, the order stays open.
    let (o, l) = h.create_order(&h.order_msg(1, 1050, 3600, 10_000)).unwrap();
    assert_eq!(l, 0);
    assert_eq!(h.order(o).state, OrderState::Open as i32);
    h.check();
}

#[test]
fn should_apply_region_target_attestation_duration_and_provider_filters() {
    let mut h = H::new();
    h.create_offer(p(), 2, 1000).unwrap(); // 1: eu, level 1
    h.create_offer(p2(), 2, 900).unwrap(); // 2: us, level 0
    let mut m = h.order_msg(1, 1500, 3600, 10_000);
    m.region = "eu".into();
    let l = h.create_order(&m).unwrap().1;
    assert_eq!(h.lease(l).offer_id, 1);
    let mut m = h.order_msg(1, 1500, 3600, 10_000);
    m.min_attestation_level = 1;
    let l = h.create_order(&m).unwrap().1;
    assert_eq!(h.lease(l).offer_id, 1);
    let mut m = h.order_msg(1, 1500, 3600, 10_000);
    m.target_provider = p().to_string();
    assert_eq!(h.create_order(&m).unwrap().1, 0, "offer 1 is full");
    let mut m = h.order_msg(1, 1500, 3600, 10_000);
    m.target_offer_id = 2;
    let l = h.create_order(&m).unwrap().1;
    assert_eq!(h.lease(l).offer_id, 2);
    let mut m = h.order_msg(1, 1500, 10, 10_000);
    m.duration = 10; // below the offers' min_duration of 60
    assert_eq!(h.create_order(&m).unwrap().1, 0);
    h.reg.set_active(&p2(), false);
    assert_eq!(
        h.create_order(&h.order_msg(1, 1500, 3600, 10_000))
            .unwrap()
            .1,
        0,
        "jailed"
    );
    h.check();
}

#[test]
fn should_retry_open_orders_when_offers_change_and_expire_unmatched_ones() {
    let mut h = H::new();
    let t0 = h.bal(&t());
    let (o1, l1) = h.create_order(&h.order_msg(2, 1500, 3600, 10_000)).unwrap();
    let mut m = h.order_msg(2, 1500, 3600, 10_000);
    m.ttl = 100;
    let (o2, _) = h.create_order(&m).unwrap();
    assert_eq!(l1, 0);
    h.block(50);
    assert_eq!(h.order(o1).state, OrderState::Open as i32);
    // A new offer: end-block of this block matches the oldest order.
    h.create_offer(p(), 2, 1000).unwrap();
    h.block(1);
    assert_eq!(h.order(o1).state, OrderState::Matched as i32);
    assert_eq!(h.order(o2).state, OrderState::Open as i32);
    h.block(49);
    assert_eq!(h.order(o2).state, OrderState::Expired as i32);
    assert_eq!(h.bal(&t()), t0 - 10_000, "o2 refunded in full");
    // Closing the lease frees GPUs and retries nothing left open.
    h.close(t(), h.order(o1).lease_id).unwrap();
    h.block(1);
    assert_eq!(h.bal(&t()), t0);
    // Cancel: full refund, then cancelling again is market 11.
    let (o3, _) = h.create_order(&h.order_msg(4, 1500, 3600, 10_000)).unwrap();
    let r = h
        .tx(
            msg::cancel_order::TYPE_URL,
            &MsgCancelOrder {
                tenant: t().to_string(),
                order_id: o3,
            },
        )
        .unwrap();
    assert_eq!(
        MsgCancelOrderResponse::decode(r.value.as_slice())
            .unwrap()
            .refund,
        c(10_000)
    );
    let e = h.fail(
        msg::cancel_order::TYPE_URL,
        &MsgCancelOrder {
            tenant: t().to_string(),
            order_id: o3,
        },
    );
    assert_eq!(code(&e), ("market", 11));
    assert_eq!(h.bal(&t()), t0);
    h.check();
}

#[test]
fn should_update_and_close_offers() {
    let mut h = H::new();
    h.create_offer(p(), 4, 1000).unwrap();
    let e = h.fail(
        msg::create_offer::TYPE_URL,
        &MsgCreateOffer {
            provider: p().to_string(),
            sku: SKU.into(),
            gpus_total: 5,
            price_per_gpu_hour: c(1),
            min_duration: 0,
            max_duration: 10,
            region: String::new(),
        },
    );
    assert_eq!(code(&e), ("market", 20), "8 attested, 4 offered");
    h.create_order(&h.order_msg(2, 1500, 3600, 10_000)).unwrap();
    let upd = |gpus: Option<u32>, price: Option<u128>, active: Option<bool>| MsgUpdateOffer {
        provider: p().to_string(),
        offer_id: 1,
        price_per_gpu_hour: price.and_then(c),
        gpus_total: gpus,
        active,
    };
    assert_eq!(
        code(&h.fail(msg::update_offer::TYPE_URL, &upd(Some(1), None, None))),
        ("market", 23)
    );
    assert_eq!(
        code(&h.fail(msg::update_offer::TYPE_URL, &upd(Some(9), None, None))),
        ("market", 20)
    );
    let mut stranger = upd(None, Some(5), None);
    stranger.provider = x().to_string();
    assert_eq!(
        code(&h.fail(msg::update_offer::TYPE_URL, &stranger)),
        ("sdk", 4)
    );
    h.tx(msg::update_offer::TYPE_URL, &upd(Some(8), Some(2000), None))
        .unwrap();
    assert_eq!(h.offer(1).price_per_gpu_hour, c(2000));
    assert_eq!(
        h.lease(1).price_per_gpu_hour,
        c(1000),
        "leases keep their price"
    );
    assert_eq!(
        h.create_order(&h.order_msg(1, 1500, 3600, 10_000))
            .unwrap()
            .1,
        0
    );
    h.tx(
        msg::update_offer::TYPE_URL,
        &upd(None, Some(1500), Some(false)),
    )
    .unwrap();
    h.block(1);
    assert_eq!(
        h.order(2).state,
        OrderState::Open as i32,
        "inactive offers are not matched"
    );
    h.tx(msg::update_offer::TYPE_URL, &upd(None, None, Some(true)))
        .unwrap();
    h.block(1);
    assert_eq!(h.order(2).state, OrderState::Matched as i32);
    let close = MsgCloseOffer {
        provider: p().to_string(),
        offer_id: 1,
    };
    h.tx(msg::close_offer::TYPE_URL, &close).unwrap();
    assert_eq!(
        code(&h.fail(msg::close_offer::TYPE_URL, &close)),
        ("market", 7)
    );
    assert_eq!(
        h.create_order(&h.order_msg(1, 1500, 3600, 10_000))
            .unwrap()
            .1,
        0
    );
    assert_eq!(h.lease(1).state, LeaseState::Pending as i32, "leases go on");
    h.ack(1, &[0, 1]).unwrap();
    h.block(1);
    h.check();
}

#[test]
fn should_reject_bad_acks_with_their_codes_and_change_nothing() {
    let mut h = H::new();
    h.create_offer(p(), 4, 1000).unwrap();
    h.create_offer(p2(), 4, 2000).unwrap();
    h.create_order(&h.order_msg(2, 1500, 7200, 10_000)).unwrap();
    h.create_order(&h.order_msg(2, 1500, 7200, 10_000)).unwrap();
    let mut m3 = h.order_msg(1, 2500, 7200, 10_000);
    m3.target_provider = p2().to_string();
    h.create_order(&m3).unwrap();
    // Stranger: sdk 4; wrong count: 14; foreign GPU (p2's): 15; duplicate: 17.
    let m = h.ack_msg(x(), 1, &[0, 1]);
    assert_eq!(code(&h.fail(msg::ack_lease::TYPE_URL, &m)), ("sdk", 4));
    let m = h.ack_msg(p(), 1, &[0]);
    assert_eq!(code(&h.fail(msg::ack_lease::TYPE_URL, &m)), ("market", 14));
    let mut m = h.ack_msg(p(), 1, &[0, 1]);
    m.gpu_uuids[1] = gpu(&p2(), SKU, 1);
    assert_eq!(code(&h.fail(msg::ack_lease::TYPE_URL, &m)), ("market", 15));
    let mut m = h.ack_msg(p(), 1, &[0, 1]);
    m.gpu_uuids[1] = "GPU-unknown".into();
    assert_eq!(code(&h.fail(msg::ack_lease::TYPE_URL, &m)), ("market", 15));
    let m = h.ack_msg(p(), 1, &[0, 0]);
    assert_eq!(code(&h.fail(msg::ack_lease::TYPE_URL, &m)), ("market", 17));
    let mut m = h.ack_msg(p(), 1, &[0, 1]);
    m.access.clear();
    assert_eq!(code(&h.fail(msg::ack_lease::TYPE_URL, &m)), ("market", 24));
    m.access = vec![0; 5000];
    assert_eq!(code(&h.fail(msg::ack_lease::TYPE_URL, &m)), ("market", 24));
    let mut m = h.ack_msg(p(), 1, &[0, 1]);
    m.lease_id = 99;
    assert_eq!(code(&h.fail(msg::ack_lease::TYPE_URL, &m)), ("market", 6));
    // The agent may ack.
    let m = h.ack_msg(agent(), 1, &[0, 1]);
    h.tx(msg::ack_lease::TYPE_URL, &m).unwrap();
    // Busy GPU: 16; acking twice: 12.
    let m = h.ack_msg(p(), 2, &[1, 2]);
    assert_eq!(code(&h.fail(msg::ack_lease::TYPE_URL, &m)), ("market", 16));
    let m = h.ack_msg(p(), 1, &[2, 3]);
    assert_eq!(code(&h.fail(msg::ack_lease::TYPE_URL, &m)), ("market", 12));
    h.ack(2, &[2, 3]).unwrap();
    h.check();
}

#[test]
fn should_reject_bad_orders_and_offers_with_their_codes_and_change_nothing() {
    let mut h = H::new();
    h.create_offer(p(), 4, 1000).unwrap();
    let base = h.order_msg(2, 1500, 7200, 10_000);
    let overflow = format!("{}0", u128::MAX);
    type Case = (Box<dyn Fn(&mut MsgCreateOrder)>, (&'static str, u32));
    let cases: Vec<Case> = vec![
        (Box::new(|m| m.tenant = "gpu1bad".into()), ("sdk", 7)),
        (
            Box::new(|m| m.tenant = addr(20).to_bech32_with_prefix("cosmos")),
            ("sdk", 7),
        ),
        (Box::new(|m| m.deposit = c(0)), ("sdk", 10)),
        (Box::new(|m| m.deposit = None), ("sdk", 10)),
        (
            Box::new(move |m| m.deposit.as_mut().unwrap().amount = overflow.clone()),
            ("sdk", 10),
        ),
        (
            Box::new(|m| m.deposit.as_mut().unwrap().amount = "-5".into()),
            ("sdk", 10),
        ),
        (Box::new(|m| m.max_price_per_gpu_hour = c(0)), ("sdk", 10)),
        (
            Box::new(|m| m.max_price_per_gpu_hour = c(u128::MAX)),
            ("sdk", 10),
        ),
        (Box::new(|m| m.gpu_count = 0), ("sdk", 18)),
        (Box::new(|m| m.sku = "nvidia-b300".into()), ("market", 2)),
        (Box::new(|m| m.sku = "bad sku!".into()), ("market", 27)),
        (
            Box::new(|m| {
                m.deposit.as_mut().unwrap().denom = "uatom".into();
                m.max_price_per_gpu_hour.as_mut().unwrap().denom = "uatom".into();
            }),
            ("market", 3),
        ),
        (
            Box::new(|m| m.deposit.as_mut().unwrap().denom = "uatom".into()),
            ("market", 28),
        ),
        (Box::new(|m| m.deposit = c(2999)), ("market", 9)),
        (Box::new(|m| m.deposit = c(FUNDS + 1)), ("sdk", 5)),
        (Box::new(|m| m.duration = 0), ("market", 8)),
        (Box::new(|m| m.duration = 365 * 24 * 3600), ("market", 8)),
        (Box::new(|m| m.ttl = 0), ("market", 29)),
        (Box::new(|m| m.gpu_count = 65), ("market", 22)),
        (Box::new(|m| m.target_provider = "nope".into()), ("sdk", 7)),
    ];
    for (f, want) in cases {
        let mut m = base.clone();
        f(&mut m);
        let e = h.fail(msg::create_order::TYPE_URL, &m);
        assert_eq!(code(&e), want, "{e}");
    }
    let e = h.fail(msg::create_order::TYPE_URL, &vec![0xffu8, 0xff]);
    assert_eq!(code(&e), ("sdk", 2));
    // Offers: unknown sku, inactive provider, bad durations, denom.
    let offer = |f: &dyn Fn(&mut MsgCreateOffer)| {
        let mut m = MsgCreateOffer {
            provider: p().to_string(),
            sku: SKU.into(),
            gpus_total: 1,
            price_per_gpu_hour: c(10),
            min_duration: 0,
            max_duration: 100,
            region: String::new(),
        };
        f(&mut m);
        m
    };
    let cases: Vec<(MsgCreateOffer, (&str, u32))> = vec![
        (offer(&|m| m.sku = "a100".into()), ("market", 20)),
        (offer(&|m| m.sku = "zzz".into()), ("market", 2)),
        (offer(&|m| m.provider = x().to_string()), ("market", 21)),
        (offer(&|m| m.max_duration = 0), ("market", 8)),
        (offer(&|m| m.min_duration = 200), ("market", 8)),
        (offer(&|m| m.gpus_total = 0), ("sdk", 18)),
        (offer(&|m| m.price_per_gpu_hour = c(0)), ("sdk", 10)),
        (
            offer(&|m| m.price_per_gpu_hour.as_mut().unwrap().denom = "uatom".into()),
            ("market", 3),
        ),
    ];
    for (m, want) in cases {
        let e = h.fail(msg::create_offer::TYPE_URL, &m);
        assert_eq!(code(&e), want, "{e}");
    }
}

#[test]
fn should_reject_someone_elses_lease_and_bad_deposits() {
    let mut h = active_lease(10_000, 7200);
    let w = |who: Address| MsgWithdrawLease {
        provider: who.to_string(),
        lease_id: 1,
    };
    assert_eq!(
        code(&h.fail(msg::withdraw_lease::TYPE_URL, &w(t()))),
        ("sdk", 4)
    );
    assert_eq!(
        code(&h.fail(msg::withdraw_lease::TYPE_URL, &w(x()))),
        ("sdk", 4)
    );
    let cl = MsgCloseLease {
        signer: x().to_string(),
        lease_id: 1,
    };
    assert_eq!(code(&h.fail(msg::close_lease::TYPE_URL, &cl)), ("sdk", 4));
    let cancel = MsgCancelOrder {
        tenant: x().to_string(),
        order_id: 1,
    };
    assert_eq!(
        code(&h.fail(msg::cancel_order::TYPE_URL, &cancel)),
        ("sdk", 4)
    );
    let dep = |amount: Option<ProtoCoin>| MsgDepositLease {
        depositor: x().to_string(),
        lease_id: 1,
        amount,
    };
    assert_eq!(
        code(&h.fail(msg::deposit_lease::TYPE_URL, &dep(c(0)))),
        ("sdk", 10)
    );
    let atom = Some(ProtoCoin {
        denom: "uatom".into(),
        amount: "5".into(),
    });
    assert_eq!(
        code(&h.fail(msg::deposit_lease::TYPE_URL, &dep(atom))),
        ("market", 28)
    );
    assert_eq!(
        code(&h.fail(msg::deposit_lease::TYPE_URL, &dep(c(FUNDS + 1)))),
        ("sdk", 5)
    );
    let mut missing = dep(c(5));
    missing.lease_id = 77;
    assert_eq!(
        code(&h.fail(msg::deposit_lease::TYPE_URL, &missing)),
        ("market", 6)
    );
    h.close(t(), 1).unwrap();
    assert_eq!(
        code(&h.fail(msg::deposit_lease::TYPE_URL, &dep(c(5)))),
        ("market", 18)
    );
    assert_eq!(
        code(&h.fail(msg::withdraw_lease::TYPE_URL, &w(p()))),
        ("market", 18)
    );
}

#[test]
fn should_withdraw_all_active_leases_of_a_provider() {
    let mut h = active_lease(10_000, 7200);
    h.create_order(&h.order_msg(2, 1500, 7200, 10_000)).unwrap();
    h.ack(2, &[2, 3]).unwrap();
    h.block(3600);
    let p0 = h.bal(&p());
    let r = h
        .tx(
            msg::withdraw_all::TYPE_URL,
            &MsgWithdrawAll {
                provider: p().to_string(),
            },
        )
        .unwrap();
    let r = MsgWithdrawAllResponse::decode(r.value.as_slice()).unwrap();
    // Both started in the same block: 3600 s at 2000/h each.
    assert_eq!(r.leases, 2);
    assert_eq!(r.amount, vec![c(1960 + 1960).unwrap()]);
    assert_eq!(r.take, vec![c(40 + 40).unwrap()]);
    assert_eq!(h.bal(&p()) - p0, 3920);
    assert_eq!(h.pool(), 80);
    assert_eq!(crate::open_lease_count(&h.state, &p()).unwrap(), 2);
}

#[test]
fn should_answer_queries_with_pages_and_summary() {
    let mut h = H::new();
    h.create_offer(p(), 4, 1000).unwrap();
    h.create_offer(p2(), 4, 900).unwrap();
    h.create_offer(p2(), 2, 1200).unwrap();
    h.create_order(&h.order_msg(2, 1500, 7200, 10_000)).unwrap();
    let q = |h: &H, path: &str, req: Vec<u8>| h.comp.query(&h.state, path, &req).unwrap().unwrap();
    let r = QueryOffersResponse::decode(
        q(
            &h,
            crate::query::OFFERS,
            QueryOffersRequest {
                sku: SKU.into(),
                ..Default::default()
            }
            .encode_to_vec(),
        )
        .as_slice(),
    )
    .unwrap();
    let ids: Vec<u64> = r.offers.iter().map(|o| o.id).collect();
    assert_eq!(ids, vec![2, 1, 3], "by price");
    let r = QueryOffersResponse::decode(
        q(
            &h,
            crate::query::OFFERS,
            QueryOffersRequest {
                provider: p2().to_string(),
                pagination: Some(
                    cosmos_sdk_proto::cosmos::base::query::v1beta1::PageRequest {
                        limit: 1,
                        offset: 1,
                        ..Default::default()
                    },
                ),
                ..Default::default()
            }
            .encode_to_vec(),
        )
        .as_slice(),
    )
    .unwrap();
    assert_eq!(r.offers.iter().map(|o| o.id).collect::<Vec<_>>(), vec![3]);
    let r = QueryLeasesResponse::decode(
        q(
            &h,
            crate::query::LEASES,
            QueryLeasesRequest {
                tenant: t().to_string(),
                state: LeaseState::Pending as i32,
                ..Default::default()
            }
            .encode_to_vec(),
        )
        .as_slice(),
    )
    .unwrap();
    assert_eq!(r.leases.len(), 1);
    let r = QueryOrdersResponse::decode(
        q(
            &h,
            crate::query::ORDERS,
            QueryOrdersRequest {
                tenant: t().to_string(),
                state: OrderState::Open as i32,
                ..Default::default()
            }
            .encode_to_vec(),
        )
        .as_slice(),
    )
    .unwrap();
    assert!(r.orders.is_empty());
    let r = QueryMarketSummaryResponse::decode(
        q(
            &h,
            crate::query::MARKET_SUMMARY,
            QueryMarketSummaryRequest {
                sku: SKU.into(),
                denom: String::new(),
            }
            .encode_to_vec(),
        )
        .as_slice(),
    )
    .unwrap();
    assert_eq!(
        (r.gpus_attested, r.gpus_offered, r.gpus_leased, r.gpus_free),
        (16, 10, 2, 8)
    );
    assert_eq!((r.lowest_ask, r.median_ask), (c(900), c(1000)));
    let e = h
        .comp
        .query(
            &h.state,
            crate::query::OFFER,
            &QueryOfferRequest { id: 9 }.encode_to_vec(),
        )
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, 22);
    let e = h
        .comp
        .query(&h.state, crate::query::LEASE, &[0xff])
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, 18);
    assert!(h
        .comp
        .query(&h.state, "/gpuchain.market.v1.Query/Nope", &[])
        .is_none());
}

#[test]
fn should_list_msgs_amino_names_and_reject_unknown_types() {
    let h = H::new();
    assert_eq!(h.comp.name(), "market");
    assert_eq!(h.comp.msg_types().len(), 10);
    assert_eq!(h.comp.amino_names().len(), 10);
    for url in h.comp.msg_types() {
        assert!(url.starts_with("/gpuchain.market.v1.Msg"));
    }
    let e = h
        .comp
        .check_msg("/gpuchain.market.v1.MsgNope", &[])
        .unwrap_err();
    assert_eq!(code(&e), ("sdk", 2));
}

#[test]
fn should_return_signers_from_check_msg() {
    let h = H::new();
    let m = MsgCloseLease {
        signer: p().to_string(),
        lease_id: 1,
    };
    assert_eq!(
        h.comp
            .check_msg(msg::close_lease::TYPE_URL, &m.encode_to_vec())
            .unwrap(),
        vec![p()]
    );
    let m = h.order_msg(1, 10, 10, 10);
    assert_eq!(
        h.comp
            .check_msg(msg::create_order::TYPE_URL, &m.encode_to_vec())
            .unwrap(),
        vec![t()]
    );
}

#[test]
fn should_rebuild_identical_indexes_when_a_node_lacks_them() {
    let mut h = active_lease(10_000, 7200);
    h.create_offer(p2(), 3, 900).unwrap();
    h.create_order(&h.order_msg(4, 100, 3600, 10_000)).unwrap(); // stays open
    h.create_order(&h.order_msg(1, 1500, 3600, 10_000)).unwrap(); // pending
    h.block(1);
    let nv_of = |h: &H| -> Vec<(Vec<u8>, Vec<u8>)> {
        h.state
            .changes()
            .nv
            .iter()
            .filter(|(k, v)| {
                // Not indexes: the block time and the drain cursor (a
                // rebuild clears the cursor, so drains start over).
                k.starts_with(b"market/nv/")
                    && v.is_some()
                    && k.as_slice() != b"market/nv/block_time"
                    && k.as_slice() != b"market/nv/drained_until"
            })
            .map(|(k, v)| (k.clone(), v.clone().unwrap()))
            .collect()
    };
    let before = nv_of(&h);
    assert!(before.len() > 10);
    for (k, _) in &before {
        h.state.nv_delete(k.clone()).unwrap();
    }
    use gpuchain_store::StateWrite;
    h.state.nv_delete(b"market/nv/version".to_vec()).unwrap();
    assert!(crate::keeper::ensure_indexes(&mut h.state).unwrap());
    assert_eq!(nv_of(&h), before);
    assert!(!crate::keeper::ensure_indexes(&mut h.state).unwrap());
    h.block(1);
}

#[test]
fn should_emit_offer_and_order_events_with_fixed_attributes() {
    let mut h = H::new();
    h.create_offer(p(), 4, 1000).unwrap();
    assert_eq!(
        h.events("offer_created"),
        vec![Event::new("offer_created")
            .attr("offer_id", "1")
            .attr("provider", p().to_string())
            .attr("sku", SKU)
            .attr("gpus_total", "4")
            .attr("price_per_gpu_hour", "1000ugpc")]
    );
    h.create_order(&h.order_msg(2, 1500, 7200, 10_000)).unwrap();
    assert_eq!(
        h.events("order_created"),
        vec![Event::new("order_created")
            .attr("order_id", "1")
            .attr("tenant", t().to_string())
            .attr("sku", SKU)
            .attr("gpu_count", "2")
            .attr("deposit", "10000ugpc")]
    );
    assert_eq!(
        h.events("order_matched"),
        vec![Event::new("order_matched")
            .attr("order_id", "1")
            .attr("lease_id", "1")
            .attr("offer_id", "1")]
    );
    assert_eq!(
        h.events("lease_created"),
        vec![Event::new("lease_created")
            .attr("lease_id", "1")
            .attr("order_id", "1")
            .attr("provider", p().to_string())
            .attr("tenant", t().to_string())
            .attr("ack_deadline", (T0 + 600).to_string())]
    );
    h.tx(
        msg::update_offer::TYPE_URL,
        &MsgUpdateOffer {
            provider: p().to_string(),
            offer_id: 1,
            price_per_gpu_hour: c(900),
            gpus_total: None,
            active: None,
        },
    )
    .unwrap();
    assert_eq!(
        h.events("offer_updated"),
        vec![Event::new("offer_updated")
            .attr("offer_id", "1")
            .attr("gpus_total", "4")
            .attr("price_per_gpu_hour", "900ugpc")
            .attr("active", "true")]
    );
    h.tx(
        msg::close_offer::TYPE_URL,
        &MsgCloseOffer {
            provider: p().to_string(),
            offer_id: 1,
        },
    )
    .unwrap();
    assert_eq!(
        h.events("offer_closed"),
        vec![Event::new("offer_closed").attr("offer_id", "1")]
    );
    let mut m = h.order_msg(1, 1500, 7200, 10_000);
    m.ttl = 30;
    h.create_order(&m).unwrap();
    h.block(30);
    assert_eq!(
        h.events("order_expired"),
        vec![Event::new("order_expired")
            .attr("order_id", "2")
            .attr("refund", "10000ugpc")]
    );
    h.ack(1, &[0, 1]).unwrap();
    let started = h.now;
    assert_eq!(
        h.events("lease_acked"),
        vec![Event::new("lease_acked")
            .attr("lease_id", "1")
            .attr("started_at", started.to_string())
            .attr("ends_at", (started + 7200).to_string())
            .attr("due_at", (started + 7200).to_string())]
    );
}

mod bench;
mod hosts;
mod lease_queries;
mod prop;

//! A provider whose GPUs are on several hosts: a lease is served by one
//! host's GPUs, so an order matches only where one host has enough free.

use super::*;

/// The provider's 8 GPUs: 0-2 on host "a", 3-5 on "b", 6-7 on "c".
fn three_hosts() -> H {
    let h = H::new();
    h.reg.set_host(&p(), SKU, 0..3, "a");
    h.reg.set_host(&p(), SKU, 3..6, "b");
    h.reg.set_host(&p(), SKU, 6..8, "c");
    h
}

/// An order for `gpus` aimed at the provider's offer.
fn order_for(h: &H, gpus: u32) -> MsgCreateOrder {
    let mut m = h.order_msg(gpus, 1500, 7200, 100_000);
    m.target_provider = p().to_string();
    m
}

#[test]
fn should_match_only_where_one_host_has_enough_free_gpus() {
    let mut h = three_hosts();
    h.create_offer(p(), 8, 1000).unwrap();
    // 4 GPUs: 8 are free but no host has 4, so it waits, open.
    let (four, lease) = h.create_order(&order_for(&h, 4)).unwrap();
    assert_eq!(lease, 0);
    assert_eq!(h.order(four).state, OrderState::Open as i32);
    // 3: host "a" (or "b") can serve it.
    let (_, lease) = h.create_order(&order_for(&h, 3)).unwrap();
    assert_ne!(lease, 0);
    h.ack(lease, &[0, 1, 2]).unwrap();
    assert_eq!(h.lease(lease).host, "a");
    assert_eq!(h.lease(lease).state, LeaseState::Active as i32);
    // Host "a" is full: a second 3 is served by "b", then 2 by "c".
    let (_, lease) = h.create_order(&order_for(&h, 3)).unwrap();
    assert_ne!(lease, 0);
    h.ack(lease, &[3, 4, 5]).unwrap();
    assert_eq!(h.lease(lease).host, "b");
    let (_, lease) = h.create_order(&order_for(&h, 2)).unwrap();
    assert_ne!(lease, 0);
    h.ack(lease, &[6, 7]).unwrap();
    assert_eq!(h.lease(lease).host, "c");
    assert_eq!(h.order(four).state, OrderState::Open as i32);
    h.check();
}

#[test]
fn should_refuse_an_ack_with_gpus_of_two_hosts_with_code_30() {
    let mut h = three_hosts();
    h.create_offer(p(), 8, 1000).unwrap();
    let (_, lease) = h.create_order(&order_for(&h, 2)).unwrap();
    assert_ne!(lease, 0);
    // GPU 2 is on "a", GPU 3 on "b": refused, nothing changed.
    let m = h.ack_msg(p(), lease, &[2, 3]);
    let e = h.fail(msg::ack_lease::TYPE_URL, &m);
    assert_eq!(code(&e), ("market", 30));
    assert!(e.log.contains("on host \"b\""), "{}", e.log);
    assert_eq!(h.lease(lease).state, LeaseState::Pending as i32);
    // The same count on one host is taken.
    h.ack(lease, &[6, 7]).unwrap();
    let l = h.lease(lease);
    assert_eq!((l.host.as_str(), l.gpu_uuids.len()), ("c", 2));
    h.check();
}

#[test]
fn should_not_match_a_lease_that_no_host_could_serve_beside_the_pending_ones() {
    let mut h = H::new();
    // 4 GPUs: 0-2 on "a", 3 on "b".
    h.reg.add_provider(p(), SKU, 4, 1, "eu", BOND);
    h.reg.set_host(&p(), SKU, 0..3, "a");
    h.reg.set_host(&p(), SKU, 3..4, "b");
    h.create_offer(p(), 4, 1000).unwrap();
    let (_, first) = h.create_order(&order_for(&h, 2)).unwrap();
    assert_ne!(first, 0);
    // Another 2: "a" still has 3 free GPUs, but the pending lease needs 2
    // of them (no other host has 2), so both cannot be served: it waits.
    let (second, lease) = h.create_order(&order_for(&h, 2)).unwrap();
    assert_eq!(lease, 0);
    h.check();
    // A 1-GPU order fits ("b").
    let (_, one) = h.create_order(&order_for(&h, 1)).unwrap();
    assert_ne!(one, 0);
    // Acknowledged on "a", the first lease leaves "a" one GPU: the open
    // order of 2 still finds no host.
    h.ack(first, &[0, 1]).unwrap();
    h.ack(one, &[3]).unwrap();
    h.block(1);
    assert_eq!(h.order(second).state, OrderState::Open as i32);
    h.check();
}

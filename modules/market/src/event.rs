//! The market's events, built only here so their attributes keep a fixed
//! order.

use gpuchain_types::{Address, Event};

pub fn offer_created(id: u64, provider: &Address, sku: &str, gpus: u32, price: &str) -> Event {
    Event::new("offer_created")
        .attr("offer_id", id.to_string())
        .attr("provider", provider.to_string())
        .attr("sku", sku)
        .attr("gpus_total", gpus.to_string())
        .attr("price_per_gpu_hour", price)
}

pub fn offer_updated(id: u64, gpus: u32, price: &str, active: bool) -> Event {
    Event::new("offer_updated")
        .attr("offer_id", id.to_string())
        .attr("gpus_total", gpus.to_string())
        .attr("price_per_gpu_hour", price)
        .attr("active", active.to_string())
}

pub fn offer_closed(id: u64) -> Event {
    Event::new("offer_closed").attr("offer_id", id.to_string())
}

pub fn order_created(id: u64, tenant: &Address, sku: &str, gpus: u32, deposit: &str) -> Event {
    Event::new("order_created")
        .attr("order_id", id.to_string())
        .attr("tenant", tenant.to_string())
        .attr("sku", sku)
        .attr("gpu_count", gpus.to_string())
        .attr("deposit", deposit)
}

pub fn order_matched(id: u64, lease_id: u64, offer_id: u64) -> Event {
    Event::new("order_matched")
        .attr("order_id", id.to_string())
        .attr("lease_id", lease_id.to_string())
        .attr("offer_id", offer_id.to_string())
}

pub fn order_cancelled(id: u64, refund: &str) -> Event {
    Event::new("order_cancelled")
        .attr("order_id", id.to_string())
        .attr("refund", refund)
}

pub fn order_expired(id: u64, refund: &str) -> Event {
    Event::new("order_expired")
        .attr("order_id", id.to_string())
        .attr("refund", refund)
}

pub fn lease_created(
    id: u64,
    order_id: u64,
    provider: &Address,
    tenant: &Address,
    ack_deadline: i64,
) -> Event {
    Event::new("lease_created")
        .attr("lease_id", id.to_string())
        .attr("order_id", order_id.to_string())
        .attr("provider", provider.to_string())
        .attr("tenant", tenant.to_string())
        .attr("ack_deadline", ack_deadline.to_string())
}

pub fn lease_acked(id: u64, started_at: i64, ends_at: i64, due_at: i64) -> Event {
    Event::new("lease_acked")
        .attr("lease_id", id.to_string())
        .attr("started_at", started_at.to_string())
        .attr("ends_at", ends_at.to_string())
        .attr("due_at", due_at.to_string())
}

pub fn lease_deposit(id: u64, depositor: &Address, amount: &str, due_at: i64) -> Event {
    Event::new("lease_deposit")
        .attr("lease_id", id.to_string())
        .attr("depositor", depositor.to_string())
        .attr("amount", amount)
        .attr("due_at", due_at.to_string())
}

pub fn lease_closed(id: u64, reason: &str) -> Event {
    Event::new("lease_closed")
        .attr("lease_id", id.to_string())
        .attr("reason", reason)
}

pub fn lease_payment(id: u64, provider: &Address, amount: &str, take: &str) -> Event {
    Event::new("lease_payment")
        .attr("lease_id", id.to_string())
        .attr("provider", provider.to_string())
        .attr("amount", amount)
        .attr("take", take)
}

pub fn lease_refund(id: u64, tenant: &Address, amount: &str) -> Event {
    Event::new("lease_refund")
        .attr("lease_id", id.to_string())
        .attr("tenant", tenant.to_string())
        .attr("amount", amount)
}

//! The events the module emits; attributes in a fixed order. Addresses are
//! bech32, amounts Coins strings (`500ugpc`).
//!
//! | event | attributes |
//! | --- | --- |
//! | `provider_registered` | `provider`, `moniker`, `region`, `bond` |
//! | `provider_updated` | `provider` |
//! | `provider_bond_added` | `provider`, `amount`, `bond` |
//! | `provider_unbonding` | `provider`, `bond`, `completes_at` |
//! | `provider_unbonded` | `provider`, `returned` |
//! | `agent_authorized` / `agent_revoked` | `provider`, `agent` |
//! | `inventory_submitted` | `provider`, `agent`, `gpus`, `leasable`, `removed`, `expires_at` |
//! | `challenge_issued` | `challenge_id`, `provider`, `gpu_uuid`, `sku`, `reason`, `lease_id`, `commit_deadline` |
//! | `challenge_committed` | `challenge_id`, `provider`, `gpu_uuid`, `open_deadline` |
//! | `challenge_passed` | `challenge_id`, `provider`, `gpu_uuid` |
//! | `challenge_failed` | `challenge_id`, `provider`, `gpu_uuid`, `reason` |
//! | `provider_slashed` | `provider`, `amount`, `reason`, `bond` |
//! | `provider_jailed` | `provider`, `until` |
//! | `slash_compensation` | `lease_id`, `tenant`, `amount` |

use gpuchain_types::{Address, Event};

pub const PROVIDER_REGISTERED: &str = "provider_registered";
pub const PROVIDER_UPDATED: &str = "provider_updated";
pub const PROVIDER_BOND_ADDED: &str = "provider_bond_added";
pub const PROVIDER_UNBONDING: &str = "provider_unbonding";
pub const PROVIDER_UNBONDED: &str = "provider_unbonded";
pub const AGENT_AUTHORIZED: &str = "agent_authorized";
pub const AGENT_REVOKED: &str = "agent_revoked";
pub const INVENTORY_SUBMITTED: &str = "inventory_submitted";
pub const CHALLENGE_ISSUED: &str = "challenge_issued";
pub const CHALLENGE_COMMITTED: &str = "challenge_committed";
pub const CHALLENGE_PASSED: &str = "challenge_passed";
pub const CHALLENGE_FAILED: &str = "challenge_failed";
pub const PROVIDER_SLASHED: &str = "provider_slashed";
pub const PROVIDER_JAILED: &str = "provider_jailed";
pub const SLASH_COMPENSATION: &str = "slash_compensation";

pub fn provider_registered(p: &Address, moniker: &str, region: &str, bond: &str) -> Event {
    Event::new(PROVIDER_REGISTERED)
        .attr("provider", p.to_string())
        .attr("moniker", moniker)
        .attr("region", region)
        .attr("bond", bond)
}

pub fn provider_updated(p: &Address) -> Event {
    Event::new(PROVIDER_UPDATED).attr("provider", p.to_string())
}

pub fn provider_bond_added(p: &Address, amount: &str, bond: &str) -> Event {
    Event::new(PROVIDER_BOND_ADDED)
        .attr("provider", p.to_string())
        .attr("amount", amount)
        .attr("bond", bond)
}

pub fn provider_unbonding(p: &Address, bond: &str, completes_at: i64) -> Event {
    Event::new(PROVIDER_UNBONDING)
        .attr("provider", p.to_string())
        .attr("bond", bond)
        .attr("completes_at", completes_at.to_string())
}

pub fn provider_unbonded(p: &Address, returned: &str) -> Event {
    Event::new(PROVIDER_UNBONDED)
        .attr("provider", p.to_string())
        .attr("returned", returned)
}

pub fn agent_authorized(p: &Address, agent: &Address) -> Event {
    Event::new(AGENT_AUTHORIZED)
        .attr("provider", p.to_string())
        .attr("agent", agent.to_string())
}

pub fn agent_revoked(p: &Address, agent: &Address) -> Event {
    Event::new(AGENT_REVOKED)
        .attr("provider", p.to_string())
        .attr("agent", agent.to_string())
}

pub fn inventory_submitted(
    p: &Address,
    agent: &Address,
    host: &str,
    gpus: usize,
    leasable: usize,
    removed: usize,
    expires_at: i64,
) -> Event {
    Event::new(INVENTORY_SUBMITTED)
        .attr("provider", p.to_string())
        .attr("agent", agent.to_string())
        .attr("host", host)
        .attr("gpus", gpus.to_string())
        .attr("leasable", leasable.to_string())
        .attr("removed", removed.to_string())
        .attr("expires_at", expires_at.to_string())
}

pub fn challenge_issued(
    id: u64,
    p: &str,
    uuid: &str,
    sku: &str,
    reason: &str,
    lease_id: u64,
    commit_deadline: i64,
) -> Event {
    Event::new(CHALLENGE_ISSUED)
        .attr("challenge_id", id.to_string())
        .attr("provider", p)
        .attr("gpu_uuid", uuid)
        .attr("sku", sku)
        .attr("reason", reason)
        .attr("lease_id", lease_id.to_string())
        .attr("commit_deadline", commit_deadline.to_string())
}

pub fn challenge_committed(id: u64, p: &str, uuid: &str, open_deadline: i64) -> Event {
    Event::new(CHALLENGE_COMMITTED)
        .attr("challenge_id", id.to_string())
        .attr("provider", p)
        .attr("gpu_uuid", uuid)
        .attr("open_deadline", open_deadline.to_string())
}

pub fn challenge_passed(id: u64, p: &str, uuid: &str) -> Event {
    Event::new(CHALLENGE_PASSED)
        .attr("challenge_id", id.to_string())
        .attr("provider", p)
        .attr("gpu_uuid", uuid)
}

pub fn challenge_failed(id: u64, p: &str, uuid: &str, reason: &str) -> Event {
    Event::new(CHALLENGE_FAILED)
        .attr("challenge_id", id.to_string())
        .attr("provider", p)
        .attr("gpu_uuid", uuid)
        .attr("reason", reason)
}

pub fn provider_slashed(p: &Address, amount: &str, reason: &str, bond: &str) -> Event {
    Event::new(PROVIDER_SLASHED)
        .attr("provider", p.to_string())
        .attr("amount", amount)
        .attr("reason", reason)
        .attr("bond", bond)
}

pub fn provider_jailed(p: &Address, until: i64) -> Event {
    Event::new(PROVIDER_JAILED)
        .attr("provider", p.to_string())
        .attr("until", until.to_string())
}

pub fn slash_compensation(lease_id: u64, tenant: &Address, amount: &str) -> Event {
    Event::new(SLASH_COMPENSATION)
        .attr("lease_id", lease_id.to_string())
        .attr("tenant", tenant.to_string())
        .attr("amount", amount)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_keep_attribute_order_when_building_events() {
        let a = Address([1; 20]);
        let e = provider_slashed(&a, "5ugpc", "challenge 3 failed", "95ugpc");
        let keys: Vec<&str> = e.attributes.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(e.kind, "provider_slashed");
        assert_eq!(keys, vec!["provider", "amount", "reason", "bond"]);
        let e = challenge_issued(1, "p", "u", "test-cpu", "random", 0, 10);
        let keys: Vec<&str> = e.attributes.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            vec![
                "challenge_id",
                "provider",
                "gpu_uuid",
                "sku",
                "reason",
                "lease_id",
                "commit_deadline"
            ]
        );
    }
}

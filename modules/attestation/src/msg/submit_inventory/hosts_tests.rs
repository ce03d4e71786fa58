//! A provider with an agent on each of several hosts: each report replaces
//! its own host's GPUs only.

use prost::Message;

use super::*;
use crate::test_util::*;

fn host_of(t: &Setup, uuid: &str) -> Option<String> {
    state_ext::gpu(&t.state, uuid).unwrap().map(|g| g.host)
}

#[test]
fn should_replace_only_the_reporting_hosts_gpus() {
    let mut t = Setup::with_provider(1);
    t.inventory_on(1, 1, "a", &[cpu_gpu("GPU-1"), cpu_gpu("GPU-2")])
        .unwrap();
    t.next_block();
    t.inventory_on(1, 1, "b", &[cpu_gpu("GPU-3")]).unwrap();
    assert_eq!(
        t.event("inventory_submitted").unwrap().get("host"),
        Some("b")
    );
    let now = t.ctx.time_secs;
    let leasable = crate::leasable_gpus(&t.state, &addr(1), "test-cpu", now).unwrap();
    let hosts: Vec<(&str, &str)> = leasable
        .iter()
        .map(|g| (g.uuid.as_str(), g.host.as_str()))
        .collect();
    assert_eq!(hosts, [("GPU-1", "a"), ("GPU-2", "a"), ("GPU-3", "b")]);
    // "a" reports GPU-2 gone: removed; "b"'s GPU-3 stays.
    t.next_block();
    t.inventory_on(1, 1, "a", &[cpu_gpu("GPU-1")]).unwrap();
    assert_eq!(
        t.event("inventory_submitted").unwrap().get("removed"),
        Some("1")
    );
    assert_eq!(host_of(&t, "GPU-2"), None);
    assert_eq!(host_of(&t, "GPU-3").as_deref(), Some("b"));
    // An empty report of "b" leaves "a" alone; the unnamed host ("") is a
    // host like the others.
    t.next_block();
    t.inventory_on(1, 1, "b", &[]).unwrap();
    t.inventory(1, 1, &[cpu_gpu("GPU-4")]).unwrap();
    assert_eq!(host_of(&t, "GPU-3"), None);
    assert_eq!(host_of(&t, "GPU-1").as_deref(), Some("a"));
    assert_eq!(host_of(&t, "GPU-4").as_deref(), Some(""));
}

#[test]
fn should_move_a_gpu_to_the_host_that_reports_it() {
    let mut t = Setup::with_provider(1);
    t.inventory(1, 1, &[cpu_gpu("GPU-1"), cpu_gpu("GPU-2")])
        .unwrap();
    // The agent now names its host (an upgrade): its GPUs move to it.
    t.next_block();
    t.inventory_on(1, 1, "rack1-node3", &[cpu_gpu("GPU-1"), cpu_gpu("GPU-2")])
        .unwrap();
    assert_eq!(host_of(&t, "GPU-1").as_deref(), Some("rack1-node3"));
    assert_eq!(host_of(&t, "GPU-2").as_deref(), Some("rack1-node3"));
    assert_eq!(
        t.event("inventory_submitted").unwrap().get("removed"),
        Some("0")
    );
    assert_eq!(state_ext::gpu_uuids(&t.state, &addr(1)).unwrap().len(), 2);
}

#[test]
fn should_reject_a_malformed_host_with_code_18_and_change_nothing() {
    let mut t = Setup::with_provider(1);
    let h = t.ctx.height - 1;
    let hash = t.hash_of(h);
    let long = "h".repeat(MAX_HOST_LEN + 1);
    for host in ["node 1", "node/1", "nöde", long.as_str()] {
        let mut m = MsgSubmitInventory::decode(
            inventory_msg(1, 1, &[cpu_gpu("GPU-1")], h, &hash).as_slice(),
        )
        .unwrap();
        m.host = host.into();
        t.assert_rejected(TYPE_URL, &m.encode_to_vec(), "attestation", 18);
    }
    // The longest name and every allowed character are taken.
    t.inventory_on(1, 1, &"h".repeat(MAX_HOST_LEN), &[cpu_gpu("GPU-1")])
        .unwrap();
    t.next_block();
    t.inventory_on(1, 1, "Node-1_a.b:2", &[cpu_gpu("GPU-1")])
        .unwrap();
    assert_eq!(host_of(&t, "GPU-1").as_deref(), Some("Node-1_a.b:2"));
}

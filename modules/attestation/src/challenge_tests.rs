//! Challenge scenarios: issue on lease acknowledgement and at random,
//! commit, beacon, open, failure with its penalties, and every bad answer.

use gpuchain_proto::attestation::{
    ChallengeStatus, GpuStatus, MsgChallengeOpenResponse, QueryChallengesRequest,
    QueryChallengesResponse, QueryGpuRequest, QueryGpuResponse, QueryGpusRequest,
    QueryGpusResponse, QueryProviderRequest, QueryProviderResponse,
};
use gpuchain_store::Component;
use prost::Message;

use crate::msg::{challenge_commit, challenge_open};
use crate::test_util::*;
use crate::{keeper, state_ext};

const ROOT: [u8; 32] = [9; 32];

/// Provider 1 with agent 2 and two test-cpu GPUs, acknowledged on lease 7
/// (tenant 30, deposit 400): returns the two challenge ids.
fn acked() -> (Setup, u64, u64) {
    let mut t = Setup::with_provider(1);
    t.authorize(1, 2);
    t.inventory(1, 2, &[cpu_gpu("GPU-a"), cpu_gpu("GPU-b")])
        .unwrap();
    t.leases.set_gpu_lease("GPU-a", 7, &addr(30), 400);
    t.leases.set_gpu_lease("GPU-b", 7, &addr(30), 400);
    let ctx = t.ctx.clone();
    crate::on_lease_acked(
        &mut t.state,
        &ctx,
        7,
        &addr(1),
        &["GPU-a".to_string(), "GPU-b".to_string()],
    )
    .unwrap();
    let a = state_ext::gpu(&t.state, "GPU-a").unwrap().unwrap();
    let b = state_ext::gpu(&t.state, "GPU-b").unwrap().unwrap();
    (t, a.pending_challenge_id, b.pending_challenge_id)
}

fn status(t: &Setup, id: u64) -> ChallengeStatus {
    let c = state_ext::challenge(&t.state, id).unwrap().unwrap();
    ChallengeStatus::try_from(c.status).unwrap()
}

#[test]
fn should_issue_seeded_challenge_on_each_acked_gpu() {
    let (t, a, b) = acked();
    assert_eq!((a, b), (1, 2));
    let c = state_ext::challenge(&t.state, a).unwrap().unwrap();
    assert_eq!(c.gpu_uuid, "GPU-a");
    assert_eq!(c.lease_id, 7);
    assert_eq!(c.sku, "test-cpu");
    assert_eq!(
        c.seed,
        crate::challenge_seed(&t.ctx.block_hash, t.ctx.height, &addr(1), "GPU-a").to_vec()
    );
    assert_eq!(c.commit_deadline, t.ctx.time_secs + 600);
    assert_eq!(c.params.unwrap(), crate::params::test_cpu_challenge());
    assert_eq!(status(&t, a), ChallengeStatus::AwaitingCommit);
    let e = t.event("challenge_issued").unwrap();
    assert_eq!(e.get("reason"), Some("lease_ack"));
    assert_eq!(e.get("gpu_uuid"), Some("GPU-b"));
}

#[test]
fn should_fail_with_code_25_when_acked_gpu_is_not_the_providers() {
    let (mut t, _, _) = acked();
    t.register(3);
    t.inventory(3, 3, &[cpu_gpu("GPU-z")]).unwrap();
    let ctx = t.ctx.clone();
    for uuid in ["GPU-z", "GPU-none"] {
        let e = crate::on_lease_acked(&mut t.state, &ctx, 8, &addr(1), &[uuid.to_string()])
            .unwrap_err();
        assert_eq!((e.codespace.as_ref(), e.code), ("attestation", 25));
    }
}

#[test]
fn should_pass_and_raise_level_when_opening_is_right() {
    let (mut t, a, _) = acked();
    t.deliver(challenge_commit::TYPE_URL, &commit_msg(2, a, &ROOT))
        .unwrap();
    assert_eq!(status(&t, a), ChallengeStatus::AwaitingOpen);
    // The beacon is the next block's hash.
    t.assert_rejected(
        challenge_open::TYPE_URL,
        &open_msg(2, a, b"ok"),
        "attestation",
        23,
    );
    let commit_height = t.ctx.height;
    t.next_block();
    let c = state_ext::challenge(&t.state, a).unwrap().unwrap();
    assert_eq!(c.beacon, hash_of(commit_height + 1));
    assert_eq!(c.root, ROOT.to_vec());
    t.next_block();
    let r = t
        .deliver(challenge_open::TYPE_URL, &open_msg(1, a, b"ok"))
        .unwrap();
    assert!(
        MsgChallengeOpenResponse::decode(r.value.as_slice())
            .unwrap()
            .passed
    );
    assert_eq!(status(&t, a), ChallengeStatus::Passed);
    let g = state_ext::gpu(&t.state, "GPU-a").unwrap().unwrap();
    assert_eq!(g.pending_challenge_id, 0);
    assert_eq!(
        keeper::gpu_status(&g, t.ctx.time_secs),
        GpuStatus::ChallengePassed
    );
    let info = crate::provider_info(&t.state, &addr(1)).unwrap().unwrap();
    assert_eq!((info.active, info.attestation_level), (true, 1));
    assert!(t.has_event("challenge_passed"));
    assert_eq!(t.bond(1), 1000);
    // Resolved: later answers are in the wrong state; the deadline passes harmlessly.
    t.assert_rejected(
        challenge_open::TYPE_URL,
        &open_msg(2, a, b"ok"),
        "attestation",
        22,
    );
    t.advance_to(t.ctx.time_secs + 2000);
    assert_eq!(status(&t, a), ChallengeStatus::Passed);
}

#[test]
fn should_reject_bad_answers_with_their_codes_and_change_nothing() {
    let (mut t, a, _) = acked();
    t.register(3);
    t.authorize(3, 4);
    // Someone else's challenge: another provider, its agent, a stranger.
    for signer in [3, 4, 9] {
        t.assert_rejected(
            challenge_commit::TYPE_URL,
            &commit_msg(signer, a, &ROOT),
            "attestation",
            8,
        );
    }
    t.assert_rejected(
        challenge_commit::TYPE_URL,
        &commit_msg(2, 99, &ROOT),
        "attestation",
        20,
    );
    t.assert_rejected(
        challenge_commit::TYPE_URL,
        &commit_msg(2, a, &[1; 31]),
        "attestation",
        18,
    );
    t.assert_rejected(
        challenge_open::TYPE_URL,
        &open_msg(2, a, b"ok"),
        "attestation",
        22,
    );
    t.assert_rejected(
        challenge_open::TYPE_URL,
        &open_msg(2, a, b""),
        "attestation",
        24,
    );
    t.deliver(challenge_commit::TYPE_URL, &commit_msg(2, a, &ROOT))
        .unwrap();
    t.assert_rejected(
        challenge_commit::TYPE_URL,
        &commit_msg(2, a, &ROOT),
        "attestation",
        22,
    );
    t.next_block();
    t.next_block();
    for signer in [3, 4, 9] {
        t.assert_rejected(
            challenge_open::TYPE_URL,
            &open_msg(signer, a, b"ok"),
            "attestation",
            8,
        );
    }
    t.assert_rejected(
        challenge_open::TYPE_URL,
        &open_msg(2, a, b"garbage"),
        "attestation",
        24,
    );
    t.assert_rejected(
        challenge_open::TYPE_URL,
        &open_msg(2, 99, b"ok"),
        "attestation",
        20,
    );
    // Late: a block past the open deadline, before end-block fails it.
    let c = state_ext::challenge(&t.state, a).unwrap().unwrap();
    t.next_block_at(c.open_deadline + 1);
    t.assert_rejected(
        challenge_open::TYPE_URL,
        &open_msg(2, a, b"ok"),
        "attestation",
        21,
    );
    assert_eq!(t.bond(1), 1000);
}

#[test]
fn should_fail_with_code_21_when_commit_is_late() {
    let (mut t, a, _) = acked();
    let c = state_ext::challenge(&t.state, a).unwrap().unwrap();
    // At the deadline: still in time.
    t.next_block_at(c.commit_deadline);
    t.deliver(challenge_commit::TYPE_URL, &commit_msg(2, a, &ROOT))
        .unwrap();
    let b = 2;
    t.next_block_at(c.commit_deadline + 1);
    t.assert_rejected(
        challenge_commit::TYPE_URL,
        &commit_msg(2, b, &ROOT),
        "attestation",
        21,
    );
}

#[test]
fn should_slash_compensate_close_and_jail_when_commit_deadline_missed() {
    let (mut t, a, b) = acked();
    let c = state_ext::challenge(&t.state, a).unwrap().unwrap();
    let pool = t.community_pool();
    let tenant = t.balance(&addr(30));
    t.next_block_at(c.commit_deadline);
    t.next_block_at(c.commit_deadline + 1);
    assert_eq!(status(&t, a), ChallengeStatus::AwaitingCommit);
    // End-block of the first block past the deadline fails both challenges.
    t.next_block();
    assert_eq!(status(&t, a), ChallengeStatus::Failed);
    assert_eq!(status(&t, b), ChallengeStatus::Failed);
    let ca = state_ext::challenge(&t.state, a).unwrap().unwrap();
    assert_eq!(ca.failure, "commit deadline missed");
    // First failure: 5% of 1000 = 50; half to the tenant of lease 7, half to the pool.
    assert_eq!(ca.slashed, "50ugpc");
    // Second (lease already closed): 5% of 950 = 47, all to the pool.
    let cb = state_ext::challenge(&t.state, b).unwrap().unwrap();
    assert_eq!(cb.slashed, "47ugpc");
    assert_eq!(t.bond(1), 903);
    assert_eq!(t.balance(&addr(30)), tenant + 25);
    assert_eq!(t.community_pool(), pool + 25 + 47);
    assert_eq!(t.module_balance(), 903);
    assert_eq!(
        t.leases.closed(),
        vec![(7, gpuchain_types::Coins::parse("25ugpc").unwrap())]
    );
    let failed_at = c.commit_deadline + 1;
    let p = state_ext::provider(&t.state, &addr(1)).unwrap().unwrap();
    // Jailed JAIL, then 2*JAIL for the second failure.
    assert_eq!(p.jailed_until, failed_at + 2 * JAIL);
    assert_eq!(p.failed_challenges, 2);
    assert_eq!(p.total_slashed, "97");
    let info = crate::provider_info(&t.state, &addr(1)).unwrap().unwrap();
    assert_eq!((info.active, info.attestation_level), (false, 0));
    assert!(
        leasable_uuids(&t.state, &addr(1), "test-cpu", t.ctx.time_secs)
            .unwrap()
            .is_empty()
    );
    assert!(t.has_event("challenge_failed"));
    assert!(t.has_event("provider_jailed"));
    assert_eq!(
        t.event("slash_compensation").unwrap().get("amount"),
        Some("25ugpc")
    );
    t.check_invariants();
    // Out of jail and topped up to the minimum bond, the provider is active
    // again; its GPUs stay failed until they pass a challenge.
    t.deliver(
        crate::msg::add_bond::TYPE_URL,
        &add_bond_msg(1, "97", "ugpc"),
    )
    .unwrap();
    assert!(
        !crate::keeper::provider_info_at(&t.state, &addr(1), failed_at + 2 * JAIL - 1)
            .unwrap()
            .unwrap()
            .active
    );
    let info = crate::keeper::provider_info_at(&t.state, &addr(1), failed_at + 2 * JAIL)
        .unwrap()
        .unwrap();
    assert!(info.active);
}

#[test]
fn should_fail_challenge_and_slash_when_opening_is_wrong() {
    let (mut t, a, _) = acked();
    t.leases.clear_gpu_lease("GPU-a");
    t.deliver(challenge_commit::TYPE_URL, &commit_msg(2, a, &ROOT))
        .unwrap();
    t.next_block();
    t.next_block();
    let pool = t.community_pool();
    let r = t
        .deliver(challenge_open::TYPE_URL, &open_msg(2, a, b"bad"))
        .unwrap();
    let r = MsgChallengeOpenResponse::decode(r.value.as_slice()).unwrap();
    assert!(!r.passed);
    assert_eq!(r.failure, "bad opening: entry (0, 1, 2, 3) is wrong");
    assert_eq!(status(&t, a), ChallengeStatus::Failed);
    assert_eq!(t.bond(1), 950);
    // No lease on GPU-a any more: the whole slash goes to the pool.
    assert_eq!(t.community_pool(), pool + 50);
    assert!(t.leases.closed().is_empty());
    let g = state_ext::gpu(&t.state, "GPU-a").unwrap().unwrap();
    assert!(g.failed);
    t.check_invariants();
}

#[test]
fn should_fail_with_code_23_until_beacon_block_begins() {
    let (mut t, a, _) = acked();
    t.deliver(challenge_commit::TYPE_URL, &commit_msg(2, a, &ROOT))
        .unwrap();
    t.assert_rejected(
        challenge_open::TYPE_URL,
        &open_msg(2, a, b"ok"),
        "attestation",
        23,
    );
}

#[test]
fn should_issue_random_challenges_only_on_free_gpus() {
    let mut genesis = test_params();
    genesis["params"]["random_challenges_per_gpu_day"] = serde_json::json!(86_400);
    let mut t = Setup::with_genesis(genesis);
    t.register(1);
    t.inventory(1, 1, &[cpu_gpu("GPU-free"), cpu_gpu("GPU-leased")])
        .unwrap();
    t.leases.set_gpu_lease("GPU-leased", 3, &addr(30), 10);
    // Rate 86400/day: due within 2 seconds.
    let g = state_ext::gpu(&t.state, "GPU-free").unwrap().unwrap();
    assert!(g.next_random_challenge_at > t.ctx.time_secs);
    assert!(g.next_random_challenge_at <= t.ctx.time_secs + 2);
    t.next_block();
    t.next_block();
    let free = state_ext::gpu(&t.state, "GPU-free").unwrap().unwrap();
    assert_ne!(free.pending_challenge_id, 0);
    let c = state_ext::challenge(&t.state, free.pending_challenge_id)
        .unwrap()
        .unwrap();
    assert_eq!(crate::challenge::reason_name(c.reason), "random");
    let leased = state_ext::gpu(&t.state, "GPU-leased").unwrap().unwrap();
    assert_eq!(leased.last_challenge_id, 0);
    assert_ne!(leased.next_random_challenge_at, 0);
}

#[test]
fn should_pay_slash_to_recipient_exactly_when_slash_bond_to() {
    let mut t = Setup::with_provider(1);
    let before = t.balance(&addr(31));
    let paid = crate::slash_bond_to(&mut t.state, &addr(1), 50, &addr(31)).unwrap();
    assert_eq!(paid.to_string(), "5ugpc");
    assert_eq!(t.balance(&addr(31)), before + 5);
    assert_eq!(t.bond(1), 995);
    // 0.5% of 995 = 4.975 -> 4.
    let paid = crate::slash_bond_to(&mut t.state, &addr(1), 50, &addr(31)).unwrap();
    assert_eq!(paid.to_string(), "4ugpc");
    assert_eq!(t.bond(1), 991);
    t.check_invariants();
    assert!(crate::slash_bond_to(&mut t.state, &addr(9), 50, &addr(31))
        .unwrap()
        .is_empty());
    let e = crate::slash_bond_to(&mut t.state, &addr(1), 10_001, &addr(31)).unwrap_err();
    assert_eq!(e.code, 18);
    // Bond below the minimum: inactive until topped up.
    assert!(
        !crate::provider_info(&t.state, &addr(1))
            .unwrap()
            .unwrap()
            .active
    );
    t.deliver(
        crate::msg::add_bond::TYPE_URL,
        &add_bond_msg(1, "9", "ugpc"),
    )
    .unwrap();
    assert!(
        crate::provider_info(&t.state, &addr(1))
            .unwrap()
            .unwrap()
            .active
    );
}

#[test]
fn should_answer_queries_with_status_and_history() {
    let (mut t, a, b) = acked();
    let q = |t: &Setup, path: &str, data: Vec<u8>| t.comp.query(&t.state, path, &data).unwrap();
    let r = q(
        &t,
        crate::query::PROVIDER,
        QueryProviderRequest {
            owner: addr(1).to_string(),
        }
        .encode_to_vec(),
    )
    .unwrap();
    let r = QueryProviderResponse::decode(r.as_slice()).unwrap();
    assert!(r.active);
    assert_eq!(r.agents, vec![addr(2).to_string()]);
    let e = q(
        &t,
        crate::query::PROVIDER,
        QueryProviderRequest {
            owner: addr(9).to_string(),
        }
        .encode_to_vec(),
    )
    .unwrap_err();
    assert_eq!(e.code, 22);
    let r = q(
        &t,
        crate::query::GPUS,
        QueryGpusRequest {
            provider: addr(1).to_string(),
            pagination: None,
        }
        .encode_to_vec(),
    )
    .unwrap();
    let r = QueryGpusResponse::decode(r.as_slice()).unwrap();
    let uuids: Vec<&str> = r.gpus.iter().map(|g| g.uuid.as_str()).collect();
    assert_eq!(uuids, vec!["GPU-a", "GPU-b"]);
    assert_eq!(r.gpus[0].status, GpuStatus::Reported as i32);
    let r = q(
        &t,
        crate::query::GPU,
        QueryGpuRequest {
            uuid: "GPU-b".into(),
        }
        .encode_to_vec(),
    )
    .unwrap();
    let r = QueryGpuResponse::decode(r.as_slice()).unwrap();
    assert_eq!(r.last_challenge.unwrap().id, b);
    t.next_block();
    let r = q(
        &t,
        crate::query::CHALLENGES,
        QueryChallengesRequest {
            provider: addr(1).to_string(),
            ..Default::default()
        }
        .encode_to_vec(),
    )
    .unwrap();
    let ids: Vec<u64> = QueryChallengesResponse::decode(r.as_slice())
        .unwrap()
        .challenges
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, vec![a, b]);
    let r = q(
        &t,
        crate::query::CHALLENGES,
        QueryChallengesRequest {
            gpu_uuid: "GPU-a".into(),
            ..Default::default()
        }
        .encode_to_vec(),
    )
    .unwrap();
    let ids: Vec<u64> = QueryChallengesResponse::decode(r.as_slice())
        .unwrap()
        .challenges
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, vec![a]);
    let e = q(
        &t,
        crate::query::CHALLENGES,
        QueryChallengesRequest::default().encode_to_vec(),
    )
    .unwrap_err();
    assert_eq!(e.code, 18);
    assert!(t
        .comp
        .query(&t.state, "/gpuchain.attestation.v1.Query/Nope", &[])
        .is_none());
    let e = q(&t, crate::query::GPU, vec![0xff]).unwrap_err();
    assert_eq!(e.code, 18);
}

#[test]
fn should_fail_with_code_2_when_type_url_unknown() {
    let t = Setup::new();
    let e = t
        .comp
        .check_msg("/gpuchain.attestation.v1.MsgNope", &[])
        .unwrap_err();
    assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 2));
    assert_eq!(t.comp.msg_types().len(), 9);
    assert_eq!(t.comp.name(), "attestation");
}

fn solve_challenge(t: &Setup, id: u64, cheat: bool) -> gpuchain_challenge::Solution {
    let c = state_ext::challenge(&t.state, id).unwrap().unwrap();
    let params = crate::verify::challenge_params(&c.params.unwrap());
    let seed: [u8; 32] = c.seed.as_slice().try_into().unwrap();
    gpuchain_challenge::solve_with_tamper(&params, &seed, |pos, row| {
        if cheat && pos.row % 2 == 0 {
            for b in row.iter_mut() {
                *b ^= 0x55;
            }
        }
    })
    .unwrap()
}

fn opening_for(t: &Setup, id: u64, solution: &gpuchain_challenge::Solution) -> Vec<u8> {
    let c = state_ext::challenge(&t.state, id).unwrap().unwrap();
    let params = crate::verify::challenge_params(&c.params.unwrap());
    let seed: [u8; 32] = c.seed.as_slice().try_into().unwrap();
    let root: [u8; 32] = c.root.as_slice().try_into().unwrap();
    let positions = gpuchain_challenge::select_openings(&params, &seed, &root, &c.beacon).unwrap();
    solution.open(&positions).unwrap().encode()
}

#[test]
fn should_pass_honest_and_fail_cheating_prover_when_verified_for_real() {
    let mut t = Setup::real();
    t.register(1);
    t.authorize(1, 2);
    t.inventory(1, 2, &[cpu_gpu("GPU-a"), cpu_gpu("GPU-b")])
        .unwrap();
    t.leases.set_gpu_lease("GPU-b", 7, &addr(30), 400);
    let ctx = t.ctx.clone();
    crate::on_lease_acked(
        &mut t.state,
        &ctx,
        7,
        &addr(1),
        &["GPU-a".to_string(), "GPU-b".to_string()],
    )
    .unwrap();
    let (a, b) = (1, 2);
    let honest = solve_challenge(&t, a, false);
    let cheat = solve_challenge(&t, b, true);
    t.deliver(
        challenge_commit::TYPE_URL,
        &commit_msg(2, a, &honest.root()),
    )
    .unwrap();
    t.deliver(challenge_commit::TYPE_URL, &commit_msg(2, b, &cheat.root()))
        .unwrap();
    t.next_block();
    t.next_block();
    // Not an opening at all: rejected, nothing changes; the agent may retry.
    t.assert_rejected(
        challenge_open::TYPE_URL,
        &open_msg(2, a, b"junk"),
        "attestation",
        24,
    );
    // The honest opening passes.
    let honest_bytes = opening_for(&t, a, &honest);
    let tenant = t.balance(&addr(30));
    let r = t
        .deliver(challenge_open::TYPE_URL, &open_msg(2, a, &honest_bytes))
        .unwrap();
    assert!(
        MsgChallengeOpenResponse::decode(r.value.as_slice())
            .unwrap()
            .passed
    );
    assert_eq!(status(&t, a), ChallengeStatus::Passed);
    let cheat_bytes = opening_for(&t, b, &cheat);
    assert!(cheat_bytes.len() < crate::msg::challenge_open::MAX_OPENING_BYTES);
    let r = t
        .deliver(challenge_open::TYPE_URL, &open_msg(2, b, &cheat_bytes))
        .unwrap();
    let r = MsgChallengeOpenResponse::decode(r.value.as_slice()).unwrap();
    assert!(!r.passed);
    assert!(r.failure.starts_with("bad opening: "), "{}", r.failure);
    assert_eq!(status(&t, b), ChallengeStatus::Failed);
    assert_eq!(t.bond(1), 950);
    assert_eq!(t.balance(&addr(30)), tenant + 25);
    assert_eq!(
        t.leases.closed(),
        vec![(7, gpuchain_types::Coins::parse("25ugpc").unwrap())]
    );
    t.check_invariants();
}

#[test]
fn should_fail_challenge_when_opening_belongs_to_another_challenge() {
    let mut t = Setup::real();
    t.register(1);
    t.inventory(1, 1, &[cpu_gpu("GPU-a"), cpu_gpu("GPU-b")])
        .unwrap();
    let ctx = t.ctx.clone();
    crate::on_lease_acked(
        &mut t.state,
        &ctx,
        7,
        &addr(1),
        &["GPU-a".into(), "GPU-b".into()],
    )
    .unwrap();
    let sa = solve_challenge(&t, 1, false);
    let sb = solve_challenge(&t, 2, false);
    t.deliver(challenge_commit::TYPE_URL, &commit_msg(1, 1, &sa.root()))
        .unwrap();
    t.deliver(challenge_commit::TYPE_URL, &commit_msg(1, 2, &sb.root()))
        .unwrap();
    t.next_block();
    t.next_block();
    let bytes = opening_for(&t, 1, &sa);
    let r = t
        .deliver(challenge_open::TYPE_URL, &open_msg(1, 2, &bytes))
        .unwrap();
    assert!(
        !MsgChallengeOpenResponse::decode(r.value.as_slice())
            .unwrap()
            .passed
    );
    assert_eq!(status(&t, 2), ChallengeStatus::Failed);
}

#[test]
fn should_list_providers_skus_params_and_agents_when_queried() {
    use gpuchain_proto::attestation::{
        QueryAgentRequest, QueryAgentResponse, QueryParamsRequest, QueryParamsResponse,
        QueryProvidersRequest, QueryProvidersResponse, QuerySkusRequest, QuerySkusResponse,
    };
    use gpuchain_proto::cosmos_sdk_proto::cosmos::base::query::v1beta1::PageRequest;
    let mut t = Setup::with_provider(1);
    t.register(3);
    t.register(5);
    t.authorize(3, 4);
    let q = |t: &Setup, path: &str, data: Vec<u8>| t.comp.query(&t.state, path, &data).unwrap();
    let page = PageRequest {
        limit: 2,
        count_total: true,
        ..Default::default()
    };
    let r = q(
        &t,
        crate::query::PROVIDERS,
        QueryProvidersRequest {
            pagination: Some(page),
        }
        .encode_to_vec(),
    )
    .unwrap();
    let r = QueryProvidersResponse::decode(r.as_slice()).unwrap();
    let owners: Vec<String> = r.providers.iter().map(|p| p.owner.clone()).collect();
    assert_eq!(owners, vec![addr(1).to_string(), addr(3).to_string()]);
    let page = r.pagination.unwrap();
    assert_eq!(page.total, 3);
    assert_eq!(page.next_key, addr(5).as_bytes().to_vec());
    let r = q(&t, crate::query::SKUS, QuerySkusRequest {}.encode_to_vec()).unwrap();
    let skus = QuerySkusResponse::decode(r.as_slice()).unwrap().skus;
    assert!(skus.iter().any(|s| s.id == "nvidia-h100-sxm-80gb"));
    assert!(skus.iter().any(|s| s.id == "test-cpu"));
    let r = q(
        &t,
        crate::query::PARAMS,
        QueryParamsRequest {}.encode_to_vec(),
    )
    .unwrap();
    let p = QueryParamsResponse::decode(r.as_slice())
        .unwrap()
        .params
        .unwrap();
    assert_eq!(p.fail_slash_bps, 500);
    let r = q(
        &t,
        crate::query::AGENT,
        QueryAgentRequest {
            agent: addr(4).to_string(),
        }
        .encode_to_vec(),
    )
    .unwrap();
    assert_eq!(
        QueryAgentResponse::decode(r.as_slice()).unwrap().provider,
        addr(3).to_string()
    );
    let e = q(
        &t,
        crate::query::AGENT,
        QueryAgentRequest {
            agent: addr(9).to_string(),
        }
        .encode_to_vec(),
    )
    .unwrap_err();
    assert_eq!(e.code, 22);
    let e = q(
        &t,
        crate::query::GPUS,
        QueryGpusRequest {
            provider: "nope".into(),
            pagination: None,
        }
        .encode_to_vec(),
    )
    .unwrap_err();
    assert_eq!(e.code, 7);
}

mod props {
    use proptest::prelude::*;

    use super::*;

    #[derive(Clone, Debug)]
    enum Op {
        Register(u8),
        AddBond(u8, u128),
        Unbond(u8),
        SlashTo(u8, u32),
        Report(u8),
        Ack(u8),
        Commit(u8),
        Open(u8, bool),
        Blocks(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        let p = 1u8..4;
        prop_oneof![
            p.clone().prop_map(Op::Register),
            (p.clone(), 1u128..5000).prop_map(|(n, a)| Op::AddBond(n, a)),
            p.clone().prop_map(Op::Unbond),
            (p.clone(), 0u32..2000).prop_map(|(n, b)| Op::SlashTo(n, b)),
            p.clone().prop_map(Op::Report),
            p.clone().prop_map(Op::Ack),
            p.clone().prop_map(Op::Commit),
            (p, any::<bool>()).prop_map(|(n, ok)| Op::Open(n, ok)),
            (1u8..80).prop_map(Op::Blocks),
        ]
    }

    fn pending(t: &Setup, n: u8) -> u64 {
        state_ext::gpu(&t.state, &format!("GPU-{n}"))
            .unwrap()
            .map_or(0, |g| g.pending_challenge_id)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Random provider, report, challenge and block sequences keep the
        /// module account equal to the sum of bonds and never change the
        /// total supply.
        #[test]
        fn should_keep_bonds_backed_and_supply_unchanged(ops in proptest::collection::vec(op(), 1..40)) {
            let mut t = Setup::new();
            let supply = gpuchain_bank::total_supply(&t.state).unwrap();
            for op in ops {
                let _ = match op {
                    Op::Register(n) => t.deliver(crate::msg::register_provider::TYPE_URL, &register_msg(n, "1000")).map(|_| ()),
                    Op::AddBond(n, a) => t.deliver(crate::msg::add_bond::TYPE_URL, &add_bond_msg(n, &a.to_string(), "ugpc")).map(|_| ()),
                    Op::Unbond(n) => t.unbond(n).map(|_| ()),
                    Op::SlashTo(n, bps) => {
                        let (r, changes) = {
                            let mut tx = gpuchain_store::Delta::new(&t.state);
                            let r = crate::slash_bond_to(&mut tx, &addr(n), bps, &addr(30));
                            (r, tx.into_changes())
                        };
                        if r.is_ok() { t.state.apply(changes); }
                        r.map(|_| ())
                    }
                    Op::Report(n) => t.inventory(n, n, &[cpu_gpu(&format!("GPU-{n}"))]).map(|_| ()),
                    Op::Ack(n) => {
                        t.leases.set_gpu_lease(&format!("GPU-{n}"), u64::from(n), &addr(30), 100);
                        let ctx = t.ctx.clone();
                        let (r, changes) = {
                            let mut tx = gpuchain_store::Delta::new(&t.state);
                            let r = crate::on_lease_acked(&mut tx, &ctx, u64::from(n), &addr(n), &[format!("GPU-{n}")]);
                            (r, tx.into_changes())
                        };
                        if r.is_ok() { t.state.apply(changes); }
                        r
                    }
                    Op::Commit(n) => t.deliver(challenge_commit::TYPE_URL, &commit_msg(n, pending(&t, n), &ROOT)).map(|_| ()),
                    Op::Open(n, ok) => {
                        let body: &[u8] = if ok { b"ok" } else { b"bad" };
                        t.deliver(challenge_open::TYPE_URL, &open_msg(n, pending(&t, n), body)).map(|_| ())
                    }
                    Op::Blocks(k) => {
                        for _ in 0..k { t.next_block_at(t.ctx.time_secs + 20); }
                        Ok(())
                    }
                };
                t.check_invariants();
                prop_assert_eq!(&gpuchain_bank::total_supply(&t.state).unwrap(), &supply);
            }
        }
    }
}

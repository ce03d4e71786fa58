//! `Query/Leases` by provider and state: open states come from the open-lease
//! index, the others from all the provider's leases; both give what a scan
//! of every lease would.

use cosmos_sdk_proto::cosmos::base::query::v1beta1::PageRequest;

use super::*;

fn leases(
    h: &H,
    provider: &Address,
    state: LeaseState,
    page: Option<PageRequest>,
) -> QueryLeasesResponse {
    let req = QueryLeasesRequest {
        provider: provider.to_string(),
        state: state as i32,
        pagination: page,
        ..Default::default()
    };
    let out = h
        .comp
        .query(&h.state, crate::query::LEASES, &req.encode_to_vec())
        .unwrap()
        .unwrap();
    QueryLeasesResponse::decode(out.as_slice()).unwrap()
}

fn ids(r: &QueryLeasesResponse) -> Vec<u64> {
    r.leases.iter().map(|l| l.id).collect()
}

#[test]
fn should_list_a_providers_leases_of_each_state_as_a_full_scan_does() {
    let mut h = H::new();
    h.create_offer(p(), 8, 1000).unwrap();
    h.create_offer(p2(), 8, 1000).unwrap();
    // p: leases 1-5 closed (by the tenant), 6-7 active, 8 pending; p2: one
    // active, one pending.
    let order = |h: &mut H, prov: Address| {
        let mut m = h.order_msg(1, 1500, 7200, 10_000);
        m.target_provider = prov.to_string();
        h.create_order(&m).unwrap().1
    };
    for i in 0..7 {
        let l = order(&mut h, p());
        h.ack(l, &[i]).unwrap();
        if i < 5 {
            h.close(t(), l).unwrap();
        }
    }
    order(&mut h, p());
    let l = order(&mut h, p2());
    let m = h.ack_msg(p2(), l, &[0]);
    h.tx(msg::ack_lease::TYPE_URL, &m).unwrap();
    order(&mut h, p2());

    let all: Vec<Lease> = se::all(&h.state, &crate::state_key::leases::prefix()).unwrap();
    for prov in [p(), p2()] {
        for state in [
            LeaseState::Unspecified,
            LeaseState::Pending,
            LeaseState::Active,
            LeaseState::Closed,
        ] {
            let want: Vec<u64> = all
                .iter()
                .filter(|l| l.provider == prov.to_string())
                .filter(|l| state == LeaseState::Unspecified || l.state == state as i32)
                .map(|l| l.id)
                .collect();
            assert_eq!(ids(&leases(&h, &prov, state, None)), want, "{state:?}");
            // Page by page (one a page), the same leases in the same order.
            let mut paged = Vec::new();
            let mut key = Vec::new();
            loop {
                let page = PageRequest {
                    key: key.clone(),
                    limit: 1,
                    ..Default::default()
                };
                let r = leases(&h, &prov, state, Some(page));
                paged.extend(ids(&r));
                key = r.pagination.map(|p| p.next_key).unwrap_or_default();
                if key.is_empty() {
                    break;
                }
            }
            assert_eq!(paged, want, "{state:?} paged");
        }
    }
    assert_eq!(ids(&leases(&h, &p(), LeaseState::Active, None)), [6, 7]);
    assert_eq!(ids(&leases(&h, &p(), LeaseState::Pending, None)), [8]);
    assert_eq!(
        ids(&leases(&h, &p(), LeaseState::Closed, None)),
        [1, 2, 3, 4, 5]
    );
}

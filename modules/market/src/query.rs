//! The `/gpuchain.market.v1.Query/*` gRPC queries (ABCI query paths).

use gpuchain_auth::error::{grpc_invalid_argument, grpc_not_found, undecodable_request};
use gpuchain_auth::pagination::paginate;
use gpuchain_proto::market::*;
use gpuchain_store::StateRead;
use gpuchain_types::{Address, AppResult};
use prost::Message;

use crate::expected::ProviderRegistry;
use crate::keeper::{amount_of, prefix_end, proto_coin};
use crate::state_ext::{self as se, stored_address};
use crate::state_key::{self, nv};

pub const PARAMS: &str = "/gpuchain.market.v1.Query/Params";
pub const OFFER: &str = "/gpuchain.market.v1.Query/Offer";
pub const OFFERS: &str = "/gpuchain.market.v1.Query/Offers";
pub const ORDER: &str = "/gpuchain.market.v1.Query/Order";
pub const ORDERS: &str = "/gpuchain.market.v1.Query/Orders";
pub const LEASE: &str = "/gpuchain.market.v1.Query/Lease";
pub const LEASES: &str = "/gpuchain.market.v1.Query/Leases";
pub const MARKET_SUMMARY: &str = "/gpuchain.market.v1.Query/MarketSummary";

pub const PATHS: &[&str] = &[
    PARAMS,
    OFFER,
    OFFERS,
    ORDER,
    ORDERS,
    LEASE,
    LEASES,
    MARKET_SUMMARY,
];

/// Answers `path`; `None` when it is not one of this module's.
pub fn handle(
    state: &dyn StateRead,
    registry: &dyn ProviderRegistry,
    path: &str,
    data: &[u8],
) -> Option<AppResult<Vec<u8>>> {
    fn run<Req: Message + Default, Resp: Message>(
        path: &str,
        data: &[u8],
        f: impl FnOnce(Req) -> AppResult<Resp>,
    ) -> AppResult<Vec<u8>> {
        let req = Req::decode(data).map_err(|e| undecodable_request(path, e))?;
        Ok(f(req)?.encode_to_vec())
    }
    Some(match path {
        PARAMS => run(path, data, |_: QueryParamsRequest| {
            Ok(QueryParamsResponse {
                params: Some(se::params(state)?),
            })
        }),
        OFFER => run(path, data, |r: QueryOfferRequest| {
            Ok(QueryOfferResponse {
                offer: Some(
                    se::offer(state, r.id)?
                        .ok_or_else(|| grpc_not_found(format!("offer {}", r.id)))?,
                ),
            })
        }),
        OFFERS => run(path, data, |r| offers(state, &r)),
        ORDER => run(path, data, |r: QueryOrderRequest| {
            Ok(QueryOrderResponse {
                order: Some(
                    se::order(state, r.id)?
                        .ok_or_else(|| grpc_not_found(format!("order {}", r.id)))?,
                ),
            })
        }),
        ORDERS => run(path, data, |r| orders(state, &r)),
        LEASE => run(path, data, |r| lease(state, &r)),
        LEASES => run(path, data, |r| leases(state, &r)),
        MARKET_SUMMARY => run(path, data, |r| summary(state, registry, &r)),
        _ => return None,
    })
}

fn address(field: &str, s: &str) -> AppResult<Option<Address>> {
    if s.is_empty() {
        return Ok(None);
    }
    Address::from_bech32(s)
        .map(Some)
        .map_err(|e| grpc_invalid_argument(format!("invalid {field}: {}", e.log)))
}

fn by_ids<T>(
    ids: Vec<u64>,
    load: impl Fn(u64) -> AppResult<Option<T>>,
    keep: impl Fn(&T) -> bool,
) -> AppResult<Vec<(Vec<u8>, T)>> {
    let mut out = Vec::new();
    for id in ids {
        if let Some(v) = load(id)? {
            if keep(&v) {
                out.push((id.to_be_bytes().to_vec(), v));
            }
        }
    }
    Ok(out)
}

fn keyed<T>(items: Vec<T>, id: impl Fn(&T) -> u64, keep: impl Fn(&T) -> bool) -> Vec<(Vec<u8>, T)> {
    items
        .into_iter()
        .filter(|v| keep(v))
        .map(|v| (id(&v).to_be_bytes().to_vec(), v))
        .collect()
}

fn offers(state: &dyn StateRead, r: &QueryOffersRequest) -> AppResult<QueryOffersResponse> {
    let entries = if let Some(p) = address("provider", &r.provider)? {
        let ids = se::nv_ids(state, &nv::offers_by_provider_prefix(&p))?;
        by_ids(
            ids,
            |id| se::offer(state, id),
            |o| r.sku.is_empty() || o.sku == r.sku,
        )?
    } else if !r.sku.is_empty() {
        let denom = if r.denom.is_empty() {
            "ugpc"
        } else {
            r.denom.as_str()
        };
        let prefix = nv::book_prefix(&r.sku, denom);
        let mut out = Vec::new();
        for (k, _) in state.nv_range(&prefix, prefix_end(&prefix).as_deref(), usize::MAX)? {
            if let Some(id) = state_key::trailing_id(&k) {
                if let Some(o) = se::offer(state, id)? {
                    out.push((k[prefix.len()..].to_vec(), o));
                }
            }
        }
        out
    } else {
        keyed(
            se::all::<Offer>(state, &state_key::offers::prefix())?,
            |o| o.id,
            |_| true,
        )
    };
    let (offers, page) = paginate(entries, r.pagination.as_ref())?;
    Ok(QueryOffersResponse {
        offers,
        pagination: Some(page),
    })
}

fn orders(state: &dyn StateRead, r: &QueryOrdersRequest) -> AppResult<QueryOrdersResponse> {
    let keep = |o: &Order| r.state == 0 || o.state == r.state;
    let entries = match address("tenant", &r.tenant)? {
        Some(t) => by_ids(
            se::nv_ids(state, &nv::orders_by_tenant_prefix(&t))?,
            |id| se::order(state, id),
            keep,
        )?,
        None => keyed(
            se::all::<Order>(state, &state_key::orders::prefix())?,
            |o| o.id,
            keep,
        ),
    };
    let (orders, page) = paginate(entries, r.pagination.as_ref())?;
    Ok(QueryOrdersResponse {
        orders,
        pagination: Some(page),
    })
}

fn leases(state: &dyn StateRead, r: &QueryLeasesRequest) -> AppResult<QueryLeasesResponse> {
    let provider = address("provider", &r.provider)?;
    let tenant = address("tenant", &r.tenant)?;
    let keep = |l: &Lease| {
        (r.state == 0 || l.state == r.state)
            && (r.provider.is_empty() || l.provider == r.provider)
            && (r.tenant.is_empty() || l.tenant == r.tenant)
    };
    let entries = match (tenant, provider) {
        (Some(t), _) => by_ids(
            se::nv_ids(state, &nv::leases_by_tenant_prefix(&t))?,
            |id| se::lease(state, id),
            keep,
        )?,
        (None, Some(p)) => {
            // A provider's agents ask for its pending and active leases every
            // poll: those come from the open-lease index, so the answer costs
            // what is open, not every lease the provider ever had.
            let open =
                r.state == LeaseState::Pending as i32 || r.state == LeaseState::Active as i32;
            let prefix = if open {
                nv::open_leases_prefix(&p)
            } else {
                nv::leases_by_provider_prefix(&p)
            };
            by_ids(se::nv_ids(state, &prefix)?, |id| se::lease(state, id), keep)?
        }
        (None, None) => keyed(
            se::all::<Lease>(state, &state_key::leases::prefix())?,
            |l| l.id,
            keep,
        ),
    };
    let (leases, page) = paginate(entries, r.pagination.as_ref())?;
    Ok(QueryLeasesResponse {
        leases,
        pagination: Some(page),
    })
}

fn lease(state: &dyn StateRead, r: &QueryLeaseRequest) -> AppResult<QueryLeaseResponse> {
    let l = se::lease(state, r.id)?.ok_or_else(|| grpc_not_found(format!("lease {}", r.id)))?;
    let now = se::block_time(state)?;
    let (denom, _) = amount_of(&l.price_per_gpu_hour)?;
    let acct = gpuchain_escrow::get(state, l.order_id)?;
    let (owed, withdrawable) = match &acct {
        Some(a) if a.open => {
            let owed = a.owed(now);
            (owed, owed.saturating_sub(a.paid))
        }
        Some(a) => (a.paid, 0),
        None => (0, 0),
    };
    let escrow = acct.map(|a| EscrowView {
        id: a.id,
        owner: a.owner.to_string(),
        denom: a.denom.clone(),
        deposited: a.deposited.to_string(),
        paid: a.paid.to_string(),
        take: a.take.to_string(),
        refunded: a.refunded.to_string(),
        rate_per_hour: a.rate_per_hour.to_string(),
        provider: a.provider.map(|p| p.to_string()).unwrap_or_default(),
        started_at: a.started_at.unwrap_or(0),
        ends_at: a.ends_at.unwrap_or(0),
        open: a.open,
        balance: a.balance().to_string(),
        due_at: a.due_at().unwrap_or(0),
    });
    Ok(QueryLeaseResponse {
        lease: Some(l),
        escrow,
        owed: Some(proto_coin(owed, &denom)),
        withdrawable: Some(proto_coin(withdrawable, &denom)),
        now,
    })
}

fn summary(
    state: &dyn StateRead,
    registry: &dyn ProviderRegistry,
    r: &QueryMarketSummaryRequest,
) -> AppResult<QueryMarketSummaryResponse> {
    if r.sku.is_empty() {
        return Err(grpc_invalid_argument("sku is empty"));
    }
    let denom = if r.denom.is_empty() {
        "ugpc".to_string()
    } else {
        r.denom.clone()
    };
    let now = se::block_time(state)?;
    let mut out = QueryMarketSummaryResponse {
        sku: r.sku.clone(),
        denom: denom.clone(),
        ..Default::default()
    };
    let mut providers = std::collections::BTreeSet::new();
    let mut asks: Vec<u128> = Vec::new();
    for id in se::nv_ids(state, &nv::offers_by_sku_prefix(&r.sku))? {
        let Some(o) = se::offer(state, id)? else {
            continue;
        };
        let (d, price) = amount_of(&o.price_per_gpu_hour)?;
        if d != denom {
            continue;
        }
        out.gpus_leased = out.gpus_leased.saturating_add(u64::from(o.gpus_leased));
        if o.closed {
            continue;
        }
        providers.insert(o.provider.clone());
        out.offers = out.offers.saturating_add(1);
        out.gpus_offered = out.gpus_offered.saturating_add(u64::from(o.gpus_total));
        if o.active {
            let free = o.gpus_total.saturating_sub(o.gpus_leased);
            out.gpus_free = out.gpus_free.saturating_add(u64::from(free));
            if free > 0 {
                asks.push(price);
            }
        }
    }
    for p in providers {
        let addr = stored_address(&p)?;
        out.gpus_attested = out
            .gpus_attested
            .saturating_add(registry.leasable_gpus(state, &addr, &r.sku, now)?.len() as u64);
    }
    asks.sort_unstable();
    if let Some(low) = asks.first() {
        out.lowest_ask = Some(proto_coin(*low, &denom));
        out.median_ask = asks.get(asks.len() / 2).map(|m| proto_coin(*m, &denom));
    }
    Ok(out)
}

//! `/gpuchain/<module>/v1/...`: the queries of gpuchain's own modules
//! (market, escrow, attestation), served generically: path segments and URL
//! parameters become the gRPC request proto by reflection
//! ([`crate::reflect`]), and the response proto is rendered as gateway
//! JSON. Each module lists its routes in one table below.

use std::collections::BTreeMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::Router;

use super::{query_height, Params, Reply, RestError, RestResult, RestState};
use crate::reflect;

/// A REST route and the gRPC query method it answers with. Path segments
/// named `{field}` fill the request field of that name.
pub struct Route {
    pub rest: &'static str,
    pub method: &'static str,
}

const fn r(rest: &'static str, method: &'static str) -> Route {
    Route { rest, method }
}

/// Every gpuchain module route.
pub const ROUTES: &[Route] = &[
    // market
    r(
        "/gpuchain/market/v1/params",
        "/gpuchain.market.v1.Query/Params",
    ),
    r(
        "/gpuchain/market/v1/offers",
        "/gpuchain.market.v1.Query/Offers",
    ),
    r(
        "/gpuchain/market/v1/offers/{id}",
        "/gpuchain.market.v1.Query/Offer",
    ),
    r(
        "/gpuchain/market/v1/orders",
        "/gpuchain.market.v1.Query/Orders",
    ),
    r(
        "/gpuchain/market/v1/orders/{id}",
        "/gpuchain.market.v1.Query/Order",
    ),
    r(
        "/gpuchain/market/v1/leases",
        "/gpuchain.market.v1.Query/Leases",
    ),
    r(
        "/gpuchain/market/v1/leases/{id}",
        "/gpuchain.market.v1.Query/Lease",
    ),
    r(
        "/gpuchain/market/v1/summary/{sku}",
        "/gpuchain.market.v1.Query/MarketSummary",
    ),
    // escrow
    r(
        "/gpuchain/escrow/v1/accounts",
        "/gpuchain.escrow.v1.Query/Accounts",
    ),
    r(
        "/gpuchain/escrow/v1/accounts/{id}",
        "/gpuchain.escrow.v1.Query/Account",
    ),
    // attestation
    r(
        "/gpuchain/attestation/v1/params",
        "/gpuchain.attestation.v1.Query/Params",
    ),
    r(
        "/gpuchain/attestation/v1/skus",
        "/gpuchain.attestation.v1.Query/Skus",
    ),
    r(
        "/gpuchain/attestation/v1/providers",
        "/gpuchain.attestation.v1.Query/Providers",
    ),
    r(
        "/gpuchain/attestation/v1/providers/{owner}",
        "/gpuchain.attestation.v1.Query/Provider",
    ),
    r(
        "/gpuchain/attestation/v1/gpus",
        "/gpuchain.attestation.v1.Query/Gpus",
    ),
    r(
        "/gpuchain/attestation/v1/gpus/{uuid}",
        "/gpuchain.attestation.v1.Query/Gpu",
    ),
    r(
        "/gpuchain/attestation/v1/challenges",
        "/gpuchain.attestation.v1.Query/Challenges",
    ),
    r(
        "/gpuchain/attestation/v1/agents/{agent}",
        "/gpuchain.attestation.v1.Query/Agent",
    ),
];

pub fn routes() -> Router<RestState> {
    let mut router = Router::new();
    for route in ROUTES {
        let method = route.method;
        router = router.route(
            route.rest,
            get(
                move |State(st): State<RestState>,
                      Path(segments): Path<BTreeMap<String, String>>,
                      RawQuery(q): RawQuery,
                      headers: HeaderMap| async move {
                    query(&st, method, segments, q.as_deref(), &headers).await
                },
            ),
        );
    }
    router
}

async fn query(
    st: &RestState,
    method: &'static str,
    segments: BTreeMap<String, String>,
    raw_query: Option<&str>,
    headers: &HeaderMap,
) -> RestResult {
    let height = query_height(headers)?;
    let (req_desc, resp_desc) =
        reflect::method(method).map_err(|e| RestError::internal(e.to_string()))?;
    let mut args: Vec<(String, String)> = segments.into_iter().collect();
    args.extend(Params::parse(raw_query).pairs());
    let json = reflect::args_to_json(&req_desc, &args)
        .map_err(|e| RestError::bad_request(format!("{e:#}")))?;
    let data = reflect::from_json(&req_desc, json)
        .map_err(|e| RestError::bad_request(format!("{e:#}")))?;
    let querier = st.querier.clone();
    let out = tokio::task::spawn_blocking(move || querier.query(method, &data, height))
        .await
        .map_err(|e| RestError::internal(format!("query task failed: {e}")))?;
    let (value, height) = out.map_err(|e| RestError::from_app(&e))?;
    let json =
        reflect::to_json(&resp_desc, &value).map_err(|e| RestError::internal(format!("{e:#}")))?;
    Ok(Reply::at(json, height))
}

//! `/cosmos/bank/v1beta1/...`: balances, spendable balances, supply, params,
//! denom metadata, send-enabled flags and the owners of a denom.

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::Router;
use cosmos_sdk_proto::cosmos::bank::v1beta1::{
    DenomOwner, QueryAllBalancesRequest, QueryAllBalancesResponse, QueryBalanceRequest,
    QueryBalanceResponse, QueryDenomMetadataByQueryStringRequest,
    QueryDenomMetadataByQueryStringResponse, QueryDenomMetadataRequest, QueryDenomMetadataResponse,
    QueryDenomOwnersByQueryRequest, QueryDenomOwnersByQueryResponse, QueryDenomOwnersRequest,
    QueryDenomOwnersResponse, QueryDenomsMetadataRequest, QueryDenomsMetadataResponse,
    QueryParamsRequest, QueryParamsResponse, QuerySendEnabledRequest, QuerySendEnabledResponse,
    QuerySpendableBalanceByDenomRequest, QuerySpendableBalanceByDenomResponse,
    QuerySpendableBalancesRequest, QuerySpendableBalancesResponse, QuerySupplyOfRequest,
    QuerySupplyOfResponse, QueryTotalSupplyRequest, QueryTotalSupplyResponse,
};
use cosmos_sdk_proto::cosmos::base::query::v1beta1::PageResponse;
use serde_json::{json, Value};

use super::{abci, json as j, query_height, Params, Reply, RestResult, RestState};

pub fn routes() -> Router<RestState> {
    Router::new()
        .route("/cosmos/bank/v1beta1/balances/{address}", get(balances))
        .route(
            "/cosmos/bank/v1beta1/balances/{address}/by_denom",
            get(balance),
        )
        .route(
            "/cosmos/bank/v1beta1/spendable_balances/{address}",
            get(spendable_balances),
        )
        .route(
            "/cosmos/bank/v1beta1/spendable_balances/{address}/by_denom",
            get(spendable_balance),
        )
        .route("/cosmos/bank/v1beta1/supply", get(total_supply))
        .route("/cosmos/bank/v1beta1/supply/by_denom", get(supply_of))
        .route("/cosmos/bank/v1beta1/params", get(params))
        .route("/cosmos/bank/v1beta1/denoms_metadata", get(denoms_metadata))
        // Denoms may contain slashes (`ibc/...`), as the SDK's `{denom=**}`.
        .route(
            "/cosmos/bank/v1beta1/denoms_metadata/{*denom}",
            get(denom_metadata),
        )
        .route(
            "/cosmos/bank/v1beta1/denoms_metadata_by_query_string",
            get(denom_metadata_by_query_string),
        )
        .route("/cosmos/bank/v1beta1/send_enabled", get(send_enabled))
        .route(
            "/cosmos/bank/v1beta1/denom_owners/{*denom}",
            get(denom_owners),
        )
        .route(
            "/cosmos/bank/v1beta1/denom_owners_by_query",
            get(denom_owners_by_query),
        )
}

macro_rules! path {
    ($m:literal) => {
        concat!("/cosmos.bank.v1beta1.Query/", $m)
    };
}

async fn balances(
    State(st): State<RestState>,
    Path(address): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> RestResult {
    let p = Params::parse(q.as_deref());
    let req = QueryAllBalancesRequest {
        address,
        pagination: p.page_request()?,
        resolve_denom: p.bool("resolve_denom")?.unwrap_or(false),
    };
    let (r, h): (QueryAllBalancesResponse, _) =
        abci(&st, path!("AllBalances"), &req, query_height(&headers)?).await?;
    Ok(Reply::at(
        json!({"balances": j::coins(&r.balances), "pagination": j::page_response(r.pagination.as_ref())}),
        h,
    ))
}

async fn balance(
    State(st): State<RestState>,
    Path(address): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> RestResult {
    let p = Params::parse(q.as_deref());
    let req = QueryBalanceRequest {
        address,
        denom: p.str("denom"),
    };
    let (r, h): (QueryBalanceResponse, _) =
        abci(&st, path!("Balance"), &req, query_height(&headers)?).await?;
    Ok(Reply::at(
        json!({"balance": j::opt_coin(r.balance.as_ref())}),
        h,
    ))
}

async fn spendable_balances(
    State(st): State<RestState>,
    Path(address): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> RestResult {
    let p = Params::parse(q.as_deref());
    let req = QuerySpendableBalancesRequest {
        address,
        pagination: p.page_request()?,
    };
    let (r, h): (QuerySpendableBalancesResponse, _) = abci(
        &st,
        path!("SpendableBalances"),
        &req,
        query_height(&headers)?,
    )
    .await?;
    Ok(Reply::at(
        json!({"balances": j::coins(&r.balances), "pagination": j::page_response(r.pagination.as_ref())}),
        h,
    ))
}

async fn spendable_balance(
    State(st): State<RestState>,
    Path(address): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> RestResult {
    let p = Params::parse(q.as_deref());
    let req = QuerySpendableBalanceByDenomRequest {
        address,
        denom: p.str("denom"),
    };
    let (r, h): (QuerySpendableBalanceByDenomResponse, _) = abci(
        &st,
        path!("SpendableBalanceByDenom"),
        &req,
        query_height(&headers)?,
    )
    .await?;
    Ok(Reply::at(
        json!({"balance": j::opt_coin(r.balance.as_ref())}),
        h,
    ))
}

async fn total_supply(
    State(st): State<RestState>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> RestResult {
    let p = Params::parse(q.as_deref());
    let req = QueryTotalSupplyRequest {
        pagination: p.page_request()?,
    };
    let (r, h): (QueryTotalSupplyResponse, _) =
        abci(&st, path!("TotalSupply"), &req, query_height(&headers)?).await?;
    Ok(Reply::at(
        json!({"supply": j::coins(&r.supply), "pagination": j::page_response(r.pagination.as_ref())}),
        h,
    ))
}

async fn supply_of(
    State(st): State<RestState>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> RestResult {
    let p = Params::parse(q.as_deref());
    let req = QuerySupplyOfRequest {
        denom: p.str("denom"),
    };
    let (r, h): (QuerySupplyOfResponse, _) =
        abci(&st, path!("SupplyOf"), &req, query_height(&headers)?).await?;
    Ok(Reply::at(
        json!({"amount": j::opt_coin(r.amount.as_ref())}),
        h,
    ))
}

async fn params(State(st): State<RestState>, headers: HeaderMap) -> RestResult {
    let (r, h): (QueryParamsResponse, _) = abci(
        &st,
        path!("Params"),
        &QueryParamsRequest {},
        query_height(&headers)?,
    )
    .await?;
    Ok(Reply::at(
        json!({"params": j::bank_params(r.params.as_ref())}),
        h,
    ))
}

async fn denoms_metadata(
    State(st): State<RestState>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> RestResult {
    let p = Params::parse(q.as_deref());
    let req = QueryDenomsMetadataRequest {
        pagination: p.page_request()?,
    };
    let (r, h): (QueryDenomsMetadataResponse, _) =
        abci(&st, path!("DenomsMetadata"), &req, query_height(&headers)?).await?;
    let metadatas: Vec<Value> = r.metadatas.iter().map(j::metadata).collect();
    Ok(Reply::at(
        json!({"metadatas": metadatas, "pagination": j::page_response(r.pagination.as_ref())}),
        h,
    ))
}

async fn denom_metadata(
    State(st): State<RestState>,
    Path(denom): Path<String>,
    headers: HeaderMap,
) -> RestResult {
    let req = QueryDenomMetadataRequest { denom };
    let (r, h): (QueryDenomMetadataResponse, _) =
        abci(&st, path!("DenomMetadata"), &req, query_height(&headers)?).await?;
    let metadata = r.metadata.as_ref().map(j::metadata).unwrap_or(Value::Null);
    Ok(Reply::at(json!({ "metadata": metadata }), h))
}

async fn denom_metadata_by_query_string(
    State(st): State<RestState>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> RestResult {
    let p = Params::parse(q.as_deref());
    let req = QueryDenomMetadataByQueryStringRequest {
        denom: p.str("denom"),
    };
    let (r, h): (QueryDenomMetadataByQueryStringResponse, _) = abci(
        &st,
        path!("DenomMetadataByQueryString"),
        &req,
        query_height(&headers)?,
    )
    .await?;
    let metadata = r.metadata.as_ref().map(j::metadata).unwrap_or(Value::Null);
    Ok(Reply::at(json!({ "metadata": metadata }), h))
}

async fn send_enabled(
    State(st): State<RestState>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> RestResult {
    let p = Params::parse(q.as_deref());
    let req = QuerySendEnabledRequest {
        denoms: p.all("denoms").into_iter().map(str::to_string).collect(),
        pagination: p.page_request()?,
    };
    let (r, h): (QuerySendEnabledResponse, _) =
        abci(&st, path!("SendEnabled"), &req, query_height(&headers)?).await?;
    let list: Vec<Value> = r.send_enabled.iter().map(j::send_enabled).collect();
    Ok(Reply::at(
        json!({"send_enabled": list, "pagination": j::page_response(r.pagination.as_ref())}),
        h,
    ))
}

fn denom_owners_json(owners: &[DenomOwner], page: Option<&PageResponse>) -> Value {
    let list: Vec<Value> = owners
        .iter()
        .map(|o| json!({"address": o.address, "balance": j::opt_coin(o.balance.as_ref())}))
        .collect();
    json!({"denom_owners": list, "pagination": j::page_response(page)})
}

/// `/denom_owners/{denom}`: the denom may contain slashes (`ibc/...`), as
/// the SDK's `{denom=**}`.
async fn denom_owners(
    State(st): State<RestState>,
    Path(denom): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> RestResult {
    let p = Params::parse(q.as_deref());
    let req = QueryDenomOwnersRequest {
        denom,
        pagination: p.page_request()?,
    };
    let (r, h): (QueryDenomOwnersResponse, _) =
        abci(&st, path!("DenomOwners"), &req, query_height(&headers)?).await?;
    Ok(Reply::at(
        denom_owners_json(&r.denom_owners, r.pagination.as_ref()),
        h,
    ))
}

async fn denom_owners_by_query(
    State(st): State<RestState>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> RestResult {
    let p = Params::parse(q.as_deref());
    let req = QueryDenomOwnersByQueryRequest {
        denom: p.str("denom"),
        pagination: p.page_request()?,
    };
    let (r, h): (QueryDenomOwnersByQueryResponse, _) = abci(
        &st,
        path!("DenomOwnersByQuery"),
        &req,
        query_height(&headers)?,
    )
    .await?;
    Ok(Reply::at(
        denom_owners_json(&r.denom_owners, r.pagination.as_ref()),
        h,
    ))
}

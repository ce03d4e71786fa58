//! `/cosmos/auth/v1beta1/...`: accounts (an unknown one is 404 NotFound,
//! which Keplr reads as a new account), params and the bech32 prefix.

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::Router;
use cosmos_sdk_proto::cosmos::auth::v1beta1::{
    Bech32PrefixRequest, Bech32PrefixResponse, QueryAccountInfoRequest, QueryAccountInfoResponse,
    QueryAccountRequest, QueryAccountResponse, QueryAccountsRequest, QueryAccountsResponse,
    QueryParamsRequest, QueryParamsResponse,
};
use serde_json::{json, Value};

use super::{abci, json as j, query_height, Params, Reply, RestResult, RestState};

pub fn routes() -> Router<RestState> {
    Router::new()
        .route("/cosmos/auth/v1beta1/accounts", get(accounts))
        .route("/cosmos/auth/v1beta1/accounts/{address}", get(account))
        .route(
            "/cosmos/auth/v1beta1/account_info/{address}",
            get(account_info),
        )
        .route("/cosmos/auth/v1beta1/params", get(params))
        .route("/cosmos/auth/v1beta1/bech32", get(bech32_prefix))
}

async fn account(
    State(st): State<RestState>,
    Path(address): Path<String>,
    headers: HeaderMap,
) -> RestResult {
    let (r, h): (QueryAccountResponse, _) = abci(
        &st,
        "/cosmos.auth.v1beta1.Query/Account",
        &QueryAccountRequest { address },
        query_height(&headers)?,
    )
    .await?;
    Ok(Reply::at(
        json!({"account": j::opt_any(r.account.as_ref())}),
        h,
    ))
}

async fn account_info(
    State(st): State<RestState>,
    Path(address): Path<String>,
    headers: HeaderMap,
) -> RestResult {
    let (r, h): (QueryAccountInfoResponse, _) = abci(
        &st,
        "/cosmos.auth.v1beta1.Query/AccountInfo",
        &QueryAccountInfoRequest { address },
        query_height(&headers)?,
    )
    .await?;
    let info = r.info.as_ref().map(j::base_account).unwrap_or(Value::Null);
    Ok(Reply::at(json!({ "info": info }), h))
}

async fn accounts(
    State(st): State<RestState>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> RestResult {
    let p = Params::parse(q.as_deref());
    let req = QueryAccountsRequest {
        pagination: p.page_request()?,
    };
    let (r, h): (QueryAccountsResponse, _) = abci(
        &st,
        "/cosmos.auth.v1beta1.Query/Accounts",
        &req,
        query_height(&headers)?,
    )
    .await?;
    Ok(Reply::at(
        json!({
            "accounts": j::anys(&r.accounts),
            "pagination": j::page_response(r.pagination.as_ref()),
        }),
        h,
    ))
}

async fn params(State(st): State<RestState>, headers: HeaderMap) -> RestResult {
    let (r, h): (QueryParamsResponse, _) = abci(
        &st,
        "/cosmos.auth.v1beta1.Query/Params",
        &QueryParamsRequest {},
        query_height(&headers)?,
    )
    .await?;
    Ok(Reply::at(
        json!({"params": j::auth_params(r.params.as_ref())}),
        h,
    ))
}

async fn bech32_prefix(State(st): State<RestState>) -> RestResult {
    let (r, h): (Bech32PrefixResponse, _) = abci(
        &st,
        "/cosmos.auth.v1beta1.Query/Bech32Prefix",
        &Bech32PrefixRequest {},
        0,
    )
    .await?;
    Ok(Reply::at(json!({"bech32_prefix": r.bech32_prefix}), h))
}

//! `/cosmos/auth/v1beta1/...`: accounts (an unknown one is 404 NotFound,
//! which Keplr reads as a new account), params, the bech32 prefix and
//! address conversions, module accounts, and addresses by account number.
//!
//! `AddressBytesToString` and `AddressStringToBytes` share one gateway
//! pattern, `/bech32/{...}` (grpc-gateway would send every request to the
//! one registered last). gpuchain tells them apart by the value: base64 of
//! 20 bytes (the address length; URL-escape `/` and `+` as `%2F`, `%2B`)
//! that does not have a bech32 string's shape is converted to a string,
//! anything else is read as a bech32 string and converted to bytes (so a
//! malformed address gets the bech32 error).
//!
//! `/address_by_id/{id}`: SDK v0.50's gateway puts `{id}` into the
//! deprecated `id` field, which its server then refuses unless it is 0
//! (`account_id` being the real parameter). gpuchain reads the path as the
//! account number, so `/address_by_id/5` answers account 5; when an
//! `account_id` query parameter is given, the request is the SDK's exactly
//! (`id` from the path, `account_id` from the query).

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::Router;
use cosmos_sdk_proto::cosmos::auth::v1beta1::{
    AddressBytesToStringRequest, AddressBytesToStringResponse, AddressStringToBytesRequest,
    AddressStringToBytesResponse, Bech32PrefixRequest, Bech32PrefixResponse,
    QueryAccountAddressByIdRequest, QueryAccountAddressByIdResponse, QueryAccountInfoRequest,
    QueryAccountInfoResponse, QueryAccountRequest, QueryAccountResponse, QueryAccountsRequest,
    QueryAccountsResponse, QueryModuleAccountByNameRequest, QueryModuleAccountByNameResponse,
    QueryModuleAccountsRequest, QueryModuleAccountsResponse, QueryParamsRequest,
    QueryParamsResponse,
};
use serde_json::{json, Value};

use super::{
    abci, decode_base64, json as j, query_height, Params, Reply, RestError, RestResult, RestState,
};

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
        .route("/cosmos/auth/v1beta1/bech32/{address}", get(bech32_convert))
        .route("/cosmos/auth/v1beta1/module_accounts", get(module_accounts))
        .route(
            "/cosmos/auth/v1beta1/module_accounts/{name}",
            get(module_account_by_name),
        )
        .route(
            "/cosmos/auth/v1beta1/address_by_id/{id}",
            get(address_by_id),
        )
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

/// Whether `s` has the shape of a bech32 string: a human-readable part of
/// letters, the separator `1`, and data in the bech32 alphabet (one case).
fn looks_like_bech32(s: &str) -> bool {
    const CHARSET: &str = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    let Some((hrp, data)) = s.rsplit_once('1') else {
        return false;
    };
    let lower = s.to_ascii_lowercase();
    let one_case = s == lower || s == s.to_ascii_uppercase();
    let data = data.to_ascii_lowercase();
    one_case
        && !hrp.is_empty()
        && hrp.bytes().all(|b| b.is_ascii_alphabetic())
        && data.len() >= 6
        && data.chars().all(|c| CHARSET.contains(c))
}

/// `/bech32/{address_string}` (AddressStringToBytes) or
/// `/bech32/{address_bytes}` (AddressBytesToString), by the value's shape.
async fn bech32_convert(
    State(st): State<RestState>,
    Path(address): Path<String>,
    headers: HeaderMap,
) -> RestResult {
    let height = query_height(&headers)?;
    if !looks_like_bech32(&address) {
        if let Some(address_bytes) = decode_base64(&address).filter(|b| b.len() == 20) {
            let (r, h): (AddressBytesToStringResponse, _) = abci(
                &st,
                "/cosmos.auth.v1beta1.Query/AddressBytesToString",
                &AddressBytesToStringRequest { address_bytes },
                height,
            )
            .await?;
            return Ok(Reply::at(json!({"address_string": r.address_string}), h));
        }
    }
    let (r, h): (AddressStringToBytesResponse, _) = abci(
        &st,
        "/cosmos.auth.v1beta1.Query/AddressStringToBytes",
        &AddressStringToBytesRequest {
            address_string: address,
        },
        height,
    )
    .await?;
    Ok(Reply::at(
        json!({"address_bytes": j::bytes(&r.address_bytes)}),
        h,
    ))
}

async fn module_accounts(State(st): State<RestState>, headers: HeaderMap) -> RestResult {
    let (r, h): (QueryModuleAccountsResponse, _) = abci(
        &st,
        "/cosmos.auth.v1beta1.Query/ModuleAccounts",
        &QueryModuleAccountsRequest {},
        query_height(&headers)?,
    )
    .await?;
    Ok(Reply::at(json!({"accounts": j::anys(&r.accounts)}), h))
}

async fn module_account_by_name(
    State(st): State<RestState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> RestResult {
    let (r, h): (QueryModuleAccountByNameResponse, _) = abci(
        &st,
        "/cosmos.auth.v1beta1.Query/ModuleAccountByName",
        &QueryModuleAccountByNameRequest { name },
        query_height(&headers)?,
    )
    .await?;
    Ok(Reply::at(
        json!({"account": j::opt_any(r.account.as_ref())}),
        h,
    ))
}

async fn address_by_id(
    State(st): State<RestState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> RestResult {
    let p = Params::parse(q.as_deref());
    let path_id: i64 = id.parse().map_err(|e| {
        RestError::bad_request(format!(
            "type mismatch, parameter: id, error: strconv.ParseInt: parsing {id:?}: {e}"
        ))
    })?;
    #[allow(deprecated)]
    let req = match p.u64("account_id")? {
        Some(account_id) => QueryAccountAddressByIdRequest {
            id: path_id,
            account_id,
        },
        None => QueryAccountAddressByIdRequest {
            id: 0,
            account_id: u64::try_from(path_id)
                .map_err(|_| RestError::bad_request(format!("invalid account number {path_id}")))?,
        },
    };
    let (r, h): (QueryAccountAddressByIdResponse, _) = abci(
        &st,
        "/cosmos.auth.v1beta1.Query/AccountAddressByID",
        &req,
        query_height(&headers)?,
    )
    .await?;
    Ok(Reply::at(json!({"account_address": r.account_address}), h))
}

#[cfg(test)]
mod tests {
    use super::looks_like_bech32;

    #[test]
    fn should_tell_bech32_strings_from_base64_bytes() {
        let addr = gpuchain_types::Address([7; 20]);
        assert!(looks_like_bech32(&addr.to_string()));
        assert!(looks_like_bech32(&addr.to_string().to_ascii_uppercase()));
        assert!(looks_like_bech32(&addr.to_bech32_with_prefix("cosmos")));
        assert!(looks_like_bech32("gpu1qqqqqq"));
        use base64::Engine;
        for bytes in [[7u8; 20], [0u8; 20], [0xff; 20]] {
            let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
            assert!(!looks_like_bech32(&b64), "{b64}");
        }
        assert!(!looks_like_bech32("not an address"));
        assert!(!looks_like_bech32("Gpu1qqqqqq"));
    }
}

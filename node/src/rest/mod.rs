//! The REST (LCD) API that `gpuchaind start` serves (app.toml `[api]`,
//! default `tcp://127.0.0.1:1317`): the Cosmos SDK v0.50 gRPC-gateway routes
//! and JSON that Keplr, Ping.pub and other explorers call.
//!
//! Module queries (auth, bank), the tx service (Simulate, encode/decode),
//! node info and ABCIQuery are answered by the same [`QueryService`] that
//! serves ABCI queries: the request is encoded as the gRPC request proto
//! (request bodies are read from gateway JSON by [`json_in`]), the method
//! path is queried, and the response proto is rendered as gateway JSON
//! ([`json`]). Blocks, txs, tx search, broadcast
//! and the validator set come from CometBFT's JSON-RPC ([`comet`]).
//!
//! Errors are grpc-gateway's `{"code": <gRPC code>, "message", "details": []}`.
//! Every request is bounded: body size, a timeout (504) and a concurrency
//! limit; CometBFT unreachable is a 503.

pub mod auth;
pub mod bank;
pub mod comet;
pub mod json;
pub mod json_in;
pub mod modules;
pub mod node;
pub mod staking;
pub mod tendermint;
pub mod tx;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::Engine;
use cosmos_sdk_proto::cosmos::base::query::v1beta1::PageRequest;
use gpuchain_app::QueryService;
use gpuchain_types::error::{code, SDK};
use gpuchain_types::{AppError, AppResult};
use prost::Message;
use serde_json::{json, Value};
use tokio::sync::Semaphore;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};
use tracing::error;

use crate::config::Api;
use comet::Comet;

/// The header a client sets to query at a past height, and that answers carry.
pub const HEIGHT_HEADER: &str = "x-cosmos-block-height";

/// gRPC status codes, as grpc-gateway puts them in error bodies.
pub mod grpc {
    pub const UNKNOWN: u32 = 2;
    pub const INVALID_ARGUMENT: u32 = 3;
    pub const DEADLINE_EXCEEDED: u32 = 4;
    pub const NOT_FOUND: u32 = 5;
    pub const PERMISSION_DENIED: u32 = 7;
    pub const RESOURCE_EXHAUSTED: u32 = 8;
    pub const UNIMPLEMENTED: u32 = 12;
    pub const INTERNAL: u32 = 13;
    pub const UNAVAILABLE: u32 = 14;
    pub const UNAUTHENTICATED: u32 = 16;
}

/// Answers ABCI-style queries: `(protobuf response, height)`. Implemented by
/// the node's [`QueryService`]; tests use fakes.
pub trait Querier: Send + Sync + 'static {
    fn query(&self, path: &str, data: &[u8], height: u64) -> AppResult<(Vec<u8>, u64)>;
}

impl Querier for QueryService {
    fn query(&self, path: &str, data: &[u8], height: u64) -> AppResult<(Vec<u8>, u64)> {
        QueryService::query(self, path, data, height, false).map(|o| (o.value, o.height))
    }
}

/// Node settings some routes report.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// app.toml `minimum-gas-prices`, as configured.
    pub minimum_gas_prices: String,
    pub pruning_keep_recent: u64,
    /// The staking denom (shown by `/cosmos/staking/v1beta1/params`).
    pub bond_denom: String,
}

#[derive(Clone)]
pub struct RestState {
    pub querier: Arc<dyn Querier>,
    pub comet: Arc<Comet>,
    pub settings: Arc<Settings>,
}

/// A grpc-gateway error: HTTP status plus `{code, message, details}`.
#[derive(Debug, Clone, PartialEq)]
pub struct RestError {
    pub status: StatusCode,
    pub code: u32,
    pub message: String,
}

impl RestError {
    pub fn new(status: StatusCode, code: u32, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, grpc::INVALID_ARGUMENT, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, grpc::NOT_FOUND, message)
    }
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, grpc::UNAVAILABLE, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, grpc::UNKNOWN, message)
    }

    /// A failed ABCI query, by its Cosmos code: not found (22, 38) is 404
    /// NotFound; bad input (tx parse error 2, invalid address 7, coins 10,
    /// request 18, tx too large 21) is 400 InvalidArgument; anything else is
    /// 500 Unknown. Before the first block there is no state to query: 503
    /// Unavailable.
    pub fn from_app(e: &AppError) -> Self {
        let message = grpc_message(&e.log);
        if e.log.contains("no block has been committed yet") {
            return Self::unavailable(message);
        }
        if e.codespace != SDK {
            // A module's own error on a query is about the request (an
            // unknown SKU, a bad filter); storage failures are sdk errors.
            return Self::bad_request(message);
        }
        match e.code {
            code::KEY_NOT_FOUND | code::NOT_FOUND => Self::not_found(message),
            code::TX_DECODE
            | code::INVALID_ADDRESS
            | code::INVALID_COINS
            | code::INVALID_REQUEST
            | code::TX_TOO_LARGE => Self::bad_request(message),
            _ => Self::internal(message),
        }
    }
}

/// The gRPC status text inside an ABCI query log
/// (`rpc error: code = NotFound desc = account X not found: key not found`
/// is `account X not found`), as the gateway would show it.
fn grpc_message(log: &str) -> String {
    let Some(rest) = log.strip_prefix("rpc error: code = ") else {
        return log.to_string();
    };
    let Some((_, desc)) = rest.split_once(" desc = ") else {
        return log.to_string();
    };
    [": key not found", ": invalid request"]
        .iter()
        .find_map(|s| desc.strip_suffix(s))
        .unwrap_or(desc)
        .to_string()
}

fn error_body(code: u32, message: &str) -> Value {
    json!({"code": code, "message": message, "details": []})
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        (
            self.status,
            axum::Json(error_body(self.code, &self.message)),
        )
            .into_response()
    }
}

/// A JSON answer, with the height it was read at when there is one.
pub struct Reply {
    pub value: Value,
    pub height: Option<u64>,
}

impl Reply {
    pub fn json(value: Value) -> Self {
        Self {
            value,
            height: None,
        }
    }
    pub fn at(value: Value, height: u64) -> Self {
        Self {
            value,
            height: Some(height),
        }
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut resp = axum::Json(self.value).into_response();
        if let Some(h) = self.height {
            resp.headers_mut()
                .insert(HEIGHT_HEADER, HeaderValue::from(h));
        }
        resp
    }
}

pub type RestResult = Result<Reply, RestError>;

/// Runs a gRPC method over the query service (off the async threads).
pub async fn abci<Req: Message, Resp: Message + Default>(
    st: &RestState,
    path: &'static str,
    req: &Req,
    height: u64,
) -> Result<(Resp, u64), RestError> {
    let querier = st.querier.clone();
    let data = req.encode_to_vec();
    let out = tokio::task::spawn_blocking(move || querier.query(path, &data, height))
        .await
        .map_err(|e| RestError::internal(format!("query task failed: {e}")))?;
    let (value, height) = out.map_err(|e| RestError::from_app(&e))?;
    let resp = Resp::decode(value.as_slice())
        .map_err(|e| RestError::internal(format!("undecodable response of {path}: {e}")))?;
    Ok((resp, height))
}

/// The height a query asks for (`x-cosmos-block-height`; 0 is the latest).
pub fn query_height(headers: &HeaderMap) -> Result<u64, RestError> {
    match headers.get(HEIGHT_HEADER) {
        None => Ok(0),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .ok_or_else(|| RestError::bad_request(format!("invalid {HEIGHT_HEADER} header"))),
    }
}

/// Decoded URL query parameters, repeated keys kept (`events=a&events=b`).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(raw: Option<&str>) -> Self {
        let raw = raw.unwrap_or_default();
        Self(
            raw.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (percent_decode(k), percent_decode(v))
                })
                .collect(),
        )
    }

    /// The last value of `key` (grpc-gateway keeps the last of a singular field).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every pair, in the order given.
    pub fn pairs(self) -> Vec<(String, String)> {
        self.0
    }

    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn str(&self, key: &str) -> String {
        self.get(key).unwrap_or_default().to_string()
    }

    pub fn u64(&self, key: &str) -> Result<Option<u64>, RestError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                RestError::bad_request(format!(
                    "type mismatch, parameter: {key}, error: invalid unsigned integer {v:?}"
                ))
            }),
        }
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, RestError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some("true" | "1" | "True" | "TRUE") => Ok(Some(true)),
            Some("false" | "0" | "False" | "FALSE") => Ok(Some(false)),
            Some(v) => Err(RestError::bad_request(format!(
                "type mismatch, parameter: {key}, error: invalid boolean {v:?}"
            ))),
        }
    }

    /// `pagination.key|offset|limit|count_total|reverse`; `None` when no
    /// pagination parameter is given.
    pub fn page_request(&self) -> Result<Option<PageRequest>, RestError> {
        if !self.0.iter().any(|(k, _)| k.starts_with("pagination.")) {
            return Ok(None);
        }
        let key = match self.get("pagination.key") {
            None | Some("") => Vec::new(),
            Some(k) => decode_base64(k).ok_or_else(|| {
                RestError::bad_request("type mismatch, parameter: pagination.key: bad base64")
            })?,
        };
        Ok(Some(PageRequest {
            key,
            offset: self.u64("pagination.offset")?.unwrap_or(0),
            limit: self.u64("pagination.limit")?.unwrap_or(0),
            count_total: self.bool("pagination.count_total")?.unwrap_or(false),
            reverse: self.bool("pagination.reverse")?.unwrap_or(false),
        }))
    }
}

fn percent_decode(s: &str) -> String {
    fn hex(c: u8) -> Option<u8> {
        (c as char).to_digit(16).map(|d| d as u8)
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Base64 as grpc-gateway accepts it for bytes: standard or URL-safe, padded
/// or not.
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    [STANDARD, URL_SAFE, STANDARD_NO_PAD, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|e| e.decode(s.trim()).ok())
}

/// grpc-gateway's answer to a route it does not have.
async fn not_implemented() -> RestError {
    RestError::new(
        StatusCode::NOT_FOUND,
        grpc::UNIMPLEMENTED,
        "Not Implemented",
    )
}

/// Turns any error response that is not already JSON (axum's extractor
/// rejections, tower-http's 413 and 504, 405) into the gateway's JSON error.
async fn json_errors(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return resp;
    }
    let code = match status {
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => grpc::INVALID_ARGUMENT,
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => grpc::UNIMPLEMENTED,
        StatusCode::REQUEST_TIMEOUT | StatusCode::GATEWAY_TIMEOUT => grpc::DEADLINE_EXCEEDED,
        StatusCode::PAYLOAD_TOO_LARGE | StatusCode::TOO_MANY_REQUESTS => grpc::RESOURCE_EXHAUSTED,
        StatusCode::SERVICE_UNAVAILABLE => grpc::UNAVAILABLE,
        StatusCode::UNAUTHORIZED => grpc::UNAUTHENTICATED,
        StatusCode::FORBIDDEN => grpc::PERMISSION_DENIED,
        s if s.is_server_error() => grpc::INTERNAL,
        _ => grpc::UNKNOWN,
    };
    let (mut parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let message = match (text.trim(), status) {
        ("", StatusCode::GATEWAY_TIMEOUT) => "request timed out".to_string(),
        ("", StatusCode::PAYLOAD_TOO_LARGE) => "request body too large".to_string(),
        ("", s) => s.canonical_reason().unwrap_or("error").to_string(),
        (t, _) => t.to_string(),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let body = serde_json::to_vec(&error_body(code, &message)).unwrap_or_default();
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// At most `max-concurrency` requests are handled at once; the others wait
/// for a slot within the request timeout.
async fn concurrency(State(sem): State<Arc<Semaphore>>, req: Request, next: Next) -> Response {
    match sem.acquire_owned().await {
        Ok(_permit) => next.run(req).await,
        Err(_) => RestError::unavailable("server shutting down").into_response(),
    }
}

fn cors_layer(origins: &[String]) -> Result<Option<CorsLayer>> {
    if origins.is_empty() {
        return Ok(None);
    }
    let allow = if origins.iter().any(|o| o.trim() == "*") {
        AllowOrigin::any()
    } else {
        let list = origins
            .iter()
            .map(|o| {
                HeaderValue::from_str(o.trim().trim_end_matches('/'))
                    .with_context(|| format!("invalid CORS origin {o:?}"))
            })
            .collect::<Result<Vec<_>>>()?;
        AllowOrigin::list(list)
    };
    Ok(Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
            .allow_headers(AllowHeaders::any())
            .expose_headers([axum::http::HeaderName::from_static(HEIGHT_HEADER)])
            .max_age(Duration::from_secs(600)),
    ))
}

/// Every route, with the limits of `[api]` around them.
pub fn router(state: RestState, api: &Api) -> Result<Router> {
    let timeout = Duration::from_millis(api.request_timeout_ms.max(1));
    let sem = Arc::new(Semaphore::new(api.max_concurrency.max(1)));
    let mut app = Router::new()
        .merge(auth::routes())
        .merge(bank::routes())
        .merge(tx::routes())
        .merge(tendermint::routes())
        .merge(staking::routes())
        .merge(node::routes())
        .merge(modules::routes())
        .fallback(not_implemented)
        .with_state(state)
        .layer(DefaultBodyLimit::max(api.max_body_bytes))
        .layer(middleware::from_fn_with_state(sem, concurrency))
        .layer(RequestBodyTimeoutLayer::new(timeout))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::GATEWAY_TIMEOUT,
            timeout,
        ))
        .layer(RequestBodyLimitLayer::new(api.max_body_bytes))
        .layer(middleware::from_fn(json_errors));
    if let Some(cors) = cors_layer(&api.cors_allowed_origins)? {
        app = app.layer(cors);
    }
    Ok(app)
}

/// `tcp://host:port` (or `host:port`) as a socket address.
pub fn listen_addr(address: &str) -> Result<SocketAddr> {
    let hostport = address
        .strip_prefix("tcp://")
        .or_else(|| address.strip_prefix("http://"))
        .unwrap_or(address);
    use std::net::ToSocketAddrs;
    hostport
        .to_socket_addrs()
        .with_context(|| format!("invalid api address {address:?}"))?
        .next()
        .ok_or_else(|| anyhow!("invalid api address {address:?}"))
}

/// Binds `[api] address` and serves the REST API on its own thread (a small
/// tokio runtime). Binding errors are returned here, before the node runs.
pub fn spawn(
    api: &Api,
    querier: Arc<dyn Querier>,
    comet_laddr: &str,
    settings: Settings,
) -> Result<SocketAddr> {
    let timeout = Duration::from_millis(api.request_timeout_ms.max(1));
    let state = RestState {
        querier,
        comet: Arc::new(Comet::new(comet_laddr, timeout)?),
        settings: Arc::new(settings),
    };
    let app = router(state, api)?;
    let addr = listen_addr(&api.address)?;
    let listener = std::net::TcpListener::bind(addr)
        .with_context(|| format!("binding the REST API to {addr}"))?;
    listener.set_nonblocking(true)?;
    let local = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("rest")
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("rest-api".into())
        .spawn(move || {
            runtime.block_on(async move {
                let listener = match tokio::net::TcpListener::from_std(listener) {
                    Ok(l) => l,
                    Err(e) => {
                        error!("REST API listener: {e}");
                        return;
                    }
                };
                if let Err(e) = axum::serve(listener, app).await {
                    error!("REST API server stopped: {e}");
                }
            });
        })?;
    Ok(local)
}

#[cfg(test)]
mod tests;

//! The REST server against a fake query service and an unreachable CometBFT:
//! routes, error shapes, limits and CORS.

use std::sync::Arc;
use std::time::Duration;

use cosmos_sdk_proto::cosmos::auth::v1beta1::{
    AddressBytesToStringRequest, AddressBytesToStringResponse, AddressStringToBytesRequest,
    AddressStringToBytesResponse, BaseAccount, ModuleAccount, QueryAccountAddressByIdRequest,
    QueryAccountAddressByIdResponse, QueryAccountRequest, QueryAccountResponse,
    QueryModuleAccountsResponse,
};
use cosmos_sdk_proto::cosmos::bank::v1beta1::{
    DenomOwner, QueryDenomOwnersRequest, QueryDenomOwnersResponse,
};
use cosmos_sdk_proto::cosmos::base::query::v1beta1::PageResponse;
use cosmos_sdk_proto::cosmos::base::tendermint::v1beta1::{
    AbciQueryRequest, AbciQueryResponse, ProofOp, ProofOps,
};
use cosmos_sdk_proto::cosmos::base::v1beta1::Coin as ProtoCoin;
use cosmos_sdk_proto::cosmos::tx::v1beta1::{
    Tx, TxBody, TxDecodeAminoRequest, TxDecodeAminoResponse, TxDecodeRequest, TxDecodeResponse,
    TxEncodeAminoRequest, TxEncodeAminoResponse, TxEncodeRequest, TxEncodeResponse,
};
use cosmos_sdk_proto::Any;
use gpuchain_types::error::code;
use gpuchain_types::{AppError, AppResult};
use prost::Message;
use serde_json::{json, Value};

use base64::engine::general_purpose::STANDARD as B64;

use super::comet::Comet;
use super::*;

struct Fake;

const SLOW: &str = "/cosmos.bank.v1beta1.Query/Params";

impl Querier for Fake {
    fn query(&self, path: &str, data: &[u8], _height: u64) -> AppResult<(Vec<u8>, u64)> {
        match path {
            "/cosmos.auth.v1beta1.Query/Account" => {
                let req = QueryAccountRequest::decode(data).unwrap();
                match req.address.as_str() {
                    "gpu1known" => {
                        let acc = BaseAccount {
                            address: "gpu1known".into(),
                            pub_key: None,
                            account_number: 3,
                            sequence: 9,
                        };
                        let resp = QueryAccountResponse {
                            account: Some(Any {
                                type_url: "/cosmos.auth.v1beta1.BaseAccount".into(),
                                value: acc.encode_to_vec(),
                            }),
                        };
                        Ok((resp.encode_to_vec(), 7))
                    }
                    "bad" => Err(AppError::sdk(
                        code::INVALID_ADDRESS,
                        "decoding bech32 failed: invalid address",
                    )),
                    a => Err(AppError::sdk(
                        code::KEY_NOT_FOUND,
                        format!("rpc error: code = NotFound desc = account {a} not found: key not found"),
                    )),
                }
            }
            "/cosmos.auth.v1beta1.Query/ModuleAccounts" => {
                let acc = ModuleAccount {
                    base_account: Some(BaseAccount {
                        address: "gpu1fee".into(),
                        pub_key: None,
                        account_number: 2,
                        sequence: 0,
                    }),
                    name: "fee_collector".into(),
                    permissions: vec![],
                };
                let resp = QueryModuleAccountsResponse {
                    accounts: vec![Any {
                        type_url: "/cosmos.auth.v1beta1.ModuleAccount".into(),
                        value: acc.encode_to_vec(),
                    }],
                };
                Ok((resp.encode_to_vec(), 7))
            }
            // Echo what the route asked, so tests can check the request.
            "/cosmos.auth.v1beta1.Query/AddressBytesToString" => {
                let req = AddressBytesToStringRequest::decode(data).unwrap();
                let resp = AddressBytesToStringResponse {
                    address_string: format!("bytes:{}", hex::encode(req.address_bytes)),
                };
                Ok((resp.encode_to_vec(), 7))
            }
            "/cosmos.auth.v1beta1.Query/AddressStringToBytes" => {
                let req = AddressStringToBytesRequest::decode(data).unwrap();
                let resp = AddressStringToBytesResponse {
                    address_bytes: req.address_string.into_bytes(),
                };
                Ok((resp.encode_to_vec(), 7))
            }
            "/cosmos.auth.v1beta1.Query/AccountAddressByID" => {
                #[allow(deprecated)]
                let QueryAccountAddressByIdRequest { id, account_id } =
                    QueryAccountAddressByIdRequest::decode(data).unwrap();
                let resp = QueryAccountAddressByIdResponse {
                    account_address: format!("id={id},account_id={account_id}"),
                };
                Ok((resp.encode_to_vec(), 7))
            }
            "/cosmos.bank.v1beta1.Query/DenomOwners" => {
                let req = QueryDenomOwnersRequest::decode(data).unwrap();
                let resp = QueryDenomOwnersResponse {
                    denom_owners: vec![DenomOwner {
                        address: "gpu1owner".into(),
                        balance: Some(ProtoCoin {
                            denom: req.denom,
                            amount: "5".into(),
                        }),
                    }],
                    pagination: Some(PageResponse {
                        next_key: req.pagination.map(|p| p.key).unwrap_or_default(),
                        total: 1,
                    }),
                };
                Ok((resp.encode_to_vec(), 7))
            }
            "/cosmos.tx.v1beta1.Service/TxEncode" => {
                let req = TxEncodeRequest::decode(data).unwrap();
                let tx = req.tx.unwrap();
                let resp = TxEncodeResponse {
                    tx_bytes: tx.body.unwrap().memo.into_bytes(),
                };
                Ok((resp.encode_to_vec(), 7))
            }
            "/cosmos.tx.v1beta1.Service/TxDecode" => {
                let req = TxDecodeRequest::decode(data).unwrap();
                let resp = TxDecodeResponse {
                    tx: Some(Tx {
                        body: Some(TxBody {
                            memo: String::from_utf8(req.tx_bytes).unwrap(),
                            ..TxBody::default()
                        }),
                        auth_info: None,
                        signatures: vec![],
                    }),
                };
                Ok((resp.encode_to_vec(), 7))
            }
            "/cosmos.tx.v1beta1.Service/TxEncodeAmino" => {
                let req = TxEncodeAminoRequest::decode(data).unwrap();
                let resp = TxEncodeAminoResponse {
                    amino_binary: req.amino_json.into_bytes(),
                };
                Ok((resp.encode_to_vec(), 7))
            }
            "/cosmos.tx.v1beta1.Service/TxDecodeAmino" => {
                let req = TxDecodeAminoRequest::decode(data).unwrap();
                let resp = TxDecodeAminoResponse {
                    amino_json: String::from_utf8(req.amino_binary).unwrap(),
                };
                Ok((resp.encode_to_vec(), 7))
            }
            "/cosmos.base.tendermint.v1beta1.Service/ABCIQuery" => {
                let req = AbciQueryRequest::decode(data).unwrap();
                let resp = AbciQueryResponse {
                    code: 0,
                    key: req.data.clone(),
                    value: req.path.into_bytes(),
                    height: req.height,
                    proof_ops: req.prove.then(|| ProofOps {
                        ops: vec![ProofOp {
                            r#type: "ics23:jmt".into(),
                            key: req.data,
                            data: vec![1],
                        }],
                    }),
                    ..AbciQueryResponse::default()
                };
                Ok((resp.encode_to_vec(), 7))
            }
            SLOW => {
                std::thread::sleep(Duration::from_millis(1000));
                Err(AppError::sdk(code::UNKNOWN_REQUEST, "slow"))
            }
            _ => Err(AppError::sdk(code::INSUFFICIENT_FUNDS, "boom")),
        }
    }
}

fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn serve(api: Api) -> String {
    let laddr = format!("tcp://127.0.0.1:{}", closed_port());
    let state = RestState {
        querier: Arc::new(Fake),
        comet: Arc::new(Comet::new(&laddr, Duration::from_secs(2)).unwrap()),
        settings: Arc::new(Settings {
            minimum_gas_prices: "0.0025ugpc".into(),
            pruning_keep_recent: 100,
            bond_denom: "ugpc".into(),
        }),
    };
    let app = router(state, &api).unwrap();
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    format!("http://{addr}")
}

async fn get(base: &str, path: &str) -> (u16, Value, reqwest::header::HeaderMap) {
    let r = reqwest::get(format!("{base}{path}")).await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body = r.json().await.unwrap();
    (status, body, headers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn should_answer_accounts_and_map_query_errors() {
    let base = serve(Api::default()).await;
    let (s, v, h) = get(&base, "/cosmos/auth/v1beta1/accounts/gpu1known").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v,
        json!({"account": {"@type": "/cosmos.auth.v1beta1.BaseAccount", "address": "gpu1known",
            "pub_key": null, "account_number": "3", "sequence": "9"}})
    );
    assert_eq!(h[HEIGHT_HEADER], "7");

    let (s, v, _) = get(&base, "/cosmos/auth/v1beta1/accounts/gpu1nobody").await;
    assert_eq!(s, 404);
    assert_eq!(
        v,
        json!({"code": 5, "message": "account gpu1nobody not found", "details": []})
    );

    let (s, v, _) = get(&base, "/cosmos/auth/v1beta1/accounts/bad").await;
    assert_eq!(s, 400);
    assert_eq!(v["code"], 3);

    // Another Cosmos code: 500 Unknown.
    let (s, v, _) = get(&base, "/cosmos/bank/v1beta1/supply").await;
    assert_eq!(s, 500);
    assert_eq!(v["code"], 2);
}

async fn post(base: &str, path: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn should_route_new_auth_and_bank_queries_with_their_requests() {
    let base = serve(Api::default()).await;
    let (s, v, h) = get(&base, "/cosmos/auth/v1beta1/module_accounts").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(h[HEIGHT_HEADER], "7");
    assert_eq!(
        v,
        json!({"accounts": [{"@type": "/cosmos.auth.v1beta1.ModuleAccount",
            "base_account": {"address": "gpu1fee", "pub_key": null, "account_number": "2", "sequence": "0"},
            "name": "fee_collector", "permissions": []}]})
    );

    // The bech32 pattern: a bech32 string goes to AddressStringToBytes ...
    let addr = gpuchain_types::Address([7; 20]).to_string();
    let (s, v, _) = get(&base, &format!("/cosmos/auth/v1beta1/bech32/{addr}")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["address_bytes"], B64.encode(addr.as_bytes()));
    // ... as does a malformed one (for its bech32 error) ...
    let (_, v, _) = get(&base, "/cosmos/auth/v1beta1/bech32/gpu1notanaddress").await;
    assert_eq!(v["address_bytes"], B64.encode("gpu1notanaddress"));
    // ... and base64 of 20 bytes (slashes escaped) to AddressBytesToString.
    let raw = [0xfbu8; 20];
    let b64 = B64.encode(raw).replace('/', "%2F").replace('+', "%2B");
    let (s, v, _) = get(&base, &format!("/cosmos/auth/v1beta1/bech32/{b64}")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["address_string"], format!("bytes:{}", hex::encode(raw)));

    // address_by_id: the path is the account number; with account_id, the
    // SDK's request exactly.
    let (s, v, _) = get(&base, "/cosmos/auth/v1beta1/address_by_id/5").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v, json!({"account_address": "id=0,account_id=5"}));
    let (_, v, _) = get(&base, "/cosmos/auth/v1beta1/address_by_id/0?account_id=9").await;
    assert_eq!(v["account_address"], "id=0,account_id=9");
    let (s, v, _) = get(&base, "/cosmos/auth/v1beta1/address_by_id/x").await;
    assert_eq!((s, &v["code"]), (400, &json!(3)), "{v}");
    let (s, _, _) = get(&base, "/cosmos/auth/v1beta1/address_by_id/-1").await;
    assert_eq!(s, 400);

    // denom_owners: slashes in the denom, pagination passed on.
    let (s, v, _) = get(
        &base,
        "/cosmos/bank/v1beta1/denom_owners/ibc/ABC?pagination.key=AQI%3D",
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v,
        json!({"denom_owners": [{"address": "gpu1owner", "balance": {"denom": "ibc/ABC", "amount": "5"}}],
               "pagination": {"next_key": "AQI=", "total": "1"}})
    );
    // The by-query route is wired too (the fake does not answer it: 500).
    let (s, _, _) = get(
        &base,
        "/cosmos/bank/v1beta1/denom_owners_by_query?denom=ugpc",
    )
    .await;
    assert_eq!(s, 500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn should_route_tx_encode_decode_and_abci_query() {
    let base = serve(Api::default()).await;
    let (s, v) = post(
        &base,
        "/cosmos/tx/v1beta1/encode",
        json!({"tx": {"body": {"messages": [], "memo": "hello"}, "auth_info": null, "signatures": []}}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v, json!({"tx_bytes": B64.encode("hello")}));
    let (s, v) = post(
        &base,
        "/cosmos/tx/v1beta1/encode",
        json!({"tx": {"body": {"messages": [{"@type": "/x.Unknown"}]}}}),
    )
    .await;
    assert_eq!((s, &v["code"]), (400, &json!(3)), "{v}");
    assert!(v["message"]
        .as_str()
        .unwrap()
        .contains("unable to resolve type URL /x.Unknown"));

    let (s, v) = post(
        &base,
        "/cosmos/tx/v1beta1/decode",
        json!({"tx_bytes": B64.encode("memo!")}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["tx"]["body"]["memo"], "memo!");
    assert_eq!(v["tx"]["auth_info"], Value::Null);
    let (s, _) = post(
        &base,
        "/cosmos/tx/v1beta1/decode",
        json!({"tx_bytes": "%%"}),
    )
    .await;
    assert_eq!(s, 400);

    let (s, v) = post(
        &base,
        "/cosmos/tx/v1beta1/encode/amino",
        json!({"amino_json": "{}"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v, json!({"amino_binary": B64.encode("{}")}));
    let (s, v) = post(
        &base,
        "/cosmos/tx/v1beta1/decode/amino",
        json!({"amino_binary": B64.encode("{\"a\":1}")}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v, json!({"amino_json": "{\"a\":1}"}));
    let (s, _) = post(
        &base,
        "/cosmos/tx/v1beta1/encode/amino",
        json!({"amino_json": 5}),
    )
    .await;
    assert_eq!(s, 400);

    let (s, v, _) = get(
        &base,
        "/cosmos/base/tendermint/v1beta1/abci_query?path=%2Fstore%2Fbank%2Fkey&data=AQI%3D&height=3&prove=true",
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v,
        json!({"code": 0, "log": "", "info": "", "index": "0", "key": "AQI=",
               "value": B64.encode("/store/bank/key"),
               "proof_ops": {"ops": [{"type": "ics23:jmt", "key": "AQI=", "data": "AQ=="}]},
               "height": "3", "codespace": ""})
    );
    let (s, _, _) = get(
        &base,
        "/cosmos/base/tendermint/v1beta1/abci_query?path=x&height=y",
    )
    .await;
    assert_eq!(s, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn should_answer_unknown_routes_and_bad_input_with_json() {
    let base = serve(Api::default()).await;
    let (s, v, _) = get(&base, "/cosmos/gov/v1beta1/proposals").await;
    assert_eq!(s, 404);
    assert_eq!(
        v,
        json!({"code": 12, "message": "Not Implemented", "details": []})
    );

    let (s, v, _) = get(&base, "/cosmos/base/tendermint/v1beta1/blocks/abc").await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["code"], 3);

    let (s, v, _) = get(&base, "/cosmos/bank/v1beta1/supply?pagination.limit=x").await;
    assert_eq!(s, 400, "{v}");

    let http = reqwest::Client::new();
    let r = http
        .get(format!("{base}/cosmos/auth/v1beta1/accounts/gpu1known"))
        .header(HEIGHT_HEADER, "-1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // Wrong method: JSON too.
    let r = http
        .delete(format!("{base}/cosmos/tx/v1beta1/simulate"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], 12);

    for body in ["not json", r#"{"tx_bytes": "%%%"}"#, r#"{"tx_bytes": ""}"#] {
        let r = http
            .post(format!("{base}/cosmos/tx/v1beta1/simulate"))
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{body}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["code"], 3, "{v}");
    }
    let r = http
        .post(format!("{base}/cosmos/tx/v1beta1/txs"))
        .json(&json!({"tx_bytes": "AQID", "mode": "BROADCAST_MODE_BLOCK"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn should_answer_503_when_cometbft_is_unreachable() {
    let base = serve(Api::default()).await;
    for path in [
        "/cosmos/base/tendermint/v1beta1/blocks/latest",
        "/cosmos/base/tendermint/v1beta1/syncing",
        "/cosmos/staking/v1beta1/validators",
        "/cosmos/tx/v1beta1/txs?query=tx.height%3D1",
        "/cosmos/tx/v1beta1/txs/0000000000000000000000000000000000000000000000000000000000000000",
    ] {
        let (s, v, _) = get(&base, path).await;
        assert_eq!(s, 503, "{path}: {v}");
        assert_eq!(v["code"], 14, "{path}");
    }
    // Answered without CometBFT.
    let (s, v, _) = get(&base, "/cosmos/staking/v1beta1/params").await;
    assert_eq!(s, 200);
    assert_eq!(v["params"]["bond_denom"], "ugpc");
    assert_eq!(v["params"]["max_validators"], 100);
    let (s, v, _) = get(&base, "/cosmos/base/node/v1beta1/config").await;
    assert_eq!(s, 200);
    assert_eq!(v["minimum_gas_price"], "0.002500000000000000ugpc");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn should_bound_time_body_size_and_concurrency() {
    let base = serve(Api {
        request_timeout_ms: 300,
        max_body_bytes: 100,
        ..Api::default()
    })
    .await;
    let (s, v, _) = get(&base, "/cosmos/bank/v1beta1/params").await;
    assert_eq!(s, 504, "{v}");
    assert_eq!(v["code"], 4);

    let http = reqwest::Client::new();
    let r = http
        .post(format!("{base}/cosmos/tx/v1beta1/simulate"))
        .body(vec![b'x'; 1000])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], 8, "{v}");

    // One request at a time: the second waits for the first (1 s) and runs
    // out of its 1.5 s.
    let base = serve(Api {
        request_timeout_ms: 1500,
        max_concurrency: 1,
        ..Api::default()
    })
    .await;
    let a = tokio::spawn({
        let base = base.clone();
        async move { get(&base, "/cosmos/bank/v1beta1/params").await.0 }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (second, _, _) = get(&base, "/cosmos/bank/v1beta1/params").await;
    assert_eq!(a.await.unwrap(), 500);
    assert_eq!(second, 504);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn should_send_cors_headers_to_allowed_origins_only() {
    let base = serve(Api {
        cors_allowed_origins: vec!["http://wallet.example".into()],
        ..Api::default()
    })
    .await;
    let http = reqwest::Client::new();
    let preflight = |origin: &'static str| {
        http.request(
            reqwest::Method::OPTIONS,
            format!("{base}/cosmos/tx/v1beta1/simulate"),
        )
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
    };
    let r = preflight("http://wallet.example").await.unwrap();
    assert!(r.status().is_success());
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://wallet.example"
    );
    let r = preflight("http://evil.example").await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());

    // Error answers carry the header too.
    let r = http
        .get(format!("{base}/nope"))
        .header("Origin", "http://wallet.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://wallet.example"
    );

    let any = serve(Api {
        cors_allowed_origins: vec!["*".into()],
        ..Api::default()
    })
    .await;
    let r = http
        .get(format!("{any}/cosmos/staking/v1beta1/params"))
        .header("Origin", "http://anything.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
}

#[test]
fn should_parse_repeated_and_encoded_query_params() {
    let p = Params::parse(Some(
        "events=message.sender%3D%27gpu1a%27&events=tx.height=5&query=a+b&pagination.count_total=true",
    ));
    assert_eq!(
        p.all("events"),
        vec!["message.sender='gpu1a'", "tx.height=5"]
    );
    assert_eq!(p.get("query"), Some("a b"));
    let page = p.page_request().unwrap().unwrap();
    assert!(page.count_total);
    assert_eq!(page.limit, 0);
    assert_eq!(Params::parse(Some("x=%zz%")).get("x"), Some("%zz%"));
    assert!(Params::parse(None).page_request().unwrap().is_none());
    let p = Params::parse(Some("pagination.key=AQI%3D&pagination.offset=3"));
    let page = p.page_request().unwrap().unwrap();
    assert_eq!(page.key, vec![1, 2]);
    assert_eq!(page.offset, 3);
}

#[test]
fn should_map_cosmos_codes_to_grpc_statuses() {
    let e = RestError::from_app(&AppError::sdk(
        code::KEY_NOT_FOUND,
        "rpc error: code = NotFound desc = client metadata for denom x: key not found",
    ));
    assert_eq!(
        (e.status.as_u16(), e.code, e.message.as_str()),
        (404, 5, "client metadata for denom x")
    );
    let e = RestError::from_app(&AppError::sdk(code::NOT_FOUND, "gone"));
    assert_eq!((e.status.as_u16(), e.code), (404, 5));
    for c in [
        code::TX_DECODE,
        code::INVALID_ADDRESS,
        code::INVALID_COINS,
        code::INVALID_REQUEST,
        code::TX_TOO_LARGE,
    ] {
        let e = RestError::from_app(&AppError::sdk(c, "bad"));
        assert_eq!((e.status.as_u16(), e.code), (400, 3));
    }
    let e = RestError::from_app(&AppError::sdk(code::INSUFFICIENT_FUNDS, "poor"));
    assert_eq!((e.status.as_u16(), e.code), (500, 2));
    let e = RestError::from_app(&AppError::invalid_request(
        "no block has been committed yet",
    ));
    assert_eq!((e.status.as_u16(), e.code), (503, 14));
    // A module's own error answers the request: 400 InvalidArgument.
    let e = RestError::from_app(&AppError::new("market", 22, "x"));
    assert_eq!((e.status.as_u16(), e.code), (400, 3));
}

#[test]
fn should_parse_listen_addresses() {
    assert_eq!(
        listen_addr("tcp://127.0.0.1:1317").unwrap().to_string(),
        "127.0.0.1:1317"
    );
    assert_eq!(listen_addr("0.0.0.0:9").unwrap().to_string(), "0.0.0.0:9");
    assert!(listen_addr("tcp://nope").is_err());
}

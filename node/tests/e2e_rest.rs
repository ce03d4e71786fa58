//! End to end, single validator: the REST (LCD) API that `gpuchaind start`
//! serves answers in the Cosmos SDK v0.50 gRPC-gateway shapes that Keplr and
//! Ping.pub read: node info, blocks, accounts, balances, supply, simulate,
//! broadcast, txs by hash and by search, staking, errors and CORS; and the
//! rest of the SDK's auth, bank, tx and base/tendermint routes (module
//! accounts, bech32 conversions, addresses by account number, denom
//! owners, tx encode/decode in protobuf and legacy amino, ABCI queries).

mod common;

use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use common::{CosmrsSigner, Node, ALICE_MNEMONIC, CHAIN_ID, GENESIS_COINS};
use reqwest::blocking::{Client, Response};
use serde_json::{json, Value};

const ORIGIN: &str = "http://wallet.example";

struct Rest {
    base: String,
    http: Client,
}

impl Rest {
    fn get_raw(&self, path: &str) -> Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// GET, returning (status, JSON body).
    fn get(&self, path: &str) -> (u16, Value) {
        let r = self.get_raw(path);
        let status = r.status().as_u16();
        let body = r.text().unwrap();
        let v = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("GET {path}: not JSON ({e}): {body}"));
        (status, v)
    }

    fn get_ok(&self, path: &str) -> Value {
        let (s, v) = self.get(path);
        assert_eq!(s, 200, "GET {path}: {v}");
        v
    }

    fn get_query(&self, path: &str, query: &[(&str, &str)]) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .query(query)
            .send()
            .unwrap();
        (r.status().as_u16(), r.json().unwrap())
    }

    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .unwrap();
        (r.status().as_u16(), r.json().unwrap())
    }
}

fn b64_len(v: &Value) -> usize {
    B64.decode(v.as_str().unwrap_or_else(|| panic!("not base64: {v}")))
        .unwrap()
        .len()
}

#[test]
fn should_serve_cosmos_rest_api() {
    let mut node = Node::init();
    let base = common::enable_rest_api(&node, &[ORIGIN]);
    node.start();
    let rest = Rest {
        base,
        http: Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap(),
    };
    let alice = node.address("alice");
    let bob = node.address("bob");

    // Keplr checks the chain id here.
    let info = rest.get_ok("/cosmos/base/tendermint/v1beta1/node_info");
    assert_eq!(info["default_node_info"]["network"], CHAIN_ID, "{info}");
    assert_eq!(info["application_version"]["app_name"], "gpuchaind");

    // Blocks: heights as strings, hashes as base64, sdk_block's proposer bech32.
    let latest = rest.get_ok("/cosmos/base/tendermint/v1beta1/blocks/latest");
    let header = &latest["block"]["header"];
    assert_eq!(header["chain_id"], CHAIN_ID);
    let height: u64 = header["height"].as_str().unwrap().parse().unwrap();
    assert!(height > 0, "{latest}");
    assert_eq!(b64_len(&latest["block_id"]["hash"]), 32);
    assert_eq!(b64_len(&header["proposer_address"]), 20);
    let app_hash = B64.decode(header["app_hash"].as_str().unwrap()).unwrap();
    assert_eq!(
        hex::encode_upper(app_hash),
        node.block_app_hash(height),
        "app_hash is the block's"
    );
    assert!(latest["sdk_block"]["header"]["proposer_address"]
        .as_str()
        .unwrap()
        .starts_with("gpuvalcons1"));
    let first = rest.get_ok("/cosmos/base/tendermint/v1beta1/blocks/1");
    assert_eq!(first["block"]["header"]["height"], "1");
    let (s, v) = rest.get("/cosmos/base/tendermint/v1beta1/blocks/99999999");
    assert_eq!((s, &v["code"]), (400, &json!(3)), "{v}");
    assert_eq!(
        rest.get_ok("/cosmos/base/tendermint/v1beta1/syncing")["syncing"],
        false
    );
    let vs = rest.get_ok("/cosmos/base/tendermint/v1beta1/validatorsets/latest");
    assert_eq!(vs["validators"].as_array().unwrap().len(), 1, "{vs}");
    assert_eq!(
        vs["validators"][0]["pub_key"]["@type"],
        "/cosmos.crypto.ed25519.PubKey"
    );

    // Accounts and balances.
    let acc = rest.get_ok(&format!("/cosmos/auth/v1beta1/accounts/{alice}"));
    assert_eq!(
        acc["account"]["@type"], "/cosmos.auth.v1beta1.BaseAccount",
        "{acc}"
    );
    assert_eq!(acc["account"]["address"], alice.as_str());
    assert_eq!(acc["account"]["sequence"], "0");
    let unknown = gpuchain_types::Address([0xAB; 20]).to_string();
    let (s, v) = rest.get(&format!("/cosmos/auth/v1beta1/accounts/{unknown}"));
    assert_eq!(s, 404, "{v}");
    assert_eq!(v["code"], 5);
    assert_eq!(v["details"], json!([]));
    assert!(v["message"].as_str().unwrap().contains("not found"), "{v}");
    let (s, v) = rest.get("/cosmos/auth/v1beta1/accounts/gpu1notanaddress");
    assert_eq!((s, &v["code"]), (400, &json!(3)), "{v}");
    rest.get_ok("/cosmos/auth/v1beta1/params");

    let bal = rest.get_ok(&format!("/cosmos/bank/v1beta1/balances/{alice}"));
    assert_eq!(
        bal["balances"],
        json!([{"denom": "ugpc", "amount": GENESIS_COINS.to_string()}]),
        "{bal}"
    );
    assert_eq!(bal["pagination"]["total"], "1");
    let one = rest.get_ok(&format!(
        "/cosmos/bank/v1beta1/balances/{alice}/by_denom?denom=ugpc"
    ));
    assert_eq!(one["balance"]["amount"], GENESIS_COINS.to_string());
    rest.get_ok(&format!("/cosmos/bank/v1beta1/spendable_balances/{alice}"));
    let supply = rest.get_ok("/cosmos/bank/v1beta1/supply/by_denom?denom=ugpc");
    assert_eq!(
        supply["amount"],
        json!({"denom": "ugpc", "amount": GENESIS_COINS.to_string()})
    );
    rest.get_ok("/cosmos/bank/v1beta1/supply?pagination.count_total=true");
    rest.get_ok("/cosmos/bank/v1beta1/params");
    rest.get_ok("/cosmos/bank/v1beta1/denoms_metadata");

    // Simulate and broadcast a tx signed by cosmrs.
    let signer = CosmrsSigner::from_mnemonic(ALICE_MNEMONIC, 0);
    let tx = signer.send_tx(&bob, 1000, 500, 0, "over rest");
    let tx_b64 = B64.encode(&tx);
    let (s, sim) = rest.post("/cosmos/tx/v1beta1/simulate", &json!({"tx_bytes": tx_b64}));
    assert_eq!(s, 200, "{sim}");
    let gas_used: u64 = sim["gas_info"]["gas_used"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(gas_used > 0, "{sim}");
    assert!(!sim["result"]["events"].as_array().unwrap().is_empty());

    let (s, r) = rest.post(
        "/cosmos/tx/v1beta1/txs",
        &json!({"tx_bytes": tx_b64, "mode": "BROADCAST_MODE_SYNC"}),
    );
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["tx_response"]["code"], 0, "{r}");
    let hash = r["tx_response"]["txhash"].as_str().unwrap().to_string();
    assert_eq!(hash.len(), 64);

    let start = Instant::now();
    let got = loop {
        let (s, v) = rest.get(&format!("/cosmos/tx/v1beta1/txs/{hash}"));
        if s == 200 {
            break v;
        }
        assert_eq!(s, 404, "{v}");
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "tx not committed"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let resp = &got["tx_response"];
    assert_eq!(resp["txhash"], hash.as_str());
    assert_eq!(resp["code"], 0, "{got}");
    assert!(resp["height"].as_str().unwrap().parse::<u64>().unwrap() > 0);
    assert!(resp["timestamp"].as_str().unwrap().ends_with('Z'), "{resp}");
    assert_eq!(resp["tx"]["@type"], "/cosmos.tx.v1beta1.Tx");
    assert_eq!(resp["logs"], json!([]));
    assert!(resp["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["type"] == "message"));
    let msg = &got["tx"]["body"]["messages"][0];
    assert_eq!(msg["@type"], "/cosmos.bank.v1beta1.MsgSend");
    assert_eq!(msg["to_address"], bob.as_str());
    assert_eq!(msg["amount"], json!([{"denom": "ugpc", "amount": "1000"}]));
    assert_eq!(got["tx"]["body"]["memo"], "over rest");
    let si = &got["tx"]["auth_info"]["signer_infos"][0];
    assert_eq!(si["mode_info"]["single"]["mode"], "SIGN_MODE_DIRECT");
    assert_eq!(si["public_key"]["@type"], "/cosmos.crypto.secp256k1.PubKey");
    assert_eq!(got["tx"]["auth_info"]["fee"]["gas_limit"], "200000");
    assert_eq!(b64_len(&got["tx"]["signatures"][0]), 64);

    // Found by search, with v0.50's query and the older events parameter.
    let sender = format!("message.sender='{alice}'");
    for params in [
        vec![("query", sender.as_str())],
        vec![
            ("events", sender.as_str()),
            ("events", "message.module='bank'"),
        ],
    ] {
        let (s, found) = rest.get_query("/cosmos/tx/v1beta1/txs", &params);
        assert_eq!(s, 200, "{found}");
        assert_eq!(found["total"], "1", "{params:?}: {found}");
        assert_eq!(found["tx_responses"][0]["txhash"], hash.as_str());
        assert_eq!(found["txs"].as_array().unwrap().len(), 1);
        assert_eq!(found["pagination"], Value::Null);
    }
    let (s, v) = rest.get_query("/cosmos/tx/v1beta1/txs", &[]);
    assert_eq!((s, &v["code"]), (400, &json!(3)), "{v}");

    let tx_height = resp["height"].as_str().unwrap();
    let blk = rest.get_ok(&format!("/cosmos/tx/v1beta1/txs/block/{tx_height}"));
    assert_eq!(blk["txs"].as_array().unwrap().len(), 1, "{blk}");

    let bob_bal = rest.get_ok(&format!(
        "/cosmos/bank/v1beta1/balances/{bob}/by_denom?denom=ugpc"
    ));
    assert_eq!(bob_bal["balance"]["amount"], "1000");

    // The same bytes again: CometBFT's cache refusal as the SDK reports it.
    let (s, r) = rest.post(
        "/cosmos/tx/v1beta1/txs",
        &json!({"tx_bytes": tx_b64, "mode": "BROADCAST_MODE_SYNC"}),
    );
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["tx_response"]["code"], 19, "{r}");
    let (s, v) = rest.get(&format!("/cosmos/tx/v1beta1/txs/{}", "AB".repeat(32)));
    assert_eq!((s, &v["code"]), (404, &json!(5)), "{v}");

    check_auth_routes(&rest, &alice, &bob);
    check_denom_owners(&rest, &alice, &bob);
    check_tx_encode_decode(&rest, &tx_b64, &got["tx"], &alice, &bob);
    check_abci_query(&rest, &alice);

    // Staking answers from CometBFT's validator set.
    let params = rest.get_ok("/cosmos/staking/v1beta1/params");
    assert_eq!(params["params"]["bond_denom"], "ugpc");
    let pool = rest.get_ok("/cosmos/staking/v1beta1/pool");
    let vals = rest.get_ok("/cosmos/staking/v1beta1/validators");
    let v0 = &vals["validators"][0];
    assert_eq!(v0["status"], "BOND_STATUS_BONDED", "{vals}");
    assert!(v0["operator_address"]
        .as_str()
        .unwrap()
        .starts_with("gpuvaloper1"));
    assert_eq!(v0["tokens"], pool["pool"]["bonded_tokens"]);
    assert_eq!(
        v0["consensus_pubkey"]["@type"],
        "/cosmos.crypto.ed25519.PubKey"
    );
    let one = rest.get_ok(&format!(
        "/cosmos/staking/v1beta1/validators/{}",
        v0["operator_address"].as_str().unwrap()
    ));
    assert_eq!(one["validator"]["operator_address"], v0["operator_address"]);

    let cfg = rest.get_ok("/cosmos/base/node/v1beta1/config");
    assert_eq!(cfg["minimum_gas_price"], "0.002500000000000000ugpc");

    // Unknown routes: grpc-gateway's JSON.
    let (s, v) = rest.get("/cosmos/gov/v1beta1/proposals");
    assert_eq!(s, 404);
    assert_eq!(
        v,
        json!({"code": 12, "message": "Not Implemented", "details": []})
    );

    // A browser wallet's preflight from the allowed origin.
    let r = rest
        .http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/cosmos/tx/v1beta1/txs", rest.base),
        )
        .header("Origin", ORIGIN)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
    let r = rest
        .http
        .get(format!(
            "{}/cosmos/base/tendermint/v1beta1/node_info",
            rest.base
        ))
        .header("Origin", ORIGIN)
        .send()
        .unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
}

fn fee_collector() -> String {
    gpuchain_types::Address::module("fee_collector").to_string()
}

/// Module accounts, bech32 conversions both ways, addresses by number.
fn check_auth_routes(rest: &Rest, alice: &str, bob: &str) {
    let mods = rest.get_ok("/cosmos/auth/v1beta1/module_accounts");
    let list = mods["accounts"].as_array().unwrap();
    let fee = list
        .iter()
        .find(|m| m["name"] == "fee_collector")
        .unwrap_or_else(|| panic!("no fee_collector: {mods}"));
    assert_eq!(fee["@type"], "/cosmos.auth.v1beta1.ModuleAccount");
    assert_eq!(fee["base_account"]["address"], fee_collector().as_str());
    assert_eq!(fee["permissions"], json!([]));
    let one = rest.get_ok("/cosmos/auth/v1beta1/module_accounts/fee_collector");
    assert_eq!(one["account"], *fee);
    let (s, v) = rest.get("/cosmos/auth/v1beta1/module_accounts/no_such_module");
    assert_eq!((s, &v["code"]), (404, &json!(5)), "{v}");

    // bech32 -> bytes -> bech32.
    let bytes = rest.get_ok(&format!("/cosmos/auth/v1beta1/bech32/{alice}"));
    let raw = B64
        .decode(bytes["address_bytes"].as_str().unwrap())
        .unwrap();
    assert_eq!(raw.len(), 20);
    let escaped = B64.encode(&raw).replace('/', "%2F").replace('+', "%2B");
    let back = rest.get_ok(&format!("/cosmos/auth/v1beta1/bech32/{escaped}"));
    assert_eq!(back["address_string"], alice);
    let (s, v) = rest.get("/cosmos/auth/v1beta1/bech32/gpu1notanaddress");
    assert_eq!((s, &v["code"]), (400, &json!(3)), "{v}");

    // Account numbers, as the accounts report them.
    for who in [alice, bob] {
        let acc = rest.get_ok(&format!("/cosmos/auth/v1beta1/accounts/{who}"));
        let number = acc["account"]["account_number"]
            .as_str()
            .unwrap()
            .to_string();
        let by_id = rest.get_ok(&format!("/cosmos/auth/v1beta1/address_by_id/{number}"));
        assert_eq!(by_id["account_address"], who, "{by_id}");
        let v050 = rest.get_ok(&format!(
            "/cosmos/auth/v1beta1/address_by_id/0?account_id={number}"
        ));
        assert_eq!(v050["account_address"], who);
    }
    let (s, v) = rest.get("/cosmos/auth/v1beta1/address_by_id/999999");
    assert_eq!((s, &v["code"]), (404, &json!(5)), "{v}");
}

/// After alice paid bob (and a fee), the owners of ugpc are alice, bob and
/// the fee collector, in address-byte order, with their balances.
fn check_denom_owners(rest: &Rest, alice: &str, bob: &str) {
    let all = rest.get_ok("/cosmos/bank/v1beta1/denom_owners/ugpc");
    let owners = all["denom_owners"].as_array().unwrap();
    let mut want: Vec<String> = [alice, bob]
        .iter()
        .map(|a| a.to_string())
        .chain([fee_collector()])
        .collect();
    want.sort_by_key(|a| gpuchain_types::Address::from_bech32(a).unwrap().0);
    let got: Vec<&str> = owners
        .iter()
        .map(|o| o["address"].as_str().unwrap())
        .collect();
    assert_eq!(got, want, "{all}");
    assert_eq!(all["pagination"]["total"], "3");
    for o in owners {
        let who = o["address"].as_str().unwrap();
        let bal = rest.get_ok(&format!(
            "/cosmos/bank/v1beta1/balances/{who}/by_denom?denom=ugpc"
        ));
        assert_eq!(o["balance"], bal["balance"], "{who}");
    }
    // One per page, continued by key; the by-query route answers the same.
    let first =
        rest.get_ok("/cosmos/bank/v1beta1/denom_owners_by_query?denom=ugpc&pagination.limit=1");
    assert_eq!(first["denom_owners"][0], owners[0]);
    let key = first["pagination"]["next_key"].as_str().unwrap();
    let (s, second) = rest.get_query(
        "/cosmos/bank/v1beta1/denom_owners/ugpc",
        &[("pagination.key", key), ("pagination.limit", "1")],
    );
    assert_eq!(s, 200, "{second}");
    assert_eq!(second["denom_owners"][0], owners[1]);
    let none = rest.get_ok("/cosmos/bank/v1beta1/denom_owners/uatom");
    assert_eq!(none["denom_owners"], json!([]));
    let (s, v) = rest.get("/cosmos/bank/v1beta1/denom_owners/x");
    assert_eq!((s, &v["code"]), (400, &json!(3)), "{v}");
}

/// The committed tx's JSON encodes back to the broadcast bytes, which
/// decode to that JSON; a legacy StdTx goes to amino binary and back.
fn check_tx_encode_decode(rest: &Rest, tx_b64: &str, tx_json: &Value, alice: &str, bob: &str) {
    let (s, enc) = rest.post("/cosmos/tx/v1beta1/encode", &json!({ "tx": tx_json }));
    assert_eq!(s, 200, "{enc}");
    assert_eq!(enc["tx_bytes"], tx_b64);
    let (s, dec) = rest.post("/cosmos/tx/v1beta1/decode", &json!({ "tx_bytes": tx_b64 }));
    assert_eq!(s, 200, "{dec}");
    assert_eq!(dec["tx"], *tx_json);
    let (s, v) = rest.post(
        "/cosmos/tx/v1beta1/decode",
        &json!({"tx_bytes": B64.encode("junk")}),
    );
    assert_eq!((s, &v["code"]), (400, &json!(3)), "{v}");
    let (s, v) = rest.post("/cosmos/tx/v1beta1/encode", &json!({}));
    assert_eq!((s, &v["code"]), (400, &json!(3)), "{v}");

    let std_tx = json!({"type": "cosmos-sdk/StdTx", "value": {
        "msg": [{"type": "cosmos-sdk/MsgSend", "value": {
            "from_address": alice, "to_address": bob,
            "amount": [{"denom": "ugpc", "amount": "1000"}]}}],
        "fee": {"amount": [{"denom": "ugpc", "amount": "500"}], "gas": "200000"},
        "signatures": null, "memo": "amino", "timeout_height": "0"}});
    let (s, bin) = rest.post(
        "/cosmos/tx/v1beta1/encode/amino",
        &json!({"amino_json": std_tx.to_string()}),
    );
    assert_eq!(s, 200, "{bin}");
    let raw = B64.decode(bin["amino_binary"].as_str().unwrap()).unwrap();
    assert_eq!(
        hex::encode(&raw[..4]),
        "282816a9",
        "cosmos-sdk/StdTx prefix"
    );
    let (s, back) = rest.post(
        "/cosmos/tx/v1beta1/decode/amino",
        &json!({"amino_binary": bin["amino_binary"]}),
    );
    assert_eq!(s, 200, "{back}");
    let json_back: Value = serde_json::from_str(back["amino_json"].as_str().unwrap()).unwrap();
    assert_eq!(json_back, std_tx);
    let (s, v) = rest.post(
        "/cosmos/tx/v1beta1/decode/amino",
        &json!({"amino_binary": B64.encode("junk")}),
    );
    assert_eq!((s, &v["code"]), (400, &json!(3)), "{v}");
}

/// A raw store read with its ICS-23 proof through the service.
fn check_abci_query(rest: &Rest, alice: &str) {
    let addr = gpuchain_types::Address::from_bech32(alice).unwrap();
    let mut key = b"balances/".to_vec();
    key.extend_from_slice(addr.as_bytes());
    key.extend_from_slice(b"/ugpc");
    let data = B64.encode(&key);
    let (s, v) = rest.get_query(
        "/cosmos/base/tendermint/v1beta1/abci_query",
        &[
            ("path", "/store/bank/key"),
            ("data", &data),
            ("prove", "true"),
        ],
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["code"], 0, "{v}");
    assert_eq!(v["key"], data.as_str());
    assert_eq!(b64_len(&v["value"]), 16, "a u128 balance");
    assert!(v["height"].as_str().unwrap().parse::<u64>().unwrap() > 0);
    assert_eq!(v["proof_ops"]["ops"][0]["type"], "ics23:jmt");
    // A failing store query is an answer with its code.
    let (s, v) = rest.get_query(
        "/cosmos/base/tendermint/v1beta1/abci_query",
        &[("path", "/store/nomodule/key")],
    );
    assert_eq!((s, &v["code"]), (200, &json!(6)), "{v}");
    // gRPC methods have their own routes.
    let (s, v) = rest.get_query(
        "/cosmos/base/tendermint/v1beta1/abci_query",
        &[("path", "/cosmos.bank.v1beta1.Query/Params")],
    );
    assert_eq!((s, &v["code"]), (400, &json!(3)), "{v}");
}

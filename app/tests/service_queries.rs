//! The gRPC query paths issue 3 added, over the app's query service: auth's
//! module accounts and account-by-number index, bank's denom owners (kept by
//! a non-verifiable index across blocks), the tx service's encode/decode
//! (protobuf and legacy amino) and the CometBFT service's ABCIQuery.
//!
//! Every block runs the invariants, which check both indexes against the
//! verifiable state.

mod common;

use common::*;
use cosmos_sdk_proto::cosmos::auth::v1beta1::{
    ModuleAccount, QueryAccountAddressByIdRequest, QueryAccountAddressByIdResponse,
    QueryModuleAccountByNameRequest, QueryModuleAccountByNameResponse, QueryModuleAccountsRequest,
    QueryModuleAccountsResponse,
};
use cosmos_sdk_proto::cosmos::bank::v1beta1::{
    DenomOwner, QueryDenomOwnersByQueryRequest, QueryDenomOwnersByQueryResponse,
    QueryDenomOwnersRequest, QueryDenomOwnersResponse,
};
use cosmos_sdk_proto::cosmos::base::query::v1beta1::PageRequest;
use cosmos_sdk_proto::cosmos::base::tendermint::v1beta1::{AbciQueryRequest, AbciQueryResponse};
use cosmos_sdk_proto::cosmos::tx::v1beta1::{
    Tx, TxDecodeAminoRequest, TxDecodeAminoResponse, TxDecodeRequest, TxDecodeResponse,
    TxEncodeAminoRequest, TxEncodeAminoResponse, TxEncodeRequest, TxEncodeResponse, TxRaw,
};
use gpuchain_types::{Address, AppError};
use prost::Message;

const MODULE_ACCOUNTS: &str = "/cosmos.auth.v1beta1.Query/ModuleAccounts";
const MODULE_ACCOUNT_BY_NAME: &str = "/cosmos.auth.v1beta1.Query/ModuleAccountByName";
const ADDRESS_BY_ID: &str = "/cosmos.auth.v1beta1.Query/AccountAddressByID";
const DENOM_OWNERS: &str = "/cosmos.bank.v1beta1.Query/DenomOwners";
const DENOM_OWNERS_BY_QUERY: &str = "/cosmos.bank.v1beta1.Query/DenomOwnersByQuery";
const TX_ENCODE: &str = "/cosmos.tx.v1beta1.Service/TxEncode";
const TX_DECODE: &str = "/cosmos.tx.v1beta1.Service/TxDecode";
const TX_ENCODE_AMINO: &str = "/cosmos.tx.v1beta1.Service/TxEncodeAmino";
const TX_DECODE_AMINO: &str = "/cosmos.tx.v1beta1.Service/TxDecodeAmino";
const ABCI_QUERY: &str = "/cosmos.base.tendermint.v1beta1.Service/ABCIQuery";

fn assert_code<T: std::fmt::Debug>(res: Result<T, AppError>, code: u32, log_part: &str) {
    let e = res.expect_err("query must fail");
    assert_eq!((e.codespace.as_ref(), e.code), ("sdk", code), "{}", e.log);
    assert!(e.log.contains(log_part), "{:?} lacks {log_part:?}", e.log);
}

fn owners(chain: &TestChain, page: Option<PageRequest>) -> Vec<(String, String)> {
    let resp: QueryDenomOwnersResponse = chain
        .query(
            DENOM_OWNERS,
            &QueryDenomOwnersRequest {
                denom: DENOM.into(),
                pagination: page,
            },
            0,
        )
        .expect("denom owners");
    resp.denom_owners
        .into_iter()
        .map(|DenomOwner { address, balance }| (address, balance.expect("balance").amount))
        .collect()
}

fn by_address(mut list: Vec<(String, u128)>) -> Vec<(String, String)> {
    list.sort_by_key(|(a, _)| Address::from_bech32(a).expect("address").0);
    list.into_iter().map(|(a, n)| (a, n.to_string())).collect()
}

#[test]
fn should_keep_denom_owners_right_when_sends_fill_and_empty_balances() {
    let mut chain = TestChain::new();
    let (alice, bob, carol) = (alice(), bob(), carol());
    assert_eq!(
        owners(&chain, None),
        by_address(vec![(alice.addr(), ALICE_FUNDS), (bob.addr(), BOB_FUNDS)])
    );
    // carol appears; the fee collector gets the fees.
    let out = chain.deliver_tx(&encode(
        &UnsignedTx::send(&alice, &carol.addr(), 1_000, 0).sign(&alice),
    ));
    assert_ok(&out);
    assert_eq!(
        owners(&chain, None),
        by_address(vec![
            (alice.addr(), ALICE_FUNDS - 1_000 - FEE),
            (bob.addr(), BOB_FUNDS),
            (carol.addr(), 1_000),
            (fee_collector(), FEE),
        ])
    );
    // bob sends everything he has left after the fee: he is no longer an owner.
    let out = chain.deliver_tx(&encode(
        &UnsignedTx::send(&bob, &carol.addr(), BOB_FUNDS - FEE, 0).sign(&bob),
    ));
    assert_ok(&out);
    assert_eq!(chain.balance(&bob.addr()), 0);
    let all = owners(&chain, None);
    assert!(all.iter().all(|(a, _)| *a != bob.addr()), "{all:?}");
    assert_eq!(all.len(), 3);
    // Pages of two, by key.
    let first = owners(
        &chain,
        Some(PageRequest {
            limit: 2,
            ..PageRequest::default()
        }),
    );
    assert_eq!(first, all[..2]);
    let resp: QueryDenomOwnersByQueryResponse = chain
        .query(
            DENOM_OWNERS_BY_QUERY,
            &QueryDenomOwnersByQueryRequest {
                denom: DENOM.into(),
                pagination: Some(PageRequest {
                    limit: 2,
                    ..PageRequest::default()
                }),
            },
            0,
        )
        .expect("by query");
    let next = resp.pagination.expect("page").next_key;
    assert_eq!(next.len(), 20);
    let resp: QueryDenomOwnersByQueryResponse = chain
        .query(
            DENOM_OWNERS_BY_QUERY,
            &QueryDenomOwnersByQueryRequest {
                denom: DENOM.into(),
                pagination: Some(PageRequest {
                    key: next,
                    limit: 2,
                    ..PageRequest::default()
                }),
            },
            0,
        )
        .expect("second page");
    assert_eq!(resp.denom_owners.len(), 1);
    assert_eq!(resp.denom_owners[0].address, all[2].0);
    // The index keeps no history.
    assert_code(
        chain.query::<_, QueryDenomOwnersResponse>(
            DENOM_OWNERS,
            &QueryDenomOwnersRequest {
                denom: DENOM.into(),
                pagination: None,
            },
            1,
        ),
        18,
        "latest height only",
    );
    // A restart keeps the index (it is committed with the blocks).
    let chain = chain.reopen();
    assert_eq!(owners(&chain, None), all);
}

#[test]
fn should_answer_module_accounts_and_addresses_by_account_number() {
    let mut chain = TestChain::new();
    let resp: QueryModuleAccountsResponse = chain
        .query(MODULE_ACCOUNTS, &QueryModuleAccountsRequest {}, 0)
        .expect("module accounts");
    let names: Vec<String> = resp
        .accounts
        .iter()
        .map(|a| {
            assert_eq!(a.type_url, "/cosmos.auth.v1beta1.ModuleAccount");
            ModuleAccount::decode(a.value.as_slice())
                .expect("module account")
                .name
        })
        .collect();
    assert_eq!(
        names,
        ["attestation", "distribution", "escrow", "fee_collector"]
    );
    let fee = ModuleAccount::decode(resp.accounts[3].value.as_slice()).expect("module account");
    assert_eq!(fee.name, "fee_collector");
    assert!(fee.permissions.is_empty());
    let base = fee.base_account.expect("base account");
    assert_eq!(base.address, fee_collector());
    // Not stored: shown with the numbers the next accounts get (alice 0,
    // bob 1), in name order; the fee collector is the fourth.
    assert_eq!((base.account_number, base.sequence), (5, 0));
    let resp: QueryModuleAccountByNameResponse = chain
        .query(
            MODULE_ACCOUNT_BY_NAME,
            &QueryModuleAccountByNameRequest {
                name: "fee_collector".into(),
            },
            0,
        )
        .expect("by name");
    let by_name = ModuleAccount::decode(resp.account.expect("account").value.as_slice())
        .expect("module account");
    assert_eq!(by_name.name, "fee_collector");
    assert_code(
        chain.query::<_, QueryModuleAccountByNameResponse>(
            MODULE_ACCOUNT_BY_NAME,
            &QueryModuleAccountByNameRequest { name: "gov".into() },
            0,
        ),
        22,
        "account gov not found",
    );

    #[allow(deprecated)]
    let by_id = |chain: &TestChain, account_id: u64| {
        chain.query::<_, QueryAccountAddressByIdResponse>(
            ADDRESS_BY_ID,
            &QueryAccountAddressByIdRequest { id: 0, account_id },
            0,
        )
    };
    // Genesis accounts are indexed...
    assert_eq!(
        by_id(&chain, 0).expect("alice").account_address,
        alice().addr()
    );
    assert_eq!(by_id(&chain, 1).expect("bob").account_address, bob().addr());
    assert_code(by_id(&chain, 2), 22, "account number 2");
    // ... and so are accounts a send creates.
    let out = chain.deliver_tx(&encode(
        &UnsignedTx::send(&alice(), &carol().addr(), 1, 0).sign(&alice()),
    ));
    assert_ok(&out);
    assert_eq!(
        by_id(&chain, 2).expect("carol").account_address,
        carol().addr()
    );
    #[allow(deprecated)]
    let deprecated = chain.query::<_, QueryAccountAddressByIdResponse>(
        ADDRESS_BY_ID,
        &QueryAccountAddressByIdRequest {
            id: 1,
            account_id: 0,
        },
        0,
    );
    assert_code(deprecated, 18, "requesting with id isn't supported");
}

fn signed_send() -> TxRaw {
    UnsignedTx::send(&alice(), &bob().addr(), 1_000, 0).sign(&alice())
}

#[test]
fn should_encode_and_decode_txs_like_the_sdk_tx_service() {
    let chain = TestChain::new();
    let raw = signed_send();
    let bytes = encode(&raw);
    let decoded: TxDecodeResponse = chain
        .query(
            TX_DECODE,
            &TxDecodeRequest {
                tx_bytes: bytes.clone(),
            },
            0,
        )
        .expect("decode");
    let tx = decoded.tx.expect("tx");
    assert_eq!(tx.signatures, raw.signatures);
    let body = tx.body.clone().expect("body");
    assert_eq!(body.messages[0].type_url, MSG_SEND_URL);
    let encoded: TxEncodeResponse = chain
        .query(TX_ENCODE, &TxEncodeRequest { tx: Some(tx) }, 0)
        .expect("encode");
    assert_eq!(encoded.tx_bytes, bytes, "TxEncode(TxDecode(b)) == b");

    assert_code(
        chain.query::<_, TxDecodeResponse>(TX_DECODE, &TxDecodeRequest { tx_bytes: vec![] }, 0),
        18,
        "invalid empty tx bytes",
    );
    assert_code(
        chain.query::<_, TxDecodeResponse>(
            TX_DECODE,
            &TxDecodeRequest {
                tx_bytes: b"\xff\xffnot a tx".to_vec(),
            },
            0,
        ),
        2,
        "parse error",
    );
    // An unknown field in the body: refused, as the SDK's decoder does.
    let mut body_bytes = raw.body_bytes.clone();
    body_bytes.extend_from_slice(&[0xa8, 0x1f, 0x01]);
    let tampered = TxRaw {
        body_bytes,
        ..raw.clone()
    };
    assert_code(
        chain.query::<_, TxDecodeResponse>(
            TX_DECODE,
            &TxDecodeRequest {
                tx_bytes: encode(&tampered),
            },
            0,
        ),
        2,
        "unknown or non-canonically encoded fields",
    );
    let mut unknown_msg = UnsignedTx::send(&alice(), &bob().addr(), 1, 0);
    unknown_msg.body.messages[0].type_url = "/cosmos.gov.v1.MsgVote".into();
    assert_code(
        chain.query::<_, TxDecodeResponse>(
            TX_DECODE,
            &TxDecodeRequest {
                tx_bytes: encode(&unknown_msg.sign(&alice())),
            },
            0,
        ),
        2,
        "unable to resolve type URL /cosmos.gov.v1.MsgVote",
    );
    assert_code(
        chain.query::<_, TxEncodeResponse>(TX_ENCODE, &TxEncodeRequest { tx: None }, 0),
        18,
        "invalid empty tx",
    );
    // An empty Tx encodes to an empty TxRaw.
    let empty: TxEncodeResponse = chain
        .query(
            TX_ENCODE,
            &TxEncodeRequest {
                tx: Some(Tx::default()),
            },
            0,
        )
        .expect("empty tx");
    assert!(empty.tx_bytes.is_empty());
}

#[test]
fn should_convert_legacy_amino_std_tx_both_ways() {
    let chain = TestChain::new();
    let (from, to) = (alice().addr(), bob().addr());
    let json = format!(
        r#"{{"type":"cosmos-sdk/StdTx","value":{{"msg":[{{"type":"cosmos-sdk/MsgSend","value":{{"from_address":"{from}","to_address":"{to}","amount":[{{"denom":"ugpc","amount":"7"}}]}}}}],"fee":{{"amount":[{{"denom":"ugpc","amount":"500"}}],"gas":"200000"}},"signatures":null,"memo":"legacy","timeout_height":"0"}}}}"#
    );
    let bin: TxEncodeAminoResponse = chain
        .query(
            TX_ENCODE_AMINO,
            &TxEncodeAminoRequest {
                amino_json: json.clone(),
            },
            0,
        )
        .expect("encode amino");
    // go-amino's prefix of cosmos-sdk/StdTx, then field 1 with MsgSend's prefix.
    assert_eq!(hex::encode(&bin.amino_binary[..4]), "282816a9");
    assert_eq!(bin.amino_binary[4], 0x0a);
    assert_eq!(hex::encode(&bin.amino_binary[6..10]), "a8a3619a");
    let back: TxDecodeAminoResponse = chain
        .query(
            TX_DECODE_AMINO,
            &TxDecodeAminoRequest {
                amino_binary: bin.amino_binary.clone(),
            },
            0,
        )
        .expect("decode amino");
    let got: serde_json::Value = serde_json::from_str(&back.amino_json).expect("json");
    let want: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(got, want);
    assert_code(
        chain.query::<_, TxEncodeAminoResponse>(
            TX_ENCODE_AMINO,
            &TxEncodeAminoRequest {
                amino_json: String::new(),
            },
            0,
        ),
        18,
        "invalid empty tx json",
    );
    assert_code(
        chain.query::<_, TxDecodeAminoResponse>(
            TX_DECODE_AMINO,
            &TxDecodeAminoRequest {
                amino_binary: b"garbage".to_vec(),
            },
            0,
        ),
        18,
        "not an amino cosmos-sdk/StdTx",
    );
}

#[test]
fn should_answer_abci_query_with_store_values_and_proofs() {
    let chain = TestChain::new();
    // alice's account under the auth store, proven.
    let addr = Address::from_bech32(&alice().addr()).expect("address");
    let mut key = b"accounts/".to_vec();
    key.extend_from_slice(addr.as_bytes());
    let resp: AbciQueryResponse = chain
        .query(
            ABCI_QUERY,
            &AbciQueryRequest {
                data: key.clone(),
                path: "/store/auth/key".into(),
                height: 0,
                prove: true,
            },
            0,
        )
        .expect("abci query");
    assert_eq!(resp.code, 0, "{}", resp.log);
    assert_eq!(resp.key, key);
    assert!(!resp.value.is_empty());
    assert_eq!(resp.height, 1);
    let ops = resp.proof_ops.expect("proof").ops;
    assert_eq!(ops[0].r#type, "ics23:jmt");
    // Same answer as the direct ABCI query.
    let direct = chain
        .query_raw("/store/auth/key", &key, 0, true)
        .expect("direct");
    assert_eq!(resp.value, direct.value);
    assert_eq!(ops[0].data, direct.proof_ops[0].2);

    // A failing inner query is an answer with its code, not an error.
    let resp: AbciQueryResponse = chain
        .query(
            ABCI_QUERY,
            &AbciQueryRequest {
                data: vec![],
                path: "/store/nomodule/key".into(),
                height: 0,
                prove: false,
            },
            0,
        )
        .expect("abci query");
    assert_eq!((resp.codespace.as_str(), resp.code), ("sdk", 6), "{resp:?}");
    let resp: AbciQueryResponse = chain
        .query(
            ABCI_QUERY,
            &AbciQueryRequest {
                data: key.clone(),
                path: "/store/auth/key".into(),
                height: -1,
                prove: false,
            },
            0,
        )
        .expect("abci query");
    assert_eq!(resp.code, 18);
    // gRPC method paths go to their services, as in the SDK.
    for path in ["/cosmos.bank.v1beta1.Query/Balance", ""] {
        assert_code(
            chain.query::<_, AbciQueryResponse>(
                ABCI_QUERY,
                &AbciQueryRequest {
                    data: vec![],
                    path: path.into(),
                    height: 0,
                    prove: false,
                },
                0,
            ),
            18,
            "InvalidArgument",
        );
    }
}

//! ABCI queries as clients use them: Simulate with what CosmJS and Keplr
//! send, reads at past heights, raw store reads with ICS-23 proofs against
//! the app hash, and the errors of bad heights and paths.

mod common;

use common::*;
use cosmos_sdk_proto::cosmos::bank::v1beta1::QueryBalanceRequest;
use cosmos_sdk_proto::cosmos::base::tendermint::v1beta1::{
    GetNodeInfoRequest, GetNodeInfoResponse,
};
use cosmos_sdk_proto::cosmos::tx::signing::v1beta1::SignMode;
use cosmos_sdk_proto::cosmos::tx::v1beta1::{
    Fee, SignerInfo, SimulateRequest, SimulateResponse, TxRaw,
};
use gpuchain_types::AppError;
use prost::Message;

fn simulate(chain: &TestChain, tx: &TxRaw) -> Result<SimulateResponse, AppError> {
    #[allow(deprecated)]
    let req = SimulateRequest {
        tx: None,
        tx_bytes: encode(tx),
    };
    chain.query(SIMULATE_PATH, &req, 0)
}

fn assert_sdk_query_error(res: Result<impl std::fmt::Debug, AppError>, code: u32, log_part: &str) {
    let e = res.expect_err("query must fail");
    assert_eq!((e.codespace.as_ref(), e.code), ("sdk", code), "{}", e.log);
    assert!(
        e.log.contains(log_part),
        "log {:?} lacks {log_part:?}",
        e.log
    );
}

/// An unsigned send of alice at sequence 0, with the given signer info and fee.
fn unsigned(signer: SignerInfo, fee: Fee, signature: Vec<u8>) -> TxRaw {
    let mut tx = UnsignedTx::send(&alice(), &bob().addr(), 1_000, 0);
    tx.auth_info.signer_infos = vec![signer];
    tx.auth_info.fee = Some(fee);
    TxRaw {
        body_bytes: tx.body_bytes(),
        auth_info_bytes: tx.auth_info_bytes(),
        signatures: vec![signature],
    }
}

#[test]
fn should_simulate_without_state_change_when_cosmjs_sends_unsigned_tx() {
    let chain = TestChain::new();
    let before = chain.observable_state();
    // CosmJS: SIGN_MODE_UNSPECIFIED with the public key, an empty fee, gas 0,
    // one empty signature.
    let tx = unsigned(
        SignerInfo {
            public_key: Some(alice().pubkey_any()),
            mode_info: Some(single_mode(SignMode::Unspecified)),
            sequence: 0,
        },
        Fee::default(),
        vec![],
    );
    let resp = simulate(&chain, &tx).expect("simulate");
    let gas = resp.gas_info.expect("gas info");
    assert!(gas.gas_used > 0, "simulation measures gas");
    assert_eq!(gas.gas_wanted, 0);
    let result = resp.result.expect("result");
    assert!(result
        .events
        .iter()
        .any(|e| e.r#type == "message" && e.attributes.iter().any(|a| a.value == MSG_SEND_URL)));
    assert_eq!(result.msg_responses.len(), 1);
    assert_eq!(chain.observable_state(), before, "simulation changed state");
}

#[test]
fn should_simulate_without_state_change_when_keplr_sends_amino_placeholder() {
    let chain = TestChain::new();
    let before = chain.observable_state();
    // Keplr: no public key, SIGN_MODE_LEGACY_AMINO_JSON, 64 zero bytes.
    let tx = unsigned(
        SignerInfo {
            public_key: None,
            mode_info: Some(single_mode(SignMode::LegacyAminoJson)),
            sequence: 0,
        },
        Fee {
            amount: vec![coin(&FEE.to_string())],
            ..Fee::default()
        },
        vec![0; 64],
    );
    assert_eq!(SignMode::LegacyAminoJson as i32, 127);
    let resp = simulate(&chain, &tx).expect("simulate");
    assert!(resp.gas_info.expect("gas info").gas_used > 0);
    assert_eq!(chain.observable_state(), before, "simulation changed state");
}

#[test]
fn should_report_same_gas_as_block_when_simulating_signed_tx() {
    let mut chain = TestChain::new();
    let tx = UnsignedTx::send(&alice(), &bob().addr(), 1_000, 0).sign(&alice());
    let simulated = simulate(&chain, &tx)
        .expect("simulate")
        .gas_info
        .expect("gas");
    let delivered = chain.deliver_tx(&encode(&tx));
    assert_ok(&delivered);
    assert_eq!(simulated.gas_used, delivered.gas_used);
}

#[test]
fn should_fail_simulation_with_code_32_when_sequence_is_wrong() {
    let chain = TestChain::new();
    let tx = UnsignedTx::send(&alice(), &bob().addr(), 1_000, 3).sign(&alice());
    assert_sdk_query_error(
        simulate(&chain, &tx),
        32,
        "account sequence mismatch, expected 0, got 3",
    );
}

#[test]
fn should_answer_balance_as_of_height_when_querying_past_height() {
    let mut chain = TestChain::new();
    let tx = UnsignedTx::send(&alice(), &bob().addr(), 1_000, 0).sign(&alice());
    assert_ok(&chain.deliver_tx(&encode(&tx)));
    assert_eq!(chain.height, 2);

    let bob = bob().addr();
    assert_eq!(chain.balance_at(&bob, 1), BOB_FUNDS);
    assert_eq!(chain.balance_at(&bob, 2), BOB_FUNDS + 1_000);
    assert_eq!(chain.balance(&bob), BOB_FUNDS + 1_000);
    assert_eq!(chain.balance_at(&alice().addr(), 1), ALICE_FUNDS);
    assert_eq!(
        chain.balance_at(&alice().addr(), 2),
        ALICE_FUNDS - 1_000 - FEE
    );

    let out = chain
        .query_raw(
            BALANCE_PATH,
            &QueryBalanceRequest {
                address: bob,
                denom: DENOM.into(),
            }
            .encode_to_vec(),
            1,
            false,
        )
        .expect("query");
    assert_eq!(out.height, 1, "the answer names the height it was read at");
}

/// The store key of a balance, without the `bank/` module prefix that the
/// `/store/bank/key` path adds.
fn balance_key_suffix(address: &gpuchain_types::Address) -> Vec<u8> {
    let full = gpuchain_bank::state_key::balances::by_address_denom(address, DENOM);
    full.strip_prefix(b"bank/".as_slice())
        .expect("bank keys start with bank/")
        .to_vec()
}

#[test]
fn should_return_verifiable_ics23_proof_when_store_query_asks_prove() {
    let mut chain = TestChain::new();
    let h1_hash = chain.app.last_committed().expect("committed").1;
    let tx = UnsignedTx::send(&alice(), &bob().addr(), 1_000, 0).sign(&alice());
    let block = chain.deliver(&[encode(&tx)]);
    assert_ok(&block.tx_results[0]);

    let suffix = balance_key_suffix(&bob().address);
    let out = chain
        .query_raw("/store/bank/key", &suffix, 2, true)
        .expect("store query");
    assert_eq!(out.height, 2);
    assert_eq!(out.key, suffix);
    assert_eq!(
        out.value,
        (BOB_FUNDS + 1_000).to_be_bytes().to_vec(),
        "a balance is stored as a 16-byte big-endian u128"
    );
    assert_eq!(out.proof_ops.len(), 1);
    let (kind, proof_key, proof_bytes) = &out.proof_ops[0];
    assert_eq!(kind, "ics23:jmt");
    let mut full_key = b"bank/".to_vec();
    full_key.extend_from_slice(&suffix);
    assert_eq!(proof_key, &full_key);
    let proof = ics23::CommitmentProof::decode(proof_bytes.as_slice()).expect("proof");

    // The app hash of block 2 is what the header of height 3 carries.
    let root = block.app_hash.to_vec();
    assert!(ics23::verify_membership::<ics23::HostFunctionsManager>(
        &proof,
        &gpuchain_store::proof_spec(),
        &root,
        &full_key,
        &out.value,
    ));
    // The same proof does not verify another value or another root.
    assert!(!ics23::verify_membership::<ics23::HostFunctionsManager>(
        &proof,
        &gpuchain_store::proof_spec(),
        &root,
        &full_key,
        b"forged",
    ));
    assert!(!ics23::verify_membership::<ics23::HostFunctionsManager>(
        &proof,
        &gpuchain_store::proof_spec(),
        &h1_hash,
        &full_key,
        &out.value,
    ));

    // Without prove: the same value, no proof.
    let plain = chain
        .query_raw("/store/bank/key", &suffix, 2, false)
        .expect("store query");
    assert_eq!(plain.value, out.value);
    assert!(plain.proof_ops.is_empty());

    // At height 1 the value differs and proves against block 1's hash.
    let old = chain
        .query_raw("/store/bank/key", &suffix, 1, true)
        .expect("store query");
    assert_eq!(old.value, BOB_FUNDS.to_be_bytes().to_vec());
    let old_proof = ics23::CommitmentProof::decode(old.proof_ops[0].2.as_slice()).expect("proof");
    assert!(ics23::verify_membership::<ics23::HostFunctionsManager>(
        &old_proof,
        &gpuchain_store::proof_spec(),
        &h1_hash,
        &full_key,
        &old.value,
    ));
}

#[test]
fn should_return_verifiable_absence_proof_when_key_is_not_in_store() {
    let mut chain = TestChain::new();
    let block = chain.deliver(&[]);
    let suffix = balance_key_suffix(&carol().address);
    let out = chain
        .query_raw("/store/bank/key", &suffix, 2, true)
        .expect("store query");
    assert!(out.value.is_empty());
    let (kind, proof_key, proof_bytes) = &out.proof_ops[0];
    assert_eq!(kind, "ics23:jmt");
    let proof = ics23::CommitmentProof::decode(proof_bytes.as_slice()).expect("proof");
    assert!(ics23::verify_non_membership::<ics23::HostFunctionsManager>(
        &proof,
        &gpuchain_store::proof_spec(),
        &block.app_hash.to_vec(),
        proof_key,
    ));
    // Alice's key exists: no absence proof for it can verify.
    let present = balance_key_suffix(&alice().address);
    let mut present_full = b"bank/".to_vec();
    present_full.extend_from_slice(&present);
    assert!(
        !ics23::verify_non_membership::<ics23::HostFunctionsManager>(
            &proof,
            &gpuchain_store::proof_spec(),
            &block.app_hash.to_vec(),
            &present_full,
        )
    );
}

#[test]
fn should_fail_with_code_18_when_height_is_in_the_future() {
    let chain = TestChain::new();
    let req = QueryBalanceRequest {
        address: alice().addr(),
        denom: DENOM.into(),
    };
    assert_sdk_query_error(
        chain.query_raw(BALANCE_PATH, &req.encode_to_vec(), 99, false),
        18,
        "cannot query with height in the future",
    );
    assert_sdk_query_error(
        chain.query_raw("/store/bank/key", b"x", 99, true),
        18,
        "cannot query with height in the future",
    );
}

#[test]
fn should_fail_with_code_18_when_nothing_is_committed_yet() {
    let chain = TestChain::genesis();
    assert_sdk_query_error(
        chain.query_raw(NODE_INFO_PATH, &[], 0, false),
        18,
        "no block has been committed yet",
    );
}

#[test]
fn should_fail_with_code_6_when_path_is_unknown() {
    let chain = TestChain::new();
    assert_sdk_query_error(
        chain.query_raw("/cosmos.nothing.v1.Query/Nothing", &[], 0, false),
        6,
        "unknown query path /cosmos.nothing.v1.Query/Nothing",
    );
    assert_sdk_query_error(
        chain.query_raw("/store/nomodule/key", b"k", 0, false),
        6,
        "no store for module",
    );
}

#[test]
fn should_report_chain_id_as_network_when_asked_for_node_info() {
    let chain = TestChain::new();
    let resp: GetNodeInfoResponse = chain
        .query(NODE_INFO_PATH, &GetNodeInfoRequest {}, 0)
        .expect("node info");
    let info = resp.default_node_info.expect("default node info");
    assert_eq!(info.network, CHAIN_ID);
    assert_eq!(
        resp.application_version.expect("version").app_name,
        "gpuchaind"
    );
}

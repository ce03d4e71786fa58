//! SIGN_MODE_LEGACY_AMINO_JSON (127), as Keplr with a Ledger and CosmJS
//! amino signers use it: the signer signs sha256 of the StdSignDoc JSON, not
//! of the protobuf bytes. Every sign document here is a literal JSON string
//! formatted in this file, the way CosmJS's `serializeSignDoc(makeSignDoc(..))`
//! writes it (keys sorted, no whitespace, `&<>` escaped) and signed with k256:
//! nothing of the app's own builder is used.

mod common;

use common::*;
use cosmos_sdk_proto::cosmos::bank::v1beta1::{Input, MsgMultiSend, Output};
use cosmos_sdk_proto::Any;
use prost::Message as _;

const AMOUNT: u128 = 1_000;

/// `{"type":"cosmos-sdk/MsgSend","value":{...}}` with sorted keys, as CosmJS's
/// bank amino converter and `sortedJsonStringify` write it.
fn amino_send(from: &TestKey, to: &str, amount: u128) -> String {
    format!(
        r#"{{"type":"cosmos-sdk/MsgSend","value":{{"amount":[{{"amount":"{amount}","denom":"ugpc"}}],"from_address":"{}","to_address":"{to}"}}}}"#,
        from.addr()
    )
}

fn amino_multi_send(from: &TestKey, outputs: &[(String, u128)]) -> String {
    let total: u128 = outputs.iter().map(|(_, n)| n).sum();
    let outs: Vec<String> = outputs
        .iter()
        .map(|(a, n)| format!(r#"{{"address":"{a}","coins":[{{"amount":"{n}","denom":"ugpc"}}]}}"#))
        .collect();
    format!(
        r#"{{"type":"cosmos-sdk/MsgMultiSend","value":{{"inputs":[{{"address":"{}","coins":[{{"amount":"{total}","denom":"ugpc"}}]}}],"outputs":[{}]}}}}"#,
        from.addr(),
        outs.join(",")
    )
}

fn multi_send_any(from: &TestKey, outputs: &[(String, u128)]) -> Any {
    let total: u128 = outputs.iter().map(|(_, n)| n).sum();
    Any {
        type_url: "/cosmos.bank.v1beta1.MsgMultiSend".into(),
        value: MsgMultiSend {
            inputs: vec![Input {
                address: from.addr(),
                coins: vec![coin(&total.to_string())],
            }],
            outputs: outputs
                .iter()
                .map(|(a, n)| Output {
                    address: a.clone(),
                    coins: vec![coin(&n.to_string())],
                })
                .collect(),
        }
        .encode_to_vec(),
    }
}

/// What a StdSignDoc is made of; [`StdDoc::json`] formats it by hand.
#[derive(Clone)]
struct StdDoc {
    chain_id: String,
    account_number: u64,
    sequence: u64,
    fee: u128,
    gas: u64,
    /// Extra fee fields, already formatted (`,"payer":"gpu1..."`).
    fee_extra: String,
    /// The memo as it appears in the JSON (already escaped).
    memo_json: String,
    msgs: Vec<String>,
    timeout_height: u64,
}

impl StdDoc {
    /// `key`'s document at `sequence` over [`CHAIN_ID`], the usual fee, no memo.
    fn new(key: &TestKey, sequence: u64, msgs: Vec<String>) -> Self {
        Self {
            chain_id: CHAIN_ID.into(),
            account_number: key.account_number,
            sequence,
            fee: FEE,
            gas: GAS,
            fee_extra: String::new(),
            memo_json: String::new(),
            msgs,
            timeout_height: 0,
        }
    }

    fn json(&self) -> String {
        let timeout = if self.timeout_height == 0 {
            String::new()
        } else {
            format!(r#","timeout_height":"{}""#, self.timeout_height)
        };
        let doc = format!(
            r#"{{"account_number":"{}","chain_id":"{}","fee":{{"amount":[{{"amount":"{}","denom":"ugpc"}}],"gas":"{}"{}}},"memo":"{}","msgs":[{}],"sequence":"{}"{}}}"#,
            self.account_number,
            self.chain_id,
            self.fee,
            self.gas,
            self.fee_extra,
            self.memo_json,
            self.msgs.join(","),
            self.sequence,
            timeout
        );
        serde_json::from_str::<serde_json::Value>(&doc).expect("the sign doc is JSON");
        doc
    }

    fn sign(&self, key: &TestKey) -> Vec<u8> {
        key.sign(self.json().as_bytes())
    }
}

/// `from` sends [`AMOUNT`] to `to` in amino mode at `sequence`: the tx, and
/// the document a correct signer signs for it.
fn amino_send_tx(from: &TestKey, to: &str, sequence: u64) -> (UnsignedTx, StdDoc) {
    let tx = UnsignedTx::with_msgs(
        vec![msg_send_any(&from.addr(), to, &AMOUNT.to_string())],
        vec![amino_signer_info(from, sequence)],
    );
    let doc = StdDoc::new(from, sequence, vec![amino_send(from, to, AMOUNT)]);
    (tx, doc)
}

fn signed(tx: &UnsignedTx, doc: &StdDoc, key: &TestKey) -> Vec<u8> {
    encode(&with_signatures(tx, vec![doc.sign(key)]))
}

fn amino_log(sequence: u64) -> String {
    format!(
        "signature verification failed; please verify account number (0), sequence ({sequence}) \
         and chain-id ({CHAIN_ID})"
    )
}

#[test]
fn should_commit_send_with_exact_balances_when_signed_in_amino_json() {
    let mut chain = TestChain::new();
    let (alice, bob) = (alice(), bob());
    let collector_before = chain.balance(&fee_collector());
    let (mut tx, mut doc) = amino_send_tx(&alice, &bob.addr(), 0);
    // `&`, `<`, `>` are signed escaped, as CosmJS's escapeCharacters does.
    tx.body.memo = "gpu <3 & \"co\"".into();
    doc.memo_json = r#"gpu \u003c3 \u0026 \"co\""#.into();
    let bytes = signed(&tx, &doc, &alice);

    let checked = chain.check_tx(&bytes);
    assert_ok(&checked);
    assert_eq!(checked.gas_wanted, GAS);

    let delivered = chain.deliver_tx(&bytes);
    assert_ok(&delivered);
    assert_eq!(delivered.msg_responses.len(), 1);
    assert_eq!(
        delivered.msg_responses[0].type_url,
        "/cosmos.bank.v1beta1.MsgSendResponse"
    );
    assert_eq!(chain.balance(&alice.addr()), ALICE_FUNDS - AMOUNT - FEE);
    assert_eq!(chain.balance(&bob.addr()), BOB_FUNDS + AMOUNT);
    assert_eq!(chain.balance(&fee_collector()), collector_before + FEE);
    let acc = chain.account(&alice.addr()).expect("alice exists");
    assert_eq!(acc.sequence, 1);
    assert_eq!(acc.pub_key, Some(alice.pubkey_any()));
}

#[test]
fn should_charge_same_gas_as_direct_when_signed_in_amino_json() {
    let mut direct_chain = TestChain::new();
    let direct = UnsignedTx::send(&alice(), &bob().addr(), AMOUNT, 0).sign(&alice());
    let direct_out = direct_chain.deliver_tx(&encode(&direct));
    assert_ok(&direct_out);

    let mut amino_chain = TestChain::new();
    let (tx, doc) = amino_send_tx(&alice(), &bob().addr(), 0);
    let amino_out = amino_chain.deliver_tx(&signed(&tx, &doc, &alice()));
    assert_ok(&amino_out);
    assert_eq!(amino_out.gas_used, direct_out.gas_used);
}

#[test]
fn should_accept_consecutive_amino_txs_in_one_block() {
    let mut chain = TestChain::new();
    let (alice, bob) = (alice(), bob());
    let (tx0, doc0) = amino_send_tx(&alice, &bob.addr(), 0);
    let (tx1, doc1) = amino_send_tx(&alice, &bob.addr(), 1);
    let (tx_bob, doc_bob) = amino_send_tx(&bob, &alice.addr(), 0);
    let txs = vec![
        signed(&tx0, &doc0, &alice),
        signed(&tx_bob, &doc_bob, &bob),
        signed(&tx1, &doc1, &alice),
    ];
    for tx in &txs {
        assert_ok(&chain.check_tx(tx));
    }
    let out = chain.deliver(&txs);
    for r in &out.tx_results {
        assert_ok(r);
    }
    assert_eq!(chain.sequence(&alice), 2);
    assert_eq!(chain.sequence(&bob), 1);
    assert_eq!(chain.balance(&alice.addr()), ALICE_FUNDS - AMOUNT - 2 * FEE);
    assert_eq!(chain.balance(&bob.addr()), BOB_FUNDS + AMOUNT - FEE);
}

#[test]
fn should_reject_with_code_4_when_signed_for_another_chain_id() {
    let mut chain = TestChain::new();
    let (tx, mut doc) = amino_send_tx(&alice(), &bob().addr(), 0);
    doc.chain_id = "gpuchain-other-1".into();
    assert_rejected(&mut chain, &signed(&tx, &doc, &alice()), 4, &amino_log(0));
}

#[test]
fn should_reject_with_code_4_when_signed_with_wrong_account_number() {
    let mut chain = TestChain::new();
    let (tx, mut doc) = amino_send_tx(&alice(), &bob().addr(), 0);
    doc.account_number = 7;
    assert_rejected(&mut chain, &signed(&tx, &doc, &alice()), 4, &amino_log(0));
}

#[test]
fn should_reject_with_code_4_when_signed_sequence_differs_from_signer_info() {
    let mut chain = TestChain::new();
    let (tx, mut doc) = amino_send_tx(&alice(), &bob().addr(), 0);
    doc.sequence = 1;
    assert_rejected(&mut chain, &signed(&tx, &doc, &alice()), 4, &amino_log(0));
}

#[test]
fn should_reject_with_code_32_when_sequence_is_wrong() {
    let mut chain = TestChain::new();
    // Consistently signed for sequence 1 while the account is at 0.
    let (tx, doc) = amino_send_tx(&alice(), &bob().addr(), 1);
    assert_rejected(
        &mut chain,
        &signed(&tx, &doc, &alice()),
        32,
        "account sequence mismatch, expected 0, got 1",
    );
}

#[test]
fn should_reject_with_code_4_when_memo_tampered() {
    let mut chain = TestChain::new();
    let (mut tx, mut doc) = amino_send_tx(&alice(), &bob().addr(), 0);
    doc.memo_json = "pay rent".into();
    tx.body.memo = "pay rent!".into();
    assert_rejected(&mut chain, &signed(&tx, &doc, &alice()), 4, &amino_log(0));
}

#[test]
fn should_reject_with_code_4_when_msg_or_fee_tampered() {
    let mut chain = TestChain::new();
    let (alice, bob) = (alice(), bob());

    let (mut tx, doc) = amino_send_tx(&alice, &bob.addr(), 0);
    tx.body.messages = vec![msg_send_any(&alice.addr(), &bob.addr(), "2000")];
    assert_rejected(&mut chain, &signed(&tx, &doc, &alice), 4, &amino_log(0));

    let (mut tx, doc) = amino_send_tx(&alice, &bob.addr(), 0);
    tx.auth_info.fee = Some(fee(FEE + 100, GAS));
    assert_rejected(&mut chain, &signed(&tx, &doc, &alice), 4, &amino_log(0));

    // The protobuf SignDoc's signature does not pass in amino mode.
    let (tx, _) = amino_send_tx(&alice, &bob.addr(), 0);
    let sig = alice.sign(&tx.sign_doc(CHAIN_ID, alice.account_number));
    assert_rejected(
        &mut chain,
        &encode(&with_signatures(&tx, vec![sig])),
        4,
        &amino_log(0),
    );
}

#[test]
fn should_sign_timeout_height_only_when_set() {
    let mut chain = TestChain::new();
    let (alice, bob) = (alice(), bob());
    let (mut tx, mut doc) = amino_send_tx(&alice, &bob.addr(), 0);
    tx.body.timeout_height = 1_000;

    // A document without the timeout height does not match the tx.
    assert_rejected(&mut chain, &signed(&tx, &doc, &alice), 4, &amino_log(0));

    doc.timeout_height = 1_000;
    assert!(doc
        .json()
        .ends_with(r#""sequence":"0","timeout_height":"1000"}"#));
    let bytes = signed(&tx, &doc, &alice);
    assert_ok(&chain.check_tx(&bytes));
    assert_ok(&chain.deliver_tx(&bytes));
    assert_eq!(chain.balance(&bob.addr()), BOB_FUNDS + AMOUNT);
}

#[test]
fn should_sign_fee_payer_only_when_set() {
    let mut chain = TestChain::new();
    let (alice, bob) = (alice(), bob());
    let (mut tx, mut doc) = amino_send_tx(&alice, &bob.addr(), 0);
    let mut f = fee(FEE, GAS);
    f.payer = alice.addr();
    tx.auth_info.fee = Some(f);

    assert_rejected(&mut chain, &signed(&tx, &doc, &alice), 4, &amino_log(0));

    doc.fee_extra = format!(r#","payer":"{}""#, alice.addr());
    let bytes = signed(&tx, &doc, &alice);
    assert_ok(&chain.check_tx(&bytes));
    assert_ok(&chain.deliver_tx(&bytes));
    assert_eq!(chain.balance(&alice.addr()), ALICE_FUNDS - AMOUNT - FEE);
}

#[test]
fn should_commit_multi_send_when_signed_in_amino_json() {
    let mut chain = TestChain::new();
    let (alice, bob, carol) = (alice(), bob(), carol());
    let outputs = vec![(bob.addr(), 100), (carol.addr(), 250)];
    let tx = UnsignedTx::with_msgs(
        vec![multi_send_any(&alice, &outputs)],
        vec![amino_signer_info(&alice, 0)],
    );
    let doc = StdDoc::new(&alice, 0, vec![amino_multi_send(&alice, &outputs)]);
    let bytes = signed(&tx, &doc, &alice);

    assert_ok(&chain.check_tx(&bytes));
    let out = chain.deliver_tx(&bytes);
    assert_ok(&out);
    assert_eq!(
        out.msg_responses[0].type_url,
        "/cosmos.bank.v1beta1.MsgMultiSendResponse"
    );
    assert_eq!(chain.balance(&alice.addr()), ALICE_FUNDS - 350 - FEE);
    assert_eq!(chain.balance(&bob.addr()), BOB_FUNDS + 100);
    assert_eq!(chain.balance(&carol.addr()), 250);

    // A tampered output is caught.
    let tampered_outputs = vec![(bob.addr(), 101), (carol.addr(), 249)];
    let tampered = UnsignedTx::with_msgs(
        vec![multi_send_any(&alice, &tampered_outputs)],
        vec![amino_signer_info(&alice, 1)],
    );
    let doc = StdDoc::new(&alice, 1, vec![amino_multi_send(&alice, &outputs)]);
    assert_rejected(
        &mut chain,
        &signed(&tampered, &doc, &alice),
        4,
        &amino_log(1),
    );
}

/// Each signer signs its own document (its account number and sequence);
/// sign modes may differ between the signers of one tx.
#[test]
fn should_accept_two_signers_each_over_its_own_document() {
    let mut chain = TestChain::new();
    let (alice, bob, carol) = (alice(), bob(), carol());
    let msgs = vec![
        msg_send_any(&alice.addr(), &carol.addr(), "10"),
        msg_send_any(&bob.addr(), &carol.addr(), "20"),
    ];
    let amino_msgs = vec![
        amino_send(&alice, &carol.addr(), 10),
        amino_send(&bob, &carol.addr(), 20),
    ];

    let both_amino = UnsignedTx::with_msgs(
        msgs.clone(),
        vec![amino_signer_info(&alice, 0), amino_signer_info(&bob, 0)],
    );
    let alice_doc = StdDoc::new(&alice, 0, amino_msgs.clone());
    let bob_doc = StdDoc::new(&bob, 0, amino_msgs.clone());
    assert_eq!(bob_doc.account_number, 1);
    let bytes = encode(&with_signatures(
        &both_amino,
        vec![alice_doc.sign(&alice), bob_doc.sign(&bob)],
    ));
    assert_ok(&chain.check_tx(&bytes));
    assert_ok(&chain.deliver_tx(&bytes));
    assert_eq!(chain.balance(&carol.addr()), 30);

    // Alice in DIRECT, Bob in amino JSON.
    let mixed = UnsignedTx::with_msgs(
        msgs,
        vec![direct_signer_info(&alice, 1), amino_signer_info(&bob, 1)],
    );
    let alice_sig = alice.sign(&mixed.sign_doc(CHAIN_ID, alice.account_number));
    let bob_doc = StdDoc::new(&bob, 1, amino_msgs);
    let bytes = encode(&with_signatures(
        &mixed,
        vec![alice_sig, bob_doc.sign(&bob)],
    ));
    assert_ok(&chain.check_tx(&bytes));
    assert_ok(&chain.deliver_tx(&bytes));
    assert_eq!(chain.balance(&carol.addr()), 60);
    assert_eq!(chain.balance(&alice.addr()), ALICE_FUNDS - 20 - 2 * FEE);
    assert_eq!(chain.balance(&bob.addr()), BOB_FUNDS - 40);
}

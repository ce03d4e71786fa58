//! Shared helpers of the app's in-process integration tests: a chain on a
//! temporary RocksDB directory, keys derived from fixed mnemonics, txs signed
//! by cosmrs (an independent signer) or assembled by hand from the protobuf
//! types so that each field can be tampered with, and typed queries.
//!
//! Every block finalized through [`TestChain`] is followed by the supply
//! invariant check (`App::check_invariants`).

#![allow(dead_code)]

pub mod property;

use std::path::Path;
use std::sync::Arc;

use cosmos_sdk_proto::cosmos::auth::v1beta1::{
    BaseAccount, QueryAccountRequest, QueryAccountResponse,
};
use cosmos_sdk_proto::cosmos::bank::v1beta1::{MsgSend, QueryBalanceRequest, QueryBalanceResponse};
use cosmos_sdk_proto::cosmos::base::v1beta1::Coin as ProtoCoin;
use cosmos_sdk_proto::cosmos::crypto::secp256k1::PubKey;
use cosmos_sdk_proto::cosmos::tx::signing::v1beta1::SignMode;
use cosmos_sdk_proto::cosmos::tx::v1beta1::{
    mode_info, AuthInfo, Fee, ModeInfo, SignDoc, SignerInfo, TxBody, TxRaw,
};
use cosmos_sdk_proto::Any;
use cosmrs::tx::Msg as _;
use gpuchain_app::tx::fee::MinGasPrices;
use gpuchain_app::tx::TxOutcome;
use gpuchain_app::{
    App, AppConfig, BlockOutcome, BlockTime, NodeInfo, QueryOutcome, QueryService, Router,
};
use gpuchain_store::{Storage, StorageConfig};
use gpuchain_types::{Address, AppError, Coins};
use k256::ecdsa::signature::Signer as _;
use prost::Message;
use tempfile::TempDir;

pub const CHAIN_ID: &str = "gpuchain-test-1";
pub const DENOM: &str = "ugpc";
pub const MIN_GAS_PRICES: &str = "0.0025ugpc";
pub const MAX_TX_BYTES: usize = 1 << 20;
/// Gas limit of the ordinary test tx, and the fee that meets the minimum gas
/// price for it exactly (0.0025 * 200_000).
pub const GAS: u64 = 200_000;
pub const FEE: u128 = 500;
pub const ALICE_FUNDS: u128 = 1_000_000_000;
pub const BOB_FUNDS: u128 = 500_000_000;
/// Genesis time; block `h` has time `GENESIS_SECS + 5 * h`.
pub const GENESIS_SECS: i64 = 1_700_000_000;

pub const BALANCE_PATH: &str = "/cosmos.bank.v1beta1.Query/Balance";
pub const ACCOUNT_PATH: &str = "/cosmos.auth.v1beta1.Query/Account";
pub const SIMULATE_PATH: &str = "/cosmos.tx.v1beta1.Service/Simulate";
pub const NODE_INFO_PATH: &str = "/cosmos.base.tendermint.v1beta1.Service/GetNodeInfo";
pub const MSG_SEND_URL: &str = "/cosmos.bank.v1beta1.MsgSend";

/// BIP39 test vectors: valid English mnemonics nobody uses for real funds.
pub const ALICE_MNEMONIC: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
pub const BOB_MNEMONIC: &str =
    "legal winner thank year wave sausage worth useful legal winner thank yellow";
pub const CAROL_MNEMONIC: &str = "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong";

// ---------------------------------------------------------------- keys

/// A test account's key: derived with gpuchain's keyring at m/44'/118'/0'/0/0.
#[derive(Clone, Debug)]
pub struct TestKey {
    pub secret: [u8; 32],
    pub address: Address,
    /// The account number genesis gives it (meaningless for [`carol`]).
    pub account_number: u64,
}

impl TestKey {
    pub fn from_mnemonic(mnemonic: &str, account_number: u64) -> Self {
        let secret = gpuchain_keyring::derive(mnemonic, "", 0)
            .expect("derive key from mnemonic")
            .to_bytes();
        let address = Address::from_pubkey(&compressed_pubkey(&secret));
        Self {
            secret,
            address,
            account_number,
        }
    }

    /// The bech32 `gpu1...` address.
    pub fn addr(&self) -> String {
        self.address.to_string()
    }

    pub fn pubkey(&self) -> [u8; 33] {
        compressed_pubkey(&self.secret)
    }

    /// `/cosmos.crypto.secp256k1.PubKey` packed in an Any.
    pub fn pubkey_any(&self) -> Any {
        Any {
            type_url: "/cosmos.crypto.secp256k1.PubKey".into(),
            value: PubKey {
                key: self.pubkey().to_vec(),
            }
            .encode_to_vec(),
        }
    }

    pub fn cosmrs_key(&self) -> cosmrs::crypto::secp256k1::SigningKey {
        cosmrs::crypto::secp256k1::SigningKey::from_slice(&self.secret).expect("cosmrs key")
    }

    pub fn account_id(&self) -> cosmrs::AccountId {
        let id = self
            .cosmrs_key()
            .public_key()
            .account_id("gpu")
            .expect("account id");
        assert_eq!(
            id.to_string(),
            self.addr(),
            "cosmrs and gpuchain derive the same address"
        );
        id
    }

    /// A 64-byte low-S r||s signature over sha256(msg), made with k256.
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        let sk = k256::ecdsa::SigningKey::from_slice(&self.secret).expect("k256 key");
        let sig: k256::ecdsa::Signature = sk.sign(msg);
        let sig = sig.normalize_s().unwrap_or(sig);
        sig.to_bytes().to_vec()
    }
}

fn compressed_pubkey(secret: &[u8; 32]) -> [u8; 33] {
    let sk = k256::ecdsa::SigningKey::from_slice(secret).expect("k256 key");
    sk.verifying_key()
        .to_encoded_point(true)
        .as_bytes()
        .try_into()
        .expect("33-byte compressed key")
}

/// Funded at genesis with [`ALICE_FUNDS`], account number 0.
pub fn alice() -> TestKey {
    TestKey::from_mnemonic(ALICE_MNEMONIC, 0)
}

/// Funded at genesis with [`BOB_FUNDS`], account number 1.
pub fn bob() -> TestKey {
    TestKey::from_mnemonic(BOB_MNEMONIC, 1)
}

/// Not in genesis: no account, no funds.
pub fn carol() -> TestKey {
    TestKey::from_mnemonic(CAROL_MNEMONIC, 2)
}

/// The fee collector module account's bech32 address.
pub fn fee_collector() -> String {
    gpuchain_bank::fee_collector().to_string()
}

// ---------------------------------------------------------------- genesis

/// The SDK-shaped `app_state`: default sections, alice and bob funded.
pub fn app_state() -> serde_json::Value {
    let mut genesis = serde_json::json!({ "app_state": gpuchain_genesis::default_app_state() });
    for (key, funds) in [(alice(), ALICE_FUNDS), (bob(), BOB_FUNDS)] {
        let coins = Coins::parse(&format!("{funds}{DENOM}")).expect("coins");
        gpuchain_genesis::add_account(&mut genesis, &key.address, &coins).expect("add account");
    }
    let app_state = genesis["app_state"].clone();
    // The keys' account numbers are those add_account gave them.
    let accounts = app_state["auth"]["accounts"]
        .as_array()
        .expect("accounts")
        .clone();
    for (key, want) in [(alice(), "0"), (bob(), "1")] {
        let entry = accounts
            .iter()
            .find(|a| a["address"] == key.addr())
            .expect("account in genesis");
        assert_eq!(entry["account_number"], want);
    }
    app_state
}

// ---------------------------------------------------------------- the chain

/// The time of block `height`.
pub fn block_time(height: u64) -> BlockTime {
    BlockTime {
        secs: GENESIS_SECS + 5 * i64::try_from(height).expect("height"),
        nanos: 0,
    }
}

/// A stand-in for CometBFT's block hash at `height`: distinct per height.
pub fn block_hash(height: u64) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(height.to_be_bytes()).to_vec()
}

pub fn app_config() -> AppConfig {
    AppConfig {
        min_gas_prices: MinGasPrices::parse(MIN_GAS_PRICES).expect("min gas prices"),
        max_tx_bytes: MAX_TX_BYTES,
        inv_check_period: 1,
    }
}

/// An [`App`] and its [`QueryService`] over one RocksDB directory.
pub struct TestChain {
    pub app: App,
    pub queries: QueryService,
    /// The last finalized height (committed or not).
    pub height: u64,
    /// Declared last: the directory outlives the database handles.
    pub dir: TempDir,
}

impl TestChain {
    /// Opens (or creates) the store in `dir`.
    pub fn open(dir: TempDir) -> Self {
        let (app, queries) = open_app(dir.path());
        let height = app.storage().committed_height().expect("height");
        Self {
            app,
            queries,
            height,
            dir,
        }
    }

    /// A fresh store with the genesis loaded (InitChain only: nothing
    /// committed yet, height 0).
    pub fn genesis() -> Self {
        let mut chain = Self::open(tempfile::tempdir().expect("temp dir"));
        chain.init_chain();
        chain
    }

    /// Genesis plus an empty block 1, committed, so queries can be served.
    pub fn new() -> Self {
        let mut chain = Self::genesis();
        chain.deliver(&[]);
        chain
    }

    /// Runs InitChain with [`app_state`]; returns the genesis app hash.
    pub fn init_chain(&mut self) -> [u8; 32] {
        let hash = self
            .app
            .init_chain(CHAIN_ID, block_time(0), &app_state())
            .expect("init chain");
        self.app
            .check_invariants()
            .expect("invariants after genesis");
        hash
    }

    /// Drops the app and query service (as a crash would: nothing is
    /// committed that was not) and opens the same directory again.
    pub fn reopen(self) -> Self {
        let Self {
            app, queries, dir, ..
        } = self;
        drop(queries);
        drop(app);
        Self::open(dir)
    }

    /// FinalizeBlock at the next height, then the invariants; no commit.
    pub fn finalize(&mut self, txs: &[Vec<u8>]) -> BlockOutcome {
        let height = self.height + 1;
        let out = self
            .app
            .finalize_block(height, block_time(height), &block_hash(height), txs)
            .expect("finalize block");
        assert_eq!(out.tx_results.len(), txs.len());
        self.app
            .check_invariants()
            .expect("invariants after finalize");
        self.height = height;
        out
    }

    pub fn commit(&mut self) {
        let committed = self.app.commit().expect("commit");
        assert_eq!(committed, self.height);
        self.app
            .check_invariants()
            .expect("invariants after commit");
    }

    /// FinalizeBlock and Commit.
    pub fn deliver(&mut self, txs: &[Vec<u8>]) -> BlockOutcome {
        let out = self.finalize(txs);
        self.commit();
        out
    }

    /// Delivers one tx in its own block and returns its result.
    pub fn deliver_tx(&mut self, tx: &[u8]) -> TxOutcome {
        self.deliver(&[tx.to_vec()]).tx_results.remove(0)
    }

    pub fn check_tx(&mut self, tx: &[u8]) -> TxOutcome {
        self.app.check_tx(tx).expect("check tx")
    }

    pub fn query_raw(
        &self,
        path: &str,
        data: &[u8],
        height: u64,
        prove: bool,
    ) -> Result<QueryOutcome, AppError> {
        self.queries.query(path, data, height, prove)
    }

    /// A gRPC-path query with a protobuf request; decodes the response.
    pub fn query<Req: Message, Resp: Message + Default>(
        &self,
        path: &str,
        req: &Req,
        height: u64,
    ) -> Result<Resp, AppError> {
        let out = self
            .queries
            .query(path, &req.encode_to_vec(), height, false)?;
        assert!(out.height > 0, "every query answer carries a height");
        Ok(Resp::decode(out.value.as_slice()).expect("decode query response"))
    }

    /// The committed `ugpc` balance of `address` at `height` (0 = latest).
    pub fn balance_at(&self, address: &str, height: u64) -> u128 {
        let resp: QueryBalanceResponse = self
            .query(
                BALANCE_PATH,
                &QueryBalanceRequest {
                    address: address.to_string(),
                    denom: DENOM.to_string(),
                },
                height,
            )
            .expect("balance query");
        let coin = resp.balance.expect("balance query always returns a coin");
        assert_eq!(coin.denom, DENOM);
        coin.amount.parse().expect("amount")
    }

    pub fn balance(&self, address: &str) -> u128 {
        self.balance_at(address, 0)
    }

    /// The committed account, `None` when the query answers "not found".
    pub fn account(&self, address: &str) -> Option<BaseAccount> {
        let res: Result<QueryAccountResponse, _> = self.query(
            ACCOUNT_PATH,
            &QueryAccountRequest {
                address: address.to_string(),
            },
            0,
        );
        match res {
            Ok(resp) => {
                let any = resp.account.expect("account");
                assert_eq!(any.type_url, "/cosmos.auth.v1beta1.BaseAccount");
                Some(BaseAccount::decode(any.value.as_slice()).expect("BaseAccount"))
            }
            Err(e) => {
                assert_eq!((e.codespace.as_ref(), e.code), ("sdk", 22), "{}", e.log);
                None
            }
        }
    }

    pub fn sequence(&self, key: &TestKey) -> u64 {
        self.account(&key.addr()).expect("account exists").sequence
    }

    /// What a rejected tx must leave alone: the balances and accounts of
    /// every test account and of the fee collector.
    pub fn observable_state(&self) -> Vec<(String, u128, Option<BaseAccount>)> {
        [
            alice().addr(),
            bob().addr(),
            carol().addr(),
            fee_collector(),
        ]
        .into_iter()
        .map(|a| {
            let balance = self.balance(&a);
            let account = self.account(&a);
            (a, balance, account)
        })
        .collect()
    }
}

fn open_app(path: &Path) -> (App, QueryService) {
    let storage = Storage::open(
        path,
        StorageConfig {
            keep_recent: 100,
            ..Default::default()
        },
    )
    .expect("open storage");
    let reader = storage.reader();
    let router = Arc::new(Router::standard());
    let queries = QueryService::new(router.clone(), reader, NodeInfo::default(), MAX_TX_BYTES);
    let app = App::new(router, storage, app_config());
    (app, queries)
}

// ---------------------------------------------------------------- txs

/// A `ugpc` coin of the proto types, amount as given (it may be malformed).
pub fn coin(amount: &str) -> ProtoCoin {
    ProtoCoin {
        denom: DENOM.to_string(),
        amount: amount.to_string(),
    }
}

/// A MsgSend in an Any, with every field as given (they may be malformed).
pub fn msg_send_any(from: &str, to: &str, amount: &str) -> Any {
    Any {
        type_url: MSG_SEND_URL.to_string(),
        value: MsgSend {
            from_address: from.to_string(),
            to_address: to.to_string(),
            amount: vec![coin(amount)],
        }
        .encode_to_vec(),
    }
}

/// A SIGN_MODE_DIRECT signer info carrying `key`'s public key.
pub fn direct_signer_info(key: &TestKey, sequence: u64) -> SignerInfo {
    SignerInfo {
        public_key: Some(key.pubkey_any()),
        mode_info: Some(single_mode(SignMode::Direct)),
        sequence,
    }
}

pub fn single_mode(mode: SignMode) -> ModeInfo {
    ModeInfo {
        sum: Some(mode_info::Sum::Single(mode_info::Single {
            mode: mode as i32,
        })),
    }
}

pub fn fee(amount: u128, gas_limit: u64) -> Fee {
    Fee {
        amount: vec![coin(&amount.to_string())],
        gas_limit,
        payer: String::new(),
        granter: String::new(),
    }
}

/// A tx before signing, as protobuf structs every field of which a test may
/// change; [`UnsignedTx::sign`] signs the bytes of what it holds then.
#[derive(Clone, Debug)]
pub struct UnsignedTx {
    pub body: TxBody,
    pub auth_info: AuthInfo,
}

impl UnsignedTx {
    /// `from` sends `amount` ugpc to `to`, sequence `sequence`, the usual fee.
    pub fn send(from: &TestKey, to: &str, amount: u128, sequence: u64) -> Self {
        Self::with_msgs(
            vec![msg_send_any(&from.addr(), to, &amount.to_string())],
            vec![direct_signer_info(from, sequence)],
        )
    }

    #[allow(deprecated)] // AuthInfo.tip
    pub fn with_msgs(messages: Vec<Any>, signer_infos: Vec<SignerInfo>) -> Self {
        Self {
            body: TxBody {
                messages,
                memo: String::new(),
                timeout_height: 0,
                extension_options: vec![],
                non_critical_extension_options: vec![],
            },
            auth_info: AuthInfo {
                signer_infos,
                fee: Some(fee(FEE, GAS)),
                tip: None,
            },
        }
    }

    pub fn body_bytes(&self) -> Vec<u8> {
        self.body.encode_to_vec()
    }

    pub fn auth_info_bytes(&self) -> Vec<u8> {
        self.auth_info.encode_to_vec()
    }

    /// The SIGN_MODE_DIRECT sign bytes for a chain id and account number.
    pub fn sign_doc(&self, chain_id: &str, account_number: u64) -> Vec<u8> {
        direct_sign_doc(
            self.body_bytes(),
            self.auth_info_bytes(),
            chain_id,
            account_number,
        )
    }

    /// Signed by `key` over [`CHAIN_ID`] and its genesis account number.
    pub fn sign(&self, key: &TestKey) -> TxRaw {
        self.sign_with(key, CHAIN_ID, key.account_number)
    }

    pub fn sign_with(&self, key: &TestKey, chain_id: &str, account_number: u64) -> TxRaw {
        sign_direct(
            key,
            chain_id,
            account_number,
            self.body_bytes(),
            self.auth_info_bytes(),
        )
    }

    /// Signed by several keys in order (one signature per signer info).
    pub fn sign_all(&self, keys: &[&TestKey]) -> TxRaw {
        TxRaw {
            body_bytes: self.body_bytes(),
            auth_info_bytes: self.auth_info_bytes(),
            signatures: keys
                .iter()
                .map(|k| k.sign(&self.sign_doc(CHAIN_ID, k.account_number)))
                .collect(),
        }
    }
}

pub fn encode(raw: &TxRaw) -> Vec<u8> {
    raw.encode_to_vec()
}

/// The SIGN_MODE_DIRECT sign bytes over `body` and `auth_info` bytes.
pub fn direct_sign_doc(
    body: Vec<u8>,
    auth_info: Vec<u8>,
    chain_id: &str,
    account_number: u64,
) -> Vec<u8> {
    SignDoc {
        body_bytes: body,
        auth_info_bytes: auth_info,
        chain_id: chain_id.to_string(),
        account_number,
    }
    .encode_to_vec()
}

/// A tx of `body` and `auth_info` bytes exactly as given (they may be
/// malformed, e.g. changed after encoding), signed by `key` over them.
pub fn sign_direct(
    key: &TestKey,
    chain_id: &str,
    account_number: u64,
    body: Vec<u8>,
    auth_info: Vec<u8>,
) -> TxRaw {
    let doc = direct_sign_doc(body.clone(), auth_info.clone(), chain_id, account_number);
    TxRaw {
        body_bytes: body,
        auth_info_bytes: auth_info,
        signatures: vec![key.sign(&doc)],
    }
}

/// A MsgSend signed by cosmrs alone (SIGN_MODE_DIRECT, over [`CHAIN_ID`]).
pub struct CosmrsSend<'a> {
    pub from: &'a TestKey,
    pub to: &'a TestKey,
    pub amount: u128,
    pub fee: u128,
    pub gas: u64,
    pub sequence: u64,
    pub memo: &'a str,
}

impl<'a> CosmrsSend<'a> {
    pub fn new(from: &'a TestKey, to: &'a TestKey, amount: u128, sequence: u64) -> Self {
        Self {
            from,
            to,
            amount,
            fee: FEE,
            gas: GAS,
            sequence,
            memo: "",
        }
    }

    pub fn bytes(&self) -> Vec<u8> {
        use cosmrs::tx::{Body, Fee, SignDoc, SignerInfo};
        let sk = self.from.cosmrs_key();
        let msg = cosmrs::bank::MsgSend {
            from_address: self.from.account_id(),
            to_address: self.to.account_id(),
            amount: vec![cosmrs::Coin::new(self.amount, DENOM).expect("coin")],
        };
        let body = Body::new(vec![msg.to_any().expect("any")], self.memo, 0u32);
        let auth_info = SignerInfo::single_direct(Some(sk.public_key()), self.sequence).auth_info(
            Fee::from_amount_and_gas(cosmrs::Coin::new(self.fee, DENOM).expect("fee"), self.gas),
        );
        let chain_id: cosmrs::tendermint::chain::Id = CHAIN_ID.parse().expect("chain id");
        let doc =
            SignDoc::new(&body, &auth_info, &chain_id, self.from.account_number).expect("sign doc");
        doc.sign(&sk).expect("sign").to_bytes().expect("tx bytes")
    }
}

// ---------------------------------------------------------------- assertions

/// Asserts an `sdk` error code and that the log contains `log_part`.
#[track_caller]
pub fn assert_sdk_error(outcome: &TxOutcome, code: u32, log_part: &str) {
    assert_eq!(
        (outcome.code, outcome.codespace.as_str()),
        (code, "sdk"),
        "unexpected result, log: {:?}",
        outcome.log
    );
    assert!(
        outcome.log.contains(log_part),
        "log {:?} does not contain {:?}",
        outcome.log,
        log_part
    );
}

#[track_caller]
pub fn assert_ok(outcome: &TxOutcome) {
    assert_eq!(
        (outcome.code, outcome.codespace.as_str()),
        (0, ""),
        "tx failed, log: {:?}",
        outcome.log
    );
}

/// The whole contract of a tx rejected before (or in) its ante checks:
/// - CheckTx answers `code`/`sdk` with `log_part` in the log;
/// - the mempool state did not move: a valid tx of alice at her committed
///   sequence is still accepted by CheckTx afterwards;
/// - in a block it fails the same way, emits no events, and after commit no
///   balance or account (sequence, public key) changed.
#[track_caller]
pub fn assert_rejected(chain: &mut TestChain, tx: &[u8], code: u32, log_part: &str) {
    let before = chain.observable_state();

    let checked = chain.check_tx(tx);
    assert_sdk_error(&checked, code, log_part);
    assert!(checked.events.is_empty(), "a rejected tx emits no events");

    let probe = UnsignedTx::send(&alice(), &bob().addr(), 1, chain.sequence(&alice()));
    assert_ok(&chain.check_tx(&encode(&probe.sign(&alice()))));

    let delivered = chain.deliver_tx(tx);
    assert_sdk_error(&delivered, code, log_part);
    assert!(
        delivered.events.is_empty(),
        "a tx failing its ante checks emits no events: {:?}",
        delivered.events
    );
    assert_eq!(
        chain.observable_state(),
        before,
        "a rejected tx changed state"
    );
}

// ---------------------------------------------------------------- amino signing

/// A SIGN_MODE_LEGACY_AMINO_JSON signer info carrying `key`'s public key.
pub fn amino_signer_info(key: &TestKey, sequence: u64) -> SignerInfo {
    SignerInfo {
        public_key: Some(key.pubkey_any()),
        mode_info: Some(single_mode(SignMode::LegacyAminoJson)),
        sequence,
    }
}

/// The tx's body and auth info as they are, with the given signatures
/// (e.g. made over a StdSignDoc by [`TestKey::sign`]).
pub fn with_signatures(tx: &UnsignedTx, signatures: Vec<Vec<u8>>) -> TxRaw {
    TxRaw {
        body_bytes: tx.body_bytes(),
        auth_info_bytes: tx.auth_info_bytes(),
        signatures,
    }
}

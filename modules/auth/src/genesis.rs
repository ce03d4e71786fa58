//! The module's section of the genesis `app_state`, in the Cosmos SDK's JSON
//! shape:
//!
//! ```json
//! {"params": {"max_memo_characters": "256", "tx_sig_limit": "7", ...},
//!  "accounts": [{"@type": "/cosmos.auth.v1beta1.BaseAccount",
//!                "address": "gpu1...", "pub_key": null,
//!                "account_number": "0", "sequence": "0"}]}
//! ```
//!
//! Account numbers are kept as given; the next new account gets the highest
//! one plus one.

use std::collections::BTreeSet;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use cosmos_sdk_proto::cosmos::auth::v1beta1::{BaseAccount, Params};
use gpuchain_store::{StateRead, StateWrite};
use gpuchain_types::error::code;
use gpuchain_types::{Address, AppError, AppResult};
use serde::{Deserialize, Serialize};

use crate::account::{
    secp256k1_pubkey_any, secp256k1_pubkey_bytes, BASE_ACCOUNT_TYPE_URL, SECP256K1_PUBKEY_TYPE_URL,
};
use crate::error::sdk_wrapped;
use crate::params::{u64_string, validate_params, ParamsJson};
use crate::state_ext;
use crate::SCHEMA_VERSION;

/// The `auth` genesis section. Missing fields take their defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenesisState {
    pub params: ParamsJson,
    pub accounts: Vec<GenesisAccount>,
}

/// One account of the genesis section: a `BaseAccount` in proto3 JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisAccount {
    #[serde(rename = "@type")]
    pub type_url: String,
    pub address: String,
    #[serde(default)]
    pub pub_key: Option<PubKeyJson>,
    #[serde(default, with = "u64_string")]
    pub account_number: u64,
    #[serde(default, with = "u64_string")]
    pub sequence: u64,
}

/// A packed public key in proto3 JSON: `{"@type": "/cosmos.crypto.secp256k1.PubKey", "key": "<base64>"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PubKeyJson {
    #[serde(rename = "@type")]
    pub type_url: String,
    pub key: String,
}

impl GenesisAccount {
    /// A fresh account (no public key, sequence 0) with the given number.
    pub fn new(address: &Address, account_number: u64) -> Self {
        Self {
            type_url: BASE_ACCOUNT_TYPE_URL.to_string(),
            address: address.to_string(),
            pub_key: None,
            account_number,
            sequence: 0,
        }
    }

    /// The account as stored: address checked (code 7), key checked (code 8).
    pub fn to_base_account(&self) -> AppResult<BaseAccount> {
        if self.type_url != BASE_ACCOUNT_TYPE_URL {
            return Err(unsupported_type(&self.type_url));
        }
        let address = Address::from_bech32(&self.address).map_err(|e| {
            sdk_wrapped(
                code::INVALID_ADDRESS,
                format!("genesis account {:?}: {}", self.address, e.log),
            )
        })?;
        let pub_key = match &self.pub_key {
            None => None,
            Some(pk) => {
                if pk.type_url != SECP256K1_PUBKEY_TYPE_URL {
                    return Err(sdk_wrapped(
                        code::INVALID_PUBKEY,
                        format!("unsupported public key type {}", pk.type_url),
                    ));
                }
                let bytes = BASE64.decode(&pk.key).map_err(|e| {
                    sdk_wrapped(code::INVALID_PUBKEY, format!("bad base64 public key: {e}"))
                })?;
                Some(secp256k1_pubkey_any(&bytes)?)
            }
        };
        Ok(BaseAccount {
            address: address.to_string(),
            pub_key,
            account_number: self.account_number,
            sequence: self.sequence,
        })
    }

    /// The JSON form of a stored account.
    pub fn from_base_account(account: &BaseAccount) -> AppResult<Self> {
        let pub_key = match &account.pub_key {
            None => None,
            Some(any) => Some(PubKeyJson {
                type_url: SECP256K1_PUBKEY_TYPE_URL.to_string(),
                key: BASE64.encode(secp256k1_pubkey_bytes(any)?),
            }),
        };
        Ok(Self {
            type_url: BASE_ACCOUNT_TYPE_URL.to_string(),
            address: account.address.clone(),
            pub_key,
            account_number: account.account_number,
            sequence: account.sequence,
        })
    }
}

impl GenesisState {
    /// Checks the section as the SDK's `ValidateGenesis` does and returns the
    /// accounts to store: params positive, addresses valid and unique, account
    /// numbers unique.
    pub fn validate(&self) -> AppResult<(Params, Vec<BaseAccount>)> {
        let params = Params::from(&self.params);
        validate_params(&params)?;
        let mut addresses = BTreeSet::new();
        let mut numbers = BTreeSet::new();
        let mut accounts = Vec::with_capacity(self.accounts.len());
        for entry in &self.accounts {
            let account = entry.to_base_account()?;
            if !addresses.insert(account.address.clone()) {
                return Err(sdk_wrapped(
                    code::INVALID_REQUEST,
                    format!(
                        "duplicate account found in genesis state; address: {}",
                        account.address
                    ),
                ));
            }
            if !numbers.insert(account.account_number) {
                return Err(sdk_wrapped(
                    code::INVALID_REQUEST,
                    format!(
                        "duplicate account number {} in genesis state",
                        account.account_number
                    ),
                ));
            }
            accounts.push(account);
        }
        Ok((params, accounts))
    }
}

/// The default `auth` section: SDK default params and no accounts.
pub fn default_genesis() -> serde_json::Value {
    to_json(&GenesisState::default()).unwrap_or(serde_json::Value::Null)
}

/// Parses and validates the `auth` section; `null` (section absent) means the
/// defaults. Malformed JSON is code 17; invalid content keeps its own code
/// (7 address, 8 public key, 18 otherwise).
pub fn parse_genesis(section: &serde_json::Value) -> AppResult<GenesisState> {
    if section.is_null() {
        return Ok(GenesisState::default());
    }
    if !section.is_object() {
        return Err(bad_json("the section must be a JSON object"));
    }
    // Name unsupported account types plainly, before serde reports their
    // fields as unknown.
    if let Some(accounts) = section.get("accounts").and_then(|a| a.as_array()) {
        for acc in accounts {
            match acc.get("@type").and_then(|t| t.as_str()) {
                Some(BASE_ACCOUNT_TYPE_URL) => {}
                Some(other) => return Err(unsupported_type(other)),
                None => return Err(bad_json("account without \"@type\"")),
            }
        }
    }
    let parsed: GenesisState =
        serde_json::from_value(section.clone()).map_err(|e| bad_json(e.to_string()))?;
    parsed.validate()?;
    Ok(parsed)
}

/// Writes a validated section into state: params, accounts, the next account
/// number (highest given plus one) and the schema version; and, outside the
/// app hash, the account-number index.
pub fn init_genesis(state: &mut dyn StateWrite, genesis: &GenesisState) -> AppResult<()> {
    let (params, accounts) = genesis.validate()?;
    state_ext::set_params(state, &params)?;
    let mut next = state_ext::next_account_number(state)?;
    for account in &accounts {
        state_ext::set_account(state, account)?;
        let address = Address::from_bech32(&account.address)?;
        state_ext::index_account_number(state, account.account_number, &address)?;
        let after = account.account_number.checked_add(1).ok_or_else(|| {
            sdk_wrapped(
                code::INVALID_REQUEST,
                format!("account number {} is too large", account.account_number),
            )
        })?;
        next = next.max(after);
    }
    state_ext::set_next_account_number(state, next)?;
    state_ext::set_schema_version(state, SCHEMA_VERSION)?;
    state_ext::set_nv_indexes_version(state)?;
    Ok(())
}

/// The section that recreates the current state (for `export`).
pub fn export_genesis(state: &dyn StateRead) -> AppResult<GenesisState> {
    let params = state_ext::params(state)?;
    let accounts = state_ext::all_accounts(state)?
        .iter()
        .map(|(_, acc)| GenesisAccount::from_base_account(acc))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(GenesisState {
        params: ParamsJson::from(&params),
        accounts,
    })
}

/// Adds a fresh account for `address` to an `auth` genesis section
/// (`app_state["auth"]`; `null` becomes the default section first), with the
/// next free account number, which it returns. An address already present is
/// an error, as in `simd genesis add-genesis-account`.
pub fn add_genesis_account(genesis: &mut serde_json::Value, address: &Address) -> AppResult<u64> {
    let mut parsed = parse_genesis(genesis)?;
    let wanted = address.to_string();
    if parsed
        .accounts
        .iter()
        .any(|a| Address::from_bech32(&a.address).ok() == Some(*address))
    {
        return Err(sdk_wrapped(
            code::INVALID_REQUEST,
            format!("cannot add account at existing address {wanted}"),
        ));
    }
    let number = match parsed.accounts.iter().map(|a| a.account_number).max() {
        None => 0,
        Some(max) => max
            .checked_add(1)
            .ok_or_else(|| sdk_wrapped(code::INVALID_REQUEST, "account numbers exhausted"))?,
    };
    parsed.accounts.push(GenesisAccount::new(address, number));
    *genesis = to_json(&parsed)?;
    Ok(number)
}

fn to_json(genesis: &GenesisState) -> AppResult<serde_json::Value> {
    serde_json::to_value(genesis)
        .map_err(|e| AppError::internal(format!("cannot encode auth genesis: {e}")))
}

fn bad_json(detail: impl std::fmt::Display) -> AppError {
    sdk_wrapped(
        code::JSON_UNMARSHAL,
        format!("invalid auth genesis: {detail}"),
    )
}

fn unsupported_type(type_url: &str) -> AppError {
    sdk_wrapped(
        code::JSON_UNMARSHAL,
        format!(
            "invalid auth genesis: unsupported account type {type_url:?}; only {BASE_ACCOUNT_TYPE_URL} is supported"
        ),
    )
}

#[cfg(test)]
mod tests {
    use gpuchain_store::Delta;
    use serde_json::json;

    use super::*;
    use crate::params::default_params;
    use crate::test_util::{addr, MemState};
    use crate::{state_key, AuthComponent};
    use gpuchain_store::Component;
    use gpuchain_types::BlockContext;

    fn init(section: serde_json::Value) -> AppResult<gpuchain_store::Changes> {
        let mut state = Delta::new(&MemState);
        AuthComponent::default().init_genesis(&mut state, &section, &BlockContext::default())?;
        Ok(state.into_changes())
    }

    #[test]
    fn should_write_sdk_json_when_default_genesis() {
        assert_eq!(
            default_genesis(),
            json!({
                "params": {
                    "max_memo_characters": "256",
                    "tx_sig_limit": "7",
                    "tx_size_cost_per_byte": "10",
                    "sig_verify_cost_ed25519": "590",
                    "sig_verify_cost_secp256k1": "1000"
                },
                "accounts": []
            })
        );
    }

    #[test]
    fn should_store_accounts_params_and_next_number_when_genesis_has_accounts() {
        let mut key = vec![0x03];
        key.extend_from_slice(&[1; 32]);
        let section = json!({
            "params": {"max_memo_characters": "512", "tx_sig_limit": "7",
                       "tx_size_cost_per_byte": "10", "sig_verify_cost_ed25519": "590",
                       "sig_verify_cost_secp256k1": "1000"},
            "accounts": [
                {"@type": "/cosmos.auth.v1beta1.BaseAccount", "address": addr(1).to_string(),
                 "pub_key": null, "account_number": "4", "sequence": "2"},
                {"@type": "/cosmos.auth.v1beta1.BaseAccount", "address": addr(2).to_string(),
                 "pub_key": {"@type": "/cosmos.crypto.secp256k1.PubKey", "key": BASE64.encode(&key)},
                 "account_number": "0", "sequence": "0"}
            ]
        });
        let mut state = Delta::new(&MemState);
        AuthComponent::default()
            .init_genesis(&mut state, &section, &BlockContext::default())
            .unwrap();
        let a1 = state_ext::get_account(&state, &addr(1)).unwrap().unwrap();
        assert_eq!((a1.account_number, a1.sequence), (4, 2));
        let a2 = state_ext::get_account(&state, &addr(2)).unwrap().unwrap();
        assert_eq!(
            secp256k1_pubkey_bytes(a2.pub_key.as_ref().unwrap()).unwrap(),
            key
        );
        assert_eq!(state_ext::next_account_number(&state).unwrap(), 5);
        assert_eq!(state_ext::params(&state).unwrap().max_memo_characters, 512);
        assert_eq!(state_ext::schema_version(&state).unwrap(), Some(1));
        assert_eq!(
            state.get(&state_key::schema_version()).unwrap(),
            Some(vec![0, 1])
        );
        AuthComponent::default().check_invariants(&state).unwrap();
        assert_eq!(
            state_ext::account_address_by_number(&state, 4).unwrap(),
            Some(addr(1))
        );
        assert_eq!(
            state_ext::account_address_by_number(&state, 0).unwrap(),
            Some(addr(2))
        );
        // Genesis marks the nv indexes as built.
        assert_eq!(
            state.nv_get(&state_key::nv::indexes_version()).unwrap(),
            Some(vec![0, 1])
        );
        // A new account continues after the highest genesis number.
        let new = state_ext::ensure_account(&mut state, &addr(3)).unwrap();
        assert_eq!(new.account_number, 5);
        assert_eq!(
            state_ext::account_address_by_number(&state, 5).unwrap(),
            Some(addr(3))
        );
        // Export gives back what was loaded.
        let exported = export_genesis(&state).unwrap();
        assert_eq!(exported.accounts.len(), 3);
        assert_eq!(exported.params.max_memo_characters, 512);
        assert_eq!(
            parse_genesis(&section).unwrap().accounts[..],
            exported.accounts[..2]
        );
    }

    #[test]
    fn should_use_defaults_when_section_is_missing() {
        let mut state = Delta::new(&MemState);
        AuthComponent::default()
            .init_genesis(
                &mut state,
                &serde_json::Value::Null,
                &BlockContext::default(),
            )
            .unwrap();
        assert_eq!(state_ext::params(&state).unwrap(), default_params());
        assert_eq!(state_ext::next_account_number(&state).unwrap(), 0);
        assert_eq!(state_ext::schema_version(&state).unwrap(), Some(1));
        let empty = init(json!({})).unwrap();
        assert_eq!(empty, init(serde_json::Value::Null).unwrap());
    }

    #[test]
    fn should_fail_with_code_17_when_genesis_json_is_malformed() {
        for bad in [
            json!([]),
            json!({"accounts": {}}),
            json!({"params": {"tx_sig_limit": "x"}}),
            json!({"unknown_field": 1}),
            json!({"accounts": [{"address": addr(1).to_string()}]}),
            json!({"accounts": [{"@type": "/cosmos.auth.v1beta1.ModuleAccount", "name": "x"}]}),
            json!({"accounts": [{"@type": "/cosmos.auth.v1beta1.BaseAccount",
                                 "address": addr(1).to_string(), "account_number": "-1"}]}),
        ] {
            let e = init(bad.clone()).unwrap_err();
            assert_eq!(
                (e.codespace.as_ref(), e.code),
                ("sdk", 17),
                "{bad}: {}",
                e.log
            );
        }
    }

    #[test]
    fn should_fail_with_its_code_when_genesis_content_is_invalid() {
        let acc = |address: String, number: &str| {
            json!({"@type": "/cosmos.auth.v1beta1.BaseAccount", "address": address,
                   "account_number": number, "sequence": "0"})
        };
        let cases = [
            (
                json!({"accounts": [acc(addr(1).to_bech32_with_prefix("cosmos"), "0")]}),
                7,
            ),
            (
                json!({"accounts": [acc("gpu1notanaddress".into(), "0")]}),
                7,
            ),
            (
                json!({"accounts": [acc(addr(1).to_string(), "0"), acc(addr(1).to_string(), "1")]}),
                18,
            ),
            (
                json!({"accounts": [acc(addr(1).to_string(), "0"), acc(addr(2).to_string(), "0")]}),
                18,
            ),
            (
                json!({"accounts": [acc(addr(1).to_string(), &u64::MAX.to_string())]}),
                18,
            ),
            (json!({"params": {"tx_sig_limit": "0"}}), 18),
            (
                json!({"accounts": [{"@type": "/cosmos.auth.v1beta1.BaseAccount",
                "address": addr(1).to_string(),
                "pub_key": {"@type": "/cosmos.crypto.secp256k1.PubKey", "key": "AAAA"}}]}),
                8,
            ),
            (
                json!({"accounts": [{"@type": "/cosmos.auth.v1beta1.BaseAccount",
                "address": addr(1).to_string(),
                "pub_key": {"@type": "/cosmos.crypto.ed25519.PubKey", "key": "AAAA"}}]}),
                8,
            ),
        ];
        for (section, want) in cases {
            let e = init(section.clone()).unwrap_err();
            assert_eq!(
                (e.codespace.as_ref(), e.code),
                ("sdk", want),
                "{section}: {}",
                e.log
            );
        }
    }

    #[test]
    fn should_add_accounts_with_next_numbers_when_adding_genesis_accounts() {
        let mut section = serde_json::Value::Null;
        assert_eq!(add_genesis_account(&mut section, &addr(1)).unwrap(), 0);
        assert_eq!(add_genesis_account(&mut section, &addr(2)).unwrap(), 1);
        assert_eq!(section["accounts"][1]["address"], addr(2).to_string());
        assert_eq!(section["accounts"][1]["account_number"], "1");
        assert_eq!(
            section["accounts"][0]["@type"],
            "/cosmos.auth.v1beta1.BaseAccount"
        );
        assert_eq!(section["params"]["tx_sig_limit"], "7");
        let e = add_genesis_account(&mut section, &addr(1)).unwrap_err();
        assert_eq!(e.code, 18);
        assert!(e.log.contains("existing address"));
        let changes = init(section).unwrap();
        assert!(changes
            .state
            .contains_key(&state_key::accounts::by_address(&addr(2))));
    }

    #[test]
    fn should_fail_when_adding_account_to_malformed_section() {
        let mut section = json!({"accounts": 5});
        assert_eq!(
            add_genesis_account(&mut section, &addr(1))
                .unwrap_err()
                .code,
            17
        );
    }
}

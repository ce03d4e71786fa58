//! The `escrow` genesis section: `null` or `{}` (no accounts) or
//! `{"accounts": [...]}`, each account in the JSON form of
//! `gpuchain.escrow.v1.EscrowAccount` (amounts as decimal strings, addresses
//! bech32; `id`, `started_at`, `ends_at` as numbers or decimal strings).
//!
//! The escrow module account's bank balance is the bank section's business:
//! the module invariants ([`crate::check_invariants`]) check that they agree.

use std::collections::BTreeSet;

use gpuchain_auth::error::{sdk_wrapped, with_sdk_description};
use gpuchain_store::{StateRead, StateWrite};
use gpuchain_types::coin::{parse_amount, validate_denom};
use gpuchain_types::error::code;
use gpuchain_types::{Address, AppError, AppResult};
use serde::{Deserialize, Serialize};

use crate::account::EscrowAccount;
use crate::state_ext;

/// An integer given as a JSON number or a decimal string (proto3 JSON
/// writes 64-bit integers as strings).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IntJson {
    Signed(i64),
    Unsigned(u64),
    Str(String),
}

impl IntJson {
    fn value<T: TryFrom<i128>>(&self, what: &str) -> AppResult<T> {
        let wide = match self {
            IntJson::Signed(n) => i128::from(*n),
            IntJson::Unsigned(n) => i128::from(*n),
            IntJson::Str(s) => s
                .parse::<i128>()
                .map_err(|_| bad_json(format!("{what} {s:?} is not an integer")))?,
        };
        T::try_from(wide).map_err(|_| bad_json(format!("{what} {wide} is out of range")))
    }
}

/// One account as genesis JSON gives it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountJson {
    pub id: Option<IntJson>,
    pub owner: String,
    pub denom: String,
    pub deposited: String,
    #[serde(default)]
    pub paid: Option<String>,
    #[serde(default)]
    pub take: Option<String>,
    #[serde(default)]
    pub refunded: Option<String>,
    #[serde(default)]
    pub rate_per_hour: Option<String>,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub started_at: Option<IntJson>,
    #[serde(default)]
    pub ends_at: Option<IntJson>,
    #[serde(default = "default_open")]
    pub open: bool,
}

fn default_open() -> bool {
    true
}

/// The section.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisState {
    #[serde(default)]
    pub accounts: Vec<AccountJson>,
}

fn bad_json(detail: impl std::fmt::Display) -> AppError {
    sdk_wrapped(code::JSON_UNMARSHAL, format!("escrow genesis: {detail}"))
}

fn invalid(detail: impl std::fmt::Display) -> AppError {
    sdk_wrapped(code::INVALID_REQUEST, format!("escrow genesis: {detail}"))
}

fn amount(s: &Option<String>) -> AppResult<u128> {
    match s.as_deref() {
        None | Some("") => Ok(0),
        Some(s) => parse_amount(s).map_err(with_sdk_description),
    }
}

fn address(s: &str, what: &str) -> AppResult<Address> {
    Address::from_bech32(s).map_err(|e| {
        sdk_wrapped(
            code::INVALID_ADDRESS,
            format!("escrow genesis {what} {s:?}: {}", e.log),
        )
    })
}

impl AccountJson {
    /// The account, checked: owner/provider addresses (sdk 7), denom and
    /// amounts (sdk 10), and consistency (sdk 18): `paid + refunded <=
    /// deposited`, `take <= paid`, a closed account holds nothing, and
    /// provider, rate, start and end are all set (rate > 0, end after
    /// start) or none is (rate 0).
    pub fn to_account(&self) -> AppResult<EscrowAccount> {
        let id: u64 = self
            .id
            .as_ref()
            .ok_or_else(|| bad_json("account without id"))?
            .value("id")?;
        let owner = address(&self.owner, "owner")?;
        validate_denom(&self.denom).map_err(with_sdk_description)?;
        let deposited = parse_amount(&self.deposited).map_err(with_sdk_description)?;
        let mut acc = EscrowAccount::new(id, owner, self.denom.clone(), deposited);
        acc.paid = amount(&self.paid)?;
        acc.take = amount(&self.take)?;
        acc.refunded = amount(&self.refunded)?;
        acc.rate_per_hour = amount(&self.rate_per_hour)?;
        acc.open = self.open;
        acc.provider = match self.provider.as_deref() {
            None | Some("") => None,
            Some(p) => Some(address(p, "provider")?),
        };
        acc.started_at = self
            .started_at
            .as_ref()
            .map(|t| t.value("started_at"))
            .transpose()?;
        acc.ends_at = self
            .ends_at
            .as_ref()
            .map(|t| t.value("ends_at"))
            .transpose()?;
        let out = acc.paid.checked_add(acc.refunded);
        if out.is_none_or(|o| o > acc.deposited) {
            return Err(invalid(format!(
                "account {id}: paid + refunded exceeds deposited"
            )));
        }
        if acc.take > acc.paid {
            return Err(invalid(format!("account {id}: take exceeds paid")));
        }
        if !acc.open && acc.balance() != 0 {
            return Err(invalid(format!("account {id}: closed but holds funds")));
        }
        match (acc.provider, acc.started_at, acc.ends_at) {
            (Some(_), Some(s), Some(e)) if acc.rate_per_hour > 0 && e > s => {}
            (None, None, None) if acc.rate_per_hour == 0 && acc.paid == 0 => {}
            _ => {
                return Err(invalid(format!(
                    "account {id}: provider, rate, start and end must be all set \
                     (rate > 0, end after start) or all unset (nothing paid)"
                )))
            }
        }
        Ok(acc)
    }

    /// The JSON form of an account.
    pub fn from_account(acc: &EscrowAccount) -> Self {
        Self {
            id: Some(IntJson::Str(acc.id.to_string())),
            owner: acc.owner.to_string(),
            denom: acc.denom.clone(),
            deposited: acc.deposited.to_string(),
            paid: Some(acc.paid.to_string()),
            take: Some(acc.take.to_string()),
            refunded: Some(acc.refunded.to_string()),
            rate_per_hour: Some(acc.rate_per_hour.to_string()),
            provider: acc.provider.map(|p| p.to_string()),
            started_at: acc.started_at.map(|t| IntJson::Str(t.to_string())),
            ends_at: acc.ends_at.map(|t| IntJson::Str(t.to_string())),
            open: acc.open,
        }
    }
}

impl GenesisState {
    /// Every account checked, with no id twice (sdk 18).
    pub fn validate(&self) -> AppResult<Vec<EscrowAccount>> {
        let mut ids = BTreeSet::new();
        let mut out = Vec::with_capacity(self.accounts.len());
        for a in &self.accounts {
            let acc = a.to_account()?;
            if !ids.insert(acc.id) {
                return Err(invalid(format!("duplicate account id {}", acc.id)));
            }
            out.push(acc);
        }
        Ok(out)
    }
}

/// Parses and validates the section; `null` means no accounts. Malformed
/// JSON is sdk 17.
pub fn parse_genesis(section: &serde_json::Value) -> AppResult<GenesisState> {
    if section.is_null() {
        return Ok(GenesisState::default());
    }
    if !section.is_object() {
        return Err(bad_json("the section must be a JSON object"));
    }
    let parsed: GenesisState =
        serde_json::from_value(section.clone()).map_err(|e| bad_json(e.to_string()))?;
    parsed.validate()?;
    Ok(parsed)
}

/// Stores the accounts, their owner index and the schema version.
pub fn init_genesis(state: &mut dyn StateWrite, genesis: &GenesisState) -> AppResult<()> {
    for acc in genesis.validate()? {
        state_ext::set_account(state, &acc)?;
        state_ext::index_owner(state, &acc.owner, acc.id)?;
    }
    state_ext::set_schema_version(state, crate::SCHEMA_VERSION)
}

/// The section that recreates the current accounts.
pub fn export_genesis(state: &dyn StateRead) -> AppResult<GenesisState> {
    Ok(GenesisState {
        accounts: state_ext::all_accounts(state)?
            .iter()
            .map(AccountJson::from_account)
            .collect(),
    })
}

//! The module's section of the genesis `app_state`, in the Cosmos SDK's JSON
//! shape:
//!
//! ```json
//! {"params": {"send_enabled": [], "default_send_enabled": true},
//!  "balances": [{"address": "gpu1...", "coins": [{"denom": "ugpc", "amount": "1000"}]}],
//!  "supply": [],
//!  "denom_metadata": [{"description": "...", "denom_units": [...], "base": "ugpc",
//!                      "display": "gpc", "name": "GPU Chain", "symbol": "GPC",
//!                      "uri": "", "uri_hash": ""}],
//!  "send_enabled": []}
//! ```
//!
//! The supply is computed from the balances; a non-empty `supply` must equal
//! it. Genesis balances are the only way coins come into existence.

use std::collections::BTreeSet;

use cosmos_sdk_proto::cosmos::bank::v1beta1::{DenomUnit, Metadata, Params, SendEnabled};
use gpuchain_auth::error::{sdk_wrapped, with_sdk_description};
use gpuchain_store::{StateRead, StateWrite};
use gpuchain_types::coin::{parse_amount, validate_denom};
use gpuchain_types::error::code;
use gpuchain_types::{Address, AppError, AppResult, Coin, Coins};
use serde::{Deserialize, Serialize};

use crate::params::{ParamsJson, SendEnabledJson};
use crate::{keeper, state_ext, BASE_DENOM, SCHEMA_VERSION};

/// The display denom of [`BASE_DENOM`] (10^6 ugpc).
pub const DISPLAY_DENOM: &str = "gpc";

/// The `bank` genesis section. Missing fields take their defaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenesisState {
    pub params: ParamsJson,
    pub balances: Vec<BalanceJson>,
    pub supply: Vec<CoinJson>,
    pub denom_metadata: Vec<MetadataJson>,
    pub send_enabled: Vec<SendEnabledJson>,
}

impl Default for GenesisState {
    fn default() -> Self {
        Self {
            params: ParamsJson::default(),
            balances: Vec::new(),
            supply: Vec::new(),
            denom_metadata: vec![MetadataJson::from(&ugpc_metadata())],
            send_enabled: Vec::new(),
        }
    }
}

/// A coin in JSON: the amount is a decimal string.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoinJson {
    pub denom: String,
    pub amount: String,
}

/// One address's genesis balance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BalanceJson {
    pub address: String,
    pub coins: Vec<CoinJson>,
}

/// `cosmos.bank.v1beta1.Metadata` in JSON (snake_case fields).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetadataJson {
    pub description: String,
    pub denom_units: Vec<DenomUnitJson>,
    pub base: String,
    pub display: String,
    pub name: String,
    pub symbol: String,
    pub uri: String,
    pub uri_hash: String,
}

/// `cosmos.bank.v1beta1.DenomUnit` in JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DenomUnitJson {
    pub denom: String,
    pub exponent: u32,
    pub aliases: Vec<String>,
}

impl From<&Metadata> for MetadataJson {
    fn from(m: &Metadata) -> Self {
        Self {
            description: m.description.clone(),
            denom_units: m
                .denom_units
                .iter()
                .map(|u| DenomUnitJson {
                    denom: u.denom.clone(),
                    exponent: u.exponent,
                    aliases: u.aliases.clone(),
                })
                .collect(),
            base: m.base.clone(),
            display: m.display.clone(),
            name: m.name.clone(),
            symbol: m.symbol.clone(),
            uri: m.uri.clone(),
            uri_hash: m.uri_hash.clone(),
        }
    }
}

impl From<&MetadataJson> for Metadata {
    fn from(m: &MetadataJson) -> Self {
        Self {
            description: m.description.clone(),
            denom_units: m
                .denom_units
                .iter()
                .map(|u| DenomUnit {
                    denom: u.denom.clone(),
                    exponent: u.exponent,
                    aliases: u.aliases.clone(),
                })
                .collect(),
            base: m.base.clone(),
            display: m.display.clone(),
            name: m.name.clone(),
            symbol: m.symbol.clone(),
            uri: m.uri.clone(),
            uri_hash: m.uri_hash.clone(),
        }
    }
}

/// The metadata of the staking and fee denom: `ugpc`, shown as `gpc` with 6
/// decimals.
pub fn ugpc_metadata() -> Metadata {
    Metadata {
        description: "The native staking and fee token of gpuchain.".to_string(),
        denom_units: vec![
            DenomUnit {
                denom: BASE_DENOM.to_string(),
                exponent: 0,
                aliases: vec!["microgpc".to_string()],
            },
            DenomUnit {
                denom: DISPLAY_DENOM.to_string(),
                exponent: 6,
                aliases: Vec::new(),
            },
        ],
        base: BASE_DENOM.to_string(),
        display: DISPLAY_DENOM.to_string(),
        name: "GPU Chain".to_string(),
        symbol: "GPC".to_string(),
        uri: String::new(),
        uri_hash: String::new(),
    }
}

/// The SDK's `Metadata.Validate`: name and symbol set, base and display valid
/// denoms, the first unit is the base with exponent 0, exponents strictly
/// increase, units and aliases unique, the display is one of the units.
pub fn validate_metadata(m: &Metadata) -> AppResult<()> {
    let fail = |why: String| {
        sdk_wrapped(
            code::INVALID_REQUEST,
            format!("invalid metadata for {:?}: {why}", m.base),
        )
    };
    if m.name.trim().is_empty() {
        return Err(fail("name field cannot be blank".into()));
    }
    if m.symbol.trim().is_empty() {
        return Err(fail("symbol field cannot be blank".into()));
    }
    validate_denom(&m.base).map_err(|e| fail(format!("invalid base denom: {}", e.log)))?;
    validate_denom(&m.display).map_err(|e| fail(format!("invalid display denom: {}", e.log)))?;
    let mut seen = BTreeSet::new();
    let mut has_display = false;
    let mut last_exponent = 0u32;
    for (i, unit) in m.denom_units.iter().enumerate() {
        if i == 0 {
            if unit.denom != m.base {
                return Err(fail(format!(
                    "the first denomination unit must be the base denom '{}'",
                    m.base
                )));
            }
            if unit.exponent != 0 {
                return Err(fail(
                    "the base denomination unit's exponent must be 0".into(),
                ));
            }
        } else if last_exponent >= unit.exponent {
            return Err(fail(
                "the denomination units must be sorted in ascending order".into(),
            ));
        }
        last_exponent = unit.exponent;
        validate_denom(&unit.denom).map_err(|e| fail(e.log))?;
        if !seen.insert(unit.denom.clone()) {
            return Err(fail(format!("duplicate denomination unit {}", unit.denom)));
        }
        for alias in &unit.aliases {
            validate_denom(alias).map_err(|e| fail(format!("invalid alias: {}", e.log)))?;
            if !seen.insert(alias.clone()) {
                return Err(fail(format!("duplicate denomination unit alias {alias}")));
            }
        }
        if unit.denom == m.display {
            has_display = true;
        }
    }
    if !has_display {
        return Err(fail(format!(
            "metadata must contain a denomination unit with display denom '{}'",
            m.display
        )));
    }
    Ok(())
}

/// A genesis section checked and converted, ready to store.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidGenesis {
    pub params: Params,
    pub balances: Vec<(Address, Coins)>,
    pub supply: Coins,
    pub denom_metadata: Vec<Metadata>,
    pub send_enabled: Vec<SendEnabled>,
}

fn wire_coins(coins: &[CoinJson]) -> AppResult<Coins> {
    let parsed = coins
        .iter()
        .map(|c| {
            validate_denom(&c.denom)?;
            Ok(Coin::new(parse_amount(&c.amount)?, c.denom.clone()))
        })
        .collect::<AppResult<Vec<_>>>()
        .map_err(with_sdk_description)?;
    Coins::from_wire_strict(parsed).map_err(with_sdk_description)
}

fn to_wire(coins: &Coins) -> Vec<CoinJson> {
    coins
        .iter()
        .map(|c| CoinJson {
            denom: c.denom.clone(),
            amount: c.amount.to_string(),
        })
        .collect()
}

impl GenesisState {
    /// Checks the section as the SDK's `ValidateGenesis` does: addresses
    /// (code 7), coins (code 10), no duplicate balances, flags or metadata
    /// (code 18), metadata valid (code 18), the given supply equal to the sum
    /// of the balances (code 10). Flags under `params.send_enabled` are
    /// merged into `send_enabled` (the SDK's `MigrateSendEnabled`).
    pub fn validate(&self) -> AppResult<ValidGenesis> {
        let mut flags: Vec<SendEnabled> = self.send_enabled.iter().map(SendEnabled::from).collect();
        for legacy in &self.params.send_enabled {
            if !flags.iter().any(|f| f.denom == legacy.denom) {
                flags.push(SendEnabled::from(legacy));
            }
        }
        let mut seen = BTreeSet::new();
        for flag in &flags {
            validate_denom(&flag.denom).map_err(with_sdk_description)?;
            if !seen.insert(flag.denom.clone()) {
                return Err(sdk_wrapped(
                    code::INVALID_REQUEST,
                    format!("duplicate send enabled found: '{}'", flag.denom),
                ));
            }
        }

        let mut addresses = BTreeSet::new();
        let mut balances = Vec::with_capacity(self.balances.len());
        let mut total = Coins::empty();
        for b in &self.balances {
            let address = Address::from_bech32(&b.address).map_err(|e| {
                sdk_wrapped(
                    code::INVALID_ADDRESS,
                    format!("genesis balance {:?}: {}", b.address, e.log),
                )
            })?;
            if !addresses.insert(address) {
                return Err(sdk_wrapped(
                    code::INVALID_REQUEST,
                    format!("duplicate balance for address {}", b.address),
                ));
            }
            let coins = wire_coins(&b.coins)?;
            total = total.checked_add(&coins).map_err(with_sdk_description)?;
            balances.push((address, coins));
        }

        let given = wire_coins(&self.supply)?;
        if !given.is_empty() && given != total {
            return Err(sdk_wrapped(
                code::INVALID_COINS,
                format!("genesis supply is incorrect, expected {given}, got {total}"),
            ));
        }

        let mut bases = BTreeSet::new();
        let mut denom_metadata = Vec::with_capacity(self.denom_metadata.len());
        for m in &self.denom_metadata {
            let meta = Metadata::from(m);
            validate_metadata(&meta)?;
            if !bases.insert(meta.base.clone()) {
                return Err(sdk_wrapped(
                    code::INVALID_REQUEST,
                    format!("duplicate client metadata for denom {}", meta.base),
                ));
            }
            denom_metadata.push(meta);
        }

        Ok(ValidGenesis {
            params: Params {
                default_send_enabled: self.params.default_send_enabled,
                ..Params::default()
            },
            balances,
            supply: total,
            denom_metadata,
            send_enabled: flags,
        })
    }
}

/// The default `bank` section: sending enabled, no balances, the `ugpc`
/// metadata.
pub fn default_genesis() -> serde_json::Value {
    to_json(&GenesisState::default()).unwrap_or(serde_json::Value::Null)
}

/// Parses and validates the `bank` section; `null` (section absent) means the
/// defaults. Malformed JSON is code 17.
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

/// Writes a section into state: params, send flags, metadata, balances and
/// the supply they make, and the schema version; and, outside the app hash,
/// the denom-owners index. Emits no events.
pub fn init_genesis(state: &mut dyn StateWrite, genesis: &GenesisState) -> AppResult<()> {
    let valid = genesis.validate()?;
    state_ext::set_params(state, &valid.params)?;
    for flag in &valid.send_enabled {
        state_ext::set_send_enabled(state, &flag.denom, flag.enabled)?;
    }
    for meta in &valid.denom_metadata {
        state_ext::set_denom_metadata(state, meta)?;
    }
    for (address, coins) in &valid.balances {
        keeper::mint(state, address, coins)?;
    }
    state_ext::set_schema_version(state, SCHEMA_VERSION)?;
    state_ext::set_nv_indexes_version(state)?;
    Ok(())
}

/// The section that recreates the current state (for `export`).
pub fn export_genesis(state: &dyn StateRead) -> AppResult<GenesisState> {
    let params = state_ext::params(state)?;
    let mut balances: Vec<BalanceJson> = Vec::new();
    for (address, denom, amount) in state_ext::every_balance(state)? {
        let coin = CoinJson {
            denom,
            amount: amount.to_string(),
        };
        match balances.last_mut() {
            Some(last) if last.address == address.to_string() => last.coins.push(coin),
            _ => balances.push(BalanceJson {
                address: address.to_string(),
                coins: vec![coin],
            }),
        }
    }
    Ok(GenesisState {
        params: ParamsJson {
            send_enabled: Vec::new(),
            default_send_enabled: params.default_send_enabled,
        },
        balances,
        supply: to_wire(&state_ext::total_supply(state)?),
        denom_metadata: state_ext::all_denom_metadata(state)?
            .iter()
            .map(MetadataJson::from)
            .collect(),
        send_enabled: state_ext::all_send_enabled(state)?
            .iter()
            .map(SendEnabledJson::from)
            .collect(),
    })
}

/// Adds `coins` to `address`'s balance in a `bank` genesis section
/// (`app_state["bank"]`; `null` becomes the default section first): a new
/// entry, or the coins added to an existing one. A non-empty `supply` is
/// raised by the same coins, so the section stays valid.
pub fn add_genesis_balance(
    genesis: &mut serde_json::Value,
    address: &Address,
    coins: &Coins,
) -> AppResult<()> {
    let mut parsed = parse_genesis(genesis)?;
    let existing = parsed
        .balances
        .iter_mut()
        .find(|b| Address::from_bech32(&b.address).ok() == Some(*address));
    match existing {
        Some(entry) => {
            let sum = wire_coins(&entry.coins)?
                .checked_add(coins)
                .map_err(with_sdk_description)?;
            entry.coins = to_wire(&sum);
        }
        None => parsed.balances.push(BalanceJson {
            address: address.to_string(),
            coins: to_wire(coins),
        }),
    }
    if !parsed.supply.is_empty() {
        let supply = wire_coins(&parsed.supply)?
            .checked_add(coins)
            .map_err(with_sdk_description)?;
        parsed.supply = to_wire(&supply);
    }
    parsed.validate()?;
    *genesis = to_json(&parsed)?;
    Ok(())
}

fn to_json(genesis: &GenesisState) -> AppResult<serde_json::Value> {
    serde_json::to_value(genesis)
        .map_err(|e| AppError::internal(format!("cannot encode bank genesis: {e}")))
}

fn bad_json(detail: impl std::fmt::Display) -> AppError {
    sdk_wrapped(
        code::JSON_UNMARSHAL,
        format!("invalid bank genesis: {detail}"),
    )
}

#[cfg(test)]
mod tests {
    use gpuchain_store::{Component, Delta};
    use gpuchain_types::BlockContext;
    use serde_json::json;

    use super::*;
    use crate::state_ext::{all_balances, balance, denom_metadata, is_send_enabled, supply_of};
    use crate::test_util::{addr, coins, MemState};
    use crate::BankComponent;

    fn init(section: serde_json::Value) -> AppResult<gpuchain_store::Changes> {
        let mut state = Delta::new(&MemState);
        BankComponent.init_genesis(&mut state, &section, &BlockContext::default())?;
        Ok(state.into_changes())
    }

    #[test]
    fn should_write_sdk_shape_with_ugpc_metadata_when_default_genesis() {
        let g = default_genesis();
        assert_eq!(
            g["params"],
            json!({"send_enabled": [], "default_send_enabled": true})
        );
        assert_eq!(g["balances"], json!([]));
        assert_eq!(g["supply"], json!([]));
        assert_eq!(g["send_enabled"], json!([]));
        let meta = &g["denom_metadata"][0];
        assert_eq!(meta["base"], "ugpc");
        assert_eq!(meta["display"], "gpc");
        assert_eq!(meta["name"], "GPU Chain");
        assert_eq!(meta["symbol"], "GPC");
        assert_eq!(
            meta["denom_units"][1],
            json!({"denom": "gpc", "exponent": 6, "aliases": []})
        );
        assert_eq!(meta["uri_hash"], "");
        validate_metadata(&ugpc_metadata()).unwrap();
    }

    #[test]
    fn should_load_balances_supply_metadata_and_flags_when_genesis_is_valid() {
        let section = json!({
            "params": {"send_enabled": [{"denom": "uatom", "enabled": false}], "default_send_enabled": true},
            "balances": [
                {"address": addr(1).to_string(), "coins": [{"denom": "uatom", "amount": "5"}, {"denom": "ugpc", "amount": "1000"}]},
                {"address": addr(2).to_string(), "coins": [{"denom": "ugpc", "amount": "24"}]}
            ],
            "supply": [{"denom": "uatom", "amount": "5"}, {"denom": "ugpc", "amount": "1024"}],
            "denom_metadata": [MetadataJson::from(&ugpc_metadata())],
            "send_enabled": []
        });
        let mut state = Delta::new(&MemState);
        BankComponent
            .init_genesis(&mut state, &section, &BlockContext::default())
            .unwrap();
        assert_eq!(
            all_balances(&state, &addr(1)).unwrap(),
            coins("5uatom,1000ugpc")
        );
        assert_eq!(balance(&state, &addr(2), "ugpc").unwrap(), 24);
        assert_eq!(supply_of(&state, "ugpc").unwrap(), 1024);
        assert!(!is_send_enabled(&state, "uatom").unwrap());
        assert!(is_send_enabled(&state, "ugpc").unwrap());
        assert_eq!(
            denom_metadata(&state, "ugpc").unwrap(),
            Some(ugpc_metadata())
        );
        assert_eq!(state_ext::schema_version(&state).unwrap(), Some(1));
        assert_eq!(
            state.get(&crate::state_key::schema_version()).unwrap(),
            Some(vec![0, 1])
        );
        assert!(state.changes().events.is_empty());
        BankComponent.check_invariants(&state).unwrap();
        assert_eq!(
            state_ext::denom_owners(&state, "ugpc").unwrap(),
            vec![addr(1), addr(2)]
        );
        assert_eq!(
            state_ext::denom_owners(&state, "uatom").unwrap(),
            vec![addr(1)]
        );
        assert_eq!(
            state
                .nv_get(&crate::state_key::nv::indexes_version())
                .unwrap(),
            Some(vec![0, 1])
        );
        // Export round-trips (legacy params flags now live in send_enabled).
        let exported = export_genesis(&state).unwrap();
        assert_eq!(exported.balances.len(), 2);
        assert_eq!(
            exported.send_enabled,
            vec![SendEnabledJson {
                denom: "uatom".into(),
                enabled: false
            }]
        );
        assert_eq!(exported.supply, to_wire(&coins("5uatom,1024ugpc")));
        let again = init(to_json(&exported).unwrap()).unwrap();
        assert_eq!(again.state, state.into_changes().state);
    }

    #[test]
    fn should_use_defaults_when_section_missing() {
        let mut state = Delta::new(&MemState);
        BankComponent
            .init_genesis(
                &mut state,
                &serde_json::Value::Null,
                &BlockContext::default(),
            )
            .unwrap();
        assert!(denom_metadata(&state, "ugpc").unwrap().is_some());
        assert!(state_ext::params(&state).unwrap().default_send_enabled);
        assert_eq!(
            init(json!({})).unwrap(),
            init(serde_json::Value::Null).unwrap()
        );
    }

    #[test]
    fn should_fail_with_code_17_when_json_is_malformed() {
        for bad in [
            json!([]),
            json!("bank"),
            json!({"balances": {}}),
            json!({"balances": [{"address": addr(1).to_string(), "coins": [{"denom": "ugpc", "amount": 5}]}]}),
            json!({"params": {"default_send_enabled": "true"}}),
            json!({"unknown": []}),
            json!({"denom_metadata": [{"base": "ugpc", "extra": 1}]}),
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
    fn should_fail_with_its_code_when_content_is_invalid() {
        let bal = |address: String, amount: &str| json!({"address": address, "coins": [{"denom": "ugpc", "amount": amount}]});
        let mut bad_meta = MetadataJson::from(&ugpc_metadata());
        bad_meta.display = "ugpcx".into();
        let cases = [
            (
                json!({"balances": [bal(addr(1).to_bech32_with_prefix("cosmos"), "1")]}),
                7,
            ),
            (json!({"balances": [bal(addr(1).to_string(), "-1")]}), 10),
            (json!({"balances": [bal(addr(1).to_string(), "0")]}), 10),
            (
                json!({"balances": [bal(addr(1).to_string(), &format!("{}0", u128::MAX))]}),
                10,
            ),
            (
                json!({"balances": [{"address": addr(1).to_string(), "coins": [
                {"denom": "ugpc", "amount": "1"}, {"denom": "uatom", "amount": "1"}]}]}),
                10,
            ),
            (
                json!({"balances": [bal(addr(1).to_string(), &u128::MAX.to_string()),
                                 bal(addr(2).to_string(), "1")]}),
                10,
            ),
            (
                json!({"balances": [bal(addr(1).to_string(), "1"), bal(addr(1).to_string(), "2")]}),
                18,
            ),
            (
                json!({"balances": [bal(addr(1).to_string(), "5")],
                    "supply": [{"denom": "ugpc", "amount": "6"}]}),
                10,
            ),
            (
                json!({"send_enabled": [{"denom": "ugpc", "enabled": true}, {"denom": "ugpc", "enabled": false}]}),
                18,
            ),
            (
                json!({"send_enabled": [{"denom": "!", "enabled": true}]}),
                10,
            ),
            (json!({"denom_metadata": [bad_meta]}), 18),
            (
                json!({"denom_metadata": [MetadataJson::from(&ugpc_metadata()), MetadataJson::from(&ugpc_metadata())]}),
                18,
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
    fn should_reject_bad_metadata_when_validating() {
        let ok = ugpc_metadata();
        let mut cases = Vec::new();
        let mut m = ok.clone();
        m.name = " ".into();
        cases.push(m);
        let mut m = ok.clone();
        m.symbol.clear();
        cases.push(m);
        let mut m = ok.clone();
        m.denom_units.swap(0, 1);
        cases.push(m);
        let mut m = ok.clone();
        m.denom_units[0].exponent = 1;
        cases.push(m);
        let mut m = ok.clone();
        m.denom_units[1].exponent = 0;
        cases.push(m);
        let mut m = ok.clone();
        m.denom_units[1].aliases = vec!["microgpc".into()];
        cases.push(m);
        let mut m = ok.clone();
        m.base = "x".into();
        cases.push(m);
        for m in cases {
            assert_eq!(validate_metadata(&m).unwrap_err().code, 18, "{m:?}");
        }
    }

    #[test]
    fn should_add_or_merge_balance_when_adding_genesis_balance() {
        let mut section = serde_json::Value::Null;
        add_genesis_balance(&mut section, &addr(1), &coins("100ugpc")).unwrap();
        add_genesis_balance(&mut section, &addr(2), &coins("5uatom")).unwrap();
        add_genesis_balance(&mut section, &addr(1), &coins("1uatom,1ugpc")).unwrap();
        assert_eq!(
            section["balances"],
            json!([
                {"address": addr(1).to_string(), "coins": [{"denom": "uatom", "amount": "1"}, {"denom": "ugpc", "amount": "101"}]},
                {"address": addr(2).to_string(), "coins": [{"denom": "uatom", "amount": "5"}]}
            ])
        );
        assert_eq!(section["supply"], json!([]));
        assert_eq!(section["denom_metadata"][0]["base"], "ugpc");
        let changes = init(section.clone()).unwrap();
        assert!(!changes.state.is_empty());
        // With an explicit supply, it is kept in step.
        section["supply"] =
            json!([{"denom": "uatom", "amount": "6"}, {"denom": "ugpc", "amount": "101"}]);
        add_genesis_balance(&mut section, &addr(3), &coins("9ugpc")).unwrap();
        assert_eq!(
            section["supply"][1],
            json!({"denom": "ugpc", "amount": "110"})
        );
        init(section).unwrap();
    }

    #[test]
    fn should_fail_when_adding_balance_to_malformed_section() {
        let mut section = json!({"balances": "x"});
        assert_eq!(
            add_genesis_balance(&mut section, &addr(1), &coins("1ugpc"))
                .unwrap_err()
                .code,
            17
        );
    }
}

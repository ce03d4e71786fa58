//! The localnet's chain metadata for wallets and registries —
//! `keplr-chain-info.json` (Keplr's ChainInfo), `chain.json` and
//! `assetlist.json` (cosmos/chain-registry) — agrees with itself and with
//! the chain: the genesis denom metadata of `ugpc`, the bech32 prefixes of
//! `gpuchain_types::address`, and the default minimum gas price the README
//! documents. (A check against a running node comes with the localnet.)

use gpuchain_types::address::{ACCOUNT_PREFIX, VALCONS_PREFIX, VALOPER_PREFIX};
use serde_json::Value;

const CHAIN_ID: &str = "gpuchain-local-1";
const RPC: &str = "http://127.0.0.1:26657";
const REST: &str = "http://127.0.0.1:1317";

fn read_json(name: &str) -> Value {
    let path = format!("{}/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

fn keplr() -> Value {
    read_json("keplr-chain-info.json")
}

fn chain() -> Value {
    read_json("chain.json")
}

fn assetlist() -> Value {
    read_json("assetlist.json")
}

fn str_of<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{pointer} is not a string in {v}"))
}

fn f64_of(v: &Value, pointer: &str) -> f64 {
    v.pointer(pointer)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("{pointer} is not a number in {v}"))
}

fn u64_of(v: &Value, pointer: &str) -> u64 {
    v.pointer(pointer)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("{pointer} is not an unsigned integer in {v}"))
}

/// The genesis `bank.denom_metadata` entry of the chain's denom.
fn genesis_metadata() -> Value {
    let app_state = gpuchain_genesis::default_app_state();
    let all = app_state
        .pointer("/bank/denom_metadata")
        .and_then(Value::as_array)
        .expect("bank.denom_metadata in the default app_state");
    all.iter()
        .find(|m| m["base"] == gpuchain_genesis::DENOM)
        .cloned()
        .expect("metadata of ugpc in genesis")
}

/// The display unit's exponent: the decimals wallets show.
fn display_exponent(meta: &Value) -> u64 {
    let display = str_of(meta, "/display");
    let units = meta["denom_units"].as_array().expect("denom_units");
    let unit = units
        .iter()
        .find(|u| u["denom"] == display)
        .expect("the display denom is one of the units");
    unit["exponent"].as_u64().expect("exponent")
}

/// The default `minimum-gas-prices` as the README documents it:
/// `` `minimum-gas-prices` (default `"0.0025ugpc"`) ``.
fn readme_min_gas_price() -> (f64, String) {
    let path = format!("{}/../README.md", env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let marker = "`minimum-gas-prices` (default `\"";
    let start = readme
        .find(marker)
        .expect("the README documents minimum-gas-prices")
        + marker.len();
    let rest = &readme[start..];
    let value = &rest[..rest.find('"').expect("closing quote")];
    assert_eq!(value, "0.0025ugpc", "the documented default");
    let split = value
        .find(|c: char| c.is_ascii_alphabetic())
        .expect("a denom after the price");
    let price: f64 = value[..split].parse().expect("a decimal price");
    (price, value[split..].to_string())
}

#[test]
fn should_name_the_same_chain_and_endpoints_in_all_files() {
    let (keplr, chain, assets) = (keplr(), chain(), assetlist());
    assert_eq!(str_of(&keplr, "/chainId"), CHAIN_ID);
    assert_eq!(str_of(&chain, "/chain_id"), CHAIN_ID);
    assert_eq!(str_of(&keplr, "/chainName"), "gpuchain localnet");
    assert_eq!(str_of(&chain, "/pretty_name"), "gpuchain localnet");
    assert_eq!(str_of(&chain, "/chain_name"), "gpuchainlocal");
    assert_eq!(str_of(&assets, "/chain_name"), "gpuchainlocal");
    assert_eq!(str_of(&chain, "/chain_type"), "cosmos");

    assert_eq!(str_of(&keplr, "/rpc"), RPC);
    assert_eq!(str_of(&keplr, "/rest"), REST);
    assert_eq!(str_of(&chain, "/apis/rpc/0/address"), RPC);
    assert_eq!(str_of(&chain, "/apis/rest/0/address"), REST);

    assert_eq!(u64_of(&keplr, "/bip44/coinType"), 118);
    assert_eq!(u64_of(&chain, "/slip44"), 118);
    assert_eq!(keplr["features"], serde_json::json!([]));
}

#[test]
fn should_use_the_chain_bech32_prefixes() {
    let (keplr, chain) = (keplr(), chain());
    let want = serde_json::json!({
        "bech32PrefixAccAddr": ACCOUNT_PREFIX,
        "bech32PrefixAccPub": format!("{ACCOUNT_PREFIX}pub"),
        "bech32PrefixValAddr": VALOPER_PREFIX,
        "bech32PrefixValPub": format!("{VALOPER_PREFIX}pub"),
        "bech32PrefixConsAddr": VALCONS_PREFIX,
        "bech32PrefixConsPub": format!("{VALCONS_PREFIX}pub"),
    });
    assert_eq!(keplr["bech32Config"], want);
    assert_eq!(chain["bech32_config"], want);
    assert_eq!(str_of(&chain, "/bech32_prefix"), ACCOUNT_PREFIX);
    assert_eq!(
        (ACCOUNT_PREFIX, VALOPER_PREFIX, VALCONS_PREFIX),
        ("gpu", "gpuvaloper", "gpuvalcons")
    );
    // An address the chain prints carries the prefix the files announce.
    let addr = gpuchain_types::Address([7; 20]).to_string();
    assert!(addr.starts_with(&format!(
        "{}1",
        str_of(&keplr, "/bech32Config/bech32PrefixAccAddr")
    )));
}

#[test]
fn should_describe_ugpc_as_the_genesis_denom_metadata_does() {
    let meta = genesis_metadata();
    assert_eq!(str_of(&meta, "/base"), "ugpc");
    assert_eq!(str_of(&meta, "/display"), "gpc");
    assert_eq!(str_of(&meta, "/symbol"), "GPC");
    let decimals = display_exponent(&meta);
    assert_eq!(decimals, 6);

    let keplr = keplr();
    let fee_currencies = keplr["feeCurrencies"].as_array().expect("feeCurrencies");
    let currencies = keplr["currencies"].as_array().expect("currencies");
    assert_eq!((fee_currencies.len(), currencies.len()), (1, 1));
    for currency in [&keplr["stakeCurrency"], &currencies[0], &fee_currencies[0]] {
        assert_eq!(
            str_of(currency, "/coinMinimalDenom"),
            str_of(&meta, "/base")
        );
        assert_eq!(str_of(currency, "/coinDenom"), str_of(&meta, "/symbol"));
        assert_eq!(u64_of(currency, "/coinDecimals"), decimals);
    }

    let assets = assetlist();
    let list = assets["assets"].as_array().expect("assets");
    assert_eq!(list.len(), 1);
    let asset = &list[0];
    for field in ["base", "display", "name", "symbol", "description"] {
        assert_eq!(asset[field], meta[field], "assetlist {field}");
    }
    assert_eq!(str_of(asset, "/type_asset"), "sdk.coin");
    // The same units, exponents and aliases (the registry omits empty aliases).
    let units = |v: &Value| -> Vec<(String, u64, Vec<String>)> {
        v["denom_units"]
            .as_array()
            .expect("denom_units")
            .iter()
            .map(|u| {
                let aliases = u["aliases"].as_array().map_or_else(Vec::new, |a| {
                    a.iter()
                        .map(|s| s.as_str().expect("alias").to_string())
                        .collect()
                });
                (
                    str_of(u, "/denom").to_string(),
                    u64_of(u, "/exponent"),
                    aliases,
                )
            })
            .collect()
    };
    assert_eq!(units(asset), units(&meta));
    assert_eq!(
        units(asset),
        vec![
            ("ugpc".to_string(), 0, vec!["microgpc".to_string()]),
            ("gpc".to_string(), 6, vec![]),
        ]
    );

    let chain = chain();
    assert_eq!(
        str_of(&chain, "/fees/fee_tokens/0/denom"),
        gpuchain_genesis::DENOM
    );
    assert_eq!(
        str_of(&chain, "/staking/staking_tokens/0/denom"),
        gpuchain_genesis::DENOM
    );
}

#[test]
fn should_match_the_default_minimum_gas_price() {
    let (min_price, denom) = readme_min_gas_price();
    assert_eq!(denom, gpuchain_genesis::DENOM);
    let (keplr, chain) = (keplr(), chain());

    let fee = &chain["fees"]["fee_tokens"][0];
    assert_eq!(str_of(fee, "/denom"), denom);
    assert_eq!(f64_of(fee, "/fixed_min_gas_price"), min_price);
    let registry_steps = (
        f64_of(fee, "/low_gas_price"),
        f64_of(fee, "/average_gas_price"),
        f64_of(fee, "/high_gas_price"),
    );

    let step = &keplr["feeCurrencies"][0]["gasPriceStep"];
    let keplr_steps = (
        f64_of(step, "/low"),
        f64_of(step, "/average"),
        f64_of(step, "/high"),
    );
    assert_eq!(keplr_steps, (0.0025, 0.005, 0.01));
    assert_eq!(registry_steps, keplr_steps);
    // Keplr's cheapest setting still pays what a default node's mempool asks.
    assert!(keplr_steps.0 >= min_price);
    assert!(keplr_steps.0 <= keplr_steps.1 && keplr_steps.1 <= keplr_steps.2);
}

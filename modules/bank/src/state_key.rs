//! Every key of the `bank` module. Keys are built only here; each starts with
//! `bank/` and is pinned by a test, because changing one changes consensus
//! state.
//!
//! The keys under [`nv`] live in the non-verifiable store: indexes the module
//! keeps for its queries, outside the app hash. Changing one does not change
//! consensus state, but nodes would read stale indexes until they rebuild
//! them (bump [`nv::INDEXES_VERSION`]).

use gpuchain_types::Address;

/// The prefix of every key of the module.
pub const MODULE_PREFIX: &[u8] = b"bank/";

/// The stored layout's version (u16, big-endian).
///
/// Example: `bank/schema_version`
pub fn schema_version() -> Vec<u8> {
    b"bank/schema_version".to_vec()
}

/// The module's params (protobuf `cosmos.bank.v1beta1.Params`, with
/// `send_enabled` always empty: per-denom flags live under [`send_enabled`]).
///
/// Example: `bank/params`
pub fn params() -> Vec<u8> {
    b"bank/params".to_vec()
}

fn join(prefix: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    // One allocation of the exact size: keys are built on every balance read.
    let len = parts
        .iter()
        .fold(prefix.len(), |n, p| n.saturating_add(p.len()));
    let mut key = Vec::with_capacity(len);
    key.extend_from_slice(prefix);
    for part in parts {
        key.extend_from_slice(part);
    }
    key
}

pub mod balances {
    use super::{join, Address};

    const PREFIX: &[u8] = b"bank/balances/";

    /// The prefix of every balance (u128, 16 bytes big-endian; zero balances
    /// are never stored).
    ///
    /// Example: `bank/balances/`
    pub fn prefix() -> Vec<u8> {
        PREFIX.to_vec()
    }

    /// The prefix of every balance of one address.
    ///
    /// Example: for `Address([0x01; 20])`, `bank/balances/` + 20 bytes `0x01` + `/`
    pub fn of_address(address: &Address) -> Vec<u8> {
        join(PREFIX, &[address.as_bytes(), b"/"])
    }

    /// One balance: an address's amount of one denom.
    ///
    /// Example: for `Address([0x01; 20])` and `ugpc`,
    /// `bank/balances/` + 20 bytes `0x01` + `/ugpc`
    pub fn by_address_denom(address: &Address, denom: &str) -> Vec<u8> {
        join(PREFIX, &[address.as_bytes(), b"/", denom.as_bytes()])
    }

    /// The address and denom of a key built by [`by_address_denom`].
    pub fn parse(key: &[u8]) -> Option<(Address, String)> {
        let rest = key.strip_prefix(PREFIX)?;
        let (addr, rest) = rest.split_at_checked(20)?;
        let denom = rest.strip_prefix(b"/")?;
        let address = Address(addr.try_into().ok()?);
        Some((address, String::from_utf8(denom.to_vec()).ok()?))
    }
}

pub mod supply {
    use super::join;

    const PREFIX: &[u8] = b"bank/supply/";

    /// The prefix of every denom's total supply (u128, 16 bytes big-endian).
    ///
    /// Example: `bank/supply/`
    pub fn prefix() -> Vec<u8> {
        PREFIX.to_vec()
    }

    /// The total supply of one denom.
    ///
    /// Example: `bank/supply/ugpc`
    pub fn by_denom(denom: &str) -> Vec<u8> {
        join(PREFIX, &[denom.as_bytes()])
    }
}

pub mod denom_metadata {
    use super::join;

    const PREFIX: &[u8] = b"bank/denom_metadata/";

    /// The prefix of every denom's metadata (protobuf
    /// `cosmos.bank.v1beta1.Metadata`).
    ///
    /// Example: `bank/denom_metadata/`
    pub fn prefix() -> Vec<u8> {
        PREFIX.to_vec()
    }

    /// The metadata of one (base) denom.
    ///
    /// Example: `bank/denom_metadata/ugpc`
    pub fn by_denom(denom: &str) -> Vec<u8> {
        join(PREFIX, &[denom.as_bytes()])
    }
}

pub mod send_enabled {
    use super::join;

    const PREFIX: &[u8] = b"bank/send_enabled/";

    /// The prefix of every per-denom send flag (protobuf
    /// `cosmos.bank.v1beta1.SendEnabled`).
    ///
    /// Example: `bank/send_enabled/`
    pub fn prefix() -> Vec<u8> {
        PREFIX.to_vec()
    }

    /// The send flag of one denom; absent means `default_send_enabled`.
    ///
    /// Example: `bank/send_enabled/ugpc`
    pub fn by_denom(denom: &str) -> Vec<u8> {
        join(PREFIX, &[denom.as_bytes()])
    }
}

/// Keys of the non-verifiable store (outside the app hash).
pub mod nv {
    /// The version of the module's nv indexes; a node whose stored marker
    /// ([`indexes_version`]) differs rebuilds them at the next block.
    pub const INDEXES_VERSION: u16 = 1;

    /// The version of the nv indexes this node has built (u16, big-endian).
    ///
    /// Example: `bank/nv_indexes_version`
    pub fn indexes_version() -> Vec<u8> {
        b"bank/nv_indexes_version".to_vec()
    }

    pub mod denom_owners {
        use super::super::{join, Address};

        const PREFIX: &[u8] = b"bank/denom_owners/";

        /// The prefix of the denom-owners index: one empty entry per
        /// (denom, address) whose balance is non-zero.
        ///
        /// Example: `bank/denom_owners/`
        pub fn prefix() -> Vec<u8> {
            PREFIX.to_vec()
        }

        /// The prefix of one denom's owners. A denom may contain `/`, so this
        /// prefix also covers the owners of longer denoms (`ugpc/x`); theirs
        /// are the keys whose rest is not exactly 20 bytes ([`owner_of`]).
        ///
        /// Example: `bank/denom_owners/ugpc/`
        pub fn of_denom(denom: &str) -> Vec<u8> {
            join(PREFIX, &[denom.as_bytes(), b"/"])
        }

        /// One owner of a denom, by its 20 raw address bytes (keys sort by
        /// address within a denom).
        ///
        /// Example: for `ugpc` and `Address([0x01; 20])`,
        /// `bank/denom_owners/ugpc/` + 20 bytes `0x01`
        pub fn by_denom_address(denom: &str, address: &Address) -> Vec<u8> {
            join(PREFIX, &[denom.as_bytes(), b"/", address.as_bytes()])
        }

        /// The owner in a key under [`of_denom`]`(denom)` that belongs to
        /// `denom` itself; `None` for a longer denom's key or another key.
        pub fn owner_of(key: &[u8], denom: &str) -> Option<Address> {
            let rest = key.strip_prefix(of_denom(denom).as_slice())?;
            Some(Address(rest.try_into().ok()?))
        }

        /// The denom and owner of a key built by [`by_denom_address`].
        pub fn parse(key: &[u8]) -> Option<(String, Address)> {
            let rest = key.strip_prefix(PREFIX)?;
            let split = rest.len().checked_sub(20)?;
            let (denom, address) = rest.split_at(split);
            let denom = denom.strip_suffix(b"/")?;
            let address = Address(address.try_into().ok()?);
            Some((String::from_utf8(denom.to_vec()).ok()?, address))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex_of(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn should_keep_key_bytes_when_code_changes() {
        assert_eq!(schema_version(), b"bank/schema_version");
        assert_eq!(params(), b"bank/params");
        assert_eq!(balances::prefix(), b"bank/balances/");
        assert_eq!(supply::prefix(), b"bank/supply/");
        assert_eq!(supply::by_denom("ugpc"), b"bank/supply/ugpc");
        assert_eq!(denom_metadata::prefix(), b"bank/denom_metadata/");
        assert_eq!(
            denom_metadata::by_denom("ugpc"),
            b"bank/denom_metadata/ugpc"
        );
        assert_eq!(send_enabled::prefix(), b"bank/send_enabled/");
        assert_eq!(send_enabled::by_denom("ugpc"), b"bank/send_enabled/ugpc");

        let a = Address([0x01; 20]);
        let mut want = b"bank/balances/".to_vec();
        want.extend_from_slice(&[0x01; 20]);
        want.extend_from_slice(b"/");
        assert_eq!(balances::of_address(&a), want);
        want.extend_from_slice(b"ugpc");
        assert_eq!(balances::by_address_denom(&a, "ugpc"), want);
        assert_eq!(
            hex_of(&balances::by_address_denom(&Address([0xab; 20]), "ugpc")),
            "62616e6b2f62616c616e6365732fabababababababababababababababababababab2f75677063"
        );
    }

    #[test]
    fn should_keep_nv_key_bytes_when_code_changes() {
        use nv::denom_owners;
        assert_eq!(nv::indexes_version(), b"bank/nv_indexes_version");
        assert_eq!(denom_owners::prefix(), b"bank/denom_owners/");
        assert_eq!(denom_owners::of_denom("ugpc"), b"bank/denom_owners/ugpc/");
        let mut want = b"bank/denom_owners/ugpc/".to_vec();
        want.extend_from_slice(&[0x01; 20]);
        assert_eq!(
            denom_owners::by_denom_address("ugpc", &Address([0x01; 20])),
            want
        );
        assert_eq!(
            hex_of(&denom_owners::by_denom_address("ugpc", &Address([0xab; 20]))),
            "62616e6b2f64656e6f6d5f6f776e6572732f756770632fabababababababababababababababababababab"
        );
    }

    #[test]
    fn should_tell_denom_owners_apart_when_denoms_contain_slashes() {
        use nv::denom_owners;
        let a = Address([0x2f; 20]); // '/' bytes
        let short = denom_owners::by_denom_address("ibc", &a);
        let long = denom_owners::by_denom_address("ibc/ABC", &a);
        // The short denom's prefix covers the long denom's key ...
        assert!(long.starts_with(&denom_owners::of_denom("ibc")));
        // ... but only the short denom's own key yields an owner of it.
        assert_eq!(denom_owners::owner_of(&short, "ibc"), Some(a));
        assert_eq!(denom_owners::owner_of(&long, "ibc"), None);
        assert_eq!(denom_owners::owner_of(&long, "ibc/ABC"), Some(a));
        assert_eq!(denom_owners::parse(&short), Some(("ibc".to_string(), a)));
        assert_eq!(denom_owners::parse(&long), Some(("ibc/ABC".to_string(), a)));
        assert_eq!(denom_owners::parse(b"bank/denom_owners/x"), None);
        assert_eq!(denom_owners::parse(b"bank/supply/ugpc"), None);
    }

    #[test]
    fn should_start_every_key_with_module_prefix_when_built() {
        let a = Address([7; 20]);
        for key in [
            schema_version(),
            params(),
            balances::prefix(),
            balances::of_address(&a),
            balances::by_address_denom(&a, "ugpc"),
            supply::by_denom("ugpc"),
            denom_metadata::by_denom("ugpc"),
            send_enabled::by_denom("ugpc"),
            nv::indexes_version(),
            nv::denom_owners::prefix(),
            nv::denom_owners::by_denom_address("ugpc", &a),
        ] {
            assert!(key.starts_with(MODULE_PREFIX));
        }
    }

    #[test]
    fn should_recover_address_and_denom_when_parsing_balance_key() {
        let a = Address([0x2f; 20]); // bytes equal to '/' must not confuse parsing
        let key = balances::by_address_denom(&a, "ibc/27394FB092D2ECCD56123C74F36E4C1F926001CE");
        assert_eq!(
            balances::parse(&key),
            Some((
                a,
                "ibc/27394FB092D2ECCD56123C74F36E4C1F926001CE".to_string()
            ))
        );
        assert_eq!(balances::parse(b"bank/balances/short"), None);
        assert_eq!(balances::parse(b"bank/supply/ugpc"), None);
    }

    #[test]
    fn should_not_let_one_address_prefix_cover_another() {
        let a = balances::of_address(&Address([1; 20]));
        let b = balances::by_address_denom(&Address([2; 20]), "ugpc");
        assert!(!b.starts_with(&a));
    }
}

//! Every key of the `auth` module. Keys are built only here; each starts with
//! `auth/` and is pinned by a test, because changing one changes consensus
//! state.
//!
//! The keys under [`nv`] live in the non-verifiable store: indexes the module
//! keeps for its queries, outside the app hash. Changing one does not change
//! consensus state, but nodes would read stale indexes until they rebuild
//! them (bump [`nv::INDEXES_VERSION`]).

use gpuchain_types::Address;

/// The prefix of every key of the module.
pub const MODULE_PREFIX: &[u8] = b"auth/";

/// The stored layout's version (u16, big-endian).
///
/// Example: `auth/schema_version`
pub fn schema_version() -> Vec<u8> {
    b"auth/schema_version".to_vec()
}

/// The module's params (protobuf `cosmos.auth.v1beta1.Params`).
///
/// Example: `auth/params`
pub fn params() -> Vec<u8> {
    b"auth/params".to_vec()
}

/// The account number the next new account gets (u64, big-endian).
///
/// Example: `auth/next_account_number`
pub fn next_account_number() -> Vec<u8> {
    b"auth/next_account_number".to_vec()
}

pub mod accounts {
    use super::Address;

    const PREFIX: &[u8] = b"auth/accounts/";

    /// The prefix of every account (protobuf `cosmos.auth.v1beta1.BaseAccount`).
    ///
    /// Example: `auth/accounts/`
    pub fn prefix() -> Vec<u8> {
        PREFIX.to_vec()
    }

    /// One account, by its 20 raw address bytes.
    ///
    /// Example: for `Address([0x01; 20])`,
    /// `auth/accounts/\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01`
    pub fn by_address(address: &Address) -> Vec<u8> {
        [PREFIX, address.as_bytes()].concat()
    }

    /// The address in a key built by [`by_address`]; `None` for any other key.
    pub fn address_of(key: &[u8]) -> Option<Address> {
        let raw = key.strip_prefix(PREFIX)?;
        let bytes: [u8; 20] = raw.try_into().ok()?;
        Some(Address(bytes))
    }
}

/// Keys of the non-verifiable store (outside the app hash).
pub mod nv {
    /// The version of the module's nv indexes; a node whose stored marker
    /// ([`indexes_version`]) differs rebuilds them at the next block.
    pub const INDEXES_VERSION: u16 = 1;

    /// The version of the nv indexes this node has built (u16, big-endian).
    ///
    /// Example: `auth/nv_indexes_version`
    pub fn indexes_version() -> Vec<u8> {
        b"auth/nv_indexes_version".to_vec()
    }

    pub mod accounts_by_number {
        const PREFIX: &[u8] = b"auth/accounts_by_number/";

        /// The prefix of the account-number index: number -> the 20 address
        /// bytes of the account that has it.
        ///
        /// Example: `auth/accounts_by_number/`
        pub fn prefix() -> Vec<u8> {
            PREFIX.to_vec()
        }

        /// One entry, by account number (u64, big-endian, so keys sort by number).
        ///
        /// Example: for 258, `auth/accounts_by_number/\x00\x00\x00\x00\x00\x00\x01\x02`
        pub fn by_number(number: u64) -> Vec<u8> {
            let mut key = PREFIX.to_vec();
            key.extend_from_slice(&number.to_be_bytes());
            key
        }

        /// The account number in a key built by [`by_number`]; `None` for any
        /// other key.
        pub fn number_of(key: &[u8]) -> Option<u64> {
            let raw: [u8; 8] = key.strip_prefix(PREFIX)?.try_into().ok()?;
            Some(u64::from_be_bytes(raw))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_keep_key_bytes_when_code_changes() {
        assert_eq!(schema_version(), b"auth/schema_version");
        assert_eq!(params(), b"auth/params");
        assert_eq!(next_account_number(), b"auth/next_account_number");
        assert_eq!(accounts::prefix(), b"auth/accounts/");
        let mut want = b"auth/accounts/".to_vec();
        want.extend_from_slice(&[0x01; 20]);
        assert_eq!(accounts::by_address(&Address([0x01; 20])), want);
        assert_eq!(
            hex_of(&accounts::by_address(&Address([0xab; 20]))),
            "617574682f6163636f756e74732fabababababababababababababababababababab"
        );
    }

    #[test]
    fn should_keep_nv_key_bytes_when_code_changes() {
        assert_eq!(nv::indexes_version(), b"auth/nv_indexes_version");
        assert_eq!(
            nv::accounts_by_number::prefix(),
            b"auth/accounts_by_number/"
        );
        assert_eq!(
            hex_of(&nv::accounts_by_number::by_number(258)),
            "617574682f6163636f756e74735f62795f6e756d6265722f0000000000000102"
        );
        assert_eq!(
            nv::accounts_by_number::number_of(&nv::accounts_by_number::by_number(u64::MAX)),
            Some(u64::MAX)
        );
        assert_eq!(
            nv::accounts_by_number::number_of(b"auth/accounts_by_number/1"),
            None
        );
        assert_eq!(nv::accounts_by_number::number_of(b"auth/params"), None);
    }

    #[test]
    fn should_start_every_key_with_module_prefix_when_built() {
        for key in [
            schema_version(),
            params(),
            next_account_number(),
            accounts::prefix(),
            accounts::by_address(&Address([9; 20])),
            nv::indexes_version(),
            nv::accounts_by_number::prefix(),
            nv::accounts_by_number::by_number(7),
        ] {
            assert!(key.starts_with(MODULE_PREFIX));
        }
    }

    #[test]
    fn should_recover_address_when_parsing_account_key() {
        let a = Address([42; 20]);
        assert_eq!(accounts::address_of(&accounts::by_address(&a)), Some(a));
        assert_eq!(accounts::address_of(b"auth/accounts/short"), None);
        assert_eq!(accounts::address_of(b"auth/params"), None);
    }

    fn hex_of(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

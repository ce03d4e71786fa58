//! Every key of the `auth` module. Keys are built only here; each starts with
//! `auth/` and is pinned by a test, because changing one changes consensus
//! state.

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
        let mut key = PREFIX.to_vec();
        key.extend_from_slice(address.as_bytes());
        key
    }

    /// The address in a key built by [`by_address`]; `None` for any other key.
    pub fn address_of(key: &[u8]) -> Option<Address> {
        let raw = key.strip_prefix(PREFIX)?;
        let bytes: [u8; 20] = raw.try_into().ok()?;
        Some(Address(bytes))
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
    fn should_start_every_key_with_module_prefix_when_built() {
        for key in [
            schema_version(),
            params(),
            next_account_number(),
            accounts::prefix(),
            accounts::by_address(&Address([9; 20])),
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

//! Every key of the `escrow` module. Keys are built only here; each starts
//! with `escrow/` and is pinned by a test, because changing one changes
//! consensus state (or, under [`nv`], what nodes read from their indexes).

use gpuchain_types::Address;

/// The prefix of every key of the module.
pub const MODULE_PREFIX: &[u8] = b"escrow/";

/// The stored layout's version (u16, big-endian).
///
/// Example: `escrow/schema_version`
pub fn schema_version() -> Vec<u8> {
    b"escrow/schema_version".to_vec()
}

pub mod accounts {
    const PREFIX: &[u8] = b"escrow/accounts/";

    /// The prefix of every escrow account (open and closed), in id order.
    ///
    /// Example: `escrow/accounts/`
    pub fn prefix() -> Vec<u8> {
        PREFIX.to_vec()
    }

    /// One account by id (u64 big-endian, so keys sort by id). The value is
    /// a version byte then the borsh encoding (see `state_ext`).
    ///
    /// Example: for id 1, `escrow/accounts/` + `00 00 00 00 00 00 00 01`
    pub fn by_id(id: u64) -> Vec<u8> {
        let mut key = PREFIX.to_vec();
        key.extend_from_slice(&id.to_be_bytes());
        key
    }

    /// The id in a key built by [`by_id`].
    pub fn parse(key: &[u8]) -> Option<u64> {
        let rest = key.strip_prefix(PREFIX)?;
        Some(u64::from_be_bytes(rest.try_into().ok()?))
    }
}

/// Keys of the non-verifiable store (outside the app hash).
pub mod nv {
    use super::Address;

    /// The time of the block being executed (i64 unix seconds, big-endian),
    /// recorded at begin_block for the `Account` query's `owed_now`.
    ///
    /// Example: `escrow/block_time`
    pub fn block_time() -> Vec<u8> {
        b"escrow/block_time".to_vec()
    }

    pub mod by_owner {
        use super::Address;

        const PREFIX: &[u8] = b"escrow/by_owner/";

        /// The prefix of the owner index: one empty entry per account.
        ///
        /// Example: `escrow/by_owner/`
        pub fn prefix() -> Vec<u8> {
            PREFIX.to_vec()
        }

        /// The prefix of one owner's entries (20 raw address bytes).
        ///
        /// Example: for `Address([0x01; 20])`, `escrow/by_owner/` + 20 bytes `0x01`
        pub fn of_owner(owner: &Address) -> Vec<u8> {
            let mut key = PREFIX.to_vec();
            key.extend_from_slice(owner.as_bytes());
            key
        }

        /// One account of an owner (id u64 big-endian after the address).
        ///
        /// Example: for `Address([0x01; 20])` and id 2,
        /// `escrow/by_owner/` + 20 bytes `0x01` + `00 00 00 00 00 00 00 02`
        pub fn by_owner_id(owner: &Address, id: u64) -> Vec<u8> {
            let mut key = of_owner(owner);
            key.extend_from_slice(&id.to_be_bytes());
            key
        }

        /// The owner and id of a key built by [`by_owner_id`].
        pub fn parse(key: &[u8]) -> Option<(Address, u64)> {
            let rest = key.strip_prefix(PREFIX)?;
            if rest.len() != 28 {
                return None;
            }
            let (addr, id) = rest.split_at(20);
            Some((
                Address(addr.try_into().ok()?),
                u64::from_be_bytes(id.try_into().ok()?),
            ))
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
        assert_eq!(schema_version(), b"escrow/schema_version");
        assert_eq!(accounts::prefix(), b"escrow/accounts/");
        assert_eq!(
            hex_of(&accounts::by_id(0x0102)),
            "657363726f772f6163636f756e74732f0000000000000102"
        );
        assert_eq!(accounts::parse(&accounts::by_id(u64::MAX)), Some(u64::MAX));
        assert_eq!(accounts::parse(b"escrow/accounts/x"), None);
        assert!(accounts::by_id(1) < accounts::by_id(256));
    }

    #[test]
    fn should_keep_nv_key_bytes_when_code_changes() {
        assert_eq!(nv::block_time(), b"escrow/block_time");
        assert_eq!(nv::by_owner::prefix(), b"escrow/by_owner/");
        let a = Address([0xab; 20]);
        assert_eq!(
            hex_of(&nv::by_owner::by_owner_id(&a, 2)),
            "657363726f772f62795f6f776e65722fabababababababababababababababababababab0000000000000002"
        );
        let mut want = b"escrow/by_owner/".to_vec();
        want.extend_from_slice(&[0xab; 20]);
        assert_eq!(nv::by_owner::of_owner(&a), want);
        assert_eq!(
            nv::by_owner::parse(&nv::by_owner::by_owner_id(&a, 9)),
            Some((a, 9))
        );
        assert_eq!(nv::by_owner::parse(b"escrow/by_owner/short"), None);
    }
}

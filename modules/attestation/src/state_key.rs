//! Every key of the `attestation` module. Keys are built only here; each
//! starts with `attestation/` and is pinned by a test, because changing one
//! changes consensus state (or, under [`nv`], the indexes nodes read).
//!
//! Integers in keys are big-endian so keys sort numerically; times (i64 unix
//! seconds) are stored with the sign bit flipped ([`time_bytes`]) so that they
//! sort in time order. A GPU uuid never contains `/` (checked when reported).

use gpuchain_types::Address;

/// The prefix of every key of the module.
pub const MODULE_PREFIX: &[u8] = b"attestation/";

fn join(prefix: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut key = prefix.to_vec();
    for part in parts {
        key.extend_from_slice(part);
    }
    key
}

/// A time as 8 sortable bytes: the i64 with its sign bit flipped, big-endian.
pub fn time_bytes(time: i64) -> [u8; 8] {
    ((time as u64) ^ (1u64 << 63)).to_be_bytes()
}

/// The module's params (protobuf `gpuchain.attestation.v1.Params`).
///
/// Example: `attestation/params`
pub fn params() -> Vec<u8> {
    b"attestation/params".to_vec()
}

/// The id the next challenge gets (u64 big-endian; absent means 1).
///
/// Example: `attestation/next_challenge_id`
pub fn next_challenge_id() -> Vec<u8> {
    b"attestation/next_challenge_id".to_vec()
}

pub mod providers {
    use super::{join, Address};

    const PREFIX: &[u8] = b"attestation/providers/";

    /// Every provider (protobuf `Provider`), by owner address bytes.
    ///
    /// Example: `attestation/providers/`
    pub fn prefix() -> Vec<u8> {
        PREFIX.to_vec()
    }

    /// One provider.
    ///
    /// Example: for `Address([0x01; 20])`, `attestation/providers/` + 20 bytes `0x01`
    pub fn by_owner(owner: &Address) -> Vec<u8> {
        join(PREFIX, &[owner.as_bytes()])
    }
}

pub mod agents {
    use super::{join, Address};

    const PREFIX: &[u8] = b"attestation/agents/";
    const OWNER_PREFIX: &[u8] = b"attestation/agent_owner/";

    /// The agents of one provider (empty values), by agent address bytes.
    ///
    /// Example: for `Address([0x01; 20])`, `attestation/agents/` + 20 bytes `0x01`
    pub fn of_provider(provider: &Address) -> Vec<u8> {
        join(PREFIX, &[provider.as_bytes()])
    }

    /// One authorization: `provider` lets `agent` sign agent messages.
    ///
    /// Example: `attestation/agents/` + 20 bytes provider + 20 bytes agent
    pub fn by_provider_agent(provider: &Address, agent: &Address) -> Vec<u8> {
        join(PREFIX, &[provider.as_bytes(), agent.as_bytes()])
    }

    /// The provider an agent signs for (20 address bytes); an agent serves
    /// one provider.
    ///
    /// Example: for `Address([0x02; 20])`, `attestation/agent_owner/` + 20 bytes `0x02`
    pub fn owner_of(agent: &Address) -> Vec<u8> {
        join(OWNER_PREFIX, &[agent.as_bytes()])
    }
}

pub mod gpus {
    use super::{join, Address};

    const PREFIX: &[u8] = b"attestation/gpus/";
    const BY_PROVIDER: &[u8] = b"attestation/gpus_by_provider/";

    /// One GPU (protobuf `Gpu`) by uuid; the uuid is claimed chain-wide.
    ///
    /// Example: `attestation/gpus/GPU-0a`
    pub fn by_uuid(uuid: &str) -> Vec<u8> {
        join(PREFIX, &[uuid.as_bytes()])
    }

    /// The uuids of one provider's GPUs (empty values).
    ///
    /// Example: `attestation/gpus_by_provider/` + 20 bytes provider
    pub fn of_provider(provider: &Address) -> Vec<u8> {
        join(BY_PROVIDER, &[provider.as_bytes()])
    }

    /// One entry of [`of_provider`].
    ///
    /// Example: `attestation/gpus_by_provider/` + 20 bytes provider + `GPU-0a`
    pub fn by_provider_uuid(provider: &Address, uuid: &str) -> Vec<u8> {
        join(BY_PROVIDER, &[provider.as_bytes(), uuid.as_bytes()])
    }
}

pub mod challenges {
    use super::{join, Address};

    const PREFIX: &[u8] = b"attestation/challenges/";
    const BY_PROVIDER: &[u8] = b"attestation/challenges_by_provider/";
    const BY_GPU: &[u8] = b"attestation/challenges_by_gpu/";

    /// Every challenge (protobuf `Challenge`), by id (u64 big-endian).
    ///
    /// Example: `attestation/challenges/`
    pub fn prefix() -> Vec<u8> {
        PREFIX.to_vec()
    }

    /// One challenge.
    ///
    /// Example: for id 1, `attestation/challenges/` + `00 00 00 00 00 00 00 01`
    pub fn by_id(id: u64) -> Vec<u8> {
        join(PREFIX, &[&id.to_be_bytes()])
    }

    /// One provider's challenges (empty values), in id order.
    ///
    /// Example: `attestation/challenges_by_provider/` + 20 bytes provider
    pub fn of_provider(provider: &Address) -> Vec<u8> {
        join(BY_PROVIDER, &[provider.as_bytes()])
    }

    /// One entry of [`of_provider`].
    ///
    /// Example: `attestation/challenges_by_provider/` + 20 bytes provider + id u64 BE
    pub fn by_provider_id(provider: &Address, id: u64) -> Vec<u8> {
        join(BY_PROVIDER, &[provider.as_bytes(), &id.to_be_bytes()])
    }

    /// One GPU's challenges (empty values), in id order.
    ///
    /// Example: `attestation/challenges_by_gpu/GPU-0a/`
    pub fn of_gpu(uuid: &str) -> Vec<u8> {
        join(BY_GPU, &[uuid.as_bytes(), b"/"])
    }

    /// One entry of [`of_gpu`].
    ///
    /// Example: `attestation/challenges_by_gpu/GPU-0a/` + id u64 BE
    pub fn by_gpu_id(uuid: &str, id: u64) -> Vec<u8> {
        join(BY_GPU, &[uuid.as_bytes(), b"/", &id.to_be_bytes()])
    }
}

/// Keys of the non-verifiable store: the module's time- and height-ordered
/// queues, read in bounded ranges at the start and end of blocks. They are
/// written in the same blocks on every node, so they are the same everywhere.
pub mod nv {
    use super::{join, time_bytes, Address};

    /// The hash of a recent block (raw bytes), recorded in begin-block and
    /// kept for `report_max_age_blocks`.
    ///
    /// Example: for height 5, `attestation/block_hash/` + `00 .. 05`
    pub fn block_hash(height: u64) -> Vec<u8> {
        join(b"attestation/block_hash/", &[&height.to_be_bytes()])
    }

    /// The time of the last block begun (i64 BE), for queries.
    ///
    /// Example: `attestation/last_block_time`
    pub fn last_block_time() -> Vec<u8> {
        b"attestation/last_block_time".to_vec()
    }

    pub mod unbonding {
        use super::*;
        const PREFIX: &[u8] = b"attestation/unbonding/";

        /// The unbonding queue: providers by the time their bond returns.
        ///
        /// Example: `attestation/unbonding/`
        pub fn prefix() -> Vec<u8> {
            PREFIX.to_vec()
        }

        /// Entries due before `time` (exclusive end of a range).
        ///
        /// Example: for time 0, `attestation/unbonding/` + `80 00 00 00 00 00 00 00`
        pub fn before(time: i64) -> Vec<u8> {
            join(PREFIX, &[&time_bytes(time)])
        }

        /// One entry (empty value).
        ///
        /// Example: `attestation/unbonding/` + time (8 bytes) + 20 bytes provider
        pub fn entry(time: i64, provider: &Address) -> Vec<u8> {
            join(PREFIX, &[&time_bytes(time), provider.as_bytes()])
        }
    }

    pub mod deadlines {
        use super::*;
        const PREFIX: &[u8] = b"attestation/deadlines/";

        /// Open challenges by their current deadline (commit, then open).
        ///
        /// Example: `attestation/deadlines/`
        pub fn prefix() -> Vec<u8> {
            PREFIX.to_vec()
        }

        /// Entries whose deadline is before `time` (exclusive end).
        ///
        /// Example: `attestation/deadlines/` + time (8 bytes)
        pub fn before(time: i64) -> Vec<u8> {
            join(PREFIX, &[&time_bytes(time)])
        }

        /// One entry (empty value).
        ///
        /// Example: `attestation/deadlines/` + time (8 bytes) + id u64 BE
        pub fn entry(time: i64, id: u64) -> Vec<u8> {
            join(PREFIX, &[&time_bytes(time), &id.to_be_bytes()])
        }
    }

    pub mod random_due {
        use super::*;
        const PREFIX: &[u8] = b"attestation/random_due/";

        /// GPUs by the time of their next random challenge.
        ///
        /// Example: `attestation/random_due/`
        pub fn prefix() -> Vec<u8> {
            PREFIX.to_vec()
        }

        /// Entries due before `time` (exclusive end).
        ///
        /// Example: `attestation/random_due/` + time (8 bytes)
        pub fn before(time: i64) -> Vec<u8> {
            join(PREFIX, &[&time_bytes(time)])
        }

        /// One entry (empty value).
        ///
        /// Example: `attestation/random_due/` + time (8 bytes) + `GPU-0a`
        pub fn entry(time: i64, uuid: &str) -> Vec<u8> {
            join(PREFIX, &[&time_bytes(time), uuid.as_bytes()])
        }
    }

    pub mod beacon_due {
        use super::*;
        const PREFIX: &[u8] = b"attestation/beacon_due/";

        /// Challenges committed in the block before `height`, which take
        /// that block's hash as their beacon.
        ///
        /// Example: for height 5, `attestation/beacon_due/` + `00 .. 05`
        pub fn at_height(height: u64) -> Vec<u8> {
            join(PREFIX, &[&height.to_be_bytes()])
        }

        /// One entry (empty value).
        ///
        /// Example: `attestation/beacon_due/` + height u64 BE + id u64 BE
        pub fn entry(height: u64, id: u64) -> Vec<u8> {
            join(PREFIX, &[&height.to_be_bytes(), &id.to_be_bytes()])
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
        let a = Address([0xab; 20]);
        let b = Address([0xcd; 20]);
        assert_eq!(params(), b"attestation/params");
        assert_eq!(next_challenge_id(), b"attestation/next_challenge_id");
        assert_eq!(providers::prefix(), b"attestation/providers/");
        assert_eq!(
            hex_of(&providers::by_owner(&a)),
            format!("{}{}", hex_of(b"attestation/providers/"), "ab".repeat(20))
        );
        assert_eq!(
            hex_of(&agents::by_provider_agent(&a, &b)),
            format!(
                "{}{}{}",
                hex_of(b"attestation/agents/"),
                "ab".repeat(20),
                "cd".repeat(20)
            )
        );
        assert_eq!(
            hex_of(&agents::owner_of(&b)),
            format!("{}{}", hex_of(b"attestation/agent_owner/"), "cd".repeat(20))
        );
        assert_eq!(gpus::by_uuid("GPU-0a"), b"attestation/gpus/GPU-0a");
        let mut want = b"attestation/gpus_by_provider/".to_vec();
        want.extend_from_slice(&[0xab; 20]);
        assert_eq!(gpus::of_provider(&a), want);
        want.extend_from_slice(b"GPU-0a");
        assert_eq!(gpus::by_provider_uuid(&a, "GPU-0a"), want);
        assert_eq!(
            hex_of(&challenges::by_id(1)),
            format!("{}0000000000000001", hex_of(b"attestation/challenges/"))
        );
        let mut want = b"attestation/challenges_by_provider/".to_vec();
        want.extend_from_slice(&[0xab; 20]);
        want.extend_from_slice(&7u64.to_be_bytes());
        assert_eq!(challenges::by_provider_id(&a, 7), want);
        let mut want = b"attestation/challenges_by_gpu/GPU-0a/".to_vec();
        assert_eq!(challenges::of_gpu("GPU-0a"), want);
        want.extend_from_slice(&7u64.to_be_bytes());
        assert_eq!(challenges::by_gpu_id("GPU-0a", 7), want);
    }

    #[test]
    fn should_keep_nv_key_bytes_when_code_changes() {
        assert_eq!(
            hex_of(&nv::block_hash(5)),
            format!("{}0000000000000005", hex_of(b"attestation/block_hash/"))
        );
        assert_eq!(nv::last_block_time(), b"attestation/last_block_time");
        assert_eq!(
            hex_of(&nv::unbonding::entry(1, &Address([1; 20]))),
            format!(
                "{}8000000000000001{}",
                hex_of(b"attestation/unbonding/"),
                "01".repeat(20)
            )
        );
        assert_eq!(
            hex_of(&nv::deadlines::entry(2, 3)),
            format!(
                "{}80000000000000020000000000000003",
                hex_of(b"attestation/deadlines/")
            )
        );
        assert_eq!(
            hex_of(&nv::random_due::entry(2, "G")),
            format!("{}800000000000000247", hex_of(b"attestation/random_due/"))
        );
        assert_eq!(
            hex_of(&nv::beacon_due::entry(4, 3)),
            format!(
                "{}00000000000000040000000000000003",
                hex_of(b"attestation/beacon_due/")
            )
        );
        assert_eq!(nv::deadlines::before(0), nv::deadlines::entry(0, 0)[..30]);
    }

    #[test]
    fn should_sort_times_in_time_order_when_encoded() {
        assert!(time_bytes(-1) < time_bytes(0));
        assert!(time_bytes(0) < time_bytes(1));
        assert!(time_bytes(1) < time_bytes(i64::MAX));
        assert!(time_bytes(i64::MIN) < time_bytes(-1));
    }
}

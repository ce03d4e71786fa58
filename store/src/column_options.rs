//! RocksDB options of each column family.

use rocksdb::Options;

use crate::storage::cf;
use crate::StoreError;

/// Every memtable insert of a column family keeps, per first key byte, the
/// position of the last insert as the starting point of the next.
///
/// A block's writes reach RocksDB in key order within each column family
/// (new tree nodes by version and path, values by key hash, state keys
/// sorted; the prune's deletes by node key), but land among the entries of
/// the blocks before them. Without a hint RocksDB restarts its skiplist
/// search from the top for every key that is not right after the previous
/// one; with it the search starts from the previous key, which is a few
/// entries away. The first byte (a tree node's version, low byte first; a
/// value's key hash; a state key's module prefix) keeps apart runs of keys
/// that are written interleaved, such as the deletes of nodes of several
/// versions. Measured at 1M accounts (5,000 sends a block, median of 8
/// blocks, five alternating runs): the commit's write 18.7-23.8 -> 16.3-17.7
/// ms, the prune's 19.3-25.6 -> 16.3-19.9 ms. Costs about 250 bytes per
/// prefix and memtable.
const INSERT_HINT: &str = "memtable_insert_with_hint_prefix_extractor=rocksdb.FixedPrefix.1";

/// The options of column family `name`.
pub(crate) fn column_options(name: &str) -> Result<Options, StoreError> {
    let mut o = Options::default().get_options_from_string(INSERT_HINT)?;
    if name == cf::JMT_NODE {
        // Tree nodes are mostly hashes, which do not compress: LZ4 only cost
        // compactions CPU (1M-account bench, 12 blocks of 5,000 sends, two
        // runs each: 14.4k/15.0k tx/s with it, 17.6k/16.5k without).
        o.set_compression_type(rocksdb::DBCompressionType::None);
    }
    Ok(o)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::{Storage, StorageConfig};

    /// Column family `name`'s option `key` as RocksDB recorded it in the
    /// database's latest OPTIONS file.
    fn recorded(dir: &std::path::Path, name: &str, key: &str) -> String {
        let options = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("OPTIONS-")
            })
            .max()
            .unwrap();
        let text = std::fs::read_to_string(options).unwrap();
        let section = text
            .split(&format!("[CFOptions \"{name}\"]"))
            .nth(1)
            .unwrap();
        let prefix = format!("{key}=");
        let line = section
            .lines()
            .find(|l| l.trim_start().starts_with(&prefix))
            .unwrap();
        line.trim().trim_start_matches(&prefix).to_string()
    }

    #[test]
    fn should_open_every_column_family_with_its_options() {
        let dir = tempfile::tempdir().unwrap();
        drop(Storage::open(dir.path(), StorageConfig::default()).unwrap());
        assert_eq!(
            recorded(dir.path(), cf::JMT_NODE, "compression"),
            "kNoCompression"
        );
        for name in [cf::STATE, cf::JMT_VALUE] {
            assert_ne!(
                recorded(dir.path(), name, "compression"),
                "kNoCompression",
                "{name}"
            );
        }
        for name in cf::ALL {
            assert_eq!(
                recorded(
                    dir.path(),
                    name,
                    "memtable_insert_with_hint_prefix_extractor"
                ),
                "rocksdb.FixedPrefix.1",
                "{name}"
            );
        }
    }
}

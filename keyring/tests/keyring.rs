use std::fs;
use std::os::unix::fs::PermissionsExt;

use gpuchain_keyring::{derive, Keyring, KeyringError, SecretKey};
use gpuchain_types::Address;
use k256::ecdsa::signature::Verifier;
use k256::ecdsa::Signature;

const ABANDON: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
const ABANDON_PUBKEY_B64: &str = "Ak9OKtmcNNYLm6YoPJQxqEGK+GcyEpYfl6d7Y3f80Fti";

fn mode(p: &std::path::Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn setup() -> (tempfile::TempDir, Keyring) {
    let home = tempfile::tempdir().unwrap();
    let kr = Keyring::open_in_home(home.path()).unwrap();
    (home, kr)
}

#[test]
fn dir_is_0700_and_files_are_0600() {
    let (home, kr) = setup();
    let dir = home.path().join("keyring-test");
    assert_eq!(kr.dir(), dir);
    assert_eq!(mode(&dir), 0o700);
    kr.add("alice", Some(ABANDON), "", 0, false).unwrap();
    kr.add("bob", None, "", 0, false).unwrap();
    kr.add("bob", None, "", 0, true).unwrap();
    for n in ["alice", "bob"] {
        assert_eq!(mode(&dir.join(format!("{n}.info"))), 0o600);
    }
    // No temp files are left behind.
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(files, ["alice.info", "bob.info"]);
    // Reopening an existing keyring works.
    assert_eq!(Keyring::open(&dir).unwrap().list().unwrap().len(), 2);
}

#[test]
fn add_get_list_delete_round_trip() {
    let (_home, kr) = setup();
    let (alice, m) = kr.add("alice", Some(ABANDON), "", 0, false).unwrap();
    assert!(m.is_none());
    let expected = derive(ABANDON, "", 0).unwrap();
    assert_eq!(alice.name, "alice");
    assert_eq!(alice.key_type, "local");
    assert_eq!(alice.address, expected.address().to_string());
    assert_eq!(alice.account, expected.address());
    assert_eq!(alice.public_key, expected.public_key_compressed());
    assert_eq!(
        alice.pubkey,
        format!(r#"{{"@type":"/cosmos.crypto.secp256k1.PubKey","key":"{ABANDON_PUBKEY_B64}"}}"#)
    );

    let (bob, mnemonic) = kr.add("bob", None, "", 0, false).unwrap();
    let mnemonic = mnemonic.expect("generated mnemonic returned");
    assert_eq!(mnemonic.split_whitespace().count(), 24);
    assert_eq!(
        bob.address,
        derive(&mnemonic, "", 0).unwrap().address().to_string()
    );

    assert_eq!(kr.get("alice").unwrap(), alice);
    assert_eq!(kr.get("bob").unwrap(), bob);
    let names: Vec<_> = kr.list().unwrap().into_iter().map(|k| k.name).collect();
    assert_eq!(names, ["alice", "bob"]);

    // Serialized like `keys show -o json`.
    let v: serde_json::Value = serde_json::to_value(&alice).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "name": "alice", "type": "local", "address": alice.address, "pubkey": alice.pubkey
        })
    );

    // The stored signing key signs verifiably for the stored pubkey.
    let sk = kr.signing_key("alice").unwrap();
    assert_eq!(sk.to_bytes(), expected.to_bytes());
    let sig = Signature::from_slice(&sk.sign_sha256(b"hello")).unwrap();
    let vk = k256::ecdsa::VerifyingKey::from_sec1_bytes(&alice.public_key).unwrap();
    vk.verify(b"hello", &sig).unwrap();

    // find_by_address
    assert_eq!(
        kr.find_by_address(&expected.address())
            .unwrap()
            .unwrap()
            .name,
        "alice"
    );
    assert!(kr.find_by_address(&Address([9; 20])).unwrap().is_none());

    kr.delete("alice").unwrap();
    assert!(matches!(kr.get("alice"), Err(KeyringError::NotFound(n)) if n == "alice"));
    assert!(matches!(
        kr.signing_key("alice"),
        Err(KeyringError::NotFound(_))
    ));
    let names: Vec<_> = kr.list().unwrap().into_iter().map(|k| k.name).collect();
    assert_eq!(names, ["bob"]);
    assert!(kr.find_by_address(&expected.address()).unwrap().is_none());
}

#[test]
fn list_is_sorted_and_ignores_other_files() {
    let (_home, kr) = setup();
    for n in ["zed", "Alpha", "mid.dle", "a-b_c"] {
        kr.add(n, Some(ABANDON), "", 0, false).unwrap();
    }
    fs::write(kr.dir().join("notes.txt"), "x").unwrap();
    fs::write(kr.dir().join(".alice.info.tmp-1-2"), "x").unwrap();
    let names: Vec<_> = kr.list().unwrap().into_iter().map(|k| k.name).collect();
    assert_eq!(names, ["Alpha", "a-b_c", "mid.dle", "zed"]);
    // Same key under several names is allowed.
    assert_eq!(kr.list().unwrap()[0].address, kr.list().unwrap()[3].address);
}

#[test]
fn duplicate_name_errors_unless_overwrite() {
    let (_home, kr) = setup();
    let (first, _) = kr.add("k", Some(ABANDON), "", 0, false).unwrap();
    let err = kr.add("k", None, "", 0, false).unwrap_err();
    assert!(
        matches!(&err, KeyringError::AlreadyExists(n) if n == "k"),
        "{err}"
    );
    assert_eq!(kr.get("k").unwrap(), first);
    let (second, _) = kr.add("k", Some(ABANDON), "", 1, true).unwrap();
    assert_ne!(first.address, second.address);
    assert_eq!(kr.get("k").unwrap(), second);
    let err = kr
        .import_secret("k", &derive(ABANDON, "", 2).unwrap(), false)
        .unwrap_err();
    assert!(matches!(err, KeyringError::AlreadyExists(_)));
}

#[test]
fn invalid_names_are_rejected() {
    let (_home, kr) = setup();
    let long = "a".repeat(65);
    for bad in [
        "",
        "a/b",
        "../x",
        "with space",
        "ünï",
        "a\0b",
        long.as_str(),
        "x;y",
    ] {
        let err = kr.add(bad, Some(ABANDON), "", 0, false).unwrap_err();
        assert!(
            matches!(err, KeyringError::InvalidName(_)),
            "{bad:?}: {err}"
        );
        assert!(matches!(kr.get(bad), Err(KeyringError::InvalidName(_))));
        assert!(matches!(kr.delete(bad), Err(KeyringError::InvalidName(_))));
    }
    kr.add(&"a".repeat(64), Some(ABANDON), "", 0, false)
        .unwrap();
    assert!(kr.list().unwrap().len() == 1);
}

#[test]
fn invalid_mnemonic_errors_and_writes_nothing() {
    let (_home, kr) = setup();
    let bad = ABANDON.replace("about", "abandon");
    let err = kr.add("x", Some(&bad), "", 0, false).unwrap_err();
    assert!(matches!(err, KeyringError::InvalidMnemonic(_)), "{err}");
    assert!(!kr.exists("x").unwrap());
    assert!(kr.list().unwrap().is_empty());
}

#[test]
fn delete_missing_errors() {
    let (_home, kr) = setup();
    let err = kr.delete("nobody").unwrap_err();
    assert!(
        matches!(&err, KeyringError::NotFound(n) if n == "nobody"),
        "{err}"
    );
    assert!(err.to_string().contains("nobody"));
}

#[test]
fn corrupt_files_are_detected() {
    let (_home, kr) = setup();
    kr.add("k", Some(ABANDON), "", 0, false).unwrap();
    let path = kr.dir().join("k.info");
    let good = fs::read_to_string(&path).unwrap();
    let v: serde_json::Value = serde_json::from_str(&good).unwrap();
    assert_eq!(v["type"], "local");
    assert_eq!(v["pubkey"]["@type"], "/cosmos.crypto.secp256k1.PubKey");
    assert_eq!(v["pubkey"]["key"], ABANDON_PUBKEY_B64);
    assert_eq!(v["pubkey_base64"], ABANDON_PUBKEY_B64);
    assert_eq!(
        v["privkey_hex"],
        hex::encode(derive(ABANDON, "", 0).unwrap().to_bytes())
    );

    // Address not matching the private key.
    let other = derive(ABANDON, "", 1).unwrap().address().to_string();
    let tampered = good.replace(v["address"].as_str().unwrap(), &other);
    fs::write(&path, tampered).unwrap();
    assert!(matches!(kr.get("k"), Err(KeyringError::Corrupt(_))));
    // Not JSON.
    fs::write(&path, "{not json").unwrap();
    assert!(matches!(kr.get("k"), Err(KeyringError::Corrupt(_))));
    assert!(matches!(kr.list(), Err(KeyringError::Corrupt(_))));
    // A file copied under another name.
    fs::write(&path, &good).unwrap();
    fs::copy(&path, kr.dir().join("copy.info")).unwrap();
    assert!(matches!(kr.get("copy"), Err(KeyringError::Corrupt(_))));
}

#[test]
fn debug_output_never_contains_private_key() {
    let (_home, kr) = setup();
    let (info, _) = kr.add("k", Some(ABANDON), "", 0, false).unwrap();
    let sk: SecretKey = kr.signing_key("k").unwrap();
    let priv_hex = hex::encode(sk.to_bytes());
    let dbg = format!("{sk:?} {sk:#?} {info:?} {kr:?}");
    assert!(!dbg.contains(&priv_hex), "{dbg}");
    assert!(!dbg.to_uppercase().contains(&priv_hex.to_uppercase()));
    // Errors about a corrupt file don't echo the file's contents either.
    fs::write(
        kr.dir().join("k.info"),
        format!(r#"{{"name":"k","privkey_hex":"{priv_hex}","#),
    )
    .unwrap();
    let err = kr.get("k").unwrap_err();
    assert!(!format!("{err} {err:?}").contains(&priv_hex));
}

//! The store on a real RocksDB: two-step commit, crash safety, past heights,
//! ICS-23 proofs and pruning.

use gpuchain_store::{proof_spec, Changes, StateRead, Storage, StorageConfig, StoreError};

fn changes(pairs: &[(&str, Option<&str>)]) -> Changes {
    let mut c = Changes::default();
    for (k, v) in pairs {
        c.state
            .insert(k.as_bytes().to_vec(), v.map(|v| v.as_bytes().to_vec()));
    }
    c
}

fn open(dir: &std::path::Path, keep: u64) -> Storage {
    Storage::open(
        dir,
        StorageConfig {
            keep_recent: keep,
            ..Default::default()
        },
    )
    .unwrap()
}

#[test]
fn should_read_prepared_state_and_persist_only_on_commit() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), 0);
    let h0 = s.prepare(0, changes(&[("a/1", Some("x"))])).unwrap();
    let h1 = s.prepare(1, changes(&[("a/2", Some("y"))])).unwrap();
    assert_ne!(h0, h1);
    // Pending versions are visible to the next block before Commit.
    assert_eq!(s.get(b"a/1").unwrap(), Some(b"x".to_vec()));
    assert_eq!(s.prefix(b"a/").unwrap().len(), 2);
    assert_eq!(s.committed_height().unwrap(), 0);
    drop(s);

    // A crash before Commit leaves nothing.
    let mut s = open(dir.path(), 0);
    assert_eq!(s.committed_height().unwrap(), 0);
    assert_eq!(s.get(b"a/1").unwrap(), None);
    // Re-executing the same versions gives the same roots.
    assert_eq!(s.prepare(0, changes(&[("a/1", Some("x"))])).unwrap(), h0);
    assert_eq!(s.prepare(1, changes(&[("a/2", Some("y"))])).unwrap(), h1);
    s.commit().unwrap();
    drop(s);

    let s = open(dir.path(), 0);
    assert_eq!(s.committed_height().unwrap(), 1);
    assert_eq!(s.committed_app_hash().unwrap(), h1.to_vec());
    assert_eq!(s.get(b"a/2").unwrap(), Some(b"y".to_vec()));
}

#[test]
fn should_replace_a_prepared_height_when_executed_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), 0);
    s.prepare(1, changes(&[("k", Some("first"))])).unwrap();
    let h = s.prepare(1, changes(&[("k", Some("second"))])).unwrap();
    s.commit().unwrap();
    assert_eq!(s.get(b"k").unwrap(), Some(b"second".to_vec()));
    assert_eq!(s.committed_app_hash().unwrap(), h.to_vec());
    // A version at or below the committed one is refused.
    assert!(matches!(
        s.prepare(1, Changes::default()),
        Err(StoreError::Corrupt(_))
    ));
}

#[test]
fn should_commit_empty_blocks_with_unchanged_root() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), 0);
    let h1 = s.prepare(1, changes(&[("k", Some("v"))])).unwrap();
    s.commit().unwrap();
    let h2 = s.prepare(2, Changes::default()).unwrap();
    s.commit().unwrap();
    assert_eq!(h1, h2);
    assert_eq!(s.committed_height().unwrap(), 2);
}

#[test]
fn should_serve_past_heights_and_verifiable_proofs() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), 0);
    let r1 = s
        .prepare(1, changes(&[("bank/x", Some("1")), ("bank/y", Some("9"))]))
        .unwrap();
    s.commit().unwrap();
    let r2 = s
        .prepare(2, changes(&[("bank/x", Some("2")), ("bank/y", None)]))
        .unwrap();
    s.commit().unwrap();

    let reader = s.reader();
    let view = reader.view();
    assert_eq!(view.height().unwrap(), 2);
    assert_eq!(view.get_at(b"bank/x", 1).unwrap(), Some(b"1".to_vec()));
    assert_eq!(view.get_at(b"bank/x", 2).unwrap(), Some(b"2".to_vec()));
    assert_eq!(view.get_at(b"bank/y", 2).unwrap(), None);
    assert_eq!(view.get(b"bank/y").unwrap(), None);
    assert!(matches!(
        view.get_at(b"bank/x", 3),
        Err(StoreError::HeightUnavailable(3))
    ));
    assert_eq!(view.root_at(1).unwrap(), r1);

    let spec = proof_spec();
    let (v, proof) = view.get_with_proof(b"bank/x", 1).unwrap();
    assert_eq!(v, Some(b"1".to_vec()));
    assert!(ics23::verify_membership::<ics23::HostFunctionsManager>(
        &proof,
        &spec,
        &r1.to_vec(),
        b"bank/x",
        b"1"
    ));
    assert!(!ics23::verify_membership::<ics23::HostFunctionsManager>(
        &proof,
        &spec,
        &r1.to_vec(),
        b"bank/x",
        b"2"
    ));
    let (v, proof) = view.get_with_proof(b"bank/y", 2).unwrap();
    assert_eq!(v, None);
    assert!(ics23::verify_non_membership::<ics23::HostFunctionsManager>(
        &proof,
        &spec,
        &r2.to_vec(),
        b"bank/y"
    ));
}

#[test]
fn should_prune_versions_older_than_keep_recent() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), 3);
    for h in 1..=10u64 {
        let v = h.to_string();
        s.prepare(h, changes(&[("k", Some(v.as_str())), ("same", Some("s"))]))
            .unwrap();
        s.commit().unwrap();
    }
    // The commit of 10 made 7 unreadable; its data is deleted in the
    // background (waited for here).
    assert_eq!(s.reader().view().earliest_height().unwrap(), 8);
    s.finish_pruning().unwrap();
    s.prepare(11, changes(&[("other", Some("o"))])).unwrap();
    let reader = s.reader();
    let view = reader.view();
    assert_eq!(view.earliest_height().unwrap(), 8);
    for h in 8..=10u64 {
        assert_eq!(
            view.get_at(b"k", h).unwrap(),
            Some(h.to_string().into_bytes())
        );
        assert_eq!(view.get_at(b"same", h).unwrap(), Some(b"s".to_vec()));
    }
    assert!(matches!(
        view.get_at(b"k", 7),
        Err(StoreError::HeightUnavailable(7))
    ));
}

#[test]
fn should_keep_nonverifiable_writes_out_of_the_app_hash() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(dir.path(), 0);
    let mut c = changes(&[("k", Some("v"))]);
    let plain = {
        let d2 = tempfile::tempdir().unwrap();
        let mut b = open(d2.path(), 0);
        b.prepare(1, c.clone()).unwrap()
    };
    c.nv.insert(b"index/1".to_vec(), Some(b"x".to_vec()));
    let with_nv = a.prepare(1, c).unwrap();
    assert_eq!(plain, with_nv);
    a.commit().unwrap();
    assert_eq!(a.nv_get(b"index/1").unwrap(), Some(b"x".to_vec()));
    assert_eq!(a.nv_prefix(b"index/").unwrap().len(), 1);
}

#[test]
fn should_read_bounded_ranges_through_pending_versions_and_disk() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), 0);
    let mut c = changes(&[("r/1", Some("a")), ("r/2", Some("b")), ("r/3", Some("c"))]);
    c.nv.insert(b"i/5".to_vec(), Some(b"x".to_vec()));
    c.nv.insert(b"i/7".to_vec(), Some(b"y".to_vec()));
    s.prepare(0, c).unwrap();
    s.commit().unwrap();
    // A pending version deletes r/1 and adds r/0: the first two of the
    // range must come from both the pending writes and the disk.
    let mut c = changes(&[("r/1", None), ("r/0", Some("z"))]);
    c.nv.insert(b"i/5".to_vec(), None);
    s.prepare(1, c).unwrap();
    let keys = |v: gpuchain_store::KvPairs| {
        v.into_iter()
            .map(|(k, _)| String::from_utf8(k).unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        keys(s.range(b"r/", Some(b"r0"), 2).unwrap()),
        ["r/0", "r/2"]
    );
    assert_eq!(keys(s.range(b"r/2", None, 9).unwrap()), ["r/2", "r/3"]);
    assert_eq!(keys(s.nv_range(b"i/", Some(b"i0"), 9).unwrap()), ["i/7"]);
    s.commit().unwrap();
    let reader = s.reader();
    let view = reader.view();
    assert_eq!(keys(view.range(b"r/", None, 1).unwrap()), ["r/0"]);
    assert_eq!(keys(view.nv_range(b"i/", None, 9).unwrap()), ["i/7"]);
}

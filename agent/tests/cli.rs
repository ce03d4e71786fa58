//! The `gpuchain-agent` binary: `inventory`, `check-config`, `run`, `bench-challenge`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gpuchain_agent::hardware::{InventoryFile, MigMode};

fn agent(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gpuchain-agent"))
        .args(args)
        .output()
        .unwrap()
}

fn fixture(name: &str) -> String {
    manifest()
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn stdout_inventory(out: &Output) -> InventoryFile {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn should_print_inventory_when_given_saved_csv_and_list() {
    let out = agent(&[
        "inventory",
        "--nvidia-smi-output",
        &fixture("h100-mig.query-gpu-all.csv"),
        "--nvidia-smi-list",
        &fixture("h100-mig.L.txt"),
    ]);
    let inv = stdout_inventory(&out);
    assert_eq!(inv.gpus.len(), 1);
    assert_eq!(inv.gpus[0].memory_mib, 81559);
    assert_eq!(inv.gpus[0].mig_mode, MigMode::Enabled);
    assert_eq!(inv.gpus[0].mig_devices.len(), 4);
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(summary.starts_with("1 GPU(s), 0 leasable\n"), "{summary}");
    assert!(
        summary.contains("is in MIG mode: reported, not leasable"),
        "{summary}"
    );
}

#[test]
fn should_round_trip_when_printed_inventory_is_read_back_as_json() {
    let out = agent(&[
        "inventory",
        "--compact",
        "--nvidia-smi-output",
        &fixture("h100-sxm-8x.driver535.q.txt"),
    ]);
    let inv = stdout_inventory(&out);
    assert_eq!(out.stdout.iter().filter(|b| **b == b'\n').count(), 1);
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("inventory.json");
    std::fs::write(&json, &out.stdout).unwrap();
    let again = stdout_inventory(&agent(&["inventory", "--json", json.to_str().unwrap()]));
    assert_eq!(again, inv);
    assert_eq!(again.gpus.len(), 8);

    // The same file through a config with `source = "json"`.
    let example = std::fs::read_to_string(manifest().join("config.example.toml")).unwrap();
    let config = example.replace(
        "source = \"nvidia-smi\"\n",
        &format!(
            "source = \"json\"\npath = {:?}\n",
            json.display().to_string()
        ),
    );
    let config = config
        .lines()
        .filter(|l| {
            !l.starts_with("path = \"/usr/bin")
                && !l.starts_with("timeout_secs")
                && !l.starts_with("list_mig_devices")
        })
        .collect::<Vec<_>>()
        .join("\n");
    let config_path = dir.path().join("agent.toml");
    std::fs::write(&config_path, config).unwrap();
    let via_config = stdout_inventory(&agent(&[
        "inventory",
        "--config",
        config_path.to_str().unwrap(),
    ]));
    assert_eq!(via_config, inv);
}

#[test]
fn should_fail_with_message_when_input_is_unsupported_or_missing() {
    let out = agent(&[
        "inventory",
        "--nvidia-smi-output",
        &fixture("h100-80gb-hbm3.table.txt"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("default table view"), "{err}");
    assert!(out.stdout.is_empty());

    let out = agent(&["inventory", "--json", "/nonexistent.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("could not read /nonexistent.json"));

    let out = agent(&["inventory", "--nvidia-smi", "/nonexistent/nvidia-smi"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("could not run /nonexistent/nvidia-smi"));

    // Two sources at once is a usage error.
    let out = agent(&["inventory", "--json", "a", "--nvidia-smi-output", "b"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn should_print_query_command_when_asked() {
    let out = agent(&["inventory", "--print-query"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "nvidia-smi --query-gpu=index,uuid,pci.bus_id,memory.total,driver_version,mig.mode.current,serial,compute_cap,pci.device_id,name --format=csv,noheader,nounits\n"
    );
}

#[test]
fn should_check_config_when_example_is_given() {
    let example = manifest().join("config.example.toml");
    let out = agent(&["check-config", "--config", example.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[chain]\nchain_id = \"x\"\n").unwrap();
    let out = agent(&["check-config", "--config", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid config"));
    assert!(!Path::new("/nonexistent.toml").exists());
}

#[test]
fn should_exit_2_when_run_has_no_config() {
    let out = agent(&["run"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--config"));
}

#[cfg(unix)]
#[test]
fn should_refuse_to_run_when_the_key_file_is_missing_or_readable_by_others() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("agent.key");
    let config = dir.path().join("agent.toml");
    std::fs::write(
        &config,
        format!(
            "[chain]\nrpc_url = \"http://127.0.0.1:9\"\nchain_id = \"gpuchain-1\"\n\
             [provider]\naddress = \"{}\"\nkey_file = \"{}\"\n[metrics]\nenabled = false\n",
            gpuchain_types::address::Address::module("provider"),
            key.display()
        ),
    )
    .unwrap();
    let out = agent(&["run", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("could not read key file"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    std::fs::write(&key, format!("{}\n", "07".repeat(32))).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = agent(&["run", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("mode 0644") && err.contains("chmod 600"),
        "{err}"
    );
    assert!(!err.contains(&"07".repeat(32)), "{err}");
}

#[test]
fn should_time_a_challenge_on_the_cpu_and_refuse_bad_arguments() {
    let out = agent(&[
        "bench-challenge",
        "--solver",
        "cpu",
        "--n",
        "64",
        "--rounds",
        "4",
        "--lanes",
        "2",
        "--seed-byte",
        "7",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["bench"], "challenge_solve");
    assert_eq!(report["solver"], "cpu");
    // test-cpu with seed [7; 32]: the pinned root
    assert_eq!(
        report["root"],
        "a31ec2280f40fab557a1ccb9616436911fdb44c8a7555a4c59a756747bbb1b11"
    );
    for (args, message) in [
        (
            &["bench-challenge", "--solver", "fpga"][..],
            "unknown solver",
        ),
        (
            &["bench-challenge", "--solver", "cpu", "--n", "0"][..],
            "challenge param n must be non-zero",
        ),
        (
            &["bench-challenge", "--solver", "cpu", "--n", "20000"][..],
            "n = 20000 exceeds 16384",
        ),
    ] {
        let out = agent(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with("error: ") && err.contains(message),
            "{args:?}: {err}"
        );
    }
}

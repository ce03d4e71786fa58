//! Every real nvidia-smi capture in `tests/fixtures/` (provenance in
//! `tests/fixtures/SOURCES.md`), with the values the agent must read from it.
//!
//! - `--query-gpu` CSV: parsed, every inventory field asserted.
//! - `-L`: parsed (GPUs and MIG instances), and merged onto the CSV inventory.
//! - `-q` text and `-q -x` XML: parsed; partial captures (fewer GPU sections
//!   than `Attached GPUs`) are refused as an inventory.
//! - The default table view: refused (no uuids, truncated names).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use gpuchain_agent::hardware::nvidia_smi::{
    detect_format, merge_mig_devices, parse_gpu_csv, parse_inventory, parse_list, parse_mib,
    parse_query_csv, parse_query_text, parse_query_xml, record_to_gpu, OutputFormat,
};
use gpuchain_agent::hardware::{GpuInfo, HardwareError, MigDevice, MigMode};

const MASKED_UUID: &str = "GPU-00000000-0000-0000-0000-000000000000";

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The one GPU of a fixture.
fn only(gpus: Vec<GpuInfo>) -> GpuInfo {
    assert_eq!(gpus.len(), 1, "{gpus:?}");
    gpus.into_iter().next().unwrap()
}

// ---------------------------------------------------------------- CSV

#[test]
fn should_read_h100_sxm_when_query_gpu_csv_has_header_and_units() {
    let text = fixture("h100-80gb-hbm3.query-gpu-all.csv");
    assert_eq!(detect_format(&text), OutputFormat::QueryCsv);
    let records = parse_query_csv(&text, None).unwrap();
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(r.line, 2);
    assert_eq!(r.values.len(), 212);
    assert_eq!(r.get("memory.total"), Some("81559 MiB"));
    assert_eq!(r.get("pci.device_id"), Some("0x233010DE"));
    assert_eq!(r.get("vbios_version"), Some("96.00.A5.00.01"));
    // `[N/A]`, `[Requested functionality has been deprecated]` and an empty
    // cell all mean "no value".
    assert!(r.has("hostname") && r.get("hostname").is_none());
    assert_eq!(r.get("clocks.applications.memory"), None);
    assert!(r.has("platform.chassis_serial_number"));
    assert_eq!(r.get("platform.chassis_serial_number"), None);

    let gpu = only(parse_inventory(&text).unwrap());
    assert_eq!(
        gpu,
        GpuInfo {
            uuid: MASKED_UUID.into(),
            name: "NVIDIA H100 80GB HBM3".into(),
            memory_mib: 81559,
            driver_version: "590.48.01".into(),
            pci_bus_id: "00000000:00:09.0".into(),
            mig_mode: MigMode::Disabled,
            serial: Some("0000000000000".into()),
            compute_cap: Some("9.0".into()),
            pci_device_id: Some("0x233010DE".into()),
            index: Some(0),
            mig_devices: vec![],
        }
    );
    assert!(gpu.is_leasable());
    assert_eq!(parse_gpu_csv(&text, None).unwrap(), vec![gpu]);
}

#[test]
fn should_mark_h100_not_leasable_when_csv_reports_mig_enabled() {
    let text = fixture("h100-mig.query-gpu-all.csv");
    let records = parse_query_csv(&text, None).unwrap();
    assert_eq!(records[0].get("utilization.gpu"), None); // `[N/A]` in MIG mode
    assert_eq!(records[0].get("mig.mode.pending"), Some("Enabled"));
    assert_eq!(records[0].get("memory.used"), Some("59 MiB"));
    let gpu = only(parse_inventory(&text).unwrap());
    assert_eq!(gpu.name, "NVIDIA H100 80GB HBM3");
    assert_eq!(gpu.memory_mib, 81559);
    assert_eq!(gpu.mig_mode, MigMode::Enabled);
    assert!(!gpu.is_leasable());
    assert!(gpu.mig_devices.is_empty());
}

#[test]
fn should_list_h100_mig_instances_when_csv_and_list_are_merged() {
    let mut gpus = parse_inventory(&fixture("h100-mig.query-gpu-all.csv")).unwrap();
    let listed = parse_list(&fixture("h100-mig.L.txt")).unwrap();
    merge_mig_devices(&mut gpus, &listed);
    let profiles: Vec<(&str, u32)> = gpus[0]
        .mig_devices
        .iter()
        .map(|d| (d.profile.as_str(), d.index))
        .collect();
    assert_eq!(
        profiles,
        vec![
            ("3g.40gb", 0),
            ("2g.20gb", 1),
            ("1g.10gb", 2),
            ("1g.10gb", 3)
        ]
    );
    assert_eq!(
        gpus[0].mig_devices[3].uuid,
        "MIG-00000003-0000-0000-0000-000000000003"
    );
    // A GPU with MIG disabled gets no MIG devices, even if -L listed some.
    let mut plain = parse_inventory(&fixture("h100-80gb-hbm3.query-gpu-all.csv")).unwrap();
    merge_mig_devices(&mut plain, &listed);
    assert!(plain[0].mig_devices.is_empty());
}

#[test]
fn should_read_h200_when_query_gpu_csv_has_header() {
    let gpu = only(parse_inventory(&fixture("h200.query-gpu-all.csv")).unwrap());
    assert_eq!(gpu.name, "NVIDIA H200");
    assert_eq!(gpu.memory_mib, 143771);
    assert_eq!(gpu.driver_version, "590.48.01");
    assert_eq!(gpu.pci_bus_id, "00000000:83:00.0");
    assert_eq!(gpu.pci_device_id.as_deref(), Some("0x233510DE"));
    assert_eq!(gpu.compute_cap.as_deref(), Some("9.0"));
    assert_eq!(gpu.mig_mode, MigMode::Disabled);
    assert_eq!(gpu.uuid, MASKED_UUID);
}

#[test]
fn should_read_l40s_when_mig_is_not_supported_and_driver_has_two_parts() {
    let text = fixture("l40s.query-gpu-all.csv");
    let records = parse_query_csv(&text, None).unwrap();
    assert_eq!(records[0].values.len(), 202);
    assert_eq!(records[0].get("kmd_version"), Some("595.80"));
    assert_eq!(records[0].get("temperature.memory"), None); // bare `N/A`
    let gpu = only(parse_inventory(&text).unwrap());
    assert_eq!(gpu.name, "NVIDIA L40S");
    assert_eq!(gpu.memory_mib, 46068);
    assert_eq!(gpu.driver_version, "595.80");
    assert_eq!(gpu.pci_bus_id, "00000000:01:00.0");
    assert_eq!(gpu.compute_cap.as_deref(), Some("8.9"));
    assert_eq!(gpu.pci_device_id.as_deref(), Some("0x26B910DE"));
    assert_eq!(gpu.mig_mode, MigMode::NotSupported); // `[N/A]`
    assert!(gpu.is_leasable());
}

#[test]
fn should_read_noheader_csv_when_fields_are_given() {
    let l40s = fixture("l40s.query-gpu.noheader.csv");
    let fields = ["name", "pci.device_id", "pci.bus_id", "memory.total"];
    let r = &parse_query_csv(&l40s, Some(&fields)).unwrap()[0];
    assert_eq!(r.get("name"), Some("NVIDIA L40S"));
    assert_eq!(r.get("pci.device_id"), Some("0x26B910DE"));
    assert_eq!(r.get("pci.bus_id"), Some("00000000:30:00.0"));
    assert_eq!(r.get("memory.total").and_then(parse_mib), Some(46068));

    let v100 = fixture("v100-pcie-32gb-pg500-216.query-gpu.noheader.csv");
    let fields = ["name", "memory.total", "pci.device_id"];
    let r = &parse_query_csv(&v100, Some(&fields)).unwrap()[0];
    assert_eq!(r.get("name"), Some("Tesla PG500-216"));
    assert_eq!(r.get("memory.total").and_then(parse_mib), Some(32768));
    assert_eq!(r.get("pci.device_id"), Some("0x1DF010DE"));

    let nvl = fixture("h100-nvl.query-gpu.noheader.csv");
    let r = &parse_query_csv(&nvl, Some(&["name", "pci.device_id"])).unwrap()[0];
    assert_eq!(r.get("name"), Some("NVIDIA H100 NVL"));
    assert_eq!(r.get("pci.device_id"), Some("0x232110DE"));
}

#[test]
fn should_refuse_inventory_when_csv_lacks_agent_fields() {
    // These queries did not ask for a uuid: no GPU can be reported from them.
    for (file, fields, found) in [
        (
            "l40s.query-gpu.noheader.csv",
            &["name", "pci.device_id", "pci.bus_id", "memory.total"][..],
            4,
        ),
        (
            "v100-pcie-32gb-pg500-216.query-gpu.noheader.csv",
            &["name", "memory.total", "pci.device_id"][..],
            3,
        ),
        (
            "h100-nvl.query-gpu.noheader.csv",
            &["name", "pci.device_id"][..],
            2,
        ),
    ] {
        let text = fixture(file);
        let r = &parse_query_csv(&text, Some(fields)).unwrap()[0];
        match record_to_gpu(r).unwrap_err() {
            HardwareError::MissingColumn { field, .. } => assert_eq!(field, "uuid", "{file}"),
            e => panic!("{file}: {e}"),
        }
        // Read as the agent's own noheader query, the column count is wrong.
        let err = parse_inventory(&text).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("line 1: expected 10 comma-separated values (index,uuid,pci.bus_id,memory.total,driver_version,mig.mode.current,serial,compute_cap,pci.device_id,name), found {found}"),
            "{file}"
        );
    }
}

#[test]
fn should_read_p100_values_but_refuse_inventory_when_memory_total_is_absent() {
    let text = fixture("tesla-p100.query-gpu.nounits.csv");
    let records = parse_query_csv(&text, None).unwrap();
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(r.get("name"), Some("Tesla P100-PCIE-16GB"));
    assert_eq!(
        r.get("uuid"),
        Some("GPU-ef1b2c9b-38d8-2090-2bd1-f567a3eb42a6")
    );
    assert_eq!(r.get("fan.speed"), None); // `[N/A]`
    assert_eq!(r.get("memory.free"), Some("16280"));
    assert_eq!(r.get("memory.reserved"), Some("103"));
    assert_eq!(r.get("power.draw"), Some("28.16"));
    match parse_inventory(&text).unwrap_err() {
        HardwareError::MissingColumn { field, .. } => assert_eq!(field, "memory.total"),
        e => panic!("{e}"),
    }
}

// ---------------------------------------------------------------- -L

#[test]
fn should_parse_list_when_gpus_have_no_mig() {
    let listed = parse_list(&fixture("h100-80gb-hbm3.L.txt")).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].index, 0);
    assert_eq!(listed[0].name, "NVIDIA H100 80GB HBM3");
    assert_eq!(listed[0].uuid, MASKED_UUID);
    assert!(listed[0].mig_devices.is_empty());
}

#[test]
fn should_parse_list_when_one_of_four_a100_has_mig() {
    let listed = parse_list(&fixture("a100-sxm4-80gb-mig-4x.L.txt")).unwrap();
    let summary: Vec<(u32, &str, &str, usize)> = listed
        .iter()
        .map(|g| {
            (
                g.index,
                g.name.as_str(),
                g.uuid.as_str(),
                g.mig_devices.len(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                0,
                "NVIDIA A100-SXM4-80GB",
                "GPU-513536b6-7d19-9063-b049-1e69664bb298",
                4
            ),
            (
                1,
                "NVIDIA A100-SXM4-80GB",
                "GPU-d8594bd4-0fc3-8595-e355-7c98138f3b95",
                0
            ),
            (
                2,
                "NVIDIA A100-SXM4-80GB",
                "GPU-5e375e7e-b41f-155b-dcdc-534524c356fc",
                0
            ),
            (
                3,
                "NVIDIA A100-SXM4-80GB",
                "GPU-69ec2344-ebac-b028-f88f-452abb3d7f11",
                0
            ),
        ]
    );
    assert_eq!(
        listed[0].mig_devices[0],
        MigDevice {
            profile: "1g.20gb".into(),
            index: 0,
            uuid: "MIG-ce861fb0-a248-58ce-a9a8-f9adbc22a66a".into()
        }
    );
    assert_eq!(
        listed[0].mig_devices[3].uuid,
        "MIG-930574a9-d43a-5d2b-95da-3e68384c8d6b"
    );
}

#[test]
fn should_parse_list_when_h200_has_compute_instance_profiles() {
    let listed = parse_list(&fixture("h200-mig.L.txt")).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "NVIDIA H200");
    let profiles: Vec<&str> = listed[0]
        .mig_devices
        .iter()
        .map(|d| d.profile.as_str())
        .collect();
    assert_eq!(
        profiles,
        vec!["1c.3g.71gb", "2c.3g.71gb", "2g.35gb", "1g.18gb", "1g.18gb"]
    );
    assert_eq!(listed[0].mig_devices[4].index, 4);
}

#[test]
fn should_refuse_list_as_an_inventory() {
    for file in [
        "h100-80gb-hbm3.L.txt",
        "h100-mig.L.txt",
        "h200-mig.L.txt",
        "a100-sxm4-80gb-mig-4x.L.txt",
    ] {
        let text = fixture(file);
        assert_eq!(detect_format(&text), OutputFormat::List, "{file}");
        match parse_inventory(&text).unwrap_err() {
            HardwareError::UnsupportedFormat { format, .. } => assert_eq!(format, "nvidia-smi -L"),
            e => panic!("{file}: {e}"),
        }
    }
}

// ---------------------------------------------------------------- -q text

#[test]
fn should_read_h100_when_report_is_q_text_of_driver_590() {
    let text = fixture("h100-80gb-hbm3.q.txt");
    assert_eq!(detect_format(&text), OutputFormat::QueryText);
    let gpu = only(parse_inventory(&text).unwrap());
    assert_eq!(gpu.uuid, MASKED_UUID);
    assert_eq!(gpu.name, "NVIDIA H100 80GB HBM3");
    assert_eq!(gpu.memory_mib, 81559); // FB Memory Usage, not BAR1 (131072)
    assert_eq!(gpu.driver_version, "590.48.01");
    assert_eq!(gpu.pci_bus_id, "00000000:00:09.0");
    assert_eq!(gpu.mig_mode, MigMode::Disabled);
    assert_eq!(gpu.serial.as_deref(), Some("0000000000000"));
    // Same GPU as the CSV capture of the same machine.
    let csv = only(parse_inventory(&fixture("h100-80gb-hbm3.query-gpu-all.csv")).unwrap());
    assert_eq!(
        (
            &gpu.uuid,
            &gpu.name,
            gpu.memory_mib,
            &gpu.pci_bus_id,
            gpu.mig_mode
        ),
        (
            &csv.uuid,
            &csv.name,
            csv.memory_mib,
            &csv.pci_bus_id,
            csv.mig_mode
        )
    );
}

#[test]
fn should_read_eight_h100_when_report_is_q_text_of_driver_535() {
    let gpus = parse_inventory(&fixture("h100-sxm-8x.driver535.q.txt")).unwrap();
    let got: Vec<(&str, &str, &str)> = gpus
        .iter()
        .map(|g| {
            (
                g.uuid.as_str(),
                g.pci_bus_id.as_str(),
                g.serial.as_deref().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "GPU-ee7954ec-da95-fd7a-ddfd-c6b32cc2f8aa",
                "00000000:19:00.0",
                "1650124031592"
            ),
            (
                "GPU-47daa2ad-a218-6286-252b-af45f0dfaf00",
                "00000000:3B:00.0",
                "1650124008135"
            ),
            (
                "GPU-167d8376-ee13-fca4-938a-a05167c43cdc",
                "00000000:4C:00.0",
                "1650124047722"
            ),
            (
                "GPU-afe9f2ed-9dd0-572c-3cd8-b42b58b3bc99",
                "00000000:5D:00.0",
                "1650124032506"
            ),
            (
                "GPU-2b6f61f9-8b00-3b57-d912-b62792120662",
                "00000000:9B:00.0",
                "1650124030635"
            ),
            (
                "GPU-980ea11b-91dc-db7b-72ac-0685abc43658",
                "00000000:BB:00.0",
                "1650124048576"
            ),
            (
                "GPU-4ef109e9-e925-4834-2b85-0771b4ef696c",
                "00000000:CB:00.0",
                "1650124047010"
            ),
            (
                "GPU-b0fe4996-1f7c-91f6-0ccd-08ae3b7e23c5",
                "00000000:DB:00.0",
                "1650124007084"
            ),
        ]
    );
    for g in &gpus {
        assert_eq!(g.name, "NVIDIA H100 80GB HBM3");
        assert_eq!(g.memory_mib, 81559);
        assert_eq!(g.driver_version, "535.161.08");
        assert_eq!(g.mig_mode, MigMode::Disabled);
    }
}

#[test]
fn should_read_a10_when_report_is_q_text_with_mig_na() {
    let gpu = only(parse_inventory(&fixture("a10.q.txt")).unwrap());
    assert_eq!(gpu.uuid, "GPU-73d12ef7-f589-f867-4259-c7090ab44736");
    assert_eq!(gpu.name, "NVIDIA A10");
    assert_eq!(gpu.memory_mib, 23028);
    assert_eq!(gpu.driver_version, "535.129.03");
    assert_eq!(gpu.pci_bus_id, "00000000:07:00.0");
    assert_eq!(gpu.serial.as_deref(), Some("1324521052681"));
    assert_eq!(gpu.mig_mode, MigMode::NotSupported);
}

#[test]
fn should_read_v100_but_refuse_inventory_when_q_text_is_partial() {
    let text = fixture("v100-sxm2-32gb-power9.q.partial.txt");
    let report = parse_query_text(&text).unwrap();
    assert_eq!(report.attached_gpus, Some(4));
    let gpu = &report.gpus[0];
    assert_eq!(report.gpus.len(), 1);
    assert_eq!(gpu.uuid, "GPU-fd2f54d7-d5ed-ea23-b43e-eb240a7c7193");
    assert_eq!(gpu.name, "Tesla V100-SXM2-32GB");
    assert_eq!(gpu.memory_mib, 32480);
    assert_eq!(gpu.driver_version, "418.67");
    assert_eq!(gpu.pci_bus_id, "00000004:04:00.0"); // POWER9: non-zero PCI domain
    assert_eq!(gpu.serial.as_deref(), Some("0561519020531"));
    assert_eq!(gpu.mig_mode, MigMode::NotSupported); // driver 418 has no MIG section
    assert!(matches!(
        parse_inventory(&text).unwrap_err(),
        HardwareError::Truncated {
            announced: 4,
            found: 1
        }
    ));
}

// ---------------------------------------------------------------- -q -x

#[test]
fn should_read_xml_reports_when_each_holds_one_gpu() {
    let cases = [
        (
            "a100-sxm4-40gb-mig.q.xml",
            "GPU-27b94a00-ed54-5c24-b1fd-1054085de32a",
            "NVIDIA A100-SXM4-40GB",
            40960,
            "510.47.03",
            "00000000:00:04.0",
            MigMode::Enabled,
            Some("1324321002473"),
        ),
        (
            "a10g.q.xml",
            "GPU-9a9a6c50-2a47-2f51-a902-b82c3b127e94",
            "NVIDIA A10G",
            23028,
            "515.105.01",
            "00000000:00:1E.0",
            MigMode::NotSupported,
            Some("0000000000000"),
        ),
        (
            "t4.q.xml",
            "GPU-d37e67a5-91dd-3774-a5cb-99096249601a",
            "Tesla T4",
            15360,
            "515.105.01",
            "00000000:00:1E.0",
            MigMode::NotSupported,
            Some("0000000000000"),
        ),
        (
            "rtx-3090.q.xml",
            "GPU-12345678-aaaa-bbbb-cccc-0123456789ab",
            "NVIDIA GeForce RTX 3090",
            24576,
            "525.147.05",
            "00000000:00:10.0",
            MigMode::NotSupported,
            None,
        ),
        (
            "rtx-4090.q.xml",
            "GPU-71d1acc2-662d-2166-bf9f-65272d2fc437",
            "NVIDIA GeForce RTX 4090",
            24564,
            "535.86.05",
            "00000000:84:00.0",
            MigMode::NotSupported,
            None,
        ),
    ];
    for (file, uuid, name, memory, driver, bus, mig, serial) in cases {
        let text = fixture(file);
        assert_eq!(detect_format(&text), OutputFormat::QueryXml, "{file}");
        let gpu = only(parse_inventory(&text).unwrap());
        assert_eq!(gpu.uuid, uuid, "{file}");
        assert_eq!(gpu.name, name, "{file}");
        assert_eq!(gpu.memory_mib, memory, "{file}");
        assert_eq!(gpu.driver_version, driver, "{file}");
        assert_eq!(gpu.pci_bus_id, bus, "{file}");
        assert_eq!(gpu.mig_mode, mig, "{file}");
        assert_eq!(gpu.serial.as_deref(), serial, "{file}");
        assert_eq!(gpu.is_leasable(), mig != MigMode::Enabled, "{file}");
    }
}

#[test]
fn should_read_a100_mig_but_refuse_inventory_when_xml_is_trimmed() {
    let text = fixture("a100-sxm4-80gb-mig.q.xml");
    let report = parse_query_xml(&text).unwrap();
    assert_eq!(report.attached_gpus, Some(4));
    assert_eq!(report.gpus.len(), 1);
    let gpu = &report.gpus[0];
    assert_eq!(gpu.uuid, "GPU-513536b6-7d19-9063-b049-1e69664bb298");
    assert_eq!(gpu.name, "NVIDIA A100-SXM4-80GB");
    assert_eq!(gpu.memory_mib, 81920); // the GPU's, not a MIG instance's 19968
    assert_eq!(gpu.driver_version, "535.54.03");
    assert_eq!(gpu.pci_bus_id, "00000000:01:00.0");
    assert_eq!(gpu.serial.as_deref(), Some("1650522003820"));
    assert_eq!(gpu.mig_mode, MigMode::Enabled);
    assert!(matches!(
        parse_inventory(&text).unwrap_err(),
        HardwareError::Truncated {
            announced: 4,
            found: 1
        }
    ));
    // Same machine as the -L capture: its MIG instances merge onto it.
    let mut gpus = report.gpus.clone();
    merge_mig_devices(
        &mut gpus,
        &parse_list(&fixture("a100-sxm4-80gb-mig-4x.L.txt")).unwrap(),
    );
    assert_eq!(gpus[0].mig_devices.len(), 4);
    assert!(gpus[0].mig_devices.iter().all(|d| d.profile == "1g.20gb"));
}

// ------------------------------------------- one H100, every format

/// Captured by this project on a lent H100 (driver 580; SOURCES.md, "Captured
/// by this project"), where `gpuchain-agent inventory` running the real
/// nvidia-smi reported exactly this GPU.
#[test]
fn should_read_the_same_h100_from_every_driver580_capture() {
    let uuid = "GPU-8bb174da-7b22-9783-aeb7-0be6ac38208e";
    for (file, format) in [
        (
            "h100-80gb-hbm3.driver580.query-gpu.agent.csv",
            OutputFormat::QueryCsv,
        ),
        (
            "h100-80gb-hbm3.driver580.query-gpu.header.csv",
            OutputFormat::QueryCsv,
        ),
        ("h100-80gb-hbm3.driver580.q.txt", OutputFormat::QueryText),
        ("h100-80gb-hbm3.driver580.q.xml", OutputFormat::QueryXml),
    ] {
        let text = fixture(file);
        assert_eq!(detect_format(&text), format, "{file}");
        let gpu = only(parse_inventory(&text).unwrap());
        assert_eq!(gpu.uuid, uuid, "{file}");
        assert_eq!(gpu.name, "NVIDIA H100 80GB HBM3", "{file}");
        assert_eq!(gpu.memory_mib, 81559, "{file}");
        assert_eq!(gpu.driver_version, "580.159.04", "{file}");
        assert_eq!(gpu.pci_bus_id, "00000000:00:06.0", "{file}");
        assert_eq!(gpu.mig_mode, MigMode::Disabled, "{file}");
        assert_eq!(gpu.serial.as_deref(), Some("1753024029508"), "{file}");
        assert!(gpu.is_leasable(), "{file}");
    }
    let csv =
        only(parse_inventory(&fixture("h100-80gb-hbm3.driver580.query-gpu.agent.csv")).unwrap());
    assert_eq!(csv.compute_cap.as_deref(), Some("9.0"));
    assert_eq!(csv.pci_device_id.as_deref(), Some("0x233010DE"));
    assert_eq!(csv.index, Some(0));
    let listed = parse_list(&fixture("h100-80gb-hbm3.driver580.L.txt")).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].uuid, uuid);
    assert!(listed[0].mig_devices.is_empty());
}

// ---------------------------------------------------------------- table

const TABLES: &[&str] = &[
    "a10.table.txt",
    "a100-80gb-pcie.table.txt",
    "a100-sxm4-40gb.table.txt",
    "a100-sxm4-80gb-4x.table.txt",
    "geforce-23028mib.driver525-legacy-err.table-fragment.txt",
    "gtx-1080ti-8x.driver390-legacy.table.txt",
    "h100-80gb-hbm3.driver545.table.txt",
    "h100-80gb-hbm3.driver580.table.txt",
    "h100-80gb-hbm3.load.table.txt",
    "h100-80gb-hbm3.table.txt",
    "h100-mig.load.table.txt",
    "h100-nvl-2x.table.txt",
    "h100-sxm-8x.driver550.table.txt",
    "h200-mig.table.txt",
    "h200.table.txt",
    "l40s.load.table.txt",
    "rtx-2080-super.driver-610-kmd.table.txt",
    "rtx-2080-super.windows-wddm.table.txt",
    "rtx-3090-2x.table.txt",
    "rtx-4090-8x.table.txt",
];

/// The default table shows no uuid and truncates names (`GeForce GTX 108...`),
/// so it cannot identify a GPU: every layout (390 to 610, Linux and Windows,
/// with and without the timestamp line) is refused with a pointer to the
/// CSV query, also by the lower-level parsers.
#[test]
fn should_refuse_default_table_view_when_any_driver_layout() {
    for file in TABLES {
        let text = fixture(file);
        assert_eq!(detect_format(&text), OutputFormat::Table, "{file}");
        let err = parse_inventory(&text).unwrap_err();
        match &err {
            HardwareError::UnsupportedFormat { format, hint } => {
                assert_eq!(*format, "default table view", "{file}");
                assert!(hint.contains("shows no uuids"), "{file}: {hint}");
                assert!(hint.contains("--query-gpu="), "{file}: {hint}");
            }
            e => panic!("{file}: {e}"),
        }
        assert!(err
            .to_string()
            .starts_with("unsupported nvidia-smi output format (default table view)"));
        assert!(matches!(
            parse_query_csv(&text, None).unwrap_err(),
            HardwareError::UnsupportedFormat { .. }
        ));
        assert!(parse_list(&text).is_err(), "{file}");
        assert!(parse_query_text(&text).is_err(), "{file}");
        assert!(parse_query_xml(&text).is_err(), "{file}");
    }
}

#[test]
fn should_refuse_q_reports_when_given_to_the_csv_parser() {
    for file in ["a10.q.txt", "t4.q.xml"] {
        assert!(matches!(
            parse_query_csv(&fixture(file), None).unwrap_err(),
            HardwareError::UnsupportedFormat { .. }
        ));
    }
}

// ---------------------------------------------------------------- coverage

/// Every file in `tests/fixtures/` is named by a test above, so a new capture
/// cannot be added without deciding what the agent reads from it.
#[test]
fn should_cover_every_fixture_file() {
    let source = include_str!("fixtures.rs");
    let mut files = BTreeSet::new();
    for entry in std::fs::read_dir(dir()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name != "SOURCES.md" {
            files.insert(name);
        }
    }
    assert_eq!(files.len(), 47);
    for name in &files {
        assert!(
            source.contains(&format!("\"{name}\"")),
            "{name} is not tested"
        );
    }
    let sources = std::fs::read_to_string(dir().join("SOURCES.md")).unwrap();
    for name in &files {
        assert!(
            sources.contains(&format!("`{name}`")),
            "{name} has no provenance in SOURCES.md"
        );
    }
}

// ---------------------------------------------------------------- robustness

fn all_fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names.iter().map(|n| fixture(n)).collect()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Real captures cut short, with a line dropped, with CRLF line ends or
    /// with a byte replaced: every parser returns (no panic), and whatever
    /// still parses as an inventory is valid.
    #[test]
    fn should_never_panic_when_real_captures_are_damaged(
        pick in 0usize..42,
        cut in 0.0f64..1.0,
        drop_line in 0usize..200,
        flip in 0usize..100_000,
        byte in proptest::prelude::any::<u8>(),
        crlf in proptest::prelude::any::<bool>(),
    ) {
        let files = all_fixtures();
        let text = &files[pick % files.len()];
        let mut variants = Vec::new();
        let end = ((text.len() as f64) * cut) as usize;
        variants.push(String::from_utf8_lossy(&text.as_bytes()[..end]).into_owned());
        variants.push(
            text.lines()
                .enumerate()
                .filter(|(i, _)| *i != drop_line)
                .map(|(_, l)| l)
                .collect::<Vec<_>>()
                .join(if crlf { "\r\n" } else { "\n" }),
        );
        let mut bytes = text.clone().into_bytes();
        if !bytes.is_empty() {
            let at = flip % bytes.len();
            bytes[at] = byte;
        }
        variants.push(String::from_utf8_lossy(&bytes).into_owned());
        for v in &variants {
            let _ = detect_format(v);
            let _ = parse_query_csv(v, None);
            let _ = parse_list(v);
            let _ = parse_query_text(v);
            let _ = parse_query_xml(v);
            if let Ok(gpus) = parse_inventory(v) {
                gpuchain_agent::hardware::validate_inventory(&gpus).unwrap();
            }
        }
    }
}

#[test]
fn should_parse_the_same_when_captures_use_crlf() {
    for file in [
        "h100-80gb-hbm3.query-gpu-all.csv",
        "h100-sxm-8x.driver535.q.txt",
        "t4.q.xml",
    ] {
        let text = fixture(file);
        let crlf = text.replace('\n', "\r\n");
        assert_eq!(
            parse_inventory(&crlf).unwrap(),
            parse_inventory(&text).unwrap(),
            "{file}"
        );
    }
    let list = fixture("h200-mig.L.txt");
    assert_eq!(
        parse_list(&list.replace('\n', "\r\n")).unwrap(),
        parse_list(&list).unwrap()
    );
}

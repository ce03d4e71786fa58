//! Compiles every `.proto` under `gpuchain/` with protox (a pure-Rust
//! compiler, so no `protoc` install) and prost-build.

use std::path::{Path, PathBuf};

fn protos(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            protos(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "proto") {
            out.push(path);
        }
    }
    Ok(())
}

/// The packages `src/lib.rs` includes.
const PACKAGES: &[&str] = &[
    "gpuchain.market.v1",
    "gpuchain.escrow.v1",
    "gpuchain.attestation.v1",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut files = Vec::new();
    protos(Path::new("gpuchain"), &mut files)?;
    // Sorted so the generated code never depends on directory order.
    files.sort();
    println!("cargo:rerun-if-changed=gpuchain");
    println!("cargo:rerun-if-changed=third_party");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
    }
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    let mut descriptor = Vec::new();
    if !files.is_empty() {
        let fds = protox::compile(&files, [".", "third_party"])?;
        // Kept for clients that render messages as JSON by reflection (REST).
        descriptor = prost::Message::encode_to_vec(&fds);
        prost_build::Config::new()
            .btree_map(["."])
            .extern_path(
                ".cosmos.base.v1beta1",
                "::cosmos_sdk_proto::cosmos::base::v1beta1",
            )
            .extern_path(
                ".cosmos.base.query.v1beta1",
                "::cosmos_sdk_proto::cosmos::base::query::v1beta1",
            )
            .compile_fds(fds)?;
    }
    std::fs::write(out.join("descriptor.bin"), descriptor)?;
    // Every package lib.rs includes exists even before its .proto does.
    for pkg in PACKAGES {
        let path = out.join(format!("{pkg}.rs"));
        if !path.exists() {
            std::fs::write(path, "")?;
        }
    }
    Ok(())
}

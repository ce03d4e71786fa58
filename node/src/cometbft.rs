//! Finding the CometBFT binary installed by `scripts/install-cometbft.sh`,
//! and editing its config.toml.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{anyhow, bail, Context, Result};

/// Where `scripts/install-cometbft.sh` installs CometBFT by default.
pub fn default_install_dir() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
        .join(".gpuchain")
        .join("bin")
}

/// The cometbft binary: `--cometbft-bin`, then `$COMETBFT_BIN`, then the
/// install script's directory, then `$PATH`.
pub fn find_binary(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("COMETBFT_BIN") {
        return Ok(PathBuf::from(p));
    }
    let installed = default_install_dir().join("cometbft");
    if installed.exists() {
        return Ok(installed);
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let p = dir.join("cometbft");
            if p.exists() {
                return Ok(p);
            }
        }
    }
    bail!("cometbft not found: run scripts/install-cometbft.sh, or set COMETBFT_BIN or --cometbft-bin")
}

/// Runs `cometbft <args> --home <home>` to completion.
pub fn run(bin: &Path, home: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new(bin)
        .args(args)
        .arg("--home")
        .arg(home)
        .output()
        .with_context(|| format!("running {}", bin.display()))?;
    if !out.status.success() {
        bail!(
            "cometbft {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Sets `key = value` in a section of a TOML file, keeping its comments.
pub fn set_toml(
    path: &Path,
    section: Option<&str>,
    key: &str,
    value: toml_edit::Value,
) -> Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .with_context(|| format!("parsing {}", path.display()))?;
    let table = match section {
        None => doc.as_table_mut(),
        Some(s) => doc
            .get_mut(s)
            .and_then(|i| i.as_table_mut())
            .ok_or_else(|| anyhow!("{} has no [{s}] section", path.display()))?,
    };
    table[key] = toml_edit::Item::Value(value);
    std::fs::write(path, doc.to_string()).with_context(|| format!("writing {}", path.display()))
}

/// Reads a string value from a section of a TOML file.
pub fn get_toml(path: &Path, section: Option<&str>, key: &str) -> Result<Option<String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let doc: toml_edit::DocumentMut = text.parse()?;
    let item = match section {
        None => doc.get(key),
        Some(s) => doc.get(s).and_then(|t| t.get(key)),
    };
    Ok(item.and_then(|i| i.as_str()).map(str::to_string))
}

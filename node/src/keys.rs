//! `gpuchaind keys add|list|show|delete`.

use std::io::BufRead;

use anyhow::{bail, Result};
use clap::Subcommand;
use gpuchain_keyring::{KeyInfo, Keyring};
use serde_json::json;

use crate::output::{self, OutputFormat};
use crate::Cli;

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Create a key (new 24-word mnemonic), or import one with --recover.
    Add {
        name: String,
        /// Read a BIP39 mnemonic from stdin instead of generating one.
        #[arg(long)]
        recover: bool,
        /// Address index i of the HD path m/44'/118'/0'/0/i.
        #[arg(long, default_value_t = 0)]
        index: u32,
        /// Replace a key of the same name.
        #[arg(long)]
        overwrite: bool,
    },
    /// List all keys.
    List,
    /// Show a key.
    Show {
        name: String,
        /// Print the address only.
        #[arg(long, short = 'a')]
        address: bool,
    },
    /// Delete a key.
    Delete {
        name: String,
        /// Skip the confirmation prompt.
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

pub fn open(cli: &Cli) -> Result<Keyring> {
    Ok(Keyring::open_in_home(&cli.home)?)
}

fn info_json(k: &KeyInfo) -> serde_json::Value {
    json!({"name": k.name, "type": k.key_type, "address": k.address, "pubkey": k.pubkey})
}

pub fn run(cli: &Cli, cmd: &KeysCommand) -> Result<()> {
    let ring = open(cli)?;
    match cmd {
        KeysCommand::Add {
            name,
            recover,
            index,
            overwrite,
        } => {
            let mnemonic = if *recover {
                eprintln!("Enter your bip39 mnemonic");
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                Some(line.trim().to_string())
            } else {
                None
            };
            let (info, generated) = ring.add(name, mnemonic.as_deref(), "", *index, *overwrite)?;
            let mut v = info_json(&info);
            if let Some(m) = &generated {
                v["mnemonic"] = json!(m);
            }
            output::print(cli.output, &v);
            if generated.is_some() && cli.output == OutputFormat::Text {
                eprintln!(
                    "\n**Important** write this mnemonic phrase in a safe place.\nIt is the only way to recover your account if you ever forget your password."
                );
            }
        }
        KeysCommand::List => {
            let all: Vec<_> = ring.list()?.iter().map(info_json).collect();
            output::print(cli.output, &json!(all));
        }
        KeysCommand::Show { name, address } => {
            let info = ring.get(name)?;
            if *address {
                println!("{}", info.address);
            } else {
                output::print(cli.output, &info_json(&info));
            }
        }
        KeysCommand::Delete { name, yes } => {
            if !yes {
                eprintln!("Key reference will be deleted. Continue? [y/N]");
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                if !line.trim().eq_ignore_ascii_case("y") {
                    bail!("aborted");
                }
            }
            ring.delete(name)?;
            eprintln!("Key deleted forever (uh oh!)");
        }
    }
    Ok(())
}

//! `gpuchaind`: run a gpuchain node and use it from the command line, in the
//! usual Cosmos shape (`init`, `keys`, `genesis`, `start`, `tx`, `query`).

// As the benchmarks do, so their figures are the node's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cometbft;
mod config;
mod genesis_cmd;
mod init;
mod keys;
mod module_cli;
mod output;
mod query;
mod reflect;
mod rest;
mod rpc;
mod start;
mod tx;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use output::OutputFormat;

#[derive(Parser, Debug)]
#[command(
    name = "gpuchaind",
    version,
    about = "gpuchain node and command-line client"
)]
pub struct Cli {
    /// Node home: CometBFT config and data, app config and state, keyring.
    #[arg(long, global = true, env = "GPUCHAIN_HOME", default_value_os_t = config::default_home())]
    pub home: PathBuf,
    /// Output format of commands that print results.
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a node home: CometBFT config, keys and a genesis with a chain id.
    Init(init::InitArgs),
    /// Manage the local keyring (keys stored under <home>/keyring-test, mode 0600).
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Edit the genesis file.
    #[command(subcommand)]
    Genesis(genesis_cmd::GenesisCommand),
    /// Run the node: serve ABCI, and with --with-comet run CometBFT too.
    Start(start::StartArgs),
    /// Sign and broadcast transactions.
    #[command(subcommand)]
    Tx(tx::TxCommand),
    /// Query the chain.
    #[command(subcommand, alias = "q")]
    Query(query::QueryCommand),
    /// Print the version.
    Version,
}

/// The global flags (`--home`, `--output`) given after `tx|query <module>`:
/// those commands take the rest of the line as their own arguments, so the
/// flags are moved before the subcommand, where clap reads them.
fn hoist_global_flags(args: Vec<String>) -> Vec<String> {
    let generated = args.windows(2).position(|w| {
        matches!(w[0].as_str(), "tx" | "query" | "q") && module_cli::is_module(&w[1])
    });
    let Some(start) = generated else {
        return args;
    };
    let (head, tail) = args.split_at(start);
    let mut globals = Vec::new();
    let mut rest = Vec::new();
    let mut it = tail.iter().cloned();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--home" | "--output" | "-o" => {
                globals.push(a);
                globals.extend(it.next());
            }
            _ if a.starts_with("--home=") || a.starts_with("--output=") => globals.push(a),
            _ => rest.push(a),
        }
    }
    let mut out = head.to_vec();
    out.splice(
        1.min(out.len())..,
        globals.into_iter().chain(head.iter().skip(1).cloned()),
    );
    out.extend(rest);
    out
}

fn main() {
    gpuchain_store::keep_freed_memory();
    let cli = Cli::parse_from(hoist_global_flags(std::env::args().collect()));
    let result = match cli.command {
        Command::Init(ref a) => init::run(&cli, a),
        Command::Keys(ref k) => keys::run(&cli, k),
        Command::Genesis(ref g) => genesis_cmd::run(&cli, g),
        Command::Start(ref s) => start::run(&cli, s),
        Command::Tx(ref t) => tx::run(&cli, t),
        Command::Query(ref q) => query::run(&cli, q),
        Command::Version => {
            println!("{}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
    };
    if let Err(e) = result {
        eprintln!("Error: {e:#}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::hoist_global_flags;

    fn v(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn should_move_global_flags_before_generated_module_commands() {
        assert_eq!(
            hoist_global_flags(v(
                "gpuchaind tx market create-order --sku x --output json --home /h"
            )),
            v("gpuchaind --output json --home /h tx market create-order --sku x")
        );
        assert_eq!(
            hoist_global_flags(v("gpuchaind q attestation skus -o json")),
            v("gpuchaind -o json q attestation skus")
        );
        // Bank commands parse global flags anywhere already: untouched.
        let bank = v("gpuchaind tx bank send a b 1ugpc --output json");
        assert_eq!(hoist_global_flags(bank.clone()), bank);
    }
}

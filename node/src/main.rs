//! `gpuchaind`: run a gpuchain node and use it from the command line, in the
//! usual Cosmos shape (`init`, `keys`, `genesis`, `start`, `tx`, `query`).

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

fn main() {
    let cli = Cli::parse();
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

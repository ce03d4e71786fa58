//! `gpuchain-agent`: the provider agent's command line.
//!
//! - `gpuchain-agent inventory [--config FILE | --nvidia-smi-output FILE [--nvidia-smi-list FILE] | --json FILE | --nvidia-smi PATH]`
//!   prints the inventory the agent would report, as JSON (`{"gpus": [...]}`,
//!   the schema a `source = "json"` inventory file accepts).
//! - `gpuchain-agent check-config --config FILE` validates a config file.
//! - `gpuchain-agent run --config FILE`: the daemon (see `README.md`): runs
//!   until SIGTERM or SIGINT; exit code 1 when it cannot start (bad config or
//!   key file, metrics address taken, node on another chain).
//! - `gpuchain-agent bench-challenge [--n N] [--rounds R] [--lanes L]
//!   [--solver cpu|cuda] [--device D] [--plain] [--profile] [--seed-byte B]`
//!   solves one challenge and prints its timing as one JSON line; exit code 1
//!   on an error (e.g. `cuda` asked of an agent built without the feature).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use gpuchain_agent::challenge_bench::{self, BenchArgs};
use gpuchain_agent::config::AgentConfig;
use gpuchain_agent::daemon::challenges::SolverKind;
use gpuchain_agent::hardware::nvidia_smi::{self, CommandSource};
use gpuchain_agent::hardware::{GpuInfo, HardwareSource, InventoryFile, JsonFileSource};
use gpuchain_challenge::ChallengeParams;

#[derive(Parser)]
#[command(name = "gpuchain-agent", version, about = "gpuchain provider agent")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Read the hardware and print the inventory the agent would report, as JSON.
    Inventory(InventoryArgs),
    /// Parse and validate a configuration file.
    CheckConfig {
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Run the agent daemon until SIGTERM or SIGINT.
    Run {
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Solve one challenge of the given size and print how long it took, as
    /// JSON (to size a SKU's challenge params on its reference GPU).
    BenchChallenge(BenchChallengeArgs),
}

#[derive(Args)]
struct BenchChallengeArgs {
    /// Matrix side (the test-cpu SKU uses 64; the data-centre example 4096).
    #[arg(long, default_value_t = 64)]
    n: u32,
    /// Dependent rounds per lane.
    #[arg(long, default_value_t = 4)]
    rounds: u32,
    /// Independent lanes.
    #[arg(long, default_value_t = 2)]
    lanes: u32,
    /// `cpu` (the reference solver) or `cuda` (needs --features cuda).
    #[arg(long, default_value = "cuda")]
    solver: String,
    /// CUDA device ordinal.
    #[arg(long, default_value_t = 0)]
    device: usize,
    /// Multiply without tensor cores (for comparison; same results).
    #[arg(long)]
    plain: bool,
    /// Also time every kernel (a second, synchronized solve).
    #[arg(long)]
    profile: bool,
    /// Every byte of the 32-byte seed.
    #[arg(long, default_value_t = 7)]
    seed_byte: u8,
}

fn bench_challenge(a: &BenchChallengeArgs) -> ExitCode {
    let solver = match a.solver.as_str() {
        "cpu" => SolverKind::Cpu,
        "cuda" => SolverKind::Cuda,
        other => {
            eprintln!("error: unknown solver {other:?} (cpu or cuda)");
            return ExitCode::FAILURE;
        }
    };
    let args = BenchArgs {
        params: ChallengeParams {
            n: a.n,
            rounds: a.rounds,
            lanes: a.lanes,
            checks: gpuchain_challenge::params::RECOMMENDED_CHECKS,
        },
        solver,
        device: a.device,
        plain: a.plain,
        profile: a.profile,
        seed_byte: a.seed_byte,
    };
    match challenge_bench::run(&args) {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Args)]
#[group(multiple = false)]
struct SourceArgs {
    /// Use the hardware source of this config file.
    #[arg(long, short)]
    config: Option<PathBuf>,
    /// Parse saved `nvidia-smi --query-gpu=... --format=csv[,noheader][,nounits]` output
    /// (without a header, the columns must be the agent's field list, see --print-query).
    #[arg(long)]
    nvidia_smi_output: Option<PathBuf>,
    /// Read a JSON inventory file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Run this nvidia-smi executable (default: `nvidia-smi` from PATH).
    #[arg(long)]
    nvidia_smi: Option<PathBuf>,
    /// Print the nvidia-smi command line the agent runs, and exit.
    #[arg(long)]
    print_query: bool,
}

#[derive(Args)]
struct InventoryArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// With --nvidia-smi-output: saved `nvidia-smi -L` output, for MIG instances.
    #[arg(long, requires = "nvidia_smi_output")]
    nvidia_smi_list: Option<PathBuf>,
    /// Print one line of JSON instead of pretty JSON.
    #[arg(long)]
    compact: bool,
}

fn read_file(path: &PathBuf) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("could not read {}: {e}", path.display()))
}

fn inventory(args: &InventoryArgs) -> Result<Vec<GpuInfo>, String> {
    let s = &args.source;
    if let Some(path) = &s.config {
        let config = AgentConfig::load(path).map_err(|e| e.to_string())?;
        return config.hardware.source().read().map_err(|e| e.to_string());
    }
    if let Some(path) = &s.nvidia_smi_output {
        let mut gpus = nvidia_smi::parse_inventory(&read_file(path)?)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if let Some(list) = &args.nvidia_smi_list {
            let listed = nvidia_smi::parse_list(&read_file(list)?)
                .map_err(|e| format!("{}: {e}", list.display()))?;
            nvidia_smi::merge_mig_devices(&mut gpus, &listed);
        }
        return Ok(gpus);
    }
    if let Some(path) = &s.json {
        return JsonFileSource::new(path).read().map_err(|e| e.to_string());
    }
    let program = s
        .nvidia_smi
        .clone()
        .unwrap_or_else(|| PathBuf::from("nvidia-smi"));
    CommandSource::new(program)
        .read()
        .map_err(|e| e.to_string())
}

fn run(path: &std::path::Path) -> ExitCode {
    let config = match AgentConfig::load(path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = gpuchain_agent::daemon::init_logging(&config.log) {
        eprintln!("error: {e:#}");
        return ExitCode::FAILURE;
    }
    let shutdown = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        if let Err(e) = signal_hook::flag::register(signal, shutdown.clone()) {
            eprintln!("error: installing the signal handler: {e}");
            return ExitCode::FAILURE;
        }
    }
    match gpuchain_agent::daemon::run(&config, shutdown) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "agent failed");
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Cmd::Inventory(args) => {
            if args.source.print_query {
                let program = args
                    .source
                    .nvidia_smi
                    .clone()
                    .unwrap_or_else(|| PathBuf::from("nvidia-smi"));
                println!(
                    "{} {}",
                    program.display(),
                    nvidia_smi::query_args(nvidia_smi::AGENT_QUERY_FIELDS).join(" ")
                );
                return ExitCode::SUCCESS;
            }
            let gpus = match inventory(&args) {
                Ok(gpus) => gpus,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let leasable = gpus.iter().filter(|g| g.is_leasable()).count();
            eprintln!("{} GPU(s), {leasable} leasable", gpus.len());
            for g in gpus.iter().filter(|g| !g.is_leasable()) {
                eprintln!(
                    "  {} ({}) is in MIG mode: reported, not leasable",
                    g.uuid, g.name
                );
            }
            let file = InventoryFile { gpus };
            let json = if args.compact {
                serde_json::to_string(&file)
            } else {
                serde_json::to_string_pretty(&file)
            };
            match json {
                Ok(json) => {
                    println!("{json}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Cmd::CheckConfig { config } => match AgentConfig::load(&config) {
            Ok(_) => {
                println!("{}: ok", config.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Cmd::Run { config } => run(&config),
        Cmd::BenchChallenge(args) => bench_challenge(&args),
    }
}

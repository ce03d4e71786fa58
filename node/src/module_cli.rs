//! `gpuchaind tx <module> <action>` and `gpuchaind query <module> <method>`
//! for gpuchain's own modules (market, escrow, attestation), built from the
//! protobuf descriptors so every Msg and query is reachable without a
//! hand-written command each:
//!
//! - a tx subcommand per `Msg*` of `gpuchain.<module>.v1`, named in kebab
//!   case (`MsgCreateOrder` -> `create-order`); `--from KEY` signs and fills
//!   the Msg's signer field; every other field is a `--flag` (`--gpu-count 2`,
//!   `--deposit 5000000ugpc`, repeated fields comma-separated, nested fields
//!   as `--a.b`);
//! - a query subcommand per method of `gpuchain.<module>.v1.Query`
//!   (`Lease` -> `lease`); a request with one field (besides pagination)
//!   also takes it as a positional argument (`query market lease 7`).

use anyhow::{anyhow, bail, Context, Result};
use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};
use cosmos_sdk_proto::Any;
use prost_reflect::{Kind, MessageDescriptor};

use crate::query::DEFAULT_NODE;
use crate::rpc::Rpc;
use crate::tx::TxFlags;
use crate::{keys, output, reflect, Cli};

/// Fields that carry a Msg's signer, in the order they are looked for: the
/// first one the Msg has is filled from `--from`.
const SIGNER_FIELDS: &[&str] = &[
    "signer",
    "tenant",
    "owner",
    "depositor",
    "agent",
    "provider",
    "creator",
    "authority",
];

/// Whether `name` is a module with generated commands.
pub fn is_module(name: &str) -> bool {
    matches!(name, "market" | "escrow" | "attestation")
}

fn kebab(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else if c == '_' {
            out.push('-');
        } else {
            out.push(c);
        }
    }
    out
}

fn package(module: &str) -> String {
    format!("gpuchain.{module}.v1")
}

/// The Msg types of a module's package, sorted by name.
fn msgs(module: &str) -> Result<Vec<MessageDescriptor>> {
    let pkg = package(module);
    let mut out: Vec<MessageDescriptor> = reflect::pool()?
        .all_messages()
        .filter(|m| {
            m.package_name() == pkg
                && m.name().starts_with("Msg")
                && !m.name().ends_with("Response")
        })
        .collect();
    out.sort_by(|a, b| a.name().cmp(b.name()));
    Ok(out)
}

pub fn signer_field(msg: &MessageDescriptor) -> Option<&'static str> {
    SIGNER_FIELDS.iter().copied().find(|f| {
        msg.get_field_by_name(f)
            .is_some_and(|d| d.kind() == Kind::String)
    })
}

fn field_args(cmd: Command, msg: &MessageDescriptor, skip: &[&str]) -> Command {
    msg.fields()
        .filter(|f| !skip.contains(&f.name()))
        .fold(cmd, |cmd, f| {
            let help = match f.kind() {
                Kind::Message(m) if m.full_name() == "cosmos.base.v1beta1.Coin" => {
                    "coin, e.g. 1000000ugpc".to_string()
                }
                Kind::Message(m) => format!("{} (JSON)", m.name()),
                Kind::Bytes => "bytes, hex (or b64:...)".to_string(),
                k => format!("{k:?}").to_lowercase(),
            };
            let help = if f.is_list() {
                format!("{help}; comma-separated list")
            } else {
                help
            };
            cmd.arg(
                Arg::new(f.name().to_string())
                    .long(kebab(f.name()))
                    .help(help)
                    .action(ArgAction::Append),
            )
        })
}

fn collect_fields(m: &ArgMatches, msg: &MessageDescriptor, skip: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for f in msg.fields().filter(|f| !skip.contains(&f.name())) {
        if let Ok(Some(values)) = m.try_get_many::<String>(f.name()) {
            for v in values {
                out.push((f.name().to_string(), v.clone()));
            }
        }
    }
    out
}

fn tx_command(module: &str) -> Result<Command> {
    let mut cmd = Command::new(format!("gpuchaind tx {module}"))
        .about(format!("{module} module transactions"))
        .subcommand_required(true);
    for msg in msgs(module)? {
        let Some(signer) = signer_field(&msg) else {
            continue;
        };
        let sub = Command::new(kebab(msg.name().trim_start_matches("Msg")))
            .about(format!("Sign and broadcast /{}", msg.full_name()))
            .arg(
                Arg::new("from")
                    .long("from")
                    .required(true)
                    .help(format!("key that signs; fills `{signer}`")),
            );
        let sub = TxFlags::augment_args(field_args(sub, &msg, &[signer]));
        cmd = cmd.subcommand(sub);
    }
    Ok(cmd)
}

/// `gpuchaind tx <module> ...`.
pub fn run_tx(cli: &Cli, module: &str, args: &[String]) -> Result<()> {
    let argv = std::iter::once(format!("gpuchaind tx {module}")).chain(args.iter().cloned());
    let matches = tx_command(module)?
        .try_get_matches_from(argv)
        .unwrap_or_else(|e| e.exit());
    let (action, m) = matches.subcommand().context("no action given")?;
    let msg = msgs(module)?
        .into_iter()
        .find(|d| kebab(d.name().trim_start_matches("Msg")) == action)
        .ok_or_else(|| anyhow!("unknown action {action}"))?;
    let signer = signer_field(&msg).context("Msg has no signer field")?;
    let from = m.get_one::<String>("from").context("--from is required")?;
    let key = keys::open(cli)?.signing_key(from)?;
    let mut fields = collect_fields(m, &msg, &[signer]);
    fields.push((signer.to_string(), key.address().to_string()));
    let json = reflect::args_to_json(&msg, &fields)?;
    let any = Any {
        type_url: format!("/{}", msg.full_name()),
        value: reflect::from_json(&msg, json)?,
    };
    let flags = TxFlags::from_arg_matches(m)?;
    crate::tx::broadcast_and_print(cli, &key, vec![any], &flags)
}

/// A module's queries: `(method name, request, response)`, from its
/// `service Query` when the .proto declares one, else from every
/// `Query<Name>Request` with a matching `Query<Name>Response`.
fn query_methods(module: &str) -> Result<Vec<(String, MessageDescriptor, MessageDescriptor)>> {
    let pool = reflect::pool()?;
    let pkg = package(module);
    if let Some(svc) = pool.get_service_by_name(&format!("{pkg}.Query")) {
        return Ok(svc
            .methods()
            .map(|m| (m.name().to_string(), m.input(), m.output()))
            .collect());
    }
    let mut out: Vec<_> = pool
        .all_messages()
        .filter(|m| m.package_name() == pkg)
        .filter_map(|req| {
            let name = req.name().strip_prefix("Query")?.strip_suffix("Request")?;
            let resp = pool.get_message_by_name(&format!("{pkg}.Query{name}Response"))?;
            Some((name.to_string(), req, resp))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

fn query_command(module: &str) -> Result<Command> {
    let mut cmd = Command::new(format!("gpuchaind query {module}"))
        .about(format!("{module} module queries"))
        .subcommand_required(true);
    for (name, input, _) in query_methods(module)? {
        let mut sub = Command::new(kebab(&name))
            .about(format!("/{}.Query/{name}", package(module)))
            .arg(
                Arg::new("node")
                    .long("node")
                    .default_value(DEFAULT_NODE)
                    .help("CometBFT RPC address"),
            )
            .arg(
                Arg::new("height")
                    .long("height")
                    .default_value("0")
                    .help("query at this height (0: latest)"),
            );
        if let Some(f) = positional_field(&input) {
            sub = sub.arg(Arg::new("positional").help(format!("the request's `{f}`")));
        }
        cmd = cmd.subcommand(field_args(sub, &input, &[]));
    }
    Ok(cmd)
}

/// The one field (besides pagination) a request may take positionally.
fn positional_field(input: &MessageDescriptor) -> Option<String> {
    let fields: Vec<_> = input
        .fields()
        .filter(|f| f.name() != "pagination")
        .collect();
    match fields.as_slice() {
        [only] => Some(only.name().to_string()),
        _ => None,
    }
}

/// The request fields a query's arguments give: its `--field` flags, and the
/// positional argument of a request with one field.
fn query_fields(m: &ArgMatches, input: &MessageDescriptor) -> Result<Vec<(String, String)>> {
    let mut fields = collect_fields(m, input, &[]);
    // Only requests with one field define the positional argument (asking
    // clap for an undefined argument panics in debug builds).
    let positional = positional_field(input)
        .and_then(|f| m.get_one::<String>("positional").map(|v| (f, v.clone())));
    if let Some((f, v)) = positional {
        if fields.iter().any(|(k, _)| *k == f) {
            bail!("`{f}` given both as an argument and as --{}", kebab(&f));
        }
        fields.push((f, v));
    }
    Ok(fields)
}

/// `gpuchaind query <module> ...`.
pub fn run_query(cli: &Cli, module: &str, args: &[String]) -> Result<()> {
    let argv = std::iter::once(format!("gpuchaind query {module}")).chain(args.iter().cloned());
    let matches = query_command(module)?
        .try_get_matches_from(argv)
        .unwrap_or_else(|e| e.exit());
    let (name, m) = matches.subcommand().context("no query given")?;
    let (method, input, output) = query_methods(module)?
        .into_iter()
        .find(|(x, _, _)| kebab(x) == name)
        .ok_or_else(|| anyhow!("unknown query {name}"))?;
    let fields = query_fields(m, &input)?;
    let data = reflect::from_json(&input, reflect::args_to_json(&input, &fields)?)?;
    let node = m
        .get_one::<String>("node")
        .map_or(DEFAULT_NODE, String::as_str);
    let height: u64 = m
        .get_one::<String>("height")
        .map_or(Ok(0), |h| h.parse())
        .context("--height must be a number")?;
    let rpc = Rpc::new(node)?;
    let path = format!("/{}.Query/{method}", package(module));
    let raw = rpc.abci_query_at(&path, &data, height)?;
    output::print(cli.output, &reflect::to_json(&output, &raw)?);
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn should_name_commands_in_kebab_case() {
        assert_eq!(kebab("CreateOrder"), "create-order");
        assert_eq!(kebab("gpu_count"), "gpu-count");
        assert_eq!(kebab("Lease"), "lease");
    }

    fn fields_of(module: &str, args: &[&str]) -> Result<Vec<(String, String)>> {
        let argv = std::iter::once("q").chain(args.iter().copied());
        let matches = query_command(module)?.try_get_matches_from(argv)?;
        let (name, m) = matches.subcommand().unwrap();
        let (_, input, _) = query_methods(module)?
            .into_iter()
            .find(|(x, _, _)| kebab(x) == name)
            .unwrap();
        query_fields(m, &input)
    }

    #[test]
    fn should_take_flags_of_a_request_with_several_fields_when_it_has_no_positional() {
        let f = fields_of("attestation", &["challenges", "--provider", "gpu1x"]).unwrap();
        assert_eq!(f, vec![("provider".to_string(), "gpu1x".to_string())]);
        assert_eq!(fields_of("attestation", &["challenges"]).unwrap(), vec![]);
    }

    #[test]
    fn should_take_the_positional_field_when_the_request_has_one_field() {
        let f = fields_of("market", &["lease", "7"]).unwrap();
        assert_eq!(f, vec![("id".to_string(), "7".to_string())]);
        let e = fields_of("market", &["lease", "7", "--id", "8"]).unwrap_err();
        assert!(e.to_string().contains("given both"), "{e}");
    }
}

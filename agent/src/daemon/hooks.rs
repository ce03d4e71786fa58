//! Operator hooks: `[hooks] on_lease_start` / `on_lease_stop`, run without
//! a shell when a lease this host serves becomes active / closes.
//!
//! A hook gets the lease as one JSON object on stdin
//! ([`super::leases::lease_json`]) and these environment variables:
//! `LEASE_ID`, `LEASE_TENANT`, `LEASE_PROVIDER`, `LEASE_SKU`,
//! `LEASE_GPU_COUNT`, `LEASE_GPU_UUIDS` (comma-separated), `LEASE_STATE`,
//! `LEASE_STARTED_AT`, `LEASE_ENDS_AT`, `LEASE_CLOSE_REASON` (empty while
//! open), `LEASE_ACCESS_TOKEN` (the token the tenant's encrypted `access`
//! carries) and `CUDA_VISIBLE_DEVICES` (the GPU uuids). Hooks run in the
//! background (the agent does not wait for them) and must be idempotent:
//! the agent keeps no state, so after a restart it runs `on_lease_start`
//! again for every active lease it serves; a lease that closed while the
//! agent was down gets no `on_lease_stop`.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;

use super::metrics::{Counter, Metrics};

/// Which hook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HookKind {
    Start,
    Stop,
}

impl HookKind {
    pub fn name(self) -> &'static str {
        match self {
            HookKind::Start => "on_lease_start",
            HookKind::Stop => "on_lease_stop",
        }
    }
}

/// Runs hooks (a process in production, a recorder in tests).
pub trait HookRunner: Send + Sync {
    fn run(&self, kind: HookKind, argv: &[String], env: Vec<(String, String)>, stdin: Vec<u8>);
}

/// Spawns the hook as a child process on a background thread, logs and
/// counts its outcome.
pub struct ProcessHooks {
    pub metrics: Arc<Metrics>,
}

impl HookRunner for ProcessHooks {
    fn run(&self, kind: HookKind, argv: &[String], env: Vec<(String, String)>, stdin: Vec<u8>) {
        let argv = argv.to_vec();
        let metrics = self.metrics.clone();
        let lease_id = env
            .iter()
            .find(|(k, _)| k == "LEASE_ID")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let spawned = std::thread::Builder::new()
            .name(format!("hook-{}", kind.name()))
            .spawn(move || {
                metrics.inc(Counter::HooksRun);
                match run_process(&argv, &env, &stdin) {
                    Ok(status) if status.success() => {
                        tracing::info!(hook = kind.name(), lease_id, "hook succeeded")
                    }
                    Ok(status) => {
                        metrics.inc(Counter::HookFailures);
                        tracing::warn!(hook = kind.name(), lease_id, %status, "hook failed");
                    }
                    Err(e) => {
                        metrics.inc(Counter::HookFailures);
                        tracing::warn!(hook = kind.name(), lease_id, error = %e, "hook could not run");
                    }
                }
            });
        if let Err(e) = spawned {
            self.metrics.inc(Counter::HookFailures);
            tracing::warn!(hook = kind.name(), error = %e, "could not start a hook thread");
        }
    }
}

/// Runs `argv` with `env` added and `stdin` piped in; waits for it.
pub fn run_process(
    argv: &[String],
    env: &[(String, String)],
    stdin: &[u8],
) -> std::io::Result<std::process::ExitStatus> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| std::io::Error::other("empty hook command"))?;
    let mut child = Command::new(program)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()?;
    if let Some(mut input) = child.stdin.take() {
        // A hook that does not read its stdin is fine.
        let _ = input.write_all(stdin);
    }
    child.wait()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn should_pass_lease_json_on_stdin_and_env_when_running_a_hook() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let script = format!(
            "cat > {o}.json; printf '%s %s' \"$LEASE_ID\" \"$LEASE_GPU_UUIDS\" > {o}.env",
            o = out.display()
        );
        let argv = vec!["/bin/sh".to_string(), "-c".to_string(), script];
        let env = vec![
            ("LEASE_ID".to_string(), "7".to_string()),
            ("LEASE_GPU_UUIDS".to_string(), "GPU-a,GPU-b".to_string()),
        ];
        let status = run_process(&argv, &env, br#"{"id":7}"#).unwrap();
        assert!(status.success());
        let json = std::fs::read_to_string(format!("{}.json", out.display())).unwrap();
        assert_eq!(json, r#"{"id":7}"#);
        let envs = std::fs::read_to_string(format!("{}.env", out.display())).unwrap();
        assert_eq!(envs, "7 GPU-a,GPU-b");
        let fail =
            run_process(&["/bin/sh".into(), "-c".into(), "exit 3".into()], &[], b"").unwrap();
        assert_eq!(fail.code(), Some(3));
        assert!(run_process(&[], &[], b"").is_err());
        assert!(run_process(&["/nonexistent/hook".into()], &[], b"").is_err());
    }
}

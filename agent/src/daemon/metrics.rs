//! The agent's Prometheus metrics: counters and gauges kept in atomics,
//! rendered in the text exposition format (0.0.4) and served over plain
//! HTTP at `GET /metrics` on `[metrics] listen`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A counter the agent exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counter {
    /// MsgSubmitInventory transactions the chain accepted.
    InventorySubmitted,
    /// MsgAckLease transactions the chain accepted.
    LeasesAcked,
    /// Challenges answered (MsgChallengeOpen accepted by the chain).
    ChallengesAnswered,
    /// MsgChallengeCommit transactions the chain accepted.
    ChallengesCommitted,
    /// Failed RPC calls (node unreachable, query errors, commit timeouts).
    RpcErrors,
    /// Transactions the chain rejected (non-zero code).
    TxFailed,
    /// Lease hooks run.
    HooksRun,
    /// Lease hooks that failed to start or exited non-zero.
    HookFailures,
    /// Hardware reads that failed.
    HardwareErrors,
}

const COUNTERS: [(Counter, &str, &str); 9] = [
    (
        Counter::InventorySubmitted,
        "gpuchain_agent_inventory_submitted_total",
        "Inventory reports accepted by the chain.",
    ),
    (
        Counter::LeasesAcked,
        "gpuchain_agent_leases_acked_total",
        "Lease acknowledgements accepted by the chain.",
    ),
    (
        Counter::ChallengesAnswered,
        "gpuchain_agent_challenges_answered_total",
        "Challenge openings accepted by the chain.",
    ),
    (
        Counter::ChallengesCommitted,
        "gpuchain_agent_challenges_committed_total",
        "Challenge commitments accepted by the chain.",
    ),
    (
        Counter::RpcErrors,
        "gpuchain_agent_rpc_errors_total",
        "Failed calls to the node's RPC.",
    ),
    (
        Counter::TxFailed,
        "gpuchain_agent_tx_failed_total",
        "Transactions rejected by the chain.",
    ),
    (
        Counter::HooksRun,
        "gpuchain_agent_hooks_run_total",
        "Lease start/stop hooks run.",
    ),
    (
        Counter::HookFailures,
        "gpuchain_agent_hook_failures_total",
        "Lease hooks that could not start or exited non-zero.",
    ),
    (
        Counter::HardwareErrors,
        "gpuchain_agent_hardware_errors_total",
        "Failed hardware reads.",
    ),
];

/// A gauge the agent exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gauge {
    /// GPUs in the last hardware read.
    GpusLocal,
    /// Leases this host serves (active, acknowledged with its GPUs).
    LeasesServing,
    /// Latest block height seen.
    LastHeight,
}

const GAUGES: [(Gauge, &str, &str); 3] = [
    (
        Gauge::GpusLocal,
        "gpuchain_agent_gpus",
        "GPUs in the last hardware read.",
    ),
    (
        Gauge::LeasesServing,
        "gpuchain_agent_leases_serving",
        "Active leases served by this host.",
    ),
    (
        Gauge::LastHeight,
        "gpuchain_agent_last_block_height",
        "Latest block height the agent saw.",
    ),
];

/// All the agent's metrics; share it as `Arc<Metrics>`.
#[derive(Debug, Default)]
pub struct Metrics {
    counters: [AtomicU64; 9],
    gauges: [AtomicI64; 3],
}

fn counter_index(c: Counter) -> usize {
    COUNTERS.iter().position(|(k, _, _)| *k == c).unwrap_or(0)
}

fn gauge_index(g: Gauge) -> usize {
    GAUGES.iter().position(|(k, _, _)| *k == g).unwrap_or(0)
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one to a counter.
    pub fn inc(&self, c: Counter) {
        if let Some(a) = self.counters.get(counter_index(c)) {
            a.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A counter's value.
    pub fn get(&self, c: Counter) -> u64 {
        self.counters
            .get(counter_index(c))
            .map_or(0, |a| a.load(Ordering::Relaxed))
    }

    /// Sets a gauge.
    pub fn set(&self, g: Gauge, value: i64) {
        if let Some(a) = self.gauges.get(gauge_index(g)) {
            a.store(value, Ordering::Relaxed);
        }
    }

    /// A gauge's value.
    pub fn gauge(&self, g: Gauge) -> i64 {
        self.gauges
            .get(gauge_index(g))
            .map_or(0, |a| a.load(Ordering::Relaxed))
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (c, name, help) in COUNTERS {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}\n",
                self.get(c)
            ));
        }
        for (g, name, help) in GAUGES {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {}\n",
                self.gauge(g)
            ));
        }
        out
    }
}

/// Binds `addr` and serves `GET /metrics` on a background thread.
pub fn serve(addr: SocketAddr, metrics: Arc<Metrics>) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    std::thread::Builder::new()
        .name("metrics".into())
        .spawn(move || {
            for stream in listener.incoming() {
                match stream {
                    Ok(s) => {
                        if let Err(e) = answer(s, &metrics) {
                            tracing::debug!(error = %e, "metrics request failed");
                        }
                    }
                    Err(e) => tracing::debug!(error = %e, "metrics accept failed"),
                }
            }
        })?;
    Ok(local)
}

fn answer(mut s: TcpStream, metrics: &Metrics) -> std::io::Result<()> {
    s.set_read_timeout(Some(Duration::from_secs(2)))?;
    s.set_write_timeout(Some(Duration::from_secs(2)))?;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
        let n = s.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
    let head = String::from_utf8_lossy(&buf);
    let mut parts = head.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (status, ctype, body) = if method == "GET" && (path == "/metrics" || path == "/") {
        (
            "200 OK",
            "text/plain; version=0.0.4; charset=utf-8",
            metrics.render(),
        )
    } else {
        ("404 Not Found", "text/plain", "not found\n".to_string())
    };
    write!(
        s,
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    s.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_render_every_counter_and_gauge_when_asked() {
        let m = Metrics::new();
        m.inc(Counter::InventorySubmitted);
        m.inc(Counter::LeasesAcked);
        m.inc(Counter::LeasesAcked);
        m.inc(Counter::RpcErrors);
        m.set(Gauge::GpusLocal, 8);
        let text = m.render();
        assert!(text.contains("# TYPE gpuchain_agent_inventory_submitted_total counter\ngpuchain_agent_inventory_submitted_total 1\n"));
        assert!(text.contains("\ngpuchain_agent_leases_acked_total 2\n"));
        assert!(text.contains("\ngpuchain_agent_challenges_answered_total 0\n"));
        assert!(text.contains("\ngpuchain_agent_rpc_errors_total 1\n"));
        assert!(text.contains("# TYPE gpuchain_agent_gpus gauge\ngpuchain_agent_gpus 8\n"));
        assert_eq!(text.lines().filter(|l| l.starts_with("# TYPE")).count(), 12);
        assert_eq!(m.get(Counter::LeasesAcked), 2);
    }

    #[test]
    fn should_serve_metrics_over_http_when_bound() {
        let m = Arc::new(Metrics::new());
        m.inc(Counter::ChallengesAnswered);
        let addr = serve("127.0.0.1:0".parse().unwrap(), m.clone()).unwrap();
        let get = |path: &str| {
            let mut s = TcpStream::connect(addr).unwrap();
            write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).unwrap();
            out
        };
        let ok = get("/metrics");
        assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
        assert!(ok.contains("gpuchain_agent_challenges_answered_total 1\n"));
        assert!(get("/nope").starts_with("HTTP/1.1 404"));
    }
}

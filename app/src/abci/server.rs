//! The ABCI socket server: CometBFT opens four connections (consensus,
//! mempool, query, snapshot); each is served on its own thread. Messages are
//! protobuf, each preceded by its length as an unsigned varint.

use std::io::{self, BufReader, BufWriter, Read, Write};
use std::net::TcpListener;
use std::os::unix::net::UnixListener;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use prost::Message;
use tendermint_proto::abci::{response, Request, Response, ResponseException};
use tracing::{info, warn};

use super::Handler;

/// Bound on one request: a block of the largest size CometBFT allows plus
/// framing. Anything larger is a broken peer, not a request.
const MAX_MESSAGE_BYTES: u64 = 128 * 1024 * 1024;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListenAddr {
    Tcp(String),
    Unix(String),
}

impl ListenAddr {
    /// Parses CometBFT's `proxy_app` form: `tcp://127.0.0.1:26658` or
    /// `unix:///path/to/sock`.
    pub fn parse(s: &str) -> Result<Self, String> {
        if let Some(rest) = s.strip_prefix("tcp://") {
            Ok(Self::Tcp(rest.to_string()))
        } else if let Some(rest) = s.strip_prefix("unix://") {
            Ok(Self::Unix(rest.to_string()))
        } else {
            Err(format!(
                "ABCI address {s:?} must start with tcp:// or unix://"
            ))
        }
    }
}

/// Serves ABCI until the process ends.
pub fn serve(addr: &ListenAddr, handler: Arc<Handler>) -> io::Result<()> {
    match addr {
        ListenAddr::Tcp(a) => {
            let listener = TcpListener::bind(a)?;
            info!(addr = %a, "ABCI server listening (tcp)");
            for conn in listener.incoming() {
                let conn = conn?;
                let _ = conn.set_nodelay(true);
                let reader = conn.try_clone()?;
                spawn_conn(handler.clone(), reader, conn);
            }
        }
        ListenAddr::Unix(path) => {
            let _ = std::fs::remove_file(path);
            let listener = UnixListener::bind(path)?;
            info!(addr = %path, "ABCI server listening (unix)");
            for conn in listener.incoming() {
                let conn = conn?;
                let reader = conn.try_clone()?;
                spawn_conn(handler.clone(), reader, conn);
            }
        }
    }
    Ok(())
}

fn spawn_conn<R, W>(handler: Arc<Handler>, reader: R, writer: W)
where
    R: Read + Send + 'static,
    W: Write + Send + 'static,
{
    std::thread::spawn(move || {
        if let Err(e) = serve_conn(&handler, reader, writer) {
            if e.kind() != io::ErrorKind::UnexpectedEof {
                warn!(%e, "ABCI connection closed");
            }
        }
    });
}

fn read_uvarint(r: &mut impl Read) -> io::Result<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let mut b = [0u8; 1];
        r.read_exact(&mut b)?;
        value |= u64::from(b[0] & 0x7f) << shift;
        if b[0] & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidData,
        "varint too long",
    ))
}

/// Reads one length-prefixed frame.
fn read_frame(reader: &mut impl Read) -> io::Result<Request> {
    let len = read_uvarint(reader)?;
    if len > MAX_MESSAGE_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "ABCI message too large",
        ));
    }
    let mut buf = vec![0u8; usize::try_from(len).unwrap_or(0)];
    reader.read_exact(&mut buf)?;
    Request::decode(buf.as_slice()).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Whether `buf` starts with a whole frame (so reading it will not block).
fn has_whole_frame(buf: &[u8]) -> bool {
    let mut len = 0u64;
    for (i, b) in buf.iter().enumerate().take(10) {
        len |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            let have = (buf.len() - i - 1) as u64;
            return have >= len;
        }
    }
    false
}

/// Requests already received are handled as one batch (at most this many):
/// under load the mempool connection's CheckTx requests arrive faster than
/// they are checked, so its batches are full.
pub const MAX_BATCH: usize = 256;

fn serve_conn(handler: &Handler, reader: impl Read, writer: impl Write) -> io::Result<()> {
    let mut reader = BufReader::with_capacity(1 << 16, reader);
    let mut writer = BufWriter::with_capacity(1 << 16, writer);
    loop {
        let mut batch = vec![read_frame(&mut reader)?];
        while batch.len() < MAX_BATCH && has_whole_frame(reader.buffer()) {
            batch.push(read_frame(&mut reader)?);
        }
        let n = batch.len();
        let has_flush = batch.iter().any(|r| {
            matches!(
                r.value,
                Some(tendermint_proto::abci::request::Value::Flush(_))
            )
        });
        let responses = catch_unwind(AssertUnwindSafe(|| handler.handle_batch(batch)))
            .unwrap_or_else(|_| {
                let panicked = Response {
                    value: Some(response::Value::Exception(ResponseException {
                        error: "internal error: request handler panicked".into(),
                    })),
                };
                vec![panicked; n]
            });
        for resp in responses {
            writer.write_all(&resp.encode_length_delimited_to_vec())?;
        }
        // Answer before blocking on the next read: CometBFT waits on the
        // responses it flushed for.
        if has_flush || reader.buffer().is_empty() {
            writer.flush()?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_parse_listen_addresses() {
        assert_eq!(
            ListenAddr::parse("tcp://127.0.0.1:26658").unwrap(),
            ListenAddr::Tcp("127.0.0.1:26658".into())
        );
        assert_eq!(
            ListenAddr::parse("unix:///tmp/x.sock").unwrap(),
            ListenAddr::Unix("/tmp/x.sock".into())
        );
        assert!(ListenAddr::parse("127.0.0.1:26658").is_err());
    }

    #[test]
    fn should_tell_whole_frames_from_partial_ones() {
        assert!(has_whole_frame(&[2, 8, 1]));
        assert!(has_whole_frame(&[0]));
        assert!(!has_whole_frame(&[3, 8, 1]));
        assert!(!has_whole_frame(&[]));
        assert!(!has_whole_frame(&[0x80]));
    }

    #[test]
    fn should_read_uvarints() {
        let mut r: &[u8] = &[0xac, 0x02];
        assert_eq!(read_uvarint(&mut r).unwrap(), 300);
        let mut r: &[u8] = &[0xff; 11];
        assert!(read_uvarint(&mut r).is_err());
    }
}

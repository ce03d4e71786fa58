//! The ABCI socket server speaks CometBFT's framing (uvarint length +
//! protobuf) over TCP and unix sockets, and a malformed frame closes only
//! that connection.

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use gpuchain_app::abci::{serve, Handler, ListenAddr};
use gpuchain_app::{App, AppConfig, NodeInfo, QueryService, Router};
use gpuchain_store::{Storage, StorageConfig};
use prost::Message;
use tendermint_proto::abci::{
    request, response, Request, RequestEcho, RequestFlush, RequestInfo, Response,
};

fn handler(dir: &std::path::Path) -> Arc<Handler> {
    let storage = Storage::open(dir, StorageConfig::default()).unwrap();
    let router = Arc::new(Router::standard());
    let queries = Arc::new(QueryService::new(
        router.clone(),
        storage.reader(),
        NodeInfo::default(),
        1 << 20,
    ));
    Arc::new(Handler::new(
        App::new(router, storage, AppConfig::default()),
        queries,
    ))
}

fn roundtrip(conn: &mut (impl Read + Write), req: request::Value) -> response::Value {
    let bytes = Request { value: Some(req) }.encode_length_delimited_to_vec();
    conn.write_all(&bytes).unwrap();
    let flush = Request {
        value: Some(request::Value::Flush(RequestFlush {})),
    }
    .encode_length_delimited_to_vec();
    conn.write_all(&flush).unwrap();
    let first = read_response(conn);
    let second = read_response(conn);
    assert!(matches!(second, response::Value::Flush(_)));
    first
}

fn read_response(conn: &mut impl Read) -> response::Value {
    let mut len = 0u64;
    for shift in (0..64).step_by(7) {
        let mut b = [0u8; 1];
        conn.read_exact(&mut b).unwrap();
        len |= u64::from(b[0] & 0x7f) << shift;
        if b[0] & 0x80 == 0 {
            break;
        }
    }
    let mut buf = vec![0u8; len as usize];
    conn.read_exact(&mut buf).unwrap();
    Response::decode(buf.as_slice()).unwrap().value.unwrap()
}

fn check_echo_and_info(conn: &mut (impl Read + Write)) {
    let r = roundtrip(
        conn,
        request::Value::Echo(RequestEcho {
            message: "hi".into(),
        }),
    );
    assert!(matches!(r, response::Value::Echo(e) if e.message == "hi"));
    match roundtrip(conn, request::Value::Info(RequestInfo::default())) {
        response::Value::Info(i) => {
            assert_eq!(i.last_block_height, 0);
            assert_eq!(i.app_version, gpuchain_app::APP_VERSION);
            assert_eq!(i.data, "gpuchain");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn should_serve_abci_over_unix_socket() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("abci.sock");
    let h = handler(&dir.path().join("db"));
    let addr = ListenAddr::parse(&format!("unix://{}", sock.display())).unwrap();
    std::thread::spawn(move || serve(&addr, h));
    let mut conn = loop {
        if let Ok(c) = std::os::unix::net::UnixStream::connect(&sock) {
            break c;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    check_echo_and_info(&mut conn);
}

#[test]
fn should_serve_abci_over_tcp_and_survive_a_malformed_frame() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let h = handler(&dir.path().join("db"));
    let addr = ListenAddr::parse(&format!("tcp://127.0.0.1:{port}")).unwrap();
    std::thread::spawn(move || serve(&addr, h));
    let connect = || loop {
        if let Ok(c) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            break c;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // Garbage: a length prefix followed by bytes that are not a Request.
    let mut bad = connect();
    bad.write_all(&[5, 0xff, 0xff, 0xff, 0xff, 0xff]).unwrap();
    let mut buf = [0u8; 1];
    assert_eq!(
        bad.read(&mut buf).unwrap_or(0),
        0,
        "bad connection is closed"
    );
    // The server still answers on a new connection.
    let mut good = connect();
    check_echo_and_info(&mut good);
}

//! A bulwark server (`audit serve`, `admit serve`) run as a child process
//! on 127.0.0.1, and one-shot HTTPS requests to it with a real rustls
//! client that trusts only the server's CA.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use rustls::pki_types::{CertificateDer, pem::PemObject};

pub struct Running {
    pub child: Child,
    pub addr: SocketAddr,
    pub stdout: Receiver<String>,
    pub stderr: Receiver<String>,
    /// What the server said on stderr before it announced its address.
    pub before: Vec<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lines(r: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for l in BufReader::new(r).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    rx
}

/// Starts `bulwark ARGS` and waits for the stderr line that starts with
/// `announce` and ends with the address (`... listening on https://`).
pub fn spawn(args: &[&str], announce: &str) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = lines(child.stdout.take().unwrap());
    let stderr = lines(child.stderr.take().unwrap());
    let mut r = Running {
        child,
        addr: "127.0.0.1:1".parse().unwrap(),
        stdout,
        stderr,
        before: Vec::new(),
    };
    loop {
        let l = r
            .stderr
            .recv_timeout(Duration::from_secs(30))
            .expect("server announces its address");
        if let Some(a) = l.strip_prefix(announce) {
            r.addr = a.parse().unwrap();
            return r;
        }
        r.before.push(l);
    }
}

/// One HTTPS request; `len` is the declared Content-Length (the body's
/// own length when `None`). Returns the status code and the body.
pub fn request(
    addr: SocketAddr,
    ca_pem: &[u8],
    method: &str,
    path: &str,
    body: &[u8],
    len: Option<usize>,
) -> (u16, String) {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca_pem).unwrap())
        .unwrap();
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let conn =
        rustls::ClientConnection::new(Arc::new(cfg), "localhost".try_into().unwrap()).unwrap();
    let tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let len = len.unwrap_or(body.len());
    write!(
        tls,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let _ = tls.write_all(body);
    let _ = tls.flush();
    let mut resp = Vec::new();
    let _ = tls.read_to_end(&mut resp);
    let text = String::from_utf8_lossy(&resp).into_owned();
    let code: u16 = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (code, body.to_string())
}

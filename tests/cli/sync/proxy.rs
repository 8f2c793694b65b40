//! A loopback HTTP proxy that misbehaves on purpose, from a seed: it drops
//! requests, loses responses after the server committed, sends requests
//! twice, delays them (reordering concurrent clients), or partitions the
//! network entirely. One request per connection (`Connection: close`).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often each fault happens, in percent.
#[derive(Debug, Clone, Copy)]
pub struct Faults {
    pub drop_request: u64,
    pub drop_response: u64,
    pub duplicate: u64,
    pub delay: u64,
}

pub struct Proxy {
    pub addr: SocketAddr,
    rng: Arc<Mutex<u64>>,
    faults: Arc<Mutex<Option<Faults>>>,
    partitioned: Arc<AtomicBool>,
}

fn next(rng: &Mutex<u64>) -> u64 {
    let mut s = rng.lock().unwrap();
    // xorshift64*
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    s.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

fn read_request(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = s.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = s.read(&mut chunk).ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            // Ask the server to close after answering, so every request is
            // one connection the proxy can decide about.
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let mut lines: Vec<&str> = head.split("\r\n").filter(|l| !l.to_lowercase().starts_with("connection:")).collect();
            lines.push("Connection: close");
            let mut out = lines.join("\r\n").into_bytes();
            out.extend_from_slice(b"\r\n\r\n");
            out.extend_from_slice(&buf[end + 4..]);
            return Some(out);
        }
    }
}

fn forward(upstream: SocketAddr, req: &[u8]) -> Option<Vec<u8>> {
    let mut s = TcpStream::connect(upstream).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    s.write_all(req).ok()?;
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).ok()?;
    Some(resp)
}

impl Proxy {
    pub fn start(upstream: SocketAddr, seed: u64, faults: Faults) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let proxy = Proxy {
            addr: listener.local_addr().unwrap(),
            rng: Arc::new(Mutex::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)),
            faults: Arc::new(Mutex::new(Some(faults))),
            partitioned: Arc::new(AtomicBool::new(false)),
        };
        let (rng, faults, partitioned) = (proxy.rng.clone(), proxy.faults.clone(), proxy.partitioned.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut client) = conn else { continue };
                let (rng, faults, partitioned) = (rng.clone(), faults.clone(), partitioned.clone());
                std::thread::spawn(move || {
                    if partitioned.load(Ordering::SeqCst) {
                        return; // the network is gone: the connection just drops
                    }
                    let Some(req) = read_request(&mut client) else { return };
                    let f = *faults.lock().unwrap();
                    let roll = |pct: u64| f.is_some_and(|_| next(&rng) % 100 < pct);
                    let f = f.unwrap_or(Faults { drop_request: 0, drop_response: 0, duplicate: 0, delay: 0 });
                    if roll(f.drop_request) {
                        return;
                    }
                    if roll(f.delay) {
                        std::thread::sleep(Duration::from_millis(next(&rng) % 30));
                    }
                    let mut resp = forward(upstream, &req);
                    if roll(f.duplicate) {
                        resp = forward(upstream, &req).or(resp);
                    }
                    if roll(f.drop_response) {
                        return; // the server committed; the client never hears
                    }
                    if let Some(resp) = resp {
                        let _ = client.write_all(&resp);
                    }
                });
            }
        });
        proxy
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// No more faults.
    pub fn heal(&self) {
        *self.faults.lock().unwrap() = None;
        self.partitioned.store(false, Ordering::SeqCst);
    }

    pub fn partition(&self, on: bool) {
        self.partitioned.store(on, Ordering::SeqCst);
    }

    /// A number from the proxy's seeded sequence, for the scenario's own
    /// choices.
    pub fn roll(&self, n: u64) -> u64 {
        next(&self.rng) % n.max(1)
    }
}

//! HTTP/1.1 load on keep-alive connections, with hyper's client connection
//! and nothing else in the way, so the same generator loads the hook and
//! the ceiling server in one run.
//!
//! - [`closed_loop`]: each connection sends its next request as soon as the
//!   previous answer is read: throughput at saturation.
//! - [`open_loop`]: request `i` is due at `start + i / rate`, whatever
//!   happened before; its latency counts from that intended time, so a stall
//!   shows in every request it delayed (no coordinated omission).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// One kind of request, with the status it must get.
#[derive(Debug, Clone)]
pub struct Call {
    pub body: Bytes,
    pub authorization: Option<HeaderValue>,
    pub expect: u16,
}

/// Where the load goes and what it sends (calls taken in turn).
#[derive(Debug, Clone)]
pub struct Target {
    pub addr: SocketAddr,
    pub path: String,
    pub calls: Arc<Vec<Call>>,
}

/// What a run measured.
#[derive(Debug, Default, Clone)]
pub struct Run {
    /// Latency of each answered request, in microseconds.
    pub latencies_us: Vec<u64>,
    /// Answers with another status than expected, and failed requests.
    pub errors: u64,
    /// How long the measured part lasted.
    pub elapsed: Duration,
}

impl Run {
    /// Requests per second.
    pub fn throughput(&self) -> f64 {
        self.latencies_us.len() as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// The `q` quantile (0..=1) of the latency, in milliseconds.
    pub fn quantile_ms(&mut self, q: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        self.latencies_us.sort_unstable();
        let index = ((self.latencies_us.len() - 1) as f64 * q).round() as usize;
        self.latencies_us[index] as f64 / 1000.0
    }

    fn merge(&mut self, other: Run) {
        self.latencies_us.extend(other.latencies_us);
        self.errors += other.errors;
    }
}

async fn connect(addr: SocketAddr) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr)
        .await
        .with_context(|| format!("connect to {addr}"))?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    Ok(sender)
}

/// Sends one call and reads the whole answer; `Ok(true)` when its status
/// is the expected one.
async fn send(
    sender: &mut SendRequest<Full<Bytes>>,
    target: &Target,
    call: &Call,
) -> anyhow::Result<bool> {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(&target.path)
        .header(HOST, target.addr.to_string())
        .header(CONTENT_TYPE, "application/json");
    if let Some(authorization) = &call.authorization {
        request = request.header(AUTHORIZATION, authorization.clone());
    }
    let request = request.body(Full::new(call.body.clone()))?;
    sender.ready().await?;
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    response.into_body().collect().await?;
    Ok(status == call.expect)
}

/// `connections` connections, each as fast as the server answers, for
/// `warmup` (not measured) then `duration`.
pub async fn closed_loop(
    target: &Target,
    connections: usize,
    warmup: Duration,
    duration: Duration,
) -> anyhow::Result<Run> {
    let start = Instant::now();
    let measure_from = start + warmup;
    let end = measure_from + duration;
    let mut workers = Vec::new();
    for worker in 0..connections {
        let target = target.clone();
        workers.push(tokio::spawn(async move {
            let mut run = Run::default();
            let mut sender = connect(target.addr).await?;
            let mut turn = worker;
            while Instant::now() < end {
                let call = &target.calls[turn % target.calls.len()];
                turn += 1;
                let sent = Instant::now();
                let ok = send(&mut sender, &target, call).await.unwrap_or(false);
                if sent >= measure_from {
                    run.latencies_us.push(micros(sent.elapsed()));
                    if !ok {
                        run.errors += 1;
                    }
                }
                if !ok {
                    sender = connect(target.addr).await?;
                }
            }
            anyhow::Ok(run)
        }));
    }
    let mut total = Run::default();
    for worker in workers {
        total.merge(worker.await??);
    }
    total.elapsed = duration;
    Ok(total)
}

/// `rate` requests a second for `duration`, over `connections`
/// connections; each latency counts from the request's intended send time.
///
/// Each connection is an OS thread with blocking I/O: the OS's sleep wakes
/// within tens of microseconds of the intended time, where tokio's timer
/// has a millisecond's grain, which would show in every latency.
pub async fn open_loop(
    target: &Target,
    connections: usize,
    rate: u64,
    duration: Duration,
) -> anyhow::Result<Run> {
    let target = target.clone();
    tokio::task::spawn_blocking(move || open_loop_threads(&target, connections, rate, duration))
        .await?
}

fn open_loop_threads(
    target: &Target,
    connections: usize,
    rate: u64,
    duration: Duration,
) -> anyhow::Result<Run> {
    let total_requests = rate * duration.as_secs().max(1);
    let period = Duration::from_secs(1) / u32::try_from(rate.max(1)).unwrap_or(u32::MAX);
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now() + Duration::from_millis(50);
    let requests: Arc<Vec<(Vec<u8>, u16)>> = Arc::new(
        target
            .calls
            .iter()
            .map(|call| (raw_request(target, call), call.expect))
            .collect(),
    );
    let mut workers = Vec::new();
    for _ in 0..connections {
        let (next, requests, addr) = (next.clone(), requests.clone(), target.addr);
        workers.push(std::thread::spawn(move || -> anyhow::Result<Run> {
            let mut run = Run::default();
            let mut connection = Blocking::connect(addr)?;
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= total_requests {
                    break;
                }
                let intended = start + period * u32::try_from(index).unwrap_or(u32::MAX);
                if let Some(wait) = intended.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                let (bytes, expect) =
                    &requests[usize::try_from(index).unwrap_or(0) % requests.len()];
                let status = connection.exchange(bytes).unwrap_or(0);
                run.latencies_us.push(micros(intended.elapsed()));
                if status != *expect {
                    run.errors += 1;
                    connection = Blocking::connect(addr)?;
                }
            }
            Ok(run)
        }));
    }
    let mut total = Run::default();
    for worker in workers {
        let run = worker
            .join()
            .map_err(|_| anyhow::anyhow!("a load thread panicked"))??;
        total.merge(run);
    }
    total.elapsed = duration;
    Ok(total)
}

/// A request as bytes on the wire.
fn raw_request(target: &Target, call: &Call) -> Vec<u8> {
    let mut head = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        target.path,
        target.addr,
        call.body.len()
    );
    if let Some(authorization) = call.authorization.as_ref().and_then(|v| v.to_str().ok()) {
        head.push_str(&format!("Authorization: {authorization}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&call.body);
    bytes
}

/// One keep-alive HTTP/1.1 connection with blocking I/O: enough of a client
/// for servers that answer with `Content-Length` (or no body).
struct Blocking {
    writer: std::net::TcpStream,
    reader: std::io::BufReader<std::net::TcpStream>,
}

impl Blocking {
    fn connect(addr: SocketAddr) -> anyhow::Result<Blocking> {
        let stream = std::net::TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        Ok(Blocking {
            reader: std::io::BufReader::new(stream.try_clone()?),
            writer: stream,
        })
    }

    /// Sends a request and reads the whole answer; returns its status.
    fn exchange(&mut self, request: &[u8]) -> anyhow::Result<u16> {
        use std::io::{BufRead, Read, Write};
        self.writer.write_all(request)?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| anyhow::anyhow!("no status line: {line:?}"))?;
        let mut length = 0usize;
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok(status)
    }
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

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
pub async fn open_loop(
    target: &Target,
    connections: usize,
    rate: u64,
    duration: Duration,
) -> anyhow::Result<Run> {
    let total_requests = rate * duration.as_secs().max(1);
    let period = Duration::from_secs(1) / u32::try_from(rate.max(1)).unwrap_or(u32::MAX);
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now() + Duration::from_millis(50);
    let mut workers = Vec::new();
    for _ in 0..connections {
        let target = target.clone();
        let next = next.clone();
        workers.push(tokio::spawn(async move {
            let mut run = Run::default();
            let mut sender = connect(target.addr).await?;
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= total_requests {
                    break;
                }
                let intended = start + period * u32::try_from(index).unwrap_or(u32::MAX);
                tokio::time::sleep_until(intended.into()).await;
                let call = &target.calls[usize::try_from(index).unwrap_or(0) % target.calls.len()];
                let ok = send(&mut sender, &target, call).await.unwrap_or(false);
                run.latencies_us.push(micros(intended.elapsed()));
                if !ok {
                    run.errors += 1;
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

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

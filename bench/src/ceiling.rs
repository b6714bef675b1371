//! The ceiling: a few lines of hyper that answer every POST with the same
//! 200 body without reading the request. No server that does real work can
//! be faster on this machine, so the hook's throughput is reported as a
//! share of this one's, measured in the same run with the same generator.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// The hook's answer for a patient, byte for byte.
const BODY: &str = r#"{"commands":[{"type":"com.okta.identity.patch","value":[{"op":"add","path":"/claims/extPatientId","value":"1235"}]}]}"#;

/// Starts the ceiling server on a free port; returns its address.
pub async fn start() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let service = service_fn(|_request: Request<hyper::body::Incoming>| async {
                    let mut response =
                        Response::new(Full::new(Bytes::from_static(BODY.as_bytes())));
                    response.headers_mut().insert(
                        hyper::header::CONTENT_TYPE,
                        hyper::header::HeaderValue::from_static("application/json"),
                    );
                    Ok::<_, Infallible>(response)
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(addr)
}

//! The services as `just run` starts them: the built binaries next to this
//! one, on free loopback ports, with a scratch data directory, and the
//! resident memory of each read from `/proc`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// A running service.
pub struct Service {
    pub name: &'static str,
    pub addr: SocketAddr,
    child: Child,
}

impl Service {
    /// Resident memory in MB (Linux), or 0 where `/proc` has none.
    pub fn rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|value| {
                value
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<f64>()
                    .ok()
            })
            .map_or(0.0, |kb| kb / 1024.0)
    }

    /// Open file descriptors (Linux), or 0.
    pub fn open_files(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))
            .map(|entries| entries.count())
            .unwrap_or(0)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The directory the service binaries were built into: this one's.
pub fn binaries() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let dir = exe
        .parent()
        .context("the bench binary's directory")?
        .to_owned();
    for name in ["hook-service", "local-okta", "sample-web-app"] {
        if !dir.join(name).exists() {
            bail!(
                "{name} is not built next to the bench ({}): run `cargo build --release \
                 --workspace --bins` (`just bench` does)",
                dir.display()
            );
        }
    }
    Ok(dir)
}

/// A free loopback address.
pub fn free_address() -> anyhow::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

/// Starts `name` with `env`; it must answer `ready_path` within 30 s.
pub async fn start(
    bin: &Path,
    name: &'static str,
    addr: SocketAddr,
    env: &[(&str, String)],
    ready_path: &str,
) -> anyhow::Result<Service> {
    let mut command = Command::new(bin.join(name));
    command
        .envs(env.iter().map(|(key, value)| (*key, value.as_str())))
        .env(
            "RUST_LOG",
            std::env::var("BENCH_RUST_LOG").unwrap_or_else(|_| "info".to_owned()),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let child = command.spawn().with_context(|| format!("start {name}"))?;
    let service = Service { name, addr, child };
    wait_ready(
        &format!("http://{addr}{ready_path}"),
        Duration::from_secs(30),
    )
    .await?;
    Ok(service)
}

/// Polls `url` until it answers 200.
pub async fn wait_ready(url: &str, limit: Duration) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Ok(response) = client.get(url).send().await
            && response.status().is_success()
        {
            return Ok(());
        }
        if started.elapsed() > limit {
            bail!("{url} did not answer within {} s", limit.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// local-okta's built-in org.
const ORG_TOML: &str = include_str!("../../local-okta/org.toml");

/// The three services, wired as `just run` wires them.
pub struct Stack {
    pub hook: Service,
    pub okta: Service,
    pub app: Service,
    /// How long from the first spawn until all three answered.
    pub startup: Duration,
    _data: tempfile::TempDir,
}

/// Starts hook-service, local-okta and the app from `bin`.
pub async fn start_stack(bin: &Path) -> anyhow::Result<Stack> {
    let data = tempfile::tempdir()?;
    let (hook_addr, okta_addr, app_addr) = (free_address()?, free_address()?, free_address()?);
    let issuer = format!("http://{okta_addr}/oauth2/default");
    // local-okta's own org, with the app's redirect URIs at its real port.
    let org = ORG_TOML.replace("http://localhost:8080", &format!("http://{app_addr}"));
    let org_file = data.path().join("org.toml");
    std::fs::write(&org_file, org)?;
    let started = Instant::now();
    let hook = start(
        bin,
        "hook-service",
        hook_addr,
        &[
            ("BASIC_AUTH_USER", "admin".to_owned()),
            ("BASIC_AUTH_PASSWORD", "supersecret".to_owned()),
            ("HOOK_LISTEN_ADDR", hook_addr.to_string()),
            (
                "DATABASE_URL",
                format!("sqlite://{}/patients.db", data.path().display()),
            ),
        ],
        "/healthz",
    )
    .await?;
    let okta = start(
        bin,
        "local-okta",
        okta_addr,
        &[
            ("LOCAL_OKTA_LISTEN_ADDR", okta_addr.to_string()),
            ("LOCAL_OKTA_ISSUER", issuer.clone()),
            ("LOCAL_OKTA_DATA_DIR", data.path().display().to_string()),
            (
                "LOCAL_OKTA_HOOK_URL",
                format!("http://{hook_addr}/tokenHook"),
            ),
            ("LOCAL_OKTA_CONFIG", org_file.display().to_string()),
        ],
        "/oauth2/default/.well-known/openid-configuration",
    )
    .await?;
    let app = start(
        bin,
        "sample-web-app",
        app_addr,
        &[
            ("APP_LISTEN_ADDR", app_addr.to_string()),
            ("APP_BASE_URL", format!("http://{app_addr}")),
            ("ISSUER", issuer),
            ("CLIENT_ID", "0oa1lok7asampleapp0x".to_owned()),
            (
                "CLIENT_SECRET",
                "local-okta-demo-client-secret-not-for-production".to_owned(),
            ),
        ],
        "/",
    )
    .await?;
    Ok(Stack {
        hook,
        okta,
        app,
        startup: started.elapsed(),
        _data: data,
    })
}

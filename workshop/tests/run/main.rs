//! The `workshop` runner as `just run` uses it: the real binaries, started
//! from an empty directory on free ports. Needs the workspace's binaries
//! built, as `just test` (`cargo test --workspace`) does.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use tempfile::TempDir;

mod dev_loop;
mod exercises;
mod scratch;

pub(crate) fn free_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("an address").to_string()
}

/// Three free addresses, one per service, distinct: each port is held until
/// all three are known.
pub(crate) fn free_addresses() -> (String, String, String) {
    let bind = || std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let held = [bind(), bind(), bind()];
    let [hook, okta, app] =
        held.map(|listener| listener.local_addr().expect("an address").to_string());
    (hook, okta, app)
}

/// The runner in an empty directory (no testenv, no .env), with `vars`.
fn workshop(directory: &TempDir, vars: &[(&str, String)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_workshop"));
    command
        .current_dir(directory.path())
        .env_remove("ISSUER")
        .env_remove("BASIC_AUTH_USER")
        .env("RUST_LOG", "info")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/patients.db", directory.path().display()),
        )
        .env("LOCAL_OKTA_DATA_DIR", directory.path());
    for (name, value) in vars {
        command.env(name, value);
    }
    command
}

/// The runner with the three services on their own addresses.
fn workshop_on(directory: &TempDir, (hook, okta, app): (&str, &str, &str)) -> Command {
    workshop(
        directory,
        &[
            ("HOOK_LISTEN_ADDR", hook.to_owned()),
            ("LOCAL_OKTA_LISTEN_ADDR", okta.to_owned()),
            ("LOCAL_OKTA_ISSUER", format!("http://{okta}/oauth2/default")),
            ("APP_LISTEN_ADDR", app.to_owned()),
            ("APP_BASE_URL", format!("http://{app}")),
        ],
    )
}

/// Ctrl-C, as a terminal sends it to the runner.
fn interrupt(child: &std::process::Child) {
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(interrupted.success());
}

#[test]
fn a_taken_port_is_reported_with_its_service_and_nothing_starts() {
    let directory = tempfile::tempdir().expect("a directory");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let address = taken.local_addr().expect("an address").to_string();
    let output = workshop(&directory, &[("LOCAL_OKTA_LISTEN_ADDR", address.clone())])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let port = address.rsplit(':').next().expect("a port");
    assert!(
        stderr.contains(&format!(
            "port {port} is already in use, so local-okta cannot start"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("LOCAL_OKTA_LISTEN_ADDR"), "{stderr}");
    assert!(!String::from_utf8_lossy(&output.stdout).contains("starting"));
}

#[test]
fn a_service_that_dies_is_reported_with_its_last_words() {
    let directory = tempfile::tempdir().expect("a directory");
    let (hook, okta, app) = free_addresses();
    let output = workshop(
        &directory,
        &[
            ("HOOK_LISTEN_ADDR", hook),
            ("LOCAL_OKTA_LISTEN_ADDR", okta),
            ("APP_LISTEN_ADDR", app),
            (
                "DATABASE_URL",
                "sqlite:///proc/no-such-dir/patients.db".to_owned(),
            ),
        ],
    )
    .output()
    .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("hook-service stopped"), "{stderr}");
    assert!(
        stderr.contains("/proc/no-such-dir"),
        "the service's own words: {stderr}"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !stdout.contains("starting local-okta"),
        "nothing else started: {stdout}"
    );
}

#[test]
fn everything_starts_answers_and_stops_together_on_ctrl_c() {
    let directory = tempfile::tempdir().expect("a directory");
    let (hook, okta, app) = free_addresses();
    let mut child = workshop_on(&directory, (&hook, &okta, &app))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut log = String::new();
    loop {
        let mut line = String::new();
        let read = stdout.read_line(&mut line).expect("reads");
        let mut stderr = String::new();
        if read == 0 {
            let _ = child
                .stderr
                .take()
                .map(|mut e| e.read_to_string(&mut stderr));
        }
        assert!(read > 0, "the runner ended early:\n{log}\n{stderr}");
        log.push_str(&line);
        if line.contains("Ctrl-C stops everything") {
            break;
        }
    }
    assert!(
        log.contains("no .env: hook-service uses the guide's demo credentials"),
        "{log}"
    );
    assert!(
        log.contains("Workshop123!") && log.contains("jessie.smith@example.com"),
        "{log}"
    );

    let answers = |url: String| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            reqwest::get(url)
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        })
    };
    assert_eq!(answers(format!("http://{app}/")), 200);
    assert_eq!(answers(format!("http://{hook}/healthz")), 200);

    interrupt(&child);
    stdout.read_to_string(&mut log).expect("reads the rest");
    let status = child.wait().expect("ends");
    assert!(status.success(), "{status:?}\n{log}");
    for service in ["sample-web-app", "local-okta", "hook-service"] {
        assert!(log.contains(&format!("stopping {service}")), "{log}");
    }
    assert!(
        std::net::TcpListener::bind(&app).is_ok(),
        "the app's port is free again"
    );
}

/// A Ctrl-C while the services are still starting stops the ones that
/// started; it does not kill the runner and leave them running.
#[test]
fn ctrl_c_while_starting_stops_what_started() {
    let directory = tempfile::tempdir().expect("a directory");
    let (hook, okta, app) = free_addresses();
    let mut child = workshop_on(&directory, (&hook, &okta, &app))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut log = String::new();
    // hook-service has answered once the runner goes on to local-okta.
    while !log.contains("starting local-okta") {
        let read = stdout.read_line(&mut log).expect("reads");
        assert!(read > 0, "the runner ended early:\n{log}");
    }
    interrupt(&child);
    stdout.read_to_string(&mut log).expect("reads the rest");
    let status = child.wait().expect("ends");
    assert!(status.success(), "{status:?}\n{log}");
    assert!(log.contains("stopping hook-service"), "{log}");
    assert!(
        std::net::TcpListener::bind(&hook).is_ok(),
        "the hook's port is free again:\n{log}"
    );
}

#[test]
fn a_real_org_with_the_published_password_starts_nothing() {
    let directory = tempfile::tempdir().expect("a directory");
    std::fs::write(
        directory.path().join("testenv"),
        "ISSUER=https://integrator-123456.okta.com/oauth2/default\nCLIENT_ID=0oa1\nCLIENT_SECRET=s\n",
    )
    .expect("testenv");
    std::fs::write(
        directory.path().join(".env"),
        "BASIC_AUTH_USER=admin\nBASIC_AUTH_PASSWORD=supersecret\n",
    )
    .expect(".env");
    let output = workshop(&directory, &[("HOOK_LISTEN_ADDR", free_address())])
        .env_remove("BASIC_AUTH_PASSWORD")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("published `supersecret`"), "{stderr}");
    assert!(!String::from_utf8_lossy(&output.stdout).contains("starting"));
}

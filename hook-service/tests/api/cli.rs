//! The `hook-service` binary: patient management, refusing to start without
//! credentials, and a graceful stop on SIGTERM.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

use crate::helpers::{GUIDE_AUTHORIZATION, request_for};

/// The binary, in an empty directory (so no `.env` is found) with a clean
/// environment but for `vars`.
fn hook_service(directory: &TempDir, vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hook-service"));
    command
        .current_dir(directory.path())
        .env_clear()
        .env("RUST_LOG", "info");
    for (name, value) in vars {
        command.env(name, value);
    }
    command
}

fn run(directory: &TempDir, args: &[&str]) -> String {
    let database_url = format!("sqlite://{}/patients.db", directory.path().display());
    let output: Output = hook_service(directory, &[("DATABASE_URL", &database_url)])
        .args(args)
        .output()
        .expect("the binary runs");
    assert!(output.status.success(), "{args:?}: {output:?}");
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn patients_can_be_listed_added_and_removed() {
    let directory = tempfile::tempdir().expect("a directory");

    let listed = run(&directory, &["patients", "list"]);
    assert!(listed.contains("jessie.smith@example.com"), "{listed}");
    assert!(listed.contains("(3 patients"), "{listed}");

    run(
        &directory,
        &["patients", "add", "test.user@example.com", "5555"],
    );
    let listed = run(&directory, &["patients", "list"]);
    assert!(
        listed.contains("test.user@example.com") && listed.contains("5555"),
        "{listed}"
    );

    let removed = run(&directory, &["patients", "remove", "TEST.USER@example.com"]);
    assert!(removed.contains("removed"), "{removed}");
    let removed = run(&directory, &["patients", "remove", "test.user@example.com"]);
    assert!(removed.contains("was not a patient"), "{removed}");
    assert!(run(&directory, &["patients", "list"]).contains("(3 patients"));
}

#[test]
fn serving_without_credentials_names_the_missing_variable() {
    let directory = tempfile::tempdir().expect("a directory");
    let output = hook_service(&directory, &[])
        .output()
        .expect("the binary runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("BASIC_AUTH_USER is not set"), "{stderr}");
    assert!(stderr.contains(".env"), "{stderr}");
}

#[tokio::test]
async fn serves_without_logging_credentials_and_stops_cleanly_on_sigterm() {
    let log = one_call_then_sigterm(&[]).await;
    assert!(log.contains("shutting down"), "{log}");
    assert!(log.contains("added extPatientId=1235"), "{log}");
    assert!(
        !log.contains("supersecret") && !log.contains("YWRtaW46"),
        "{log}"
    );
}

#[tokio::test]
async fn patient_ids_stay_out_of_the_log_when_asked() {
    let log = one_call_then_sigterm(&[("LOG_PATIENT_IDS", "false")]).await;
    assert!(log.contains("added extPatientId"), "{log}");
    assert!(!log.contains("1235"), "{log}");
}

/// Runs the binary, makes one patient call, stops it with SIGTERM, and
/// returns everything it logged.
async fn one_call_then_sigterm(extra: &[(&str, &str)]) -> String {
    let directory = tempfile::tempdir().expect("a directory");
    let database_url = format!("sqlite://{}/patients.db", directory.path().display());
    let mut vars = vec![
        ("BASIC_AUTH_USER", "admin"),
        ("BASIC_AUTH_PASSWORD", "supersecret"),
        ("HOOK_LISTEN_ADDR", "127.0.0.1:0"),
        ("DATABASE_URL", database_url.as_str()),
    ];
    vars.extend_from_slice(extra);
    let mut child = hook_service(&directory, &vars)
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));

    // Wait for the line that gives the bound address.
    let mut log = String::new();
    let url = loop {
        let mut line = String::new();
        let read = stderr.read_line(&mut line).expect("reads the log");
        assert!(read > 0, "exited before listening: {log}");
        log.push_str(&line);
        if let Some((_, rest)) = line.split_once("listening on ") {
            break rest.split_whitespace().next().expect("a URL").to_owned();
        }
    };
    let response = reqwest::Client::new()
        .post(&url)
        .header("Authorization", GUIDE_AUTHORIZATION)
        .json(&request_for("jessie.smith@example.com"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), reqwest::StatusCode::OK);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let exit = child.wait().expect("exits");
    stderr
        .read_to_string(&mut log)
        .expect("reads the rest of the log");
    assert!(exit.success(), "{exit:?}\n{log}");
    log
}

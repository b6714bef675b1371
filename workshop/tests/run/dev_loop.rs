//! `just dev` in a scratch copy: a broken edit leaves the old hook
//! answering and shows the compiler's error; a good edit is rebuilt,
//! restarted and answers, while local-okta keeps running.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::free_addresses;
use crate::scratch::Scratch;

/// A failsafe, not a synchronisation: each step ends on a line of output.
const PATIENCE: Duration = Duration::from_secs(600);
const HANDLER: &str = "hook-service/src/routes/patient_claim.rs";
const ANSWER: &str = ".add_id_token_claim(PATIENT_ID_CLAIM, patient_id)";

/// Okta's call for the guide's patient jessie.smith, reduced to what the
/// hook reads (Okta's whole example is in `shared/tests/fixtures/`).
fn jessies_request() -> String {
    serde_json::json!({
        "eventType": "com.okta.oauth2.tokens.transform",
        "data": {
            "identity": { "claims": { "preferred_username": "jessie.smith@example.com" } },
            "access": { "claims": {} }
        }
    })
    .to_string()
}

fn call_hook(hook: &str) -> (u16, String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let response = reqwest::Client::new()
            .post(format!("http://{hook}/tokenHook"))
            .basic_auth("admin", Some("supersecret"))
            .header("content-type", "application/json")
            .body(jessies_request())
            .send()
            .await
            .expect("the hook answers");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    })
}

/// The runner, stopped as Ctrl-C would (so that it stops its services)
/// even when the test fails half-way.
struct Runner(std::process::Child);

impl Runner {
    fn interrupt(&mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.0.id().to_string()])
            .status();
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            self.interrupt();
            let _ = self.0.wait();
        }
    }
}

#[test]
fn an_edit_to_the_hook_is_rebuilt_and_answers_while_a_broken_one_is_not() {
    let scratch = Scratch::copy();
    scratch.build();
    let data = tempfile::tempdir().expect("a data folder");
    let (hook, okta, app) = free_addresses();
    let mut runner = Runner(
        Command::new(Scratch::bin("workshop"))
            .arg("dev")
            .current_dir(scratch.path())
            .env_remove("ISSUER")
            .env_remove("BASIC_AUTH_USER")
            .env("CARGO", env!("CARGO"))
            .env("CARGO_TARGET_DIR", Scratch::target())
            .env("CARGO_INCREMENTAL", "0")
            .env(
                "DATABASE_URL",
                format!("sqlite://{}/patients.db", data.path().display()),
            )
            .env("LOCAL_OKTA_DATA_DIR", data.path())
            .env("HOOK_LISTEN_ADDR", &hook)
            .env("LOCAL_OKTA_LISTEN_ADDR", &okta)
            .env("LOCAL_OKTA_ISSUER", format!("http://{okta}/oauth2/default"))
            .env("APP_LISTEN_ADDR", &app)
            .env("APP_BASE_URL", format!("http://{app}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the runner starts"),
    );
    let stdout = runner.0.stdout.take().expect("stdout");
    let (lines, output) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                return;
            }
        }
    });
    let mut log = String::new();
    let mut wait_for = |needle: &str| -> String {
        loop {
            match output.recv_timeout(PATIENCE) {
                Ok(line) => {
                    log.push_str(&line);
                    log.push('\n');
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!("no line with {needle:?}; the runner said:\n{log}"),
            }
        }
    };
    wait_for("Ctrl-C stops everything");
    let (status, body) = call_hook(&hook);
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("devLoop"), "{body}");

    let handler = scratch.path().join(HANDLER);
    let source = std::fs::read_to_string(&handler).expect("the handler");
    assert!(
        source.contains(ANSWER),
        "the handler still answers this way"
    );
    std::fs::write(&handler, format!("{source}\nfn broken( {{\n")).expect("a broken edit");
    wait_for("the build failed; the old hook keeps answering");
    let compiler = wait_for("error");
    assert!(compiler.contains("error"), "{compiler}");
    let (status, body) = call_hook(&hook);
    assert_eq!(status, 200, "the old hook still answers: {body}");

    let edited = source.replace(
        ANSWER,
        &format!("{ANSWER}\n        .add_id_token_claim(\"devLoop\", \"edited\")"),
    );
    // Saved as many editors do: a new file renamed over the old one.
    let saved = handler.with_extension("rs.tmp");
    std::fs::write(&saved, edited).expect("a good edit");
    std::fs::rename(&saved, &handler).expect("saved over the handler");
    let answered = wait_for("the new hook answers");
    eprintln!("just dev in the scratch copy: {answered}");
    let (status, body) = call_hook(&hook);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("devLoop"), "the new answer: {body}");
    let okta_answers = {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            reqwest::get(format!(
                "http://{okta}/oauth2/default/.well-known/openid-configuration"
            ))
            .await
            .map(|response| response.status().as_u16())
            .unwrap_or(0)
        })
    };
    assert_eq!(okta_answers, 200, "local-okta kept running");
    assert!(
        log.matches("starting local-okta").count() == 1,
        "local-okta started once:\n{log}"
    );

    runner.interrupt();
    let status = runner.0.wait().expect("the runner ends");
    assert!(status.success(), "{status:?}\n{log}");
}

//! Every input kept under `fuzz/regressions/` (crashes the fuzzers found,
//! and the seeds they started from) goes through the same code as its fuzz
//! target, in the ordinary test run: no crash can come back unnoticed.

use std::path::PathBuf;

use token_hook::{RequestEssentials, TokenHookRequest, TokenHookResponse, process_response};

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(target);
    let mut inputs: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.expect("an entry").path())
        .map(|path| {
            let name = path.display().to_string();
            (name, std::fs::read(&path).expect("readable"))
        })
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "{} has inputs", dir.display());
    inputs
}

#[test]
fn every_kept_hook_request_input_parses_or_fails_cleanly() {
    for (_name, data) in inputs("hook_request") {
        if let Ok(essentials) = serde_json::from_slice::<RequestEssentials>(&data) {
            let _ = essentials.preferred_username();
        }
        if let Ok(request) = serde_json::from_slice::<TokenHookRequest>(&data) {
            let _ = request.minted_tokens();
            let _ = serde_json::to_vec(&request);
        }
    }
}

#[test]
fn every_kept_answer_goes_through_oktas_rules_without_a_panic() {
    let request: TokenHookRequest =
        serde_json::from_str(token_hook::request::OKTA_EXAMPLE_REQUEST).expect("the example");
    for (_name, data) in inputs("command_rules") {
        if let Ok(answer) = serde_json::from_slice::<TokenHookResponse>(&data) {
            let _ = process_response(&answer, &request.minted_tokens());
        }
    }
}

# The token inline hook workshop. `just` lists the recipes.
# Get just with: cargo install just --locked

set shell := ["bash", "-euo", "pipefail", "-c"]

# List the recipes.
default:
    @just --list

# Start the demo: local-okta, hook-service and the sample app (or, with a testenv for a real Okta org, hook-service and the app). Ctrl-C stops everything.
run:
    cargo build --workspace --bins
    ./target/debug/workshop

# Run every test, the browser test included (needs chromium and chromium-driver).
test:
    cargo test --workspace

# Formatting and lints, as CI checks them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Expose hook-service over HTTPS for a real Okta org (needs ngrok).
tunnel:
    #!/usr/bin/env bash
    set -euo pipefail
    if ! command -v ngrok >/dev/null 2>&1; then
      echo "ngrok is not installed. Get it from https://ngrok.com/download, sign up,"
      echo "run 'ngrok config add-authtoken <your token>', then run 'just tunnel' again."
      exit 1
    fi
    echo "Register https://<the forwarding host below>/tokenHook in Okta (Workflow > Inline Hooks)."
    ngrok http 8082

# Refresh the README's screenshots in docs/screenshots from the browser test.
screenshots:
    UPDATE_SCREENSHOTS=1 cargo test -p sample-web-app --test api browser

# List the patients in the hook's store.
patients:
    cargo run -q -p hook-service -- patients list

# Add a patient (or change their id): just add-patient jane@example.com 4321
add-patient login patient_id:
    cargo run -q -p hook-service -- patients add {{quote(login)}} {{quote(patient_id)}}

# Remove a patient: just remove-patient jane@example.com
remove-patient login:
    cargo run -q -p hook-service -- patients remove {{quote(login)}}

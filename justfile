# The token inline hook workshop. `just` lists the recipes.
# Get just with: cargo install just --locked

set shell := ["bash", "-euo", "pipefail", "-c"]

# List the recipes.
default:
    @just --list

# Start the demo: local-okta, hook-service and the sample app (or, with a testenv for a real Okta org, hook-service and the app). Ctrl-C stops everything.
run:
    cargo build --workspace --bins
    cargo run -q --bin workshop

# Run every test, the browser test included (needs chromium and chromium-driver). With Node.js, it first installs the Express interop app's packages.
test:
    #!/usr/bin/env bash
    set -euo pipefail
    if command -v npm >/dev/null 2>&1; then
      npm ci --prefix interop/express --no-audit --no-fund --loglevel=error
    fi
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
    # The hook will face the internet: never with the published demo password.
    cargo run -q --bin workshop -- check-tunnel
    echo "Register https://<the forwarding host below>/tokenHook in Okta (Workflow > Inline Hooks),"
    echo "or run 'just okta-setup' in another terminal: it finds the tunnel by itself."
    ngrok http 8082

# Set up your real Okta org from testenv's OKTA_ORG_URL and OKTA_API_TOKEN: app, hook, rule, check. Options: --dry-run, --check-user LOGIN.
okta-setup *options:
    cargo run -q -p okta-setup -- setup {{options}}

# Remove what okta-setup created in your org, and detach the hook. Option: --dry-run.
okta-teardown *options:
    cargo run -q -p okta-setup -- teardown {{options}}

# Preview's command-line twin: send the request Okta would send for LOGIN through your org's execute.
preview login:
    cargo run -q -p okta-setup -- preview {{quote(login)}}

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

# Benchmark POST /tokenHook (release build, wrk on loopback, 10 s): throughput, latency, memory.
bench-hook:
    #!/usr/bin/env bash
    set -euo pipefail
    command -v wrk >/dev/null || { echo "needs wrk: sudo apt-get install -y wrk"; exit 1; }
    cargo build --release -q -p hook-service
    dir=$(mktemp -d); trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
    # `cargo run` replaces itself with the binary, so $pid is hook-service's own.
    BASIC_AUTH_USER=admin BASIC_AUTH_PASSWORD=supersecret RUST_LOG="${RUST_LOG:-warn}" \
      HOOK_LISTEN_ADDR=127.0.0.1:18082 DATABASE_URL="sqlite://$dir/patients.db" \
      cargo run --release -q -p hook-service 2>"$dir/log" & pid=$!
    until curl -sf http://127.0.0.1:18082/healthz >/dev/null; do sleep 0.1; done
    echo "idle RSS: $(grep VmRSS /proc/$pid/status | awk '{print $2, $3}')"
    wrk -t2 -c32 -d10s -s bench/token-hook.lua http://127.0.0.1:18082/tokenHook
    echo "RSS after the run: $(grep VmRSS /proc/$pid/status | awk '{print $2, $3}')  peak: $(grep VmHWM /proc/$pid/status | awk '{print $2, $3}')"

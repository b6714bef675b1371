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

# `just run`, and also rebuild and restart the hook whenever a file under hook-service/ or shared/ changes (local-okta and the app keep running).
dev:
    cargo build --workspace --bins
    @# The hook alone, as the edit loop builds it (its own feature set), so the first save is fast too.
    cargo build -q -p hook-service --bin hook-service
    cargo run -q --bin workshop -- dev

# Run every test, the browser test included (needs chromium and chromium-driver), then the benchmark harness in --quick mode. With Node.js, it first installs the Express interop app's packages.
test:
    #!/usr/bin/env bash
    set -euo pipefail
    if command -v npm >/dev/null 2>&1; then
      npm ci --prefix interop/express --no-audit --no-fund --loglevel=error
    fi
    cargo test --workspace
    # The benchmark harness, in a few seconds, so that it cannot rot. Its numbers mean nothing here.
    cargo build -q --workspace --bins
    cargo run -q --bin bench -- --quick

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

# Fuzz the hook's request parser, Okta's command rules and local-okta's org loader, SECONDS each (default 60). Needs cargo-fuzz.
fuzz seconds="60":
    #!/usr/bin/env bash
    set -euo pipefail
    command -v cargo-fuzz >/dev/null || { echo "needs cargo-fuzz: cargo install cargo-fuzz --locked"; exit 1; }
    # cargo-fuzz builds with sanitizer flags that stable Rust accepts only with this.
    export RUSTC_BOOTSTRAP=1
    for target in hook_request command_rules org_loader; do
      mkdir -p fuzz/corpus/$target
      cp fuzz/regressions/$target/* fuzz/corpus/$target/ 2>/dev/null || true
      echo "--- fuzzing $target for {{seconds}} s"
      cargo fuzz run --fuzz-dir fuzz $target fuzz/corpus/$target -- -max_total_time={{seconds}} -rss_limit_mb=4096
    done

# just trigger [LOGIN] [OPTIONS]: sign LOGIN (default jessie.smith@example.com) in through the running local-okta without a browser and show the hook call, its verdict and the tokens' claims (local-okta's own). Options: --grant authorization_code|client_credentials, --scopes "...", --client ID.
[positional-arguments]
trigger *args:
    cargo run -q -p local-okta -- trigger "$@"

# Check workshop exercise N (workshop/exercises/) against a fresh stack of its own, and say what is still wrong.
check n:
    cargo build -q --workspace --bins
    cargo run -q --bin workshop -- check {{quote(n)}}

# Rotate the running local-okta's signing key, as an Okta admin can: the app meets the new kid at the next sign-in and fetches the key set again.
rotate-key:
    cargo run -q -p local-okta -- rotate-key

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

# Measure everything on release builds (about 2 minutes): the hook against a ceiling server, latency at 2,000 requests/s, memory, 500 sign-ins, start-up. --quick: a few seconds, any build.
bench *options:
    #!/usr/bin/env bash
    set -euo pipefail
    if [[ " {{options}} " == *" --quick "* ]]; then
      cargo build -q --workspace --bins
      cargo run -q --bin bench -- {{options}}
    else
      cargo build -q --release --workspace --bins
      cargo run -q --release --bin bench -- {{options}}
    fi

# Soak everything for SECONDS (default 60): 200 connections of hook calls and 20 browsers signing in; checks errors, memory, file descriptors.
soak seconds="60":
    cargo build -q --release --workspace --bins
    cargo run -q --release --bin bench -- --soak {{seconds}}

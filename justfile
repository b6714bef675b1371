# The token inline hook workshop. `just` lists the recipes.
# Get just with: cargo install just --locked

set shell := ["bash", "-euo", "pipefail", "-c"]

# List the recipes.
default:
    @just --list

# Start the demo (no Okta org needed). Ctrl-C stops it.
run:
    #!/usr/bin/env bash
    set -euo pipefail
    if [ ! -f .env ]; then
      echo "note: no .env, so hook-service uses the guide's demo credentials admin / supersecret"
      echo "      (cp .env.example .env to choose your own)"
      export BASIC_AUTH_USER=admin BASIC_AUTH_PASSWORD=supersecret
    fi
    cargo run -p hook-service

# Run every test.
test:
    cargo test --workspace

# Formatting and lints, as CI checks them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# List the patients in the hook's store.
patients:
    cargo run -q -p hook-service -- patients list

# Add a patient (or change their id): just add-patient jane@example.com 4321
add-patient login patient_id:
    cargo run -q -p hook-service -- patients add {{quote(login)}} {{quote(patient_id)}}

# Remove a patient: just remove-patient jane@example.com
remove-patient login:
    cargo run -q -p hook-service -- patients remove {{quote(login)}}

//! Protocol tests for the `token-hook` crate: Okta's documented examples
//! (copied into `tests/fixtures/`) and one test per rule of docs/token-hook-protocol.md §3 and §4.

mod claims;
mod examples;
mod fuzz_regressions;
mod rules;

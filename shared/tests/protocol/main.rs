//! Protocol tests for the `token-hook` crate: Okta's documented examples
//! (copied into `tests/fixtures/`) and one test per rule of §3 and §4.

mod examples;
mod rules;

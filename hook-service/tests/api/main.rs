//! Integration tests: the real service on `127.0.0.1:0` with a real SQLite
//! file per test, called over real HTTP.

mod auth;
mod bad_input;
mod cli;
mod faults;
mod helpers;
mod oauth2;
mod token_hook;

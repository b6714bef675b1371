//! Integration tests: local-okta on `127.0.0.1:0`, driven over real HTTP by
//! a cookie-keeping client that does not follow redirects, against a stub
//! token hook that is itself a real server on port 0.

mod authorize;
mod discovery;
mod grants;
mod hardening;
mod helpers;
mod hook;
mod inspector;
mod management;
mod sessions;
mod stub_hook;
mod token;

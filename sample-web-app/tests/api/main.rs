//! Integration tests: hook-service, local-okta and the sample app, all
//! in-process on `127.0.0.1:0`, walked step by step by a cookie-keeping
//! client that does not follow redirects.

mod browser;
mod express_interop;
mod faults;
mod flow;
mod helpers;
mod hostile;
mod refusals;

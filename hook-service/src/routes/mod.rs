//! The service's HTTP routes, one module per URL.

mod health;
mod token_hook;

pub use health::health;
pub use token_hook::{MAX_BODY_BYTES, PATIENT_ID_CLAIM, token_hook};

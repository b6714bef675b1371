//! The service's HTTP routes, one module per URL.

mod health;
mod patient_claim;

pub use health::health;
pub use patient_claim::add_patient_claim;

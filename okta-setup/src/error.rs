//! okta-setup's one error type. An error from Okta names the step, Okta's
//! `errorCode` and `errorSummary`, and the fix where one is known.

/// Everything that can go wrong in okta-setup.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A required value is missing.
    #[error("{name} is not set: {hint}")]
    Missing {
        name: &'static str,
        hint: &'static str,
    },
    /// A value cannot be used.
    #[error("{name} {problem}")]
    Invalid { name: &'static str, problem: String },
    /// Okta answered with an error.
    #[error("{step}: Okta answered {status} {code}: {summary}{}", fix.map(|fix| format!("\n  fix: {fix}")).unwrap_or_default())]
    Okta {
        step: String,
        status: u16,
        code: String,
        summary: String,
        fix: Option<&'static str>,
    },
    /// Okta could not be reached, or answered something unreadable.
    #[error("{step}: {what}")]
    Http {
        step: String,
        what: &'static str,
        #[source]
        source: reqwest::Error,
    },
    /// An answer lacked what the step needs.
    #[error("{step}: Okta's answer has no {what}")]
    Shape { step: String, what: &'static str },
    /// Something the command cannot do for the user.
    #[error("{0}")]
    Refused(String),
    /// The patient store failed.
    #[error("the patient store")]
    Patients(#[from] hook_service::error::Error),
    /// A local file could not be read or written.
    #[error("{context}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

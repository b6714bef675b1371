//! The guide's patient claim, defined once for both sides of the hook.
//!
//! The hook service adds it to the ID token ([`PATIENT_ID_CLAIM`], with a
//! [`PatientId`] value) and the sample app reads it back from the verified
//! ID token ([`PatientClaims`]). Because both go through these types, the
//! claim's name and value type cannot drift apart: change [`PatientId`] and
//! both sides change, or fail to compile, together.
//!
//! An app that uses openidconnect flattens [`PatientClaims`] into its own
//! additional-claims type (the orphan rule keeps the `AdditionalClaims` impl
//! in the app):
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use token_hook::claims::PatientClaims;
//!
//! #[derive(Debug, Clone, Serialize, Deserialize)]
//! struct HookClaims {
//!     #[serde(flatten)]
//!     patient: PatientClaims,
//! }
//!
//! let claims: HookClaims =
//!     serde_json::from_str(r#"{ "sub": "00u1", "extPatientId": "1235" }"#).unwrap();
//! assert_eq!(claims.patient.ext_patient_id.unwrap().as_str(), "1235");
//! ```

use std::fmt;

use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// The claim the guide's hook adds to the ID token: the user's id in the
/// external patient store.
pub const PATIENT_ID_CLAIM: &str = "extPatientId";

/// A patient id, as the guide keeps it: a string, such as `"1235"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PatientId(String);

impl PatientId {
    /// Wraps an id read from the patient store.
    pub fn new(id: impl Into<String>) -> PatientId {
        PatientId(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PatientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<PatientId> for Value {
    fn from(id: PatientId) -> Value {
        Value::String(id.0)
    }
}

/// The claims the token inline hook adds to the ID token, as a client reads
/// them. Every other claim is ignored, so it can be flattened next to others.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatientClaims {
    /// [`PATIENT_ID_CLAIM`]: present when the user is a patient.
    pub ext_patient_id: Option<PatientId>,
}

// Serde's `rename` takes a literal, not a constant; writing the two impls by
// hand keeps `PATIENT_ID_CLAIM` the only spelling of the claim's name.
impl Serialize for PatientClaims {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(id) = &self.ext_patient_id {
            map.serialize_entry(PATIENT_ID_CLAIM, id)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for PatientClaims {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(PatientClaimsVisitor)
    }
}

struct PatientClaimsVisitor;

impl<'de> Visitor<'de> for PatientClaimsVisitor {
    type Value = PatientClaims;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("the claims of an ID token")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PatientClaims, A::Error> {
        let mut claims = PatientClaims::default();
        while let Some(name) = map.next_key::<String>()? {
            if name == PATIENT_ID_CLAIM {
                claims.ext_patient_id = map.next_value()?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_without_the_claim_reads_as_no_patient() {
        let claims: PatientClaims =
            serde_json::from_str(r#"{ "sub": "00u1", "name": "Test User" }"#).expect("claims");
        assert_eq!(claims, PatientClaims::default());
    }

    #[test]
    fn a_number_where_the_id_should_be_is_refused() {
        let claims = serde_json::from_str::<PatientClaims>(r#"{ "extPatientId": 1235 }"#);
        assert!(claims.is_err());
    }

    #[test]
    fn the_claim_round_trips_under_its_one_name() {
        let claims = PatientClaims {
            ext_patient_id: Some(PatientId::new("4235")),
        };
        let json = serde_json::to_value(&claims).expect("JSON");
        assert_eq!(json, serde_json::json!({ PATIENT_ID_CLAIM: "4235" }));
        assert_eq!(
            serde_json::from_value::<PatientClaims>(json).expect("claims"),
            claims
        );
    }
}

//! The patient claim survives the whole trip: the hook's builder writes it,
//! Okta's rules apply it to the ID token, and a client reads it back through
//! the same [`PatientClaims`] type.

use serde_json::{Map, Value, json};
use token_hook::{
    MintedToken, MintedTokens, PATIENT_ID_CLAIM, PatientClaims, PatientId, TokenHookResponse,
    Verdict, process_response,
};

fn id_token_being_minted() -> MintedTokens {
    let claims =
        json!({ "sub": "00u1jessiesmith0001x", "preferred_username": "jessie.smith@example.com" });
    let Value::Object(claims) = claims else {
        unreachable!("a JSON object literal")
    };
    MintedTokens {
        identity: Some(MintedToken {
            claims,
            lifetime_seconds: 3600,
        }),
        access: None,
    }
}

#[test]
fn the_builders_patient_claim_reads_back_through_the_claim_type() {
    let answer = TokenHookResponse::builder()
        .add_id_token_claim(PATIENT_ID_CLAIM, PatientId::new("1235"))
        .build();
    // Over the wire, as Okta receives it.
    let wire: TokenHookResponse =
        serde_json::from_str(&serde_json::to_string(&answer).expect("JSON")).expect("parses");

    let Verdict::Mint(tokens) = process_response(&wire, &id_token_being_minted()) else {
        panic!("Okta applies the guide's answer");
    };
    let claims: Map<String, Value> = tokens.identity.expect("an ID token").claims;
    let read: PatientClaims = serde_json::from_value(Value::Object(claims)).expect("claims");
    assert_eq!(read.ext_patient_id, Some(PatientId::new("1235")));
}

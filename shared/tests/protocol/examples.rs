//! Okta's documented example request and answers parse, and round-trip to
//! the same JSON (nothing documented is dropped or renamed).

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use token_hook::{CommandType, Op, TokenHookRequest, TokenHookResponse};

const REQUEST: &str = include_str!("../fixtures/okta-reference-request.json");
const ADD_CLAIMS: &str = include_str!("../fixtures/add-claims-response.json");
const LIFETIME: &str = include_str!("../fixtures/lifetime-response.json");
const REMOVE_CLAIMS: &str = include_str!("../fixtures/remove-claims-response.json");
const ERROR: &str = include_str!("../fixtures/error-response.json");

fn round_trip<T: DeserializeOwned + Serialize>(text: &str) -> (T, Value) {
    let parsed: T = serde_json::from_str(text).expect("the example parses");
    let again = serde_json::to_value(&parsed).expect("it serialises");
    (parsed, again)
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("the fixture is JSON")
}

#[test]
fn okta_reference_request_parses_and_round_trips() {
    let (request, again) = round_trip::<TokenHookRequest>(REQUEST);
    assert_eq!(again, json(REQUEST));
    assert_eq!(request.event_type, token_hook::EVENT_TYPE);
    assert_eq!(
        request.preferred_username(),
        Some("administrator1@clouditude.net")
    );
    let context = request.data.context.as_ref().expect("context");
    let url = context.request.as_ref().and_then(|r| r.url.as_ref());
    assert!(url.is_some_and(|url| url.value.contains("/v1/authorize")));
    let access = request.data.access.as_ref().expect("access");
    assert_eq!(access.claims["firstName"], "Add-Min");
}

#[test]
fn request_with_unknown_fields_and_no_identity_parses() {
    let mut body = json(REQUEST);
    body["data"]
        .as_object_mut()
        .expect("data is an object")
        .remove("identity");
    body["somethingOktaAddsLater"] = serde_json::json!({ "nested": [1, 2] });
    body["data"]["context"]["newThing"] = Value::Bool(true);
    let request: TokenHookRequest = serde_json::from_value(body).expect("parses");
    assert_eq!(request.preferred_username(), None);
}

#[test]
fn refresh_request_keeps_original_grant_with_its_capital_o() {
    let mut body = json(REQUEST);
    body["data"]["context"]["protocol"]["OriginalGrant"] =
        serde_json::json!({ "refresh_token": { "jti": "oarob4a0tckCkGcyo1d6" } });
    let (request, again) = round_trip::<TokenHookRequest>(&body.to_string());
    assert_eq!(again, body);
    let grant = request
        .data
        .context
        .and_then(|c| c.protocol)
        .and_then(|p| p.original_grant);
    let jti = grant.and_then(|g| g.refresh_token).and_then(|r| r.jti);
    assert_eq!(jti.as_deref(), Some("oarob4a0tckCkGcyo1d6"));
}

#[test]
fn documented_answers_parse_and_round_trip() {
    for text in [ADD_CLAIMS, LIFETIME, REMOVE_CLAIMS, ERROR] {
        let (_, again) = round_trip::<TokenHookResponse>(text);
        let mut expected = json(text);
        // `"value": null` on remove means "no value": it serialises as absent.
        strip_null_values(&mut expected);
        assert_eq!(again, expected, "round trip of {text}");
    }
}

#[test]
fn add_claims_answer_reads_as_typed_commands() {
    let answer: TokenHookResponse = serde_json::from_str(ADD_CLAIMS).expect("parses");
    assert_eq!(answer.commands[0].command_type, CommandType::IdentityPatch);
    assert_eq!(answer.commands[1].command_type, CommandType::AccessPatch);
    assert_eq!(answer.commands[0].value[0].op, Op::Add);
}

#[test]
fn builder_writes_the_guides_answer() {
    let answer = TokenHookResponse::builder()
        .add_id_token_claim("extPatientId", "1235")
        .build();
    assert_eq!(
        serde_json::to_value(answer).expect("serialises"),
        serde_json::json!({ "commands": [ { "type": "com.okta.identity.patch",
            "value": [ { "op": "add", "path": "/claims/extPatientId", "value": "1235" } ] } ] })
    );
}

#[test]
fn builder_reproduces_the_documented_lifetime_and_remove_answers() {
    let lifetime = TokenHookResponse::builder()
        .id_token_lifetime(36000)
        .access_token_lifetime(36000)
        .build();
    assert_eq!(
        serde_json::to_value(lifetime).expect("serialises"),
        json(LIFETIME)
    );
    let remove = TokenHookResponse::builder()
        .remove_id_token_claim("birthdate")
        .remove_access_token_claim("external_guid")
        .build();
    let mut expected = json(REMOVE_CLAIMS);
    strip_null_values(&mut expected);
    assert_eq!(serde_json::to_value(remove).expect("serialises"), expected);
}

#[test]
fn builder_escapes_url_shaped_claim_names() {
    let answer = TokenHookResponse::builder()
        .add_access_token_claim("https://example.com/role", "admin")
        .build();
    assert_eq!(
        answer.commands[0].value[0].path,
        "/claims/https:~1~1example.com~1role"
    );
}

fn strip_null_values(value: &mut Value) {
    match value {
        Value::Object(members) => {
            members.retain(|_, member| !member.is_null());
            members.values_mut().for_each(strip_null_values);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_null_values),
        _ => {}
    }
}

#[test]
fn essentials_borrow_what_a_hook_reads_from_the_reference_request() {
    let essentials: token_hook::RequestEssentials = serde_json::from_str(REQUEST).expect("parses");
    assert_eq!(essentials.event_type, token_hook::EVENT_TYPE);
    assert_eq!(
        essentials.event_id.as_deref(),
        Some("3OWo4oo-QQ-rBWfRyTmQYw")
    );
    assert_eq!(
        essentials.preferred_username(),
        Some("administrator1@clouditude.net")
    );
}

#[test]
fn essentials_decode_escaped_strings_and_tolerate_odd_fields() {
    let body = r#"{"eventType":"com.okta.oauth2.tokens.transform","data":{"identity":
        {"claims":{"preferred_username":"j\u00e9r\u00f4me@example.com","ver":"one"}}}}"#;
    let essentials: token_hook::RequestEssentials = serde_json::from_str(body).expect("parses");
    assert_eq!(essentials.preferred_username(), Some("jérôme@example.com"));
    assert_eq!(essentials.event_id, None);
}

//! One test per rule of docs/token-hook-protocol.md §3 and §4: what Okta accepts, and what makes it
//! discard every command (or fail the token request).

use serde_json::{Value, json};
use token_hook::{
    DEFAULT_ERROR_SUMMARY, MintedToken, MintedTokens, TokenHookResponse, Verdict, process_response,
};

fn tokens() -> MintedTokens {
    let claims = |value: Value| value.as_object().cloned().expect("claims are an object");
    MintedTokens {
        identity: Some(MintedToken {
            claims: claims(json!({
                "sub": "00u1", "aud": "client", "email": "jessie.smith@example.com",
                "address": { "locality": "Paris" }, "tags": ["a", "b"]
            })),
            lifetime_seconds: 3600,
        }),
        access: Some(MintedToken {
            claims: claims(
                json!({ "sub": "jessie.smith@example.com", "aud": "api://default",
                "scp": ["openid"] }),
            ),
            lifetime_seconds: 3600,
        }),
    }
}

/// Runs one answer through Okta's rules against [`tokens`].
fn process(answer: Value) -> Verdict {
    process_against(answer, &tokens())
}

fn process_against(answer: Value, tokens: &MintedTokens) -> Verdict {
    let answer: TokenHookResponse = serde_json::from_value(answer).expect("answer parses");
    process_response(&answer, tokens)
}

fn id_patch(operations: Value) -> Value {
    json!({ "commands": [ { "type": "com.okta.identity.patch", "value": operations } ] })
}

fn access_patch(operations: Value) -> Value {
    json!({ "commands": [ { "type": "com.okta.access.patch", "value": operations } ] })
}

fn minted(verdict: Verdict) -> MintedTokens {
    match verdict {
        Verdict::Mint(tokens) => tokens,
        other => panic!("expected the commands to be applied, got {other:?}"),
    }
}

fn id_claims(verdict: Verdict) -> Value {
    let identity = minted(verdict).identity.expect("an ID token");
    Value::Object(identity.claims)
}

fn discarded(verdict: Verdict) -> String {
    match verdict {
        Verdict::Discard(error) => error.to_string(),
        other => panic!("expected every command to be discarded, got {other:?}"),
    }
}

#[test]
fn empty_answer_mints_tokens_unchanged() {
    assert_eq!(minted(process(json!({}))), tokens());
}

#[test]
fn add_creates_a_claim() {
    let claims = id_claims(process(id_patch(
        json!([ { "op": "add", "path": "/claims/extPatientId", "value": "1235" } ]),
    )));
    assert_eq!(claims["extPatientId"], "1235");
}

#[test]
fn add_overwrites_an_existing_claim() {
    let claims = id_claims(process(id_patch(
        json!([ { "op": "add", "path": "/claims/email", "value": "new@example.com" } ]),
    )));
    assert_eq!(claims["email"], "new@example.com");
}

#[test]
fn add_or_replace_without_a_value_is_rejected() {
    let message = discarded(process(id_patch(
        json!([ { "op": "add", "path": "/claims/x" } ]),
    )));
    assert_eq!(message, "Missing value(op=add, path=/claims/x)");
}

#[test]
fn replace_changes_an_existing_claim() {
    let claims = id_claims(process(id_patch(
        json!([ { "op": "replace", "path": "/claims/email", "value": "b@example.com" } ]),
    )));
    assert_eq!(claims["email"], "b@example.com");
}

#[test]
fn replace_on_a_missing_claim_is_path_not_found() {
    let message = discarded(process(id_patch(
        json!([ { "op": "replace", "path": "/claims/x", "value": 1 } ]),
    )));
    assert_eq!(message, "Path not found(op=replace, path=/claims/x)");
}

#[test]
fn remove_deletes_a_claim_with_value_absent_or_null() {
    for operation in [
        json!({ "op": "remove", "path": "/claims/email" }),
        json!({ "op": "remove", "path": "/claims/email", "value": null }),
    ] {
        let claims = id_claims(process(id_patch(json!([operation]))));
        assert!(claims.get("email").is_none());
    }
}

#[test]
fn remove_with_a_value_is_rejected() {
    let message = discarded(process(id_patch(
        json!([ { "op": "remove", "path": "/claims/email", "value": "x" } ]),
    )));
    assert_eq!(
        message,
        "Value must be absent or null for remove(op=remove, path=/claims/email)"
    );
}

#[test]
fn remove_on_a_missing_claim_is_path_not_found() {
    let message = discarded(process(id_patch(
        json!([ { "op": "remove", "path": "/claims/x" } ]),
    )));
    assert_eq!(message, "Path not found(op=remove, path=/claims/x)");
}

#[test]
fn nested_members_can_be_added_replaced_and_removed() {
    let claims = id_claims(process(id_patch(json!([
        { "op": "add", "path": "/claims/address/country", "value": "FR" },
        { "op": "replace", "path": "/claims/address/locality", "value": "Lyon" },
    ]))));
    assert_eq!(
        claims["address"],
        json!({ "locality": "Lyon", "country": "FR" })
    );
    let claims = id_claims(process(id_patch(
        json!([ { "op": "remove", "path": "/claims/address/locality" } ]),
    )));
    assert_eq!(claims["address"], json!({}));
}

#[test]
fn a_member_under_a_missing_parent_is_path_not_found() {
    let message = discarded(process(id_patch(
        json!([ { "op": "add", "path": "/claims/nowhere/member", "value": 1 } ]),
    )));
    assert_eq!(
        message,
        "Path not found(op=add, path=/claims/nowhere/member)"
    );
}

#[test]
fn array_indexes_insert_replace_and_remove_and_dash_appends() {
    let claims = id_claims(process(id_patch(json!([
        { "op": "add", "path": "/claims/tags/0", "value": "first" },
        { "op": "add", "path": "/claims/tags/-", "value": "last" },
        { "op": "replace", "path": "/claims/tags/1", "value": "A" },
        { "op": "remove", "path": "/claims/tags/2" },
    ]))));
    assert_eq!(claims["tags"], json!(["first", "A", "last"]));
}

#[test]
fn an_index_past_the_end_is_path_not_found() {
    let message = discarded(process(id_patch(
        json!([ { "op": "replace", "path": "/claims/tags/2", "value": "c" } ]),
    )));
    assert_eq!(message, "Path not found(op=replace, path=/claims/tags/2)");
    let message = discarded(process(id_patch(
        json!([ { "op": "add", "path": "/claims/tags/3", "value": "c" } ]),
    )));
    assert_eq!(message, "Path not found(op=add, path=/claims/tags/3)");
}

#[test]
fn a_malformed_index_is_rejected() {
    for index in ["01", "x", "-1"] {
        let path = format!("/claims/tags/{index}");
        let message = discarded(process(id_patch(
            json!([ { "op": "replace", "path": path, "value": "c" } ]),
        )));
        assert_eq!(
            message,
            format!("Invalid array index(op=replace, path={path})")
        );
    }
}

#[test]
fn escaped_claim_names_are_decoded() {
    let claims = id_claims(process(id_patch(json!([
        { "op": "add", "path": "/claims/https:~1~1example.com~1role", "value": "admin" },
        { "op": "add", "path": "/claims/a~0b", "value": true },
    ]))));
    assert_eq!(claims["https://example.com/role"], "admin");
    assert_eq!(claims["a~b"], true);
}

#[test]
fn a_bad_escape_or_a_path_outside_claims_is_invalid() {
    for path in [
        "/claims/a~2",
        "/profile/x",
        "/claims",
        "/claims/",
        "/token/lifetime",
    ] {
        let message = discarded(process(id_patch(
            json!([ { "op": "add", "path": path, "value": 1 } ]),
        )));
        assert_eq!(message, format!("Invalid path(op=add, path={path})"));
    }
}

#[test]
fn reserved_id_token_claims_cannot_be_touched() {
    for (op, path) in [
        ("add", "/claims/sub"),
        ("replace", "/claims/aud"),
        ("remove", "/claims/amr"),
        ("add", "/claims/amr/-"),
    ] {
        let value = if op == "remove" {
            Value::Null
        } else {
            json!("x")
        };
        let message = discarded(process(id_patch(
            json!([ { "op": op, "path": path, "value": value } ]),
        )));
        assert_eq!(
            message,
            format!("Modifying a reserved claim is not allowed(op={op}, path={path})")
        );
    }
}

#[test]
fn reserved_access_token_claims_cannot_be_touched() {
    let message = discarded(process(access_patch(
        json!([ { "op": "replace", "path": "/claims/scp", "value": ["x"] } ]),
    )));
    assert_eq!(
        message,
        "Modifying a reserved claim is not allowed(op=replace, path=/claims/scp)"
    );
}

#[test]
fn amr_is_reserved_in_access_tokens_too() {
    let message = discarded(process(access_patch(
        json!([ { "op": "add", "path": "/claims/amr", "value": ["mfa"] } ]),
    )));
    assert_eq!(
        message,
        "Modifying a reserved claim is not allowed(op=add, path=/claims/amr)"
    );
}

#[test]
fn aud_and_sub_may_change_in_access_tokens_only() {
    let tokens = minted(process(access_patch(json!([
        { "op": "replace", "path": "/claims/aud", "value": "api://other" },
        { "op": "replace", "path": "/claims/sub", "value": "someone" },
    ]))));
    let access = tokens.access.expect("an access token");
    assert_eq!(access.claims["aud"], "api://other");
    assert_eq!(access.claims["sub"], "someone");
}

#[test]
fn lifetime_accepts_300_through_86400_for_both_tokens() {
    for seconds in [300, 86_400] {
        let answer = json!({ "commands": [
            { "type": "com.okta.identity.patch", "value": [
                { "op": "replace", "path": "/token/lifetime/expiration", "value": seconds } ] },
            { "type": "com.okta.access.patch", "value": [
                { "op": "replace", "path": "/token/lifetime/expiration", "value": seconds } ] },
        ] });
        let tokens = minted(process(answer));
        assert_eq!(tokens.identity.map(|t| t.lifetime_seconds), Some(seconds));
        assert_eq!(tokens.access.map(|t| t.lifetime_seconds), Some(seconds));
    }
}

#[test]
fn lifetime_outside_300_through_86400_or_not_a_number_is_rejected() {
    for value in [
        json!(299),
        json!(86_401),
        json!("3600"),
        json!(3600.5),
        json!(-1),
    ] {
        let message = discarded(process(id_patch(
            json!([ { "op": "replace", "path": "/token/lifetime/expiration", "value": value } ]),
        )));
        assert_eq!(
            message,
            "Invalid token lifetime, must be between 300 and 86400 seconds\
             (op=replace, path=/token/lifetime/expiration)"
        );
    }
}

#[test]
fn lifetime_can_only_be_replaced() {
    let message = discarded(process(id_patch(
        json!([ { "op": "add", "path": "/token/lifetime/expiration", "value": 600 } ]),
    )));
    assert_eq!(
        message,
        "Unsupported operation(op=add, path=/token/lifetime/expiration)"
    );
}

#[test]
fn an_unknown_op_is_rejected() {
    let message = discarded(process(id_patch(
        json!([ { "op": "move", "path": "/claims/email", "value": "x" } ]),
    )));
    assert_eq!(
        message,
        "Unsupported operation(op=move, path=/claims/email)"
    );
}

#[test]
fn an_unknown_command_type_is_rejected() {
    let answer = json!({ "commands": [ { "type": "com.okta.saml.patch", "value": [] } ] });
    assert_eq!(
        discarded(process(answer)),
        "Unsupported command type(com.okta.saml.patch)"
    );
}

#[test]
fn a_command_for_a_token_not_being_minted_is_rejected() {
    let no_access = MintedTokens {
        access: None,
        ..tokens()
    };
    let answer = access_patch(json!([ { "op": "add", "path": "/claims/x", "value": 1 } ]));
    assert_eq!(
        discarded(process_against(answer, &no_access)),
        "Token is not being minted(type=com.okta.access.patch)"
    );
}

#[test]
fn one_bad_operation_discards_every_command() {
    let answer = json!({ "commands": [
        { "type": "com.okta.identity.patch", "value": [
            { "op": "add", "path": "/claims/extPatientId", "value": "1235" } ] },
        { "type": "com.okta.access.patch", "value": [
            { "op": "replace", "path": "/claims/missing", "value": 1 } ] },
    ] });
    let message = discarded(process(answer));
    assert_eq!(message, "Path not found(op=replace, path=/claims/missing)");
}

#[test]
fn an_error_object_fails_the_token_request_with_its_summary() {
    let verdict = process(
        json!({ "error": { "errorSummary": "Patient record locked" },
        "commands": [] }),
    );
    assert_eq!(
        verdict,
        Verdict::Fail {
            error_description: "Patient record locked".to_owned()
        }
    );
}

#[test]
fn an_error_object_without_summary_uses_oktas_default_text() {
    let verdict = process(json!({ "error": {} }));
    assert_eq!(
        verdict,
        Verdict::Fail {
            error_description: DEFAULT_ERROR_SUMMARY.to_owned()
        }
    );
}

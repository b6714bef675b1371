//! What a hostile page or client cannot do to local-okta: sign a victim in
//! as someone else (login CSRF), drive Preview from another site, frame its
//! pages, downgrade PKCE, or reach it under another host name.

use reqwest::StatusCode;

use crate::helpers::{
    PASSWORD, REDIRECT_URI, VERIFIER, authorize_query, form_token, location, query_param, spawn_org,
};

#[tokio::test]
async fn a_sign_in_without_the_forms_token_or_from_another_site_is_refused() {
    let org = spawn_org(None).await;
    let query = authorize_query(&[]);
    let post = |token: &str, origin: Option<&str>| {
        let mut request = org.client.post(format!("{}/signin", org.base)).form(&[
            ("username", "jessie.smith@example.com"),
            ("password", PASSWORD),
            ("authorize_query", query.as_str()),
            ("csrf_token", token),
        ]);
        if let Some(origin) = origin {
            request = request.header("Origin", origin);
        }
        request.send()
    };
    // An attacker's page posts its own credentials with no token.
    let forged = post("", None).await.expect("an answer");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    let form = org.authorize(&query).await.text().await.expect("a page");
    let token = form_token(&form).expect("the form's token");
    let cross_site = post(&token, Some("https://evil.example"))
        .await
        .expect("an answer");
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    let wrong_request = org
        .client
        .post(format!("{}/signin", org.base))
        .form(&[
            ("username", "jessie.smith@example.com"),
            ("password", PASSWORD),
            ("authorize_query", &authorize_query(&[("state", "other")])),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .expect("an answer");
    assert_eq!(
        wrong_request.status(),
        StatusCode::FORBIDDEN,
        "the token is bound to its request"
    );

    let own = post(&token, Some(&org.base)).await.expect("an answer");
    assert_eq!(
        own.status(),
        StatusCode::FOUND,
        "local-okta's own form signs in"
    );
}

#[tokio::test]
async fn preview_cannot_be_driven_from_another_site() {
    let org = spawn_org(None).await;
    let request = r#"{"eventType":"com.okta.oauth2.tokens.transform","data":{}}"#;
    let forged = org
        .client
        .post(format!("{}/admin/preview", org.base))
        .form(&[("request", request)])
        .send()
        .await
        .expect("an answer");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn pages_cannot_be_framed_and_pages_with_tokens_are_not_cached() {
    let org = spawn_org(None).await;
    for path in [
        "/",
        "/admin/logs",
        "/admin/preview",
        &format!("/oauth2/default/v1/authorize?{}", authorize_query(&[])),
    ] {
        let response = org.get(path).await;
        let headers = response.headers();
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(
            headers["content-security-policy"], "frame-ancestors 'none'",
            "{path}"
        );
        assert_eq!(headers["cache-control"], "no-store", "{path}");
    }
}

#[tokio::test]
async fn a_code_issued_without_a_challenge_refuses_any_verifier() {
    let org = spawn_org(None).await;
    let query = authorize_query(&[("code_challenge", ""), ("code_challenge_method", "")]);
    let code = org
        .sign_in_for_code("jessie.smith@example.com", &query)
        .await;
    let response = org
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", VERIFIER),
        ])
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn a_verifier_that_is_not_43_to_128_unreserved_characters_is_refused() {
    let org = spawn_org(None).await;
    let code = org
        .sign_in_for_code("jessie.smith@example.com", &authorize_query(&[]))
        .await;
    let response = org
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", "short"),
        ])
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(body["error"], "invalid_request");
}

#[tokio::test]
async fn another_host_name_is_refused_which_defeats_dns_rebinding() {
    let org = spawn_org(None).await;
    let response = org
        .client
        .get(format!("{}/admin/logs", org.base))
        .header("Host", "attacker.example")
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), StatusCode::MISDIRECTED_REQUEST);
    let page = org.get("/admin/logs").await;
    assert_eq!(page.status(), StatusCode::OK, "its own address works");
    let _ = (location, query_param);
}

//! Step 5 of setup and `just preview <login>`: the request Okta would send
//! for a user, sent through the org's `execute` (Preview's API twin), and
//! what Okta does with the answer, by the `token-hook` crate's rules.

use serde_json::Value;
use token_hook::request::OKTA_EXAMPLE_REQUEST;
use token_hook::{TokenHookRequest, TokenHookResponse, Verdict, process_response};

use crate::client::OktaClient;
use crate::config::Config;
use crate::error::Error;
use crate::setup::{HOOK_NAME, HOOK_TYPE};

/// The first patient in the store, by login: the default `--check-user`.
pub async fn first_patient(config: &Config) -> Result<String, Error> {
    let store = hook_service::patients::PatientStore::open(&config.database_url).await?;
    let first = store.list().await?.into_iter().next();
    store.close().await;
    first.map(|patient| patient.login).ok_or_else(|| {
        Error::Refused(
            "5. check: the patient store is empty: add one with `just add-patient <login> <id>`, \
             or pass --check-user"
                .to_owned(),
        )
    })
}

/// The request Okta would send when `login` signs in: Okta's documented
/// example with this org's issuer and this user, as the guide edits it.
pub fn request_for(config: &Config, login: &str) -> TokenHookRequest {
    let mut request: Value = serde_json::from_str(OKTA_EXAMPLE_REQUEST).unwrap_or(Value::Null);
    let issuer = config.issuer();
    request["source"] = Value::from(format!("{issuer}/v1/authorize"));
    request["data"]["context"]["protocol"]["issuer"]["uri"] = Value::from(issuer.clone());
    request["data"]["identity"]["claims"]["iss"] = Value::from(issuer);
    request["data"]["identity"]["claims"]["preferred_username"] = Value::from(login);
    request["data"]["context"]["user"]["profile"]["login"] = Value::from(login);
    serde_json::from_value(request).unwrap_or_else(|_| TokenHookRequest {
        event_type: HOOK_TYPE.to_owned(),
        event_type_version: None,
        cloud_event_version: None,
        content_type: None,
        source: None,
        event_id: None,
        event_time: None,
        data: Default::default(),
    })
}

/// Sends the request for `login` through `execute`; describes the answer.
pub async fn execute(
    config: &Config,
    client: &OktaClient,
    hook_id: &str,
    login: &str,
) -> Result<String, Error> {
    let request = request_for(config, login);
    let body = serde_json::to_value(&request).unwrap_or(Value::Null);
    let step = format!("5. check ({login})");
    let answer = client
        .post(
            &step,
            &format!("/inlineHooks/{hook_id}/execute"),
            Some(&body),
        )
        .await?;
    Ok(describe(&request, &answer))
}

/// What the hook answered and what Okta does with it, in one line.
pub fn describe(request: &TokenHookRequest, answer: &Value) -> String {
    let parsed: Result<TokenHookResponse, _> = serde_json::from_value(answer.clone());
    let Ok(parsed) = parsed else {
        return format!("the hook answered {answer}, which Okta cannot read: tokens unchanged");
    };
    let before = request.minted_tokens();
    match process_response(&parsed, &before) {
        Verdict::Fail { error_description } => {
            format!("the hook refuses the sign-in: server_error, {error_description:?}")
        }
        Verdict::Discard(error) => {
            format!("Okta discards every command ({error}): tokens unchanged")
        }
        Verdict::Mint(after) => {
            let mut added = Vec::new();
            for (name, token, before) in [
                ("ID token", &after.identity, &before.identity),
                ("access token", &after.access, &before.access),
            ] {
                let (Some(token), Some(before)) = (token, before) else {
                    continue;
                };
                for (claim, value) in &token.claims {
                    if before.claims.get(claim) != Some(value) {
                        added.push(format!("{claim}={value} in the {name}"));
                    }
                }
            }
            if added.is_empty() {
                "the hook asks for no change: tokens unchanged".to_owned()
            } else {
                format!("the hook adds {}", added.join(", "))
            }
        }
    }
}

/// `just preview <login>`: finds the hook, executes, prints the request
/// summary, the answer and the verdict.
pub async fn preview(config: &Config, login: &str) -> Result<(), Error> {
    let client = OktaClient::new(config)?;
    let step = "preview: find the hook";
    let hooks = client
        .get_found(step, &format!("/inlineHooks?type={HOOK_TYPE}"))
        .await?;
    let hook = hooks
        .as_array()
        .into_iter()
        .flatten()
        .find(|hook| hook["name"] == HOOK_NAME)
        .and_then(|hook| hook["id"].as_str())
        .ok_or_else(|| {
            Error::Refused(format!(
                "{step}: no hook named {HOOK_NAME:?}: run just okta-setup"
            ))
        })?;
    let request = request_for(config, login);
    println!(
        "request: {} for {login} (source {})",
        request.event_type,
        request.source.as_deref().unwrap_or("?")
    );
    let body = serde_json::to_value(&request).unwrap_or(Value::Null);
    let answer = client
        .post(
            "preview: execute",
            &format!("/inlineHooks/{hook}/execute"),
            Some(&body),
        )
        .await?;
    println!("answer:  {answer}");
    println!("okta:    {}", describe(&request, &answer));
    Ok(())
}

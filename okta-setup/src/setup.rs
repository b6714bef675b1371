//! `just okta-setup` and `just okta-teardown`: the guide's Admin Console
//! steps as Management API calls, each printed as one line.
//!
//! 1. **App integration**: find "Token Hook Sample App" or create it, assign
//!    it to Everyone, and write `ISSUER`, `CLIENT_ID`, `CLIENT_SECRET` into
//!    `testenv`.
//! 2. **Hook URL**: `HOOK_PUBLIC_URL`, or the ngrok agent's HTTPS tunnel.
//! 3. **The hook**: find "Patient token hook" or create it; replace it with
//!    a full `PUT` when its URL or secret changed; activate it.
//! 4. **Attach**: the `default` server's policy and rule (created when the
//!    org has none); a full `PUT` of the fetched rule with its
//!    `actions.token.inlineHook.id` set.
//! 5. **Check**: `execute` the request Okta would send for a patient.
//!
//! A second run changes nothing and says so; `--dry-run` only reads.

use serde_json::{Value, json};

use crate::check;
use crate::client::OktaClient;
use crate::config::{Config, is_loopback_url};
use crate::error::Error;
use crate::ledger::{AttachedRule, CreatedRule, Ledger, fingerprint};
use crate::testenv;

/// The app integration's label, as the guide names it.
pub const APP_LABEL: &str = "Token Hook Sample App";
/// The hook's name, as the guide names it.
pub const HOOK_NAME: &str = "Patient token hook";
/// The token inline hook type.
pub const HOOK_TYPE: &str = token_hook::EVENT_TYPE;

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Print the plan; change nothing.
    pub dry_run: bool,
    /// The login `execute` checks; the store's first patient by default.
    pub check_user: Option<String>,
}

/// What a run did, line by line (each also printed as it happens).
#[derive(Debug, Default)]
pub struct Report {
    pub lines: Vec<String>,
    /// How many changes were made (or, with `--dry-run`, would be).
    pub changes: usize,
}

impl Report {
    fn say(&mut self, line: String) {
        println!("{line}");
        self.lines.push(line);
    }

    fn changed(&mut self, line: String) {
        self.changes += 1;
        self.say(line);
    }
}

/// Runs the five steps against `config`'s org.
pub async fn setup(config: &Config, options: &Options) -> Result<Report, Error> {
    let client = OktaClient::new(config)?;
    let mut ledger = Ledger::load(&config.ledger, &config.org_url)?;
    let mut report = Report::default();
    let dry = options.dry_run;

    app_step(config, &client, &mut ledger, &mut report, dry).await?;
    let hook_url = hook_url(config).await?;
    report.say(format!("2. hook URL: {hook_url}"));
    let hook_id = hook_step(config, &client, &hook_url, &mut ledger, &mut report, dry).await?;
    attach_step(&client, hook_id.as_deref(), &mut ledger, &mut report, dry).await?;
    if !dry {
        ledger.save(&config.ledger, &config.org_url)?;
    }
    match (&hook_id, dry) {
        (Some(hook_id), false) => {
            let login = match &options.check_user {
                Some(login) => login.clone(),
                None => check::first_patient(config).await?,
            };
            let outcome = check::execute(config, &client, hook_id, &login).await?;
            report.say(format!("5. check: {outcome}"));
        }
        _ => report.say("5. check: skipped (nothing is set up yet)".to_owned()),
    }
    let summary = match (report.changes, dry) {
        (0, _) => "Nothing to change: the org is set up.".to_owned(),
        (changes, true) => format!("Dry run: {changes} change(s) would be made; none were."),
        (changes, false) => format!("Done: {changes} change(s) made."),
    };
    report.say(summary);
    Ok(report)
}

async fn app_step(
    config: &Config,
    client: &OktaClient,
    ledger: &mut Ledger,
    report: &mut Report,
    dry: bool,
) -> Result<(), Error> {
    let step = "1. app integration";
    let apps = client
        .get_found(step, "/apps?q=Token%20Hook%20Sample%20App")
        .await?;
    let existing = list(&apps).find(|app| app["label"] == APP_LABEL).cloned();
    let callback = format!("{}/authorization-code/callback", config.app_base_url);
    let (app, created_secret) = match existing {
        Some(app) => {
            let id = text(&app["credentials"]["oauthClient"]["client_id"]);
            report.say(format!(
                "{step}: {APP_LABEL:?} exists (client id {id}): unchanged"
            ));
            let uris = &app["settings"]["oauthClient"]["redirect_uris"];
            if !list(uris).any(|uri| uri == &Value::from(callback.as_str())) {
                report.say(format!(
                    "   warning: its sign-in redirect URIs do not include {callback}; add it in \
                     the Admin Console"
                ));
            }
            (app, None)
        }
        None if dry => {
            report.changed(format!("{step}: would create {APP_LABEL:?}"));
            return Ok(());
        }
        None => {
            let body = json!({
                "name": "oidc_client",
                "label": APP_LABEL,
                "signOnMode": "OPENID_CONNECT",
                "credentials": { "oauthClient": { "token_endpoint_auth_method": "client_secret_basic" } },
                "settings": { "oauthClient": {
                    "application_type": "web",
                    "grant_types": ["authorization_code", "refresh_token"],
                    "response_types": ["code"],
                    "redirect_uris": [callback],
                    "post_logout_redirect_uris": [config.app_base_url],
                } },
            });
            let app = client
                .post(step, "/apps?activate=true", Some(&body))
                .await?;
            let secret = app["credentials"]["oauthClient"]["client_secret"]
                .as_str()
                .map(str::to_owned);
            ledger.app_id = app["id"].as_str().map(str::to_owned);
            let id = text(&app["credentials"]["oauthClient"]["client_id"]);
            report.changed(format!("{step}: created {APP_LABEL:?} (client id {id})"));
            (app, secret)
        }
    };
    let app_id = required(step, &app["id"], "app id")?;
    assign_everyone(client, &app_id, report, dry).await?;
    write_testenv(config, &app, created_secret, report, dry)
}

async fn assign_everyone(
    client: &OktaClient,
    app_id: &str,
    report: &mut Report,
    dry: bool,
) -> Result<(), Error> {
    let step = "1. app integration: assign Everyone";
    let groups = client.get_found(step, "/groups?q=Everyone").await?;
    let everyone = list(&groups)
        .find(|group| group["profile"]["name"] == "Everyone")
        .ok_or_else(|| Error::Shape {
            step: step.to_owned(),
            what: "Everyone group",
        })?;
    let group_id = required(step, &everyone["id"], "group id")?;
    let assigned = client
        .get_found(step, &format!("/apps/{app_id}/groups"))
        .await?;
    if list(&assigned).any(|assignment| assignment["id"] == group_id.as_str()) {
        report.say(format!("{step}: already assigned"));
    } else if dry {
        report.changed(format!("{step}: would assign Everyone"));
    } else {
        client
            .put(
                step,
                &format!("/apps/{app_id}/groups/{group_id}"),
                &json!({}),
            )
            .await?;
        report.changed(format!("{step}: assigned Everyone"));
    }
    Ok(())
}

fn write_testenv(
    config: &Config,
    app: &Value,
    created_secret: Option<String>,
    report: &mut Report,
    dry: bool,
) -> Result<(), Error> {
    let step = "1. app integration: testenv";
    let client_id = required(
        step,
        &app["credentials"]["oauthClient"]["client_id"],
        "client id",
    )?;
    // Okta returns a secret once, at creation; afterwards testenv is its home.
    let known = testenv::read(&config.testenv, "CLIENT_ID").as_deref() == Some(client_id.as_str());
    let secret = created_secret.or_else(|| {
        known
            .then(|| testenv::read(&config.testenv, "CLIENT_SECRET"))
            .flatten()
    });
    let Some(secret) = secret else {
        return Err(Error::Refused(format!(
            "{step}: {APP_LABEL:?} exists but its client secret is not in {}: copy it from the \
             app's General tab into CLIENT_SECRET, or run `just okta-teardown` if this command \
             created the app",
            config.testenv.display()
        )));
    };
    let issuer = config.issuer();
    let values = [
        ("ISSUER", issuer.as_str()),
        ("CLIENT_ID", client_id.as_str()),
        ("CLIENT_SECRET", secret.as_str()),
    ];
    let current = values
        .iter()
        .all(|(key, value)| testenv::read(&config.testenv, key).as_deref() == Some(*value));
    if current {
        report.say(format!(
            "{step}: ISSUER, CLIENT_ID, CLIENT_SECRET up to date"
        ));
    } else if dry {
        report.changed(format!(
            "{step}: would write ISSUER, CLIENT_ID, CLIENT_SECRET"
        ));
    } else {
        testenv::update(&config.testenv, &values)?;
        report.changed(format!(
            "{step}: wrote ISSUER, CLIENT_ID, CLIENT_SECRET to {}",
            config.testenv.display()
        ));
    }
    Ok(())
}

/// The hook's public URL: `HOOK_PUBLIC_URL` (a base URL gets `/tokenHook`),
/// or the ngrok agent's HTTPS tunnel to port 8082. `http://` is refused, as
/// Okta refuses it, except to a loopback host (local-okta).
pub async fn hook_url(config: &Config) -> Result<String, Error> {
    let url = match &config.hook_public_url {
        Some(url) => url.clone(),
        None => ngrok_tunnel(&config.ngrok_api).await?,
    };
    let mut parsed = url::Url::parse(&url).map_err(|_| Error::Invalid {
        name: "HOOK_PUBLIC_URL",
        problem: format!("{url:?} is not a URL"),
    })?;
    if parsed.path() == "/" {
        parsed.set_path("/tokenHook");
    }
    match parsed.scheme() {
        "https" => Ok(parsed.to_string()),
        "http" if is_loopback_url(parsed.as_str()) => Ok(parsed.to_string()),
        _ => Err(Error::Invalid {
            name: "HOOK_PUBLIC_URL",
            problem: format!("{url:?} must use https: Okta refuses http hook URLs"),
        }),
    }
}

async fn ngrok_tunnel(api: &str) -> Result<String, Error> {
    let step = "2. hook URL";
    let no_tunnel = || {
        Error::Refused(format!(
            "{step}: HOOK_PUBLIC_URL is not set and no ngrok agent answers at {api}: run `just \
             tunnel` in another terminal, or set HOOK_PUBLIC_URL to your hook's public HTTPS URL"
        ))
    };
    let tunnels: Value = reqwest::get(format!("{api}/api/tunnels"))
        .await
        .map_err(|_| no_tunnel())?
        .json()
        .await
        .map_err(|_| no_tunnel())?;
    list(&tunnels["tunnels"])
        .find(|tunnel| {
            tunnel["proto"] == "https"
                && tunnel["config"]["addr"]
                    .as_str()
                    .is_some_and(|addr| addr.ends_with(":8082"))
        })
        .and_then(|tunnel| tunnel["public_url"].as_str())
        .map(|url| format!("{url}/tokenHook"))
        .ok_or_else(no_tunnel)
}

async fn hook_step(
    config: &Config,
    client: &OktaClient,
    url: &str,
    ledger: &mut Ledger,
    report: &mut Report,
    dry: bool,
) -> Result<Option<String>, Error> {
    use secrecy::ExposeSecret;
    let step = "3. hook";
    let secret = config.hook_secret();
    let print = fingerprint(url, secret.expose_secret());
    let body = json!({
        "name": HOOK_NAME,
        "type": HOOK_TYPE,
        "version": "1.0.0",
        "channel": { "type": "HTTP", "version": "1.0.0", "config": {
            "uri": url, "headers": [], "method": "POST",
            "authScheme": { "type": "HEADER", "key": "Authorization", "value": secret.expose_secret() },
        } },
    });
    let hooks = client
        .get_found(step, &format!("/inlineHooks?type={HOOK_TYPE}"))
        .await?;
    let existing = list(&hooks).find(|hook| hook["name"] == HOOK_NAME).cloned();
    let hook = match existing {
        None if dry => {
            report.changed(format!("{step}: would create {HOOK_NAME:?}"));
            return Ok(None);
        }
        None => {
            let hook = client.post(step, "/inlineHooks", Some(&body)).await?;
            ledger.hook_id = hook["id"].as_str().map(str::to_owned);
            ledger.hook_fingerprint = Some(print);
            report.changed(format!("{step}: created {HOOK_NAME:?}"));
            hook
        }
        Some(hook) => {
            let id = required(step, &hook["id"], "hook id")?;
            let same_url = hook["channel"]["config"]["uri"] == url;
            let same_secret = ledger.hook_fingerprint.as_deref() == Some(print.as_str());
            if same_url && same_secret {
                report.say(format!(
                    "{step}: {HOOK_NAME:?} exists with this URL and secret: unchanged"
                ));
                hook
            } else if dry {
                report.changed(format!(
                    "{step}: would replace {HOOK_NAME:?} (URL or secret changed)"
                ));
                hook
            } else {
                // A full PUT: Okta never returns the secret, so it is sent again.
                let mut replace = body.clone();
                if let Some(object) = replace.as_object_mut() {
                    object.remove("type");
                }
                let hook = client
                    .put(step, &format!("/inlineHooks/{id}"), &replace)
                    .await?;
                ledger.hook_fingerprint = Some(print);
                let why = if same_url { "its secret" } else { "its URL" };
                report.changed(format!("{step}: replaced {HOOK_NAME:?}: {why} changed"));
                hook
            }
        }
    };
    let id = required(step, &hook["id"], "hook id")?;
    if hook["status"] != "ACTIVE" {
        if dry {
            report.changed(format!("{step}: would activate it"));
        } else {
            client
                .post(step, &format!("/inlineHooks/{id}/lifecycle/activate"), None)
                .await?;
            report.changed(format!("{step}: activated it"));
        }
    }
    Ok(Some(id))
}

async fn attach_step(
    client: &OktaClient,
    hook_id: Option<&str>,
    ledger: &mut Ledger,
    report: &mut Report,
    dry: bool,
) -> Result<(), Error> {
    let step = "4. attach to the default authorization server";
    client
        .get_found(
            "4. find the default authorization server",
            "/authorizationServers/default",
        )
        .await?;
    let base = "/authorizationServers/default/policies";
    let policies = client.get_found(step, base).await?;
    let policy = list(&policies)
        .find(|policy| policy["name"] == "Default Policy")
        .or_else(|| list(&policies).next())
        .cloned();
    let hook_action = |hook_id: Option<&str>| hook_id.map(|id| json!({ "id": id }));
    let policy_id = match policy {
        Some(policy) => required(step, &policy["id"], "policy id")?,
        None if dry => {
            report.changed(format!(
                "{step}: would create the Default Policy and its rule"
            ));
            return Ok(());
        }
        None => {
            let body = json!({
                "type": "OAUTH_AUTHORIZATION_POLICY", "status": "ACTIVE",
                "name": "Default Policy", "description": "Created by just okta-setup",
                "priority": 1, "conditions": { "clients": { "include": ["ALL_CLIENTS"] } },
            });
            let policy = client.post(step, base, Some(&body)).await?;
            let id = required(step, &policy["id"], "policy id")?;
            ledger.policy_id = Some(id.clone());
            report.changed(format!(
                "{step}: created the Default Policy (the org had none)"
            ));
            id
        }
    };
    let rules_path = format!("{base}/{policy_id}/rules");
    let rules = client.get_found(step, &rules_path).await?;
    let rule = list(&rules)
        .find(|rule| rule["name"] == "Default Policy Rule")
        .or_else(|| list(&rules).next())
        .cloned();
    let Some(mut rule) = rule else {
        if dry {
            report.changed(format!(
                "{step}: would create the Default Policy Rule with the hook"
            ));
            return Ok(());
        }
        let mut token = json!({
            "accessTokenLifetimeMinutes": 60, "refreshTokenLifetimeMinutes": 0,
            "refreshTokenWindowMinutes": 10080,
        });
        if let Some(hook) = hook_action(hook_id) {
            token["inlineHook"] = hook;
        }
        let body = json!({
            "type": "RESOURCE_ACCESS", "name": "Default Policy Rule", "priority": 1,
            "status": "ACTIVE",
            "conditions": {
                "people": { "groups": { "include": ["EVERYONE"] } },
                "grantTypes": { "include": ["authorization_code", "implicit", "client_credentials"] },
                "scopes": { "include": ["*"] },
            },
            "actions": { "token": token },
        });
        let rule = client.post(step, &rules_path, Some(&body)).await?;
        ledger.rule = Some(CreatedRule {
            policy_id,
            rule_id: required(step, &rule["id"], "rule id")?,
        });
        report.changed(format!(
            "{step}: created the Default Policy Rule, using the hook"
        ));
        return Ok(());
    };
    let rule_id = required(step, &rule["id"], "rule id")?;
    let current = rule["actions"]["token"]["inlineHook"]["id"]
        .as_str()
        .map(str::to_owned);
    if !list(&rule["conditions"]["grantTypes"]["include"])
        .any(|grant| grant == "authorization_code")
    {
        report.say(format!(
            "   warning: rule {:?} does not match the Authorization Code grant: sign-ins will \
             not call the hook",
            text(&rule["name"])
        ));
    }
    if current.as_deref() == hook_id && hook_id.is_some() {
        report.say(format!(
            "{step}: rule {:?} already uses the hook",
            text(&rule["name"])
        ));
        return Ok(());
    }
    if dry || hook_id.is_none() {
        report.changed(format!(
            "{step}: would set rule {:?} to use the hook",
            text(&rule["name"])
        ));
        return Ok(());
    }
    // A full PUT of the rule as fetched, with only the hook changed.
    rule["actions"]["token"]["inlineHook"] = json!({ "id": hook_id });
    client
        .put(step, &format!("{rules_path}/{rule_id}"), &rule)
        .await?;
    if ledger.attached_rule.is_none() {
        ledger.attached_rule = Some(AttachedRule {
            policy_id,
            rule_id,
            previous_hook: current,
        });
    }
    report.changed(format!(
        "{step}: rule {:?} now uses the hook",
        text(&rule["name"])
    ));
    Ok(())
}

/// Removes what setup created, in the reverse order, and puts back the
/// rule's previous hook. Touches nothing setup did not create.
pub async fn teardown(config: &Config, dry: bool) -> Result<Report, Error> {
    let client = OktaClient::new(config)?;
    let mut ledger = Ledger::load(&config.ledger, &config.org_url)?;
    let mut report = Report::default();
    let policies = "/authorizationServers/default/policies";
    if let Some(attached) = ledger.attached_rule.clone() {
        let step = "detach the hook from the rule";
        let path = format!(
            "{policies}/{}/rules/{}",
            attached.policy_id, attached.rule_id
        );
        if let Some(mut rule) = client.get(step, &path).await? {
            let uses_ours =
                rule["actions"]["token"]["inlineHook"]["id"].as_str() == ledger.hook_id.as_deref();
            if uses_ours && dry {
                report.changed(format!("{step}: would detach it"));
            } else if uses_ours {
                match &attached.previous_hook {
                    Some(previous) => {
                        rule["actions"]["token"]["inlineHook"] = json!({ "id": previous })
                    }
                    None => {
                        if let Some(token) = rule["actions"]["token"].as_object_mut() {
                            token.remove("inlineHook");
                        }
                    }
                }
                client.put(step, &path, &rule).await?;
                report.changed(format!("{step}: detached"));
            }
        }
        if !dry {
            ledger.attached_rule = None;
        }
    }
    if let Some(rule) = ledger.rule.clone() {
        let step = "delete the rule setup created";
        if dry {
            report.changed(format!("{step}: would delete it"));
        } else {
            let path = format!("{policies}/{}/rules/{}", rule.policy_id, rule.rule_id);
            client.delete(step, &path).await?;
            ledger.rule = None;
            report.changed(format!("{step}: deleted"));
        }
    }
    if let Some(policy) = ledger.policy_id.clone() {
        let step = "delete the policy setup created";
        if dry {
            report.changed(format!("{step}: would delete it"));
        } else {
            client.delete(step, &format!("{policies}/{policy}")).await?;
            ledger.policy_id = None;
            report.changed(format!("{step}: deleted"));
        }
    }
    if let Some(hook) = ledger.hook_id.clone() {
        let step = "deactivate and delete the hook";
        if dry {
            report.changed(format!("{step}: would do it"));
        } else {
            if client
                .get(step, &format!("/inlineHooks/{hook}"))
                .await?
                .is_some()
            {
                client
                    .post(
                        step,
                        &format!("/inlineHooks/{hook}/lifecycle/deactivate"),
                        None,
                    )
                    .await?;
                client.delete(step, &format!("/inlineHooks/{hook}")).await?;
            }
            ledger.hook_id = None;
            ledger.hook_fingerprint = None;
            report.changed(format!("{step}: done"));
        }
    }
    if let Some(app) = ledger.app_id.clone() {
        let step = "deactivate and delete the app";
        if dry {
            report.changed(format!("{step}: would do it"));
        } else {
            if client.get(step, &format!("/apps/{app}")).await?.is_some() {
                client
                    .post(step, &format!("/apps/{app}/lifecycle/deactivate"), None)
                    .await?;
                client.delete(step, &format!("/apps/{app}")).await?;
            }
            ledger.app_id = None;
            report.changed(format!(
                "{step}: done (testenv still names it: run just okta-setup to make a new one)"
            ));
        }
    }
    if !dry {
        ledger.save(&config.ledger, &config.org_url)?;
    }
    if report.changes == 0 {
        report.say("Nothing to tear down: okta-setup created nothing in this org.".to_owned());
    }
    Ok(report)
}

fn list(value: &Value) -> impl Iterator<Item = &Value> {
    value.as_array().into_iter().flatten()
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or("?").to_owned()
}

fn required(step: &str, value: &Value, what: &'static str) -> Result<String, Error> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::Shape {
            step: step.to_owned(),
            what,
        })
}

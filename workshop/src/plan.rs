//! What `just run` starts, decided before anything runs.
//!
//! - No `testenv`, or a `testenv` whose `ISSUER` is on localhost: the
//!   offline workshop, local-okta + hook-service + the sample app.
//! - A `testenv` for a real Okta org: hook-service + the sample app only;
//!   Okta reaches the hook through a tunnel.
//!
//! Without a `.env` (and no credentials in the environment), hook-service
//! gets the guide's demo credentials, and the plan says so.

use std::collections::HashMap;
use std::net::SocketAddr;

use crate::error::Error;

/// local-okta's issuer when `LOCAL_OKTA_ISSUER` is unset (its own default).
pub const LOCAL_OKTA_ISSUER: &str = "http://localhost:8081/oauth2/default";
/// The guide's demo credentials for hook-service.
pub const DEMO_USER: &str = "admin";
/// The guide's demo password for hook-service.
pub const DEMO_PASSWORD: &str = "supersecret";

/// One service to start.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// Its name, which is also its binary's name.
    pub name: &'static str,
    /// Where it listens.
    pub addr: SocketAddr,
    /// The variable that moves it.
    pub addr_var: &'static str,
    /// A URL that answers 200 once it is ready.
    pub ready_url: String,
    /// Extra environment for it.
    pub env: Vec<(String, String)>,
}

/// Offline, or against a real org.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// local-okta stands in for the org.
    Local,
    /// A real Okta org, with this issuer.
    RealOrg(String),
}

/// The whole plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Offline or real org.
    pub mode: Mode,
    /// In start order; the app last, since it discovers its issuer at start.
    pub services: Vec<Service>,
    /// Things to tell the user before starting.
    pub notes: Vec<String>,
}

/// local-okta's web app client, for wiring the sample app to a local-okta
/// that does not run at its default issuer.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalClient {
    /// The client id from `org.toml`.
    pub client_id: String,
    /// The client secret from `org.toml`.
    pub client_secret: String,
}

/// Decides the plan from the environment (`var`), the `testenv` file's
/// values (if it exists), whether a `.env` exists, and local-okta's client.
pub fn plan(
    var: impl Fn(&str) -> Option<String>,
    testenv: Option<&HashMap<String, String>>,
    has_dotenv: bool,
    local_client: Option<&LocalClient>,
) -> Result<Plan, Error> {
    let issuer = var("ISSUER").or_else(|| testenv.and_then(|file| file.get("ISSUER").cloned()));
    let mode = match issuer {
        Some(issuer) if !is_local(&issuer) => Mode::RealOrg(issuer),
        _ => Mode::Local,
    };
    let mut notes = Vec::new();
    let address = |name: &'static str, default: &str| -> Result<SocketAddr, Error> {
        let value = var(name).unwrap_or_else(|| default.to_owned());
        value.parse().map_err(|_| Error::BadAddress {
            variable: name,
            value,
        })
    };

    let mut hook_env = Vec::new();
    // Offline only: a hook that faces the internet gets no published password
    // (see `credentials`).
    if mode == Mode::Local && !has_dotenv && var("BASIC_AUTH_USER").is_none() {
        notes.push(format!(
            "no .env: hook-service uses the guide's demo credentials {DEMO_USER} / \
             {DEMO_PASSWORD} (cp .env.example .env to choose your own)"
        ));
        hook_env.push(("BASIC_AUTH_USER".to_owned(), DEMO_USER.to_owned()));
        hook_env.push(("BASIC_AUTH_PASSWORD".to_owned(), DEMO_PASSWORD.to_owned()));
    }
    let hook_addr = address("HOOK_LISTEN_ADDR", "127.0.0.1:8082")?;
    let mut services = vec![Service {
        name: "hook-service",
        addr: hook_addr,
        addr_var: "HOOK_LISTEN_ADDR",
        ready_url: format!("http://{hook_addr}/healthz"),
        env: hook_env,
    }];
    if mode == Mode::Local {
        let okta_addr = address("LOCAL_OKTA_LISTEN_ADDR", "127.0.0.1:8081")?;
        let issuer = var("LOCAL_OKTA_ISSUER").unwrap_or_else(|| LOCAL_OKTA_ISSUER.to_owned());
        services.push(Service {
            name: "local-okta",
            addr: okta_addr,
            addr_var: "LOCAL_OKTA_LISTEN_ADDR",
            ready_url: format!(
                "http://{okta_addr}/oauth2/default/.well-known/openid-configuration"
            ),
            env: vec![(
                "LOCAL_OKTA_HOOK_URL".to_owned(),
                var("LOCAL_OKTA_HOOK_URL")
                    .unwrap_or_else(|| format!("http://{hook_addr}/tokenHook")),
            )],
        });
        if testenv.is_none() {
            notes.push(format!(
                "no testenv: the sample app signs in against local-okta ({issuer})"
            ));
        }
    }
    // The app defaults to local-okta's default issuer; a local-okta moved
    // elsewhere (LOCAL_OKTA_ISSUER) must be passed on, with its client.
    let mut app_env = Vec::new();
    if let (Mode::Local, None, Some(issuer), Some(client)) =
        (&mode, testenv, var("LOCAL_OKTA_ISSUER"), local_client)
    {
        app_env.push(("ISSUER".to_owned(), issuer));
        app_env.push(("CLIENT_ID".to_owned(), client.client_id.clone()));
        app_env.push(("CLIENT_SECRET".to_owned(), client.client_secret.clone()));
    }
    let app_addr = address("APP_LISTEN_ADDR", "127.0.0.1:8080")?;
    services.push(Service {
        name: "sample-web-app",
        addr: app_addr,
        addr_var: "APP_LISTEN_ADDR",
        ready_url: format!("http://{app_addr}/"),
        env: app_env,
    });
    Ok(Plan {
        mode,
        services,
        notes,
    })
}

fn is_local(issuer: &str) -> bool {
    let Some(rest) = issuer
        .strip_prefix("http://")
        .or_else(|| issuer.strip_prefix("https://"))
    else {
        return false;
    };
    let host = rest.split(['/', ':']).next().unwrap_or_default();
    matches!(host, "localhost" | "127.0.0.1" | "[")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(plan: &Plan) -> Vec<&str> {
        plan.services.iter().map(|service| service.name).collect()
    }

    #[test]
    fn a_fresh_clone_runs_offline_with_the_guides_demo_values() {
        let plan = plan(|_| None, None, false, None).expect("a plan");
        assert_eq!(plan.mode, Mode::Local);
        assert_eq!(
            names(&plan),
            ["hook-service", "local-okta", "sample-web-app"]
        );
        assert!(plan.notes.iter().any(|note| note.contains("no .env")));
        assert!(plan.notes.iter().any(|note| note.contains("no testenv")));
        let hook = &plan.services[0];
        assert!(
            hook.env
                .contains(&("BASIC_AUTH_USER".to_owned(), "admin".to_owned()))
        );
        assert_eq!(plan.services[1].env[0].1, "http://127.0.0.1:8082/tokenHook");
    }

    #[test]
    fn a_testenv_for_a_real_org_skips_local_okta() {
        let testenv = HashMap::from([(
            "ISSUER".to_owned(),
            "https://dev-123456.okta.com/oauth2/default".to_owned(),
        )]);
        let plan = plan(|_| None, Some(&testenv), true, None).expect("a plan");
        assert!(matches!(plan.mode, Mode::RealOrg(_)));
        assert_eq!(names(&plan), ["hook-service", "sample-web-app"]);
        assert!(
            plan.services[0].env.is_empty(),
            ".env gives the credentials"
        );
    }

    #[test]
    fn a_localhost_issuer_in_testenv_still_uses_local_okta() {
        let testenv = HashMap::from([(
            "ISSUER".to_owned(),
            "http://localhost:8081/oauth2/default".to_owned(),
        )]);
        let plan = plan(|_| None, Some(&testenv), false, None).expect("a plan");
        assert_eq!(plan.mode, Mode::Local);
    }

    #[test]
    fn a_moved_local_okta_is_passed_on_to_the_app() {
        let var = |name: &str| {
            (name == "LOCAL_OKTA_ISSUER").then(|| "http://127.0.0.1:9191/oauth2/default".to_owned())
        };
        let client = LocalClient {
            client_id: "0oa1".to_owned(),
            client_secret: "s3cret".to_owned(),
        };
        let plan = plan(var, None, false, Some(&client)).expect("a plan");
        let app = &plan.services[2];
        assert!(app.env.contains(&(
            "ISSUER".to_owned(),
            "http://127.0.0.1:9191/oauth2/default".to_owned()
        )));
        assert!(
            app.env
                .contains(&("CLIENT_ID".to_owned(), "0oa1".to_owned()))
        );
        let unmoved = super::plan(|_| None, None, false, Some(&client)).expect("a plan");
        assert!(unmoved.services[2].env.is_empty());
    }

    #[test]
    fn listen_addresses_follow_the_services_own_variables() {
        let var = |name: &str| (name == "APP_LISTEN_ADDR").then(|| "127.0.0.1:9090".to_owned());
        let plan = plan(var, None, false, None).expect("a plan");
        assert_eq!(plan.services[2].ready_url, "http://127.0.0.1:9090/");
        let bad = |name: &str| (name == "HOOK_LISTEN_ADDR").then(|| "8082".to_owned());
        let error = super::plan(bad, None, false, None).expect_err("bad address");
        assert!(error.to_string().contains("HOOK_LISTEN_ADDR=8082"));
    }
}

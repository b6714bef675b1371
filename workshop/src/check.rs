//! `just check <n>`: checks workshop exercise `n` (`workshop/exercises/`).
//!
//! Each check starts a fresh stack of its own, local-okta and hook-service
//! from this build, on free ports with an empty data folder (so a `just
//! run` can keep running), signs users in through `local-okta trigger
//! --json`, `just trigger`'s own code path, and compares what came back
//! with what the exercise asks. It says, in plain words, what is right and
//! what is still wrong, and never gives the answer away.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tokio::process::Command;

use crate::error::Error;
use crate::org::DemoOrg;
use crate::plan;
use crate::supervise::Supervisor;

/// The exercises, in order: their file under `workshop/exercises/` and title.
pub const EXERCISES: [(&str, &str); 6] = [
    ("01-follow-a-sign-in", "Follow one sign-in"),
    ("02-care-team", "A second claim: the care team"),
    ("03-access-token", "The patient id in the access token"),
    ("04-suspended-patient", "Refuse a suspended patient"),
    ("05-short-id-token", "A 5-minute ID token for non-patients"),
    ("06-break-it", "Break it on purpose, then strict mode"),
];

/// Exercise 1's answers, filled in by the attendee.
pub const ANSWERS: &str = "workshop/answers/01-follow-a-sign-in.toml";

/// Settings a check's stack must not inherit from the shell: it is a
/// fresh stack, whatever the attendee exported for `just dev`.
const CLEARED: &[&str] = &[
    "LOCAL_OKTA_CONFIG",
    "LOCAL_OKTA_HOOK_TIMEOUT_MS",
    "LOCAL_OKTA_INSPECTOR_CAPACITY",
    "HOOK_OAUTH_ISSUER",
    "HOOK_OAUTH_AUDIENCE",
    "HOOK_OAUTH_SCOPE",
    "HOOK_OAUTH_CLIENT_ID",
];

/// Settings given explicitly, because hook-service would otherwise also
/// read them from `.env`: the guide's credentials, which local-okta's org
/// uses, and nothing broken on purpose.
const FIXED: &[(&str, &str)] = &[
    ("HOOK_AUTH", "basic"),
    ("BASIC_AUTH_USER", plan::DEMO_USER),
    ("BASIC_AUTH_PASSWORD", plan::DEMO_PASSWORD),
    ("HOOK_MISBEHAVE", ""),
    ("LOCAL_OKTA_STRICT_HOOKS", "0"),
];

/// The `error_description` Okta gives when an `error` object has no
/// `errorSummary` (docs/token-hook-protocol.md §4).
const OKTA_DEFAULT_SUMMARY: &str = "The callback service returned an error";

const JESSIE: &str = "jessie.smith@example.com";
const RAJIV: &str = "rajiv.tal@example.com";
const TEST_USER: &str = "test.user@example.com";

/// What a check found: each line right (`true`) or wrong.
#[derive(Debug, Default)]
pub struct Findings(Vec<(bool, String)>);

impl Findings {
    fn expect(&mut self, right: bool, good: impl Into<String>, wrong: impl Into<String>) {
        if right {
            self.0.push((true, good.into()));
        } else {
            self.0.push((false, wrong.into()));
        }
    }

    fn right(&mut self, what: impl Into<String>) {
        self.0.push((true, what.into()));
    }

    fn wrong(&mut self, what: impl Into<String>) {
        self.0.push((false, what.into()));
    }

    /// Whether everything is right.
    pub fn passed(&self) -> bool {
        !self.0.is_empty() && self.0.iter().all(|(right, _)| *right)
    }

    /// The findings, one per line, ✓ or ✗.
    pub fn text(&self) -> String {
        let mut text = String::new();
        for (right, line) in &self.0 {
            let mark = if *right { "✓" } else { "✗" };
            let _ = writeln!(text, "  {mark} {line}");
        }
        text
    }
}

/// What to change in a stack for one check.
#[derive(Debug, Clone, Default)]
pub struct Tweaks {
    /// Extra environment for hook-service.
    pub hook: Vec<(&'static str, &'static str)>,
    /// Extra environment for local-okta.
    pub okta: Vec<(&'static str, &'static str)>,
}

/// local-okta and hook-service, started for one check.
#[derive(Debug)]
pub struct Stack {
    supervisor: Supervisor,
    /// local-okta's origin, `http://127.0.0.1:<port>`.
    okta_base: String,
    org: DemoOrg,
    bin_dir: PathBuf,
    /// Environment for the services and the commands run against them.
    env: Vec<(String, String)>,
    _data: tempfile::TempDir,
}

impl Stack {
    /// Starts a fresh stack from the binaries in `bin_dir`.
    pub async fn start(bin_dir: &Path, tweaks: &Tweaks) -> Result<Stack, Error> {
        let data = tempfile::tempdir().map_err(|source| Error::Io {
            context: "make a data folder for the check".to_owned(),
            source,
        })?;
        let [hook, okta] = free_addresses()?;
        let okta_base = format!("http://{okta}");
        let issuer = format!("{okta_base}/oauth2/default");
        let fixed: HashMap<&str, String> = HashMap::from([
            ("HOOK_LISTEN_ADDR", hook),
            ("LOCAL_OKTA_LISTEN_ADDR", okta),
            ("LOCAL_OKTA_ISSUER", issuer.clone()),
        ]);
        // Always local-okta, the hook started here, and the guide's values.
        let var = |name: &str| fixed.get(name).cloned();
        let plan = plan::plan(var, None, false, None)?;
        let mut env: Vec<(String, String)> = FIXED
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        env.extend([
            (
                "DATABASE_URL".to_owned(),
                format!("sqlite://{}/patients.db", data.path().display()),
            ),
            (
                "LOCAL_OKTA_DATA_DIR".to_owned(),
                data.path().display().to_string(),
            ),
            ("LOCAL_OKTA_ISSUER".to_owned(), issuer),
        ]);
        let mut stack = Stack {
            supervisor: Supervisor::quiet(CLEARED),
            okta_base,
            org: DemoOrg::read(None)?,
            bin_dir: bin_dir.to_path_buf(),
            env,
            _data: data,
        };
        let http = reqwest::Client::new();
        for mut service in plan.services {
            let extra = match service.name {
                "hook-service" => &tweaks.hook,
                "local-okta" => &tweaks.okta,
                _ => continue,
            };
            service.env.extend(stack.env.iter().cloned());
            service.env.extend(
                extra
                    .iter()
                    .map(|(name, value)| ((*name).to_owned(), (*value).to_owned())),
            );
            if let Err(error) = stack.supervisor.start(&service, bin_dir, &http).await {
                stack.stop().await;
                return Err(error);
            }
        }
        Ok(stack)
    }

    /// Signs `login` in through `local-okta trigger --json`: the report.
    pub async fn trigger(&self, login: &str) -> Result<Value, Error> {
        self.trigger_with(&[login]).await
    }

    /// `local-okta trigger <args> --json`: the report.
    pub async fn trigger_with(&self, args: &[&str]) -> Result<Value, Error> {
        let mut all = vec!["trigger"];
        all.extend_from_slice(args);
        all.push("--json");
        let login = args.join(" ");
        let output = self.command("local-okta", &all).await?;
        if !output.status.success() {
            return Err(Error::Check(format!(
                "`just trigger {login}` failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        serde_json::from_slice(&output.stdout).map_err(|error| {
            Error::Check(format!("`just trigger {login}` printed no report: {error}"))
        })
    }

    /// Like [`Stack::trigger`], after a change made with the CLI: the running
    /// hook sees another process's change to the store within a second, so
    /// this signs in again until `seen` holds or 10 s have passed (room for
    /// a busy machine), and returns the last report either way.
    pub async fn trigger_after_change(
        &self,
        login: &str,
        seen: impl Fn(&Value) -> bool,
    ) -> Result<Value, Error> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let report = self.trigger(login).await?;
            if seen(&report) || std::time::Instant::now() > deadline {
                return Ok(report);
            }
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
    }

    /// Sends `request` to the hook through local-okta's `execute` (what
    /// Preview uses), as Okta would: the hook's answer.
    pub async fn execute(&self, request: &Value) -> Result<Value, Error> {
        let hook = self
            .org
            .inline_hooks
            .first()
            .ok_or_else(|| Error::Check("local-okta's org has no inline hook".to_owned()))?;
        let url = format!("{}/api/v1/inlineHooks/{}/execute", self.okta_base, hook.id);
        let failed = |error: reqwest::Error| Error::Check(format!("{url}: {error}"));
        reqwest::Client::new()
            .post(&url)
            .header("authorization", format!("SSWS {}", self.org.org.api_token))
            .json(request)
            .send()
            .await
            .map_err(failed)?
            .json()
            .await
            .map_err(failed)
    }

    /// `hook-service <args>` against this stack's patient store.
    pub async fn hook_service(&self, args: &[&str]) -> Result<std::process::Output, Error> {
        self.command("hook-service", args).await
    }

    async fn command(&self, binary: &str, args: &[&str]) -> Result<std::process::Output, Error> {
        let path = self.bin_dir.join(binary);
        let mut command = Command::new(&path);
        for name in CLEARED {
            command.env_remove(name);
        }
        command
            .args(args)
            .envs(self.env.iter().map(|(name, value)| (name, value)))
            .env("RUST_LOG", "warn")
            .stdin(std::process::Stdio::null())
            .output()
            .await
            .map_err(|source| Error::Io {
                context: format!("run {}", path.display()),
                source,
            })
    }

    /// Stops both services.
    pub async fn stop(self) {
        self.supervisor.stop_all().await;
    }
}

/// Two free ports, distinct: both are held until both are known.
fn free_addresses() -> Result<[String; 2], Error> {
    let failed = |source| Error::Io {
        context: "find free ports for the check".to_owned(),
        source,
    };
    let first = std::net::TcpListener::bind("127.0.0.1:0").map_err(failed)?;
    let second = std::net::TcpListener::bind("127.0.0.1:0").map_err(failed)?;
    Ok([
        first.local_addr().map_err(failed)?.to_string(),
        second.local_addr().map_err(failed)?.to_string(),
    ])
}

/// Checks exercise `number` (1 to 6) with the binaries in `bin_dir`,
/// from the workspace root.
pub async fn check(number: usize, bin_dir: &Path) -> Result<Findings, Error> {
    let mut findings = Findings::default();
    match number {
        1 => follow_a_sign_in(bin_dir, &mut findings).await?,
        2 => care_team(bin_dir, &mut findings).await?,
        3 => access_token(bin_dir, &mut findings).await?,
        4 => suspended_patient(bin_dir, &mut findings).await?,
        5 => short_id_token(bin_dir, &mut findings).await?,
        6 => break_it(bin_dir, &mut findings).await?,
        _ => {
            return Err(Error::Check(format!(
                "there is no exercise {number}: they are 1 to {}",
                EXERCISES.len()
            )));
        }
    }
    Ok(findings)
}

/// Runs `checks` against one fresh stack, and stops it whatever happens.
async fn with_stack<T>(
    bin_dir: &Path,
    tweaks: &Tweaks,
    checks: impl AsyncFnOnce(&Stack) -> Result<T, Error>,
) -> Result<T, Error> {
    let stack = Stack::start(bin_dir, tweaks).await?;
    let outcome = checks(&stack).await;
    stack.stop().await;
    outcome
}

fn claim<'a>(report: &'a Value, token: &str, name: &str) -> Option<&'a Value> {
    report["claims"][token].get(name)
}

fn short(login: &str) -> &str {
    login.split('@').next().unwrap_or(login)
}

/// What the hook answered, for a finding.
fn answer(report: &Value) -> String {
    match report["hookCall"].as_object() {
        Some(call) => format!(
            "the hook answered {} with {}",
            call.get("status")
                .and_then(Value::as_u64)
                .map_or_else(|| "nothing".to_owned(), |status| status.to_string()),
            call.get("responseBody")
                .and_then(Value::as_str)
                .filter(|body| !body.is_empty())
                .unwrap_or("an empty body")
        ),
        None => "the hook was not called".to_owned(),
    }
}

/// Records whether a command of the hook's CLI worked; `true` if it did.
fn command_worked(
    findings: &mut Findings,
    output: &std::process::Output,
    usage: &str,
    run: &str,
) -> bool {
    let worked = output.status.success();
    findings.expect(
        worked,
        format!("`{usage}` works"),
        format!(
            "`{run}` failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ),
    );
    worked
}

/// A claim's expected value, or its absence.
fn expect_claim(
    findings: &mut Findings,
    report: &Value,
    login: &str,
    (token, name): (&str, &str),
    expected: Option<&str>,
) {
    let who = short(login);
    let found = claim(report, token, name);
    let token = if token == "id" { "ID" } else { token };
    match (expected, found) {
        (Some(value), Some(Value::String(got))) if got == value => {
            findings.right(format!("{who}'s {token} token has {name} {value:?}"));
        }
        (Some(value), Some(got)) => findings.wrong(format!(
            "{who}'s {token} token has {name} = {got}, not {value:?}"
        )),
        (Some(_), None) => findings.wrong(format!(
            "{who}'s {token} token has no {name} claim ({})",
            answer(report)
        )),
        (None, None) => findings.right(format!("{who}'s {token} token has no {name}")),
        (None, Some(got)) => findings.wrong(format!(
            "{who}'s {token} token has {name} = {got}, and should have none"
        )),
    }
}

/// Exercise 1: the attendee's answers against the call the check made.
async fn follow_a_sign_in(bin_dir: &Path, findings: &mut Findings) -> Result<(), Error> {
    let answers = match std::fs::read_to_string(ANSWERS) {
        Ok(text) => text,
        Err(error) => {
            findings.wrong(format!("cannot read your answers in {ANSWERS}: {error}"));
            return Ok(());
        }
    };
    let answers: HashMap<String, toml::Value> = match toml::from_str(&answers) {
        Ok(answers) => answers,
        Err(error) => {
            findings.wrong(format!("{ANSWERS} is not valid TOML: {error}"));
            return Ok(());
        }
    };
    let report = with_stack(bin_dir, &Tweaks::default(), async |stack: &Stack| {
        stack.trigger(JESSIE).await
    })
    .await?;
    let call = &report["hookCall"];
    let request = &call["request"];
    let response: Value =
        serde_json::from_str(call["responseBody"].as_str().unwrap_or("")).unwrap_or(Value::Null);
    let source = request["source"].as_str().unwrap_or("");
    let called_from = if source.ends_with("/v1/authorize") {
        "authorize"
    } else {
        "token"
    };
    let text = |value: &Value| match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let expected = [
        (
            "event_type",
            text(&request["eventType"]),
            "the request's eventType",
        ),
        (
            "called_from",
            called_from.to_owned(),
            "the request's source: which endpoint was the browser at?",
        ),
        (
            "method",
            text(&request["data"]["context"]["request"]["method"]),
            "data.context.request in the request",
        ),
        (
            "user_login",
            text(&request["data"]["context"]["user"]["profile"]["login"]),
            "data.context.user in the request",
        ),
        (
            "hook_status",
            text(&call["status"]),
            "the answer's status on the call's page",
        ),
        (
            "command_type",
            text(&response["commands"][0]["type"]),
            "the answer's body: the type of its one command",
        ),
        (
            "budget_ms",
            text(&call["budgetMs"]),
            "the duration bar on the call's page, or Okta's timeout in the protocol notes",
        ),
        (
            "system_log_event",
            "inline_hook.response.processed".to_owned(),
            "the System Log (/admin/logs): the hook's event for a call that worked",
        ),
    ];
    for (key, value, hint) in expected {
        let given = match answers.get(key) {
            Some(toml::Value::String(given)) => given.trim().to_owned(),
            Some(toml::Value::Integer(given)) => given.to_string(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        if given.is_empty() || given == "0" {
            findings.wrong(format!("{key}: no answer yet; look at {hint}"));
        } else {
            findings.expect(
                given.eq_ignore_ascii_case(&value),
                format!("{key} = {given:?}"),
                format!("{key}: {given:?} is not what the hook saw; look again at {hint}"),
            );
        }
    }
    Ok(())
}

/// Whether any file under `folder` contains `needle`.
fn mentions(folder: &str, needle: &str) -> bool {
    fn walk(dir: &Path, needle: &str) -> bool {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return false;
        };
        entries.filter_map(Result::ok).any(|entry| {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, needle)
            } else {
                std::fs::read_to_string(&path).is_ok_and(|text| text.contains(needle))
            }
        })
    }
    walk(Path::new(folder), needle)
}

/// Exercise 2: `careTeam`, from the store to My Profile.
async fn care_team(bin_dir: &Path, findings: &mut Findings) -> Result<(), Error> {
    findings.expect(
        mentions("shared/src", "\"careTeam\""),
        "the claim's name is spelled in the shared crate",
        "the shared crate (shared/src) does not spell \"careTeam\": define the claim there, \
         next to PATIENT_ID_CLAIM",
    );
    findings.expect(
        !mentions("hook-service/src", "\"careTeam\"")
            && !mentions("sample-web-app/src", "\"careTeam\""),
        "the hook and the app use the shared definition",
        "hook-service or the app spells \"careTeam\" itself: use the shared crate's constant",
    );
    findings.expect(
        mentions("sample-web-app/src", "care_team") || mentions("sample-web-app/src", "CARE_TEAM"),
        "My Profile reads the care team through the shared type",
        "the sample app does not read the care team (sample-web-app/src): mark it on My Profile \
         as extPatientId is",
    );
    with_stack(bin_dir, &Tweaks::default(), async |stack: &Stack| {
        let jessie = stack.trigger(JESSIE).await?;
        expect_claim(
            findings,
            &jessie,
            JESSIE,
            ("id", "careTeam"),
            Some("Cardiology"),
        );
        expect_claim(
            findings,
            &jessie,
            JESSIE,
            ("id", "extPatientId"),
            Some("1235"),
        );
        let rajiv = stack.trigger(RAJIV).await?;
        expect_claim(findings, &rajiv, RAJIV, ("id", "careTeam"), None);
        expect_claim(
            findings,
            &rajiv,
            RAJIV,
            ("id", "extPatientId"),
            Some("4235"),
        );
        let added = stack
            .hook_service(&[
                "patients",
                "add",
                TEST_USER,
                "5555",
                "--care-team",
                "Dermatology",
            ])
            .await?;
        let added_worked = command_worked(
            findings,
            &added,
            "hook-service patients add LOGIN ID --care-team TEAM",
            &format!("hook-service patients add {TEST_USER} 5555 --care-team Dermatology"),
        );
        if added_worked {
            let test_user = stack
                .trigger_after_change(TEST_USER, |report| {
                    claim(report, "id", "careTeam").is_some()
                })
                .await?;
            expect_claim(
                findings,
                &test_user,
                TEST_USER,
                ("id", "careTeam"),
                Some("Dermatology"),
            );
        }
        Ok(())
    })
    .await
}

/// Exercise 3: `extPatientId` in the access token too.
async fn access_token(bin_dir: &Path, findings: &mut Findings) -> Result<(), Error> {
    with_stack(bin_dir, &Tweaks::default(), async |stack: &Stack| {
        let jessie = stack.trigger(JESSIE).await?;
        expect_claim(
            findings,
            &jessie,
            JESSIE,
            ("access", "extPatientId"),
            Some("1235"),
        );
        expect_claim(
            findings,
            &jessie,
            JESSIE,
            ("id", "extPatientId"),
            Some("1235"),
        );
        let test_user = stack.trigger(TEST_USER).await?;
        expect_claim(
            findings,
            &test_user,
            TEST_USER,
            ("access", "extPatientId"),
            None,
        );
        // The same call for an ID token alone (an implicit `id_token`
        // request): no `data.access`, so no access token to patch.
        let mut request = jessie["hookCall"]["request"].clone();
        if let Some(data) = request["data"].as_object_mut() {
            data.remove("access");
        }
        let answer = stack.execute(&request).await?;
        let types: Vec<&str> = answer["commands"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|command| command["type"].as_str())
            .collect();
        findings.expect(
            types == ["com.okta.identity.patch"],
            "a request that mints no access token gets no access token patch",
            format!(
                "for a request without data.access (an ID token alone), the hook answers the \
                 commands {types:?}: a patch for a token Okta is not minting makes Okta discard \
                 the whole answer"
            ),
        );
        Ok(())
    })
    .await
}

/// Exercise 4: a suspended patient is refused with an `error` object.
async fn suspended_patient(bin_dir: &Path, findings: &mut Findings) -> Result<(), Error> {
    with_stack(bin_dir, &Tweaks::default(), async |stack: &Stack| {
        let suspended = stack.hook_service(&["patients", "suspend", RAJIV]).await?;
        let suspended_worked = command_worked(
            findings,
            &suspended,
            "hook-service patients suspend LOGIN",
            &format!("hook-service patients suspend {RAJIV}"),
        );
        if !suspended_worked {
            return Ok(());
        }
        let nobody = stack
            .hook_service(&["patients", "suspend", "nobody@example.com"])
            .await?;
        findings.expect(
            !nobody.status.success(),
            "suspending a login that is not a patient fails",
            "`hook-service patients suspend nobody@example.com` succeeds, but nobody@example.com \
             is not a patient: say so and fail",
        );
        let rajiv = stack
            .trigger_after_change(RAJIV, |report| !report["error"].is_null())
            .await?;
        let error = rajiv["error"].as_str().unwrap_or("");
        let summary = error.strip_prefix("server_error: ").unwrap_or("").trim();
        findings.expect(
            !summary.is_empty() && summary != OKTA_DEFAULT_SUMMARY,
            format!("rajiv.tal's sign-in is refused: {error}"),
            format!(
                "rajiv.tal, suspended, still signs in ({}): answer with an error object whose \
                 errorSummary says why",
                answer(&rajiv)
            ),
        );
        findings.expect(
            rajiv["claims"]
                .as_object()
                .is_none_or(serde_json::Map::is_empty),
            "no tokens for rajiv.tal",
            "rajiv.tal got tokens",
        );
        let jessie = stack.trigger(JESSIE).await?;
        expect_claim(
            findings,
            &jessie,
            JESSIE,
            ("id", "extPatientId"),
            Some("1235"),
        );
        let lifted = stack
            .hook_service(&["patients", "unsuspend", RAJIV])
            .await?;
        let lifted_worked = command_worked(
            findings,
            &lifted,
            "hook-service patients unsuspend LOGIN",
            &format!("hook-service patients unsuspend {RAJIV}"),
        );
        if lifted_worked {
            let rajiv = stack
                .trigger_after_change(RAJIV, |report| report["error"].is_null())
                .await?;
            expect_claim(
                findings,
                &rajiv,
                RAJIV,
                ("id", "extPatientId"),
                Some("4235"),
            );
        }
        Ok(())
    })
    .await
}

/// A token's lifetime in seconds, from its claims.
fn lifetime(report: &Value, token: &str) -> Option<i64> {
    let exp = claim(report, token, "exp")?.as_i64()?;
    let iat = claim(report, token, "iat")?.as_i64()?;
    Some(exp - iat)
}

/// A token's lifetime against `expected` seconds; `hint` says why it matters.
fn expect_lifetime(
    findings: &mut Findings,
    (report, login, token): (&Value, &str, &str),
    expected: i64,
    hint: &str,
) {
    let who = short(login);
    let label = if token == "id" { "ID" } else { token };
    let seconds = lifetime(report, token);
    findings.expect(
        seconds == Some(expected),
        format!("{who}'s {label} token lives {expected} s"),
        format!(
            "{who}'s {label} token lives {} s, not {expected} ({hint})",
            seconds.map_or_else(|| "?".to_owned(), |s| s.to_string())
        ),
    );
}

/// Exercise 5: non-patients get a 5-minute ID token; patients keep the hour.
async fn short_id_token(bin_dir: &Path, findings: &mut Findings) -> Result<(), Error> {
    with_stack(bin_dir, &Tweaks::default(), async |stack: &Stack| {
        let test_user = stack.trigger(TEST_USER).await?;
        expect_lifetime(
            findings,
            (&test_user, TEST_USER, "id"),
            300,
            &answer(&test_user),
        );
        expect_lifetime(
            findings,
            (&test_user, TEST_USER, "access"),
            3600,
            "change the ID token's lifetime only",
        );
        let jessie = stack.trigger(JESSIE).await?;
        expect_lifetime(
            findings,
            (&jessie, JESSIE, "id"),
            3600,
            "only non-patients get 5 minutes",
        );
        expect_claim(
            findings,
            &jessie,
            JESSIE,
            ("id", "extPatientId"),
            Some("1235"),
        );
        let service = stack
            .trigger_with(&["--grant", "client_credentials", "--scopes", "patients.read"])
            .await?;
        findings.expect(
            service["error"].is_null()
                && service["hookCall"]["applied"] == Value::Bool(true)
                && claim(&service, "access", "sub").is_some(),
            "a client credentials request (no ID token) still gets its access token, untouched",
            format!(
                "a client credentials request mints no ID token, and the hook's answer must not \
                 patch one: {}; the verdict is {}",
                answer(&service),
                service["hookCall"]["verdict"]
            ),
        );
        Ok(())
    })
    .await
}

/// Jessie's sign-in on a stack with `tweaks`; `None`, with the finding,
/// when that stack does not start.
async fn jessie_with(
    bin_dir: &Path,
    tweaks: &Tweaks,
    findings: &mut Findings,
    label: &str,
) -> Result<Option<Value>, Error> {
    let report = with_stack(bin_dir, tweaks, async |stack: &Stack| {
        stack.trigger(JESSIE).await
    })
    .await;
    match report {
        Ok(report) => Ok(Some(report)),
        Err(error @ (Error::Died { .. } | Error::NotReady { .. })) => {
            findings.wrong(format!("{label}, the stack does not start: {error}"));
            Ok(None)
        }
        Err(error) => Err(error),
    }
}

/// Exercise 6: `HOOK_MISBEHAVE` breaks the hook on purpose; Okta skips the
/// answer silently; strict mode makes it loud.
async fn break_it(bin_dir: &Path, findings: &mut Findings) -> Result<(), Error> {
    let Some(normal) = jessie_with(
        bin_dir,
        &Tweaks::default(),
        findings,
        "without HOOK_MISBEHAVE",
    )
    .await?
    else {
        return Ok(());
    };
    findings.expect(
        claim(&normal, "id", "extPatientId").is_some(),
        "without HOOK_MISBEHAVE the hook behaves",
        format!(
            "without HOOK_MISBEHAVE, jessie.smith gets no extPatientId ({})",
            answer(&normal)
        ),
    );
    let reserved = Tweaks {
        hook: vec![("HOOK_MISBEHAVE", "reserved")],
        ..Tweaks::default()
    };
    let Some(silent) =
        jessie_with(bin_dir, &reserved, findings, "with HOOK_MISBEHAVE=reserved").await?
    else {
        return Ok(());
    };
    let verdict = silent["hookCall"]["verdict"].as_str().unwrap_or("");
    findings.expect(
        silent["error"].is_null()
            && claim(&silent, "id", "extPatientId").is_none()
            && verdict.contains("discarded"),
        format!("HOOK_MISBEHAVE=reserved: the answer is discarded in silence ({verdict})"),
        format!(
            "HOOK_MISBEHAVE=reserved should make Okta discard the answer and mint the tokens \
             unchanged; instead {} and the verdict is {verdict:?}",
            answer(&silent)
        ),
    );
    let bogus = Tweaks {
        hook: vec![("HOOK_MISBEHAVE", "sometimes")],
        ..Tweaks::default()
    };
    match Stack::start(bin_dir, &bogus).await {
        Ok(stack) => {
            stack.stop().await;
            findings.wrong(
                "HOOK_MISBEHAVE=sometimes starts the hook: refuse a value you do not know, and \
                 say which ones you accept",
            );
        }
        Err(error) => findings.expect(
            error.to_string().contains("HOOK_MISBEHAVE"),
            "HOOK_MISBEHAVE=sometimes is refused at start, by name",
            format!("HOOK_MISBEHAVE=sometimes stops the hook without naming the variable: {error}"),
        ),
    }
    let strict = Tweaks {
        hook: vec![("HOOK_MISBEHAVE", "reserved")],
        okta: vec![("LOCAL_OKTA_STRICT_HOOKS", "1")],
    };
    let Some(loud) = jessie_with(
        bin_dir,
        &strict,
        findings,
        "with HOOK_MISBEHAVE=reserved and strict mode",
    )
    .await?
    else {
        return Ok(());
    };
    findings.expect(
        !loud["error"].is_null() && loud["hookCall"].is_object(),
        "with strict mode on, the same answer stops the sign-in",
        "with LOCAL_OKTA_STRICT_HOOKS=1 and HOOK_MISBEHAVE=reserved, the sign-in still succeeds",
    );
    let slow = Tweaks {
        hook: vec![("HOOK_MISBEHAVE", "slow")],
        ..Tweaks::default()
    };
    let Some(late) = jessie_with(bin_dir, &slow, findings, "with HOOK_MISBEHAVE=slow").await?
    else {
        return Ok(());
    };
    let verdict = late["hookCall"]["verdict"].as_str().unwrap_or("");
    findings.expect(
        late["error"].is_null()
            && late["hookCall"]["status"].is_null()
            && verdict.contains("timed out")
            && claim(&late, "id", "extPatientId").is_none(),
        format!("HOOK_MISBEHAVE=slow: Okta stops waiting and mints unchanged ({verdict})"),
        format!(
            "HOOK_MISBEHAVE=slow should answer after Okta's 3 s; instead {}",
            answer(&late)
        ),
    );
    Ok(())
}

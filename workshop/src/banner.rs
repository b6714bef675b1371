//! What the user sees once every service answers.

use std::fmt::Write;

use token_hook::PATIENT_ID_CLAIM;

use crate::org::DemoOrg;
use crate::plan::{Mode, Plan};

/// The users, their password, and where everything is.
/// With `dev`, also how the edit loop works.
pub fn banner(plan: &Plan, org: Option<&DemoOrg>, dev: bool) -> String {
    let url = |name: &str| {
        plan.services
            .iter()
            .find(|service| service.name == name)
            .map(|service| format!("http://localhost:{}", service.addr.port()))
            .unwrap_or_default()
    };
    let app = url("sample-web-app");
    let mut text = String::from("\nThe token inline hook workshop is running.\n\n");
    let _ = writeln!(text, "  sample app     {app}");
    if plan.mode == Mode::Local {
        let okta = url("local-okta");
        let _ = writeln!(
            text,
            "  local-okta     {okta}   (System Log {okta}/admin/logs, Preview {okta}/admin/preview, hook calls {okta}/admin/hooks)"
        );
    }
    let _ = writeln!(text, "  hook-service   {}/tokenHook", url("hook-service"));
    if let Some(org) = org {
        let password = &org.org.demo_password;
        let _ = writeln!(text, "\nDemo users, all with the password {password}:");
        for user in &org.users {
            let _ = writeln!(text, "  {}", user.login);
        }
        let _ = writeln!(
            text,
            "  (the guide's three patients get {PATIENT_ID_CLAIM}; test.user is not a patient)"
        );
    }
    if let Mode::RealOrg(issuer) = &plan.mode {
        let _ = writeln!(
            text,
            "\nSigning in against {issuer}. Okta must reach the hook over HTTPS: run `just tunnel` \
             in another terminal and register https://<your tunnel>/tokenHook in Workflow > \
             Inline Hooks, with the Authorization header value from .env."
        );
    }
    if dev {
        let _ = writeln!(
            text,
            "\nWatching hook-service/ and shared/: save a file and the hook is rebuilt and \
             restarted (local-okta and the app keep running). `just trigger` shows its answer."
        );
    }
    let _ = write!(
        text,
        "\nopen {app} and click Log in. Ctrl-C stops everything.\n"
    );
    text
}

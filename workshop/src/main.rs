//! `workshop`: `just run`'s runner. Plans, checks ports, starts each service
//! and waits for it, prints the banner, and stops everything on Ctrl-C or
//! when one service stops. `workshop dev` (`just dev`) also rebuilds and
//! restarts the hook when its sources change (see `workshop::dev`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use workshop::credentials;
use workshop::error::Error;
use workshop::org::DemoOrg;
use workshop::plan::{self, LocalClient, Mode};
use workshop::supervise::{self, Supervisor};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("[workshop] error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Error> {
    // `workshop check-tunnel`: what `just tunnel` asks before exposing the hook.
    if std::env::args().nth(1).as_deref() == Some("check-tunnel") {
        return real_org_credentials();
    }
    // `workshop check <n>`: `just check`.
    if std::env::args().nth(1).as_deref() == Some("check") {
        return check(std::env::args().nth(2).as_deref()).await;
    }
    let dev = std::env::args().nth(1).as_deref() == Some("dev");
    let testenv = read_testenv(Path::new("testenv"))?;
    let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    let mode = plan::plan(var, testenv.as_ref(), true, None)?.mode;
    let org = match mode {
        Mode::Local => Some(DemoOrg::read(
            var("LOCAL_OKTA_CONFIG").as_deref().map(Path::new),
        )?),
        Mode::RealOrg(_) => None,
    };
    let local_client =
        org.as_ref()
            .and_then(DemoOrg::sample_app)
            .map(|(client_id, client_secret)| LocalClient {
                client_id: client_id.to_owned(),
                client_secret: client_secret.to_owned(),
            });
    if let Mode::RealOrg(_) = mode {
        real_org_credentials()?;
    }
    let has_dotenv = Path::new(".env").exists();
    let plan = plan::plan(var, testenv.as_ref(), has_dotenv, local_client.as_ref())?;
    for note in &plan.notes {
        println!("[workshop] {note}");
    }
    for service in &plan.services {
        supervise::check_port(service)?;
    }
    let bin_dir = binaries_directory()?;
    let http = reqwest::Client::new();
    // Listening starts here, before the first service: a Ctrl-C at any point
    // from now on stops what has started, instead of killing the runner.
    let shutdown = shutdown_signal()?;
    let mut shutdown = std::pin::pin!(shutdown);
    let mut supervisor = Supervisor::default();
    let mut outcome = Ok(());
    let mut interrupted = false;
    for service in &plan.services {
        println!("[workshop] starting {} on {}", service.name, service.addr);
        tokio::select! {
            started = supervisor.start(service, &bin_dir, &http) => outcome = started,
            () = &mut shutdown => interrupted = true,
        }
        if outcome.is_err() || interrupted {
            break;
        }
    }
    if outcome.is_ok() && !interrupted {
        let banner = workshop::banner::banner(&plan, org.as_ref(), dev);
        let hook = plan.services.iter().find(|s| s.name == "hook-service");
        outcome = match hook {
            Some(hook) if dev => {
                until_stopped_rebuilding(&mut supervisor, hook, &banner, &bin_dir, &http, shutdown)
                    .await
            }
            _ => {
                println!("{banner}");
                supervisor.watch(shutdown).await
            }
        };
    }
    supervisor.stop_all().await;
    outcome
}

/// `just dev`: watches the sources, then prints the banner, so that no save
/// made after the banner invites it is missed; then rebuilds and restarts
/// the hook on each save until Ctrl-C or a service stops.
async fn until_stopped_rebuilding(
    supervisor: &mut Supervisor,
    hook: &plan::Service,
    banner: &str,
    bin_dir: &Path,
    http: &reqwest::Client,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), Error> {
    let root = std::env::current_dir().map_err(|source| Error::Io {
        context: "find the workspace".to_owned(),
        source,
    })?;
    let changes = workshop::dev::Changes::watch(&root)?;
    println!("{banner}");
    workshop::dev::run(supervisor, hook, &root, changes, bin_dir, http, shutdown).await
}

/// Checks one exercise and says what is right and what is still wrong;
/// fails unless everything is right.
async fn check(number: Option<&str>) -> Result<(), Error> {
    let count = workshop::check::EXERCISES.len();
    let number = number
        .and_then(|number| number.parse::<usize>().ok())
        .filter(|number| (1..=count).contains(number))
        .ok_or_else(|| Error::Check(format!("which exercise? just check <1 to {count}>")))?;
    let (file, title) = workshop::check::EXERCISES[number - 1];
    println!("Exercise {number}, {title} (workshop/exercises/{file}.md):");
    let findings = workshop::check::check(number, &binaries_directory()?).await?;
    print!("{}", findings.text());
    if findings.passed() {
        if number < count {
            println!("Done. On to exercise {}.", number + 1);
        } else {
            println!("Done: that was the last exercise.");
        }
        Ok(())
    } else {
        Err(Error::Check(format!(
            "exercise {number} is not done yet: fix what is marked ✗ and run `just check {number}` again"
        )))
    }
}

/// Real-org mode: refuses the published password; with no `.env`, makes one
/// with a random password and prints the header value to register.
fn real_org_credentials() -> Result<(), Error> {
    let dotenv = Path::new(".env");
    match credentials::check(credentials::current_password(dotenv).as_deref())? {
        credentials::Verdict::OwnCredentials => Ok(()),
        credentials::Verdict::Generate { user, password } => {
            let header = credentials::write_dotenv(dotenv, &user, &password)?;
            println!(
                "[workshop] no .env: made one with a random password for the hook. Register the \
                 hook in Okta with the header Authorization: {header}\n[workshop] (or run `just \
                 okta-setup`, which registers it for you)"
            );
            Ok(())
        }
    }
}

/// The services are built next to this runner, in `<target dir>/<profile>/`,
/// wherever Cargo puts its target directory (`CARGO_TARGET_DIR` included).
fn binaries_directory() -> Result<PathBuf, Error> {
    let exe = std::env::current_exe().map_err(|source| Error::Io {
        context: "find the runner's own path".to_owned(),
        source,
    })?;
    Ok(exe.parent().map(Path::to_path_buf).unwrap_or_default())
}

fn read_testenv(path: &Path) -> Result<Option<HashMap<String, String>>, Error> {
    match dotenvy::from_path_iter(path) {
        Ok(entries) => Ok(Some(entries.filter_map(Result::ok).collect())),
        Err(error) if error.not_found() => Ok(None),
        Err(error) => Err(Error::Io {
            context: "read testenv".to_owned(),
            source: std::io::Error::other(error.to_string()),
        }),
    }
}

/// Starts listening for Ctrl-C (SIGINT) and SIGTERM at once, not when the
/// returned future is first polled: a signal that arrives in between is kept,
/// not met with the default action that kills the runner and orphans the
/// services.
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>, Error> {
    use tokio::signal::unix::{SignalKind, signal};
    let listen = |kind: SignalKind, name: &str| {
        signal(kind).map_err(|source| Error::Io {
            context: format!("listen for {name}"),
            source,
        })
    };
    let mut interrupt = listen(SignalKind::interrupt(), "Ctrl-C (SIGINT)")?;
    let mut terminate = listen(SignalKind::terminate(), "SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
        println!("\n[workshop] stopping everything");
    })
}

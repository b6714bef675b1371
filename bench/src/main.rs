//! `just bench`: the whole scenario measured, on release builds, on
//! loopback only, bounded in time. `--quick` runs every part for a moment,
//! on whatever build it is given, so the harness cannot rot (the test
//! command runs it).
//!
//! 1. The hook's throughput at saturation (50 keep-alive connections), next
//!    to a ceiling server that does no work, loaded by the same generator.
//! 2. The hook's latency at a fixed 2,000 requests/s (open loop), next to
//!    the ceiling at the same rate.
//! 3. Memory: the hook at idle and after the load; every service after the
//!    sign-ins.
//! 4. Sign-ins through the three services, split by `Server-Timing`.
//! 5. Start-up: from spawning the binaries until all three answer.
//!
//! A table for people, then one `name=value` line per figure, also written
//! to `<target dir>/bench/latest.json`.

mod ceiling;
mod load;
mod procs;
mod signin;
mod soak;

use std::fmt::Write as _;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use clap::Parser;
use hyper::header::HeaderValue;
use load::{Call, Run, Target};
use serde_json::{Map, Value};

#[derive(Debug, Parser)]
#[command(about = "Measure the token inline hook workshop")]
struct Cli {
    /// A few seconds in all: every part, briefly (the test command runs this).
    #[arg(long)]
    quick: bool,
    /// Instead of the benchmark, the soak (`just soak`) for this many seconds.
    #[arg(long, value_name = "SECONDS")]
    soak: Option<u64>,
}

/// How long and how hard each part runs.
struct Plan {
    warmup: Duration,
    saturation: Duration,
    connections: usize,
    rate: u64,
    fixed_rate: Duration,
    sign_ins: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(seconds) = cli.soak {
        return run_soak(seconds).await;
    }
    let plan = if cli.quick {
        Plan {
            warmup: Duration::from_millis(200),
            saturation: Duration::from_secs(1),
            connections: 8,
            rate: 200,
            fixed_rate: Duration::from_secs(1),
            sign_ins: 5,
        }
    } else {
        Plan {
            warmup: Duration::from_secs(2),
            saturation: Duration::from_secs(10),
            connections: 50,
            rate: 2_000,
            fixed_rate: Duration::from_secs(20),
            sign_ins: 500,
        }
    };
    let bin = procs::binaries()?;
    let mut figures = Map::new();
    let mut table = String::new();

    // 5 first: the services start cold, as a workshop attendee starts them.
    let stack = procs::start_stack(&bin).await?;
    record(
        &mut figures,
        "startup_ms",
        stack.startup.as_secs_f64() * 1000.0,
    );
    let _ = writeln!(
        table,
        "start-up: all three answer {:.0} ms after spawning",
        stack.startup.as_secs_f64() * 1000.0
    );

    let calls = hook_calls()?;
    let hook_target = Target {
        addr: stack.hook.addr,
        path: "/tokenHook".to_owned(),
        calls: Arc::new(vec![calls[0].clone()]),
    };
    let ceiling = Target {
        addr: ceiling::start().await?,
        path: "/tokenHook".to_owned(),
        calls: Arc::new(vec![calls[0].clone()]),
    };

    // 1. Saturation.
    record(&mut figures, "hook_rss_idle_mb", stack.hook.rss_mb());
    let hook_run =
        load::closed_loop(&hook_target, plan.connections, plan.warmup, plan.saturation).await?;
    let ceiling_run =
        load::closed_loop(&ceiling, plan.connections, plan.warmup, plan.saturation).await?;
    let ratio = hook_run.throughput() / ceiling_run.throughput().max(1.0);
    record(&mut figures, "hook_rps", hook_run.throughput());
    record(&mut figures, "hook_errors", hook_run.errors as f64);
    record(&mut figures, "ceiling_rps", ceiling_run.throughput());
    record(&mut figures, "hook_share_of_ceiling", ratio);
    let _ = writeln!(
        table,
        "saturation ({} keep-alive connections, {} s): hook {:.0} calls/s ({} errors), ceiling {:.0} calls/s: the hook reaches {:.0} %",
        plan.connections,
        plan.saturation.as_secs(),
        hook_run.throughput(),
        hook_run.errors,
        ceiling_run.throughput(),
        ratio * 100.0
    );
    if let Some(express) = express_hook(&plan, &calls[0]).await? {
        record(&mut figures, "express_hook_rps", express.throughput());
        let _ = writeln!(
            table,
            "  the guide's Express hook, same load: {:.0} calls/s",
            express.throughput()
        );
    }

    // 2. Fixed rate, a mix of calls.
    let mixed = Target {
        calls: Arc::new(calls.clone()),
        ..hook_target.clone()
    };
    let mut hook_fixed = load::open_loop(&mixed, 32, plan.rate, plan.fixed_rate).await?;
    let mut ceiling_fixed = load::open_loop(&ceiling, 32, plan.rate, plan.fixed_rate).await?;
    for (name, run) in [("hook", &mut hook_fixed), ("ceiling", &mut ceiling_fixed)] {
        let (p50, p99, p999, max) = (
            run.quantile_ms(0.5),
            run.quantile_ms(0.99),
            run.quantile_ms(0.999),
            run.quantile_ms(1.0),
        );
        record(&mut figures, &format!("{name}_fixed_p50_ms"), p50);
        record(&mut figures, &format!("{name}_fixed_p99_ms"), p99);
        record(&mut figures, &format!("{name}_fixed_p999_ms"), p999);
        record(&mut figures, &format!("{name}_fixed_max_ms"), max);
        record(
            &mut figures,
            &format!("{name}_fixed_errors"),
            run.errors as f64,
        );
        let _ = writeln!(
            table,
            "fixed {} requests/s for {} s, {name}: p50 {p50:.2} ms, p99 {p99:.2} ms, p99.9 {p999:.2} ms, max {max:.2} ms, {} errors",
            plan.rate,
            plan.fixed_rate.as_secs(),
            run.errors
        );
    }
    record(&mut figures, "hook_rss_after_load_mb", stack.hook.rss_mb());

    // 4. Sign-ins.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let app = format!("http://{}", stack.app.addr);
    let mut totals = Vec::new();
    let mut split = signin::SignIn::default();
    for round in 0..plan.sign_ins {
        let login = [
            "jessie.smith@example.com",
            "kim.sato@example.com",
            "test.user@example.com",
        ][round % 3];
        let times = signin::sign_in(&client, &app, stack.okta.addr.port(), login).await?;
        totals.push(u64::try_from(times.total.as_micros()).unwrap_or(u64::MAX));
        split.app += times.app;
        split.okta += times.okta;
        split.hook += times.hook;
    }
    let mut sign_ins = Run {
        latencies_us: totals,
        ..Run::default()
    };
    let count = plan.sign_ins.max(1) as f64;
    let per = |duration: Duration| duration.as_secs_f64() * 1000.0 / count;
    let (p50, p99) = (sign_ins.quantile_ms(0.5), sign_ins.quantile_ms(0.99));
    record(&mut figures, "signin_p50_ms", p50);
    record(&mut figures, "signin_p99_ms", p99);
    record(&mut figures, "signin_app_ms", per(split.app));
    record(&mut figures, "signin_okta_ms", per(split.okta));
    record(&mut figures, "signin_hook_ms", per(split.hook));
    let _ = writeln!(
        table,
        "sign-ins ({} in a row, browser-like): p50 {p50:.2} ms, p99 {p99:.2} ms; on average the app {:.2} ms, local-okta {:.2} ms (the code exchange and its RS256 signing included), the hook {:.2} ms, the rest is the client and loopback",
        plan.sign_ins,
        per(split.app),
        per(split.okta),
        per(split.hook)
    );

    // 3. Memory after everything.
    for service in [&stack.hook, &stack.okta, &stack.app] {
        let key = format!("{}_rss_mb", service.name.replace('-', "_"));
        record(&mut figures, &key, service.rss_mb());
    }
    let _ = writeln!(
        table,
        "memory (RSS): hook {:.1} MB idle, {:.1} MB after the load; after the sign-ins: hook {:.1} MB, local-okta {:.1} MB, app {:.1} MB",
        number(&figures, "hook_rss_idle_mb"),
        number(&figures, "hook_rss_after_load_mb"),
        stack.hook.rss_mb(),
        stack.okta.rss_mb(),
        stack.app.rss_mb()
    );

    println!("{table}");
    println!("(the load generator shares the machine's cores with the servers)");
    for (name, value) in &figures {
        println!("{name}={value}");
    }
    let out = bin
        .parent()
        .map(|target| target.join("bench"))
        .unwrap_or_default();
    std::fs::create_dir_all(&out)?;
    std::fs::write(
        out.join("latest.json"),
        serde_json::to_string_pretty(&figures)?,
    )?;
    Ok(())
}

/// `just soak`: 200 connections of mixed hook calls and 20 browsers of
/// sign-ins for `seconds`, then the verdicts the soak exists for.
async fn run_soak(seconds: u64) -> anyhow::Result<()> {
    let bin = procs::binaries()?;
    let duration = Duration::from_secs(seconds.max(5));
    println!(
        "soak: {} s, 200 connections of hook calls, 20 browsers signing in",
        duration.as_secs()
    );
    let soak = soak::run(&bin, hook_calls()?, 200, 20, duration).await?;
    let mut figures = Map::new();
    record(&mut figures, "soak_hook_calls", soak.hook_calls as f64);
    record(&mut figures, "soak_hook_errors", soak.hook_errors as f64);
    record(&mut figures, "soak_sign_ins", soak.sign_ins as f64);
    record(
        &mut figures,
        "soak_sign_in_failures",
        soak.sign_in_failures as f64,
    );
    let mut flat = true;
    for (name, warm, end) in &soak.rss {
        let growth = (end - warm) / warm.max(f64::EPSILON);
        flat &= growth <= 0.10;
        let key = name.replace('-', "_");
        record(&mut figures, &format!("soak_{key}_rss_warm_mb"), *warm);
        record(&mut figures, &format!("soak_{key}_rss_end_mb"), *end);
        println!(
            "{name}: RSS {warm:.1} MB after warm-up, {end:.1} MB at the end ({:+.1} %)",
            growth * 100.0
        );
    }
    let mut no_leak = true;
    for (name, warm, end) in &soak.files {
        no_leak &= end <= warm;
        let key = name.replace('-', "_");
        record(&mut figures, &format!("soak_{key}_fds_warm"), *warm as f64);
        record(&mut figures, &format!("soak_{key}_fds_end"), *end as f64);
        println!("{name}: {warm} open files after warm-up, {end} at the end");
    }
    println!(
        "hook calls: {} ({} not answered as expected); sign-ins: {} completed with the claim, {} failed",
        soak.hook_calls, soak.hook_errors, soak.sign_ins, soak.sign_in_failures
    );
    println!("(the load generator shares the machine's cores with the servers)");
    for (name, value) in &figures {
        println!("{name}={value}");
    }
    let verdicts = [
        ("zero errors on valid calls", soak.hook_errors == 0),
        ("RSS flat within 10 % after warm-up", flat),
        ("no growth in open files", no_leak),
        (
            "every sign-in completed with the claim",
            soak.sign_in_failures == 0 && soak.sign_ins > 0,
        ),
    ];
    for (verdict, held) in verdicts {
        println!("{} {verdict}", if held { "PASS" } else { "FAIL" });
    }
    anyhow::ensure!(
        verdicts.iter().all(|(_, held)| *held),
        "the soak found a problem"
    );
    Ok(())
}

/// Okta's documented request for a patient, for someone who is not one,
/// and one with wrong credentials.
fn hook_calls() -> anyhow::Result<Vec<Call>> {
    let request = |login: &str| {
        token_hook::request::OKTA_EXAMPLE_REQUEST.replace("administrator1@clouditude.net", login)
    };
    let guide = Some(HeaderValue::from_static("Basic YWRtaW46c3VwZXJzZWNyZXQ="));
    Ok(vec![
        Call {
            body: Bytes::from(request("jessie.smith@example.com")),
            authorization: guide.clone(),
            expect: 200,
        },
        Call {
            body: Bytes::from(request("jessie.smith@example.com")),
            authorization: guide.clone(),
            expect: 200,
        },
        Call {
            body: Bytes::from(request("test.user@example.com")),
            authorization: guide,
            expect: 204,
        },
        Call {
            body: Bytes::from(request("jessie.smith@example.com")),
            authorization: Some(HeaderValue::from_static("Basic bm90OnRoZW0=")),
            expect: 401,
        },
    ])
}

/// The guide's Express hook under the same saturation load, when Node.js
/// and the express package (from `interop/express`) are there.
async fn express_hook(plan: &Plan, call: &Call) -> anyhow::Result<Option<Run>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let modules = root.join("interop/express/node_modules");
    if !modules.join("express").exists() {
        return Ok(None);
    }
    let addr = procs::free_address()?;
    let Ok(mut node) = tokio::process::Command::new("node")
        .arg(root.join("bench/express-hook.js"))
        .env("PORT", addr.port().to_string())
        .env("NODE_PATH", &modules)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
    else {
        return Ok(None);
    };
    let ready = async {
        loop {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    if tokio::time::timeout(Duration::from_secs(10), ready)
        .await
        .is_err()
    {
        let _ = node.kill().await;
        return Ok(None);
    }
    let target = Target {
        addr,
        path: "/tokenHook".to_owned(),
        calls: Arc::new(vec![call.clone()]),
    };
    let run = load::closed_loop(&target, plan.connections, plan.warmup, plan.saturation).await?;
    let _ = node.kill().await;
    Ok(Some(run))
}

fn record(figures: &mut Map<String, Value>, name: &str, value: f64) {
    let rounded = (value * 1000.0).round() / 1000.0;
    figures.insert(name.to_owned(), Value::from(rounded));
}

fn number(figures: &Map<String, Value>, name: &str) -> f64 {
    figures.get(name).and_then(Value::as_f64).unwrap_or(0.0)
}

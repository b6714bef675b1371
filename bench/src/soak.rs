//! `just soak`: a bounded soak on loopback. For a fixed time, 200
//! connections send a mix of valid, non-patient and unauthorised hook
//! calls while 20 browsers-worth of sign-ins run through all three
//! services. It shows whether anything degrades under load that a short
//! benchmark hides: errors on valid calls, memory that keeps growing, file
//! descriptors that leak, sign-ins that fail or lose their claim.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::load::{self, Call, Target};
use crate::procs::{self, Stack};
use crate::signin;

/// What the soak measured.
#[derive(Debug, Default)]
pub struct Soak {
    pub hook_calls: usize,
    pub hook_errors: u64,
    pub sign_ins: u64,
    pub sign_in_failures: u64,
    /// Per service: RSS (MB) after warm-up and at the end.
    pub rss: Vec<(&'static str, f64, f64)>,
    /// Per service: open files after warm-up and at the end.
    pub files: Vec<(&'static str, usize, usize)>,
}

/// Runs the soak for `duration` (the first fifth is warm-up).
pub async fn run(
    bin: &std::path::Path,
    calls: Vec<Call>,
    connections: usize,
    browsers: usize,
    duration: Duration,
) -> anyhow::Result<Soak> {
    let stack = Arc::new(procs::start_stack(bin).await?);
    let warmup = duration / 5;
    let target = Target {
        addr: stack.hook.addr,
        path: "/tokenHook".to_owned(),
        calls: Arc::new(calls),
    };
    let hook_load = {
        let target = target.clone();
        tokio::spawn(async move {
            load::closed_loop(&target, connections, Duration::ZERO, duration).await
        })
    };
    let end = Instant::now() + duration;
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let mut browsers_running = Vec::new();
    for browser in 0..browsers {
        let (stack, client, done, failed) =
            (stack.clone(), client.clone(), done.clone(), failed.clone());
        browsers_running.push(tokio::spawn(async move {
            let app = format!("http://{}", stack.app.addr);
            let mut round = browser;
            while Instant::now() < end {
                // A patient: the claim must be on My Profile every time.
                let login = [
                    "jessie.smith@example.com",
                    "kim.sato@example.com",
                    "rajiv.tal@example.com",
                ][round % 3];
                round += 1;
                match signin::sign_in(&client, &app, stack.okta.addr.port(), login).await {
                    Ok(_) => done.fetch_add(1, Ordering::Relaxed),
                    Err(_) => failed.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    tokio::time::sleep(warmup).await;
    let after_warmup = snapshot(&stack);
    for browser in browsers_running {
        browser.await?;
    }
    let hook_run = hook_load.await??;
    let at_end = snapshot(&stack);
    let mut soak = Soak {
        hook_calls: hook_run.latencies_us.len(),
        hook_errors: hook_run.errors,
        sign_ins: done.load(Ordering::Relaxed),
        sign_in_failures: failed.load(Ordering::Relaxed),
        ..Soak::default()
    };
    for ((name, rss_warm, files_warm), (_, rss_end, files_end)) in
        after_warmup.into_iter().zip(at_end)
    {
        soak.rss.push((name, rss_warm, rss_end));
        soak.files.push((name, files_warm, files_end));
    }
    Ok(soak)
}

fn snapshot(stack: &Stack) -> Vec<(&'static str, f64, usize)> {
    [&stack.hook, &stack.okta, &stack.app]
        .into_iter()
        .map(|service| (service.name, service.rss_mb(), service.open_files()))
        .collect()
}

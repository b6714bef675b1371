//! Starting, watching and stopping the services.
//!
//! Each service runs as a child process from the directory this runner was
//! built in (Cargo's target directory). Its output is forwarded line by line with its name in front,
//! and the last lines are kept to explain a failure. Once every service
//! answers, the runner waits for Ctrl-C (or SIGTERM) or for a service to
//! stop; either way it stops the others with SIGTERM, so they shut down
//! gracefully, and reports why. `just dev` also restarts one service
//! ([`Supervisor::restart`]) while the others keep running.

use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::task::JoinSet;

use crate::error::Error;
use crate::plan::Service;

/// How long a service may take to answer after it starts.
pub const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a service may take to stop after SIGTERM before it is killed.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(10);
const TAIL_LINES: usize = 20;

/// The last lines a service printed.
#[derive(Debug, Clone, Default)]
pub struct Tail(Arc<Mutex<VecDeque<String>>>);

impl Tail {
    fn push(&self, line: String) {
        let mut lines = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if lines.len() == TAIL_LINES {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    fn text(&self) -> String {
        let lines = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        lines
            .iter()
            .map(|line| format!("  {line}"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// One service's exit: its name, its process, how it ended.
type Exit = (&'static str, Pid, std::io::Result<ExitStatus>);

#[derive(Debug, Default)]
pub struct Supervisor {
    running: Vec<(&'static str, Pid, Tail)>,
    exits: JoinSet<Exit>,
    /// Processes stopped on purpose (a restart): their exit is no death.
    planned: HashSet<Pid>,
    /// Keep the services' output to explain a failure, without printing it.
    quiet: bool,
    /// Variables the services must not inherit.
    cleared: &'static [&'static str],
}

/// Fails with a clear message if a service's port is taken.
pub fn check_port(service: &Service) -> Result<(), Error> {
    match std::net::TcpListener::bind(service.addr) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AddrInUse => Err(Error::PortInUse {
            service: service.name,
            addr: service.addr,
            port: service.addr.port(),
            variable: service.addr_var,
        }),
        Err(source) => Err(Error::Io {
            context: format!("check {} for {}", service.addr, service.name),
            source,
        }),
    }
}

impl Supervisor {
    /// A supervisor that does not print the services' output, and starts
    /// them without the `cleared` variables (`just check`).
    pub fn quiet(cleared: &'static [&'static str]) -> Supervisor {
        Supervisor {
            quiet: true,
            cleared,
            ..Supervisor::default()
        }
    }

    /// Starts `service` from `bin_dir` and waits until it answers.
    pub async fn start(
        &mut self,
        service: &Service,
        bin_dir: &Path,
        http: &reqwest::Client,
    ) -> Result<(), Error> {
        let path: PathBuf = bin_dir.join(service.name);
        if !path.exists() {
            return Err(Error::NotBuilt {
                service: service.name,
                path: path.display().to_string(),
            });
        }
        let mut command = Command::new(&path);
        for name in self.cleared {
            command.env_remove(name);
        }
        let mut child = command
            .env(service.addr_var, service.addr.to_string())
            .envs(service.env.iter().map(|(key, value)| (key, value)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|source| Error::Io {
                context: format!("start {}", path.display()),
                source,
            })?;
        let tail = Tail::default();
        let readers = [
            forward(service.name, child.stdout.take(), tail.clone(), self.quiet),
            forward(service.name, child.stderr.take(), tail.clone(), self.quiet),
        ];
        let pid = child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .map(Pid::from_raw);
        let Some(pid) = pid else {
            return Err(Error::Died {
                service: service.name,
                status: "exited at once".to_owned(),
                tail: tail.text(),
            });
        };
        self.running.push((service.name, pid, tail.clone()));
        let name = service.name;
        self.exits.spawn(async move {
            let status = wait(child).await;
            // The service's last words, read to the end before its exit is
            // reported, so that the error can quote them.
            for reader in readers.into_iter().flatten() {
                let _ = tokio::time::timeout(Duration::from_secs(1), reader).await;
            }
            (name, pid, status)
        });
        self.wait_until_ready(service, http, &tail).await
    }

    async fn wait_until_ready(
        &mut self,
        service: &Service,
        http: &reqwest::Client,
        tail: &Tail,
    ) -> Result<(), Error> {
        let started = Instant::now();
        loop {
            if let Some(result) = self.exits.try_join_next() {
                match self.on_exit(result) {
                    Some(error) => return Err(error),
                    None => continue,
                }
            }
            let answered = http.get(&service.ready_url).send().await;
            if answered.is_ok_and(|response| response.status().is_success()) {
                return Ok(());
            }
            if started.elapsed() > READY_TIMEOUT {
                return Err(Error::NotReady {
                    service: service.name,
                    url: service.ready_url.clone(),
                    seconds: READY_TIMEOUT.as_secs(),
                    tail: tail.text(),
                });
            }
            // A readiness poll, not synchronisation: the service is another process.
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits for Ctrl-C/SIGTERM (`Ok`) or for a service to stop (`Err`).
    pub async fn watch(
        &mut self,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> Result<(), Error> {
        tokio::select! {
            () = shutdown => Ok(()),
            error = self.next_death() => Err(error),
        }
    }

    /// The next service that stops by itself (a restart's stop is skipped);
    /// never resolves while nothing runs.
    pub async fn next_death(&mut self) -> Error {
        loop {
            match self.exits.join_next().await {
                Some(result) => {
                    if let Some(error) = self.on_exit(result) {
                        return error;
                    }
                }
                None => std::future::pending::<()>().await,
            }
        }
    }

    /// Takes note of a process's exit and forgets it: the error to report,
    /// or `None` for a planned stop.
    fn on_exit(&mut self, result: Result<Exit, tokio::task::JoinError>) -> Option<Error> {
        let pid = result.as_ref().ok().map(|(_, pid, _)| *pid);
        let planned = pid.is_some_and(|pid| self.planned.remove(&pid));
        let error = (!planned).then(|| died(result, &self.running));
        if let Some(pid) = pid {
            self.running.retain(|(_, running, _)| *running != pid);
        }
        error
    }

    /// Waits until `pid` has exited; fails if another service dies meanwhile.
    async fn wait_for_exit(&mut self, pid: Pid) -> Result<(), Error> {
        while let Some(result) = self.exits.join_next().await {
            let exited = matches!(&result, Ok((_, exited, _)) if *exited == pid);
            if let Some(error) = self.on_exit(result) {
                return Err(error);
            }
            if exited {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Stops `service` (SIGTERM, then a kill after [`STOP_TIMEOUT`]), starts
    /// it again from `bin_dir` and waits until it answers; the other
    /// services keep running. Fails if another service stops meanwhile, or
    /// if the new one does not start.
    pub async fn restart(
        &mut self,
        service: &Service,
        bin_dir: &Path,
        http: &reqwest::Client,
    ) -> Result<(), Error> {
        let old = self
            .running
            .iter()
            .find(|(name, _, _)| *name == service.name)
            .map(|(_, pid, _)| *pid);
        if let Some(pid) = old {
            self.planned.insert(pid);
            // Even when the signal fails (the process is gone), its exit is
            // still to be collected.
            let _ = kill(pid, Signal::SIGTERM);
            match tokio::time::timeout(STOP_TIMEOUT, self.wait_for_exit(pid)).await {
                Ok(outcome) => outcome?,
                Err(_) => {
                    // Deaf to SIGTERM: kill it, and wait until it is gone.
                    let _ = kill(pid, Signal::SIGKILL);
                    self.wait_for_exit(pid).await?;
                }
            }
        }
        self.start(service, bin_dir, http).await
    }

    /// Stops every service still running: SIGTERM, then a kill after [`STOP_TIMEOUT`].
    pub async fn stop_all(mut self) {
        for (name, pid, _) in self.running.iter().rev() {
            if kill(*pid, Signal::SIGTERM).is_ok() && !self.quiet {
                println!("[workshop] stopping {name}");
            }
        }
        let all_stopped = async { while self.exits.join_next().await.is_some() {} };
        if tokio::time::timeout(STOP_TIMEOUT, all_stopped)
            .await
            .is_err()
        {
            // Dropping the tasks drops the children, which kills them.
            self.exits.abort_all();
        }
    }
}

async fn wait(mut child: Child) -> std::io::Result<ExitStatus> {
    child.wait().await
}

fn died(
    result: Result<Exit, tokio::task::JoinError>,
    running: &[(&'static str, Pid, Tail)],
) -> Error {
    let (service, status) = match result {
        Ok((service, _, Ok(status))) => (service, status.to_string()),
        Ok((service, _, Err(error))) => (service, error.to_string()),
        Err(error) => ("a service", error.to_string()),
    };
    let tail = running
        .iter()
        .find(|(name, _, _)| *name == service)
        .map(|(_, _, tail)| tail.text())
        .unwrap_or_default();
    Error::Died {
        service,
        status,
        tail,
    }
}

fn forward(
    name: &'static str,
    stream: Option<impl AsyncRead + Unpin + Send + 'static>,
    tail: Tail,
    quiet: bool,
) -> Option<tokio::task::JoinHandle<()>> {
    let stream = stream?;
    Some(tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if !quiet {
                println!("[{name}] {line}");
            }
            tail.push(line);
        }
    }))
}

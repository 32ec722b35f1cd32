//! What the database commands share: an async runtime whose work is aborted (and cleaned up)
//! on Ctrl-C or SIGTERM. Process-level (signals, the exit code), so it stays with the CLI.

use anyhow::Result;

/// Runs `work` on a runtime; Ctrl-C or SIGTERM aborts it, which drops (and so removes) any
/// server it started, and exits 130 or 143.
pub fn run_until_interrupted(
    command: &str,
    work: impl Future<Output = Result<i32>> + Send + 'static,
) -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return 2;
        }
    };
    runtime.block_on(async {
        // On a worker task, so that aborting it drops the server (and cleans up) inside the
        // runtime.
        let mut task = tokio::spawn(work);
        tokio::select! {
            joined = &mut task => match joined {
                Ok(Ok(code)) => code,
                Ok(Err(e)) => {
                    eprintln!("error: {e:#}");
                    2
                }
                Err(e) => {
                    eprintln!("error: {command} stopped unexpectedly ({e}); the throwaway \
                        Postgres was cleaned up");
                    2
                }
            },
            (name, code) = interrupted() => {
                eprintln!("drydock: {name}, cleaning up");
                task.abort();
                let _ = task.await;
                code
            }
        }
    })
}

/// Waits for Ctrl-C or SIGTERM; returns its name and the conventional exit code.
async fn interrupted() -> (&'static str, i32) {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    let terminated = async {
        match term.as_mut() {
            Some(t) => {
                t.recv().await;
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => ("interrupted", 130),
        _ = terminated => ("terminated", 143),
    }
}

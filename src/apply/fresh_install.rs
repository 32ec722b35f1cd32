//! A fresh install's order. Where a tool applies every migration it has not applied yet
//! ([`crate::plan::formats::OutOfOrder::Applied`]: Prisma, diesel, dbmate, sqlx), a new
//! migration that sorts before merged ones runs in two orders: after them on databases already
//! up to date (what [`super::apply_dir`] replays, traced) and before them on a fresh install.
//! [`fresh_install`] applies the second, the whole directory in the tool's order, on a database
//! of its own on the same server, untraced, only to learn whether it applies.

use super::postgres::{self, Server};
use super::{ApplyFailure, ApplyFailureKind, DirOutcome, FailureCause, Run, Settings};
use crate::finding::Finding;
use crate::plan::integrity::OutOfOrderChange;
use crate::plan::{MigrationDir, MigrationFile};
use std::sync::atomic::AtomicBool;

/// Applies every migration of `dir` in its tool's order, as a fresh install does, and says why
/// that fails because of `change`: `None` when it applies, or when what fails fails as much
/// without the new migrations (an order problem the base branch already had) or in
/// production's order (`production`, what [`super::apply_dir`] saw and reports).
pub async fn fresh_install(
    server: &Server,
    dir: &MigrationDir,
    change: &OutOfOrderChange,
    production: &DirOutcome,
    settings: &Settings,
) -> Option<ApplyFailure> {
    let is_new = |file: &MigrationFile| change.files.contains(&file.relative);
    let first_new = dir.files.iter().position(is_new)?;
    let (failed_at, failure) = match install(server, dir, dir.files.iter(), settings).await {
        Ok(()) => return None,
        Err(Failed::Prepare(failure)) => return Some(failure),
        Err(Failed::At(index, failure)) => (index, failure),
    };
    // Before the first new migration a fresh install runs what the base branch alone runs.
    let failed = &dir.files[failed_at];
    if failed_at < first_new {
        return None;
    }
    let failed_reviewed = is_new(failed);
    let failed_in_production = production
        .files
        .iter()
        .any(|f| f.status == super::FileStatus::Failed && f.file == failed.source.display_path());
    if failed_in_production {
        return None;
    }
    if !failed_reviewed {
        // A merged migration fails: because the new ones now run before it, or anyway?
        let without_new = dir.files.iter().filter(|f| !is_new(f));
        if let Err(Failed::At(index, _)) = install(server, dir, without_new, settings).await {
            let base_failed = dir.files.iter().filter(|f| !is_new(f)).nth(index);
            if base_failed.is_some_and(|f| f.relative == failed.relative) {
                return None;
            }
        }
    }
    let (location, cause) = match failure.kind {
        ApplyFailureKind::Statement { cause, .. } => (failure.location, cause),
        _ => return None,
    };
    // The check's own time limit says nothing of the order.
    if matches!(cause, FailureCause::Deadline { .. }) {
        tracing::warn!("the fresh-install order was not checked to the end: out of time");
        return None;
    }
    let location = if failed_reviewed {
        location
    } else {
        // A merged file failing is the new migrations' doing: said at the first of them.
        Finding::for_file(&dir.files[first_new].source.display_path())
    };
    Some(ApplyFailure {
        location,
        kind: ApplyFailureKind::FreshInstall {
            cause,
            format: dir.format,
            failed: failed.relative.clone(),
            failed_reviewed,
            out_of_order: change.files.clone(),
            newest: change.newest.clone(),
        },
    })
}

/// Why an install stopped.
enum Failed {
    /// No database to install into.
    Prepare(ApplyFailure),
    /// At the file of this index (of the files given), with what `apply_dir` would report.
    At(usize, ApplyFailure),
}

/// Applies `files`, in the order given, the way `dir`'s tool runs them (each recorded in its
/// history table, which it creates first), into a new database of `server`.
async fn install<'f>(
    server: &Server,
    dir: &MigrationDir,
    files: impl Iterator<Item = &'f MigrationFile>,
    settings: &Settings,
) -> Result<(), Failed> {
    let history = dir.format.history();
    let mut run = Run {
        outcome: DirOutcome::default(),
        settings: *settings,
        server,
        backend: None,
        session_ended: AtomicBool::new(false),
    };
    let prepared = async {
        let config = server.create_database().await?;
        let client = postgres::connect(&config).await?;
        client
            .simple_query(&format!(
                "SET statement_timeout = {}",
                settings.statement_timeout.as_millis()
            ))
            .await?;
        let pid: i32 = client
            .query_one("SELECT pg_catalog.pg_backend_pid()", &[])
            .await?
            .get(0);
        for sql in history.iter().flat_map(|h| h.create) {
            client
                .simple_query(sql)
                .await
                .map_err(|e| anyhow::anyhow!("creating the tool's history table: {e}"))?;
        }
        anyhow::Ok((client, pid))
    }
    .await;
    let (client, pid) = prepared.map_err(|e| {
        Failed::Prepare(ApplyFailure {
            location: Finding::for_file(&dir.path.display().to_string()),
            kind: ApplyFailureKind::Prepare {
                error: format!("a database for a fresh install: {e:#}"),
            },
        })
    })?;
    run.backend = Some(pid);
    for (index, file) in files.enumerate() {
        let applied = async {
            run.base_file(&client, file).await?;
            if let Some(history) = &history {
                run.record(&client, history, file).await?;
            }
            Ok(())
        };
        if let Err(failure) = applied.await {
            // Recorded as `apply_dir` records a failed file, for its location and cause.
            run.fail(file, false, failure, 0);
            let failure = run
                .outcome
                .failures
                .pop()
                .expect("fail records the failure");
            return Err(Failed::At(index, failure));
        }
    }
    Ok(())
}

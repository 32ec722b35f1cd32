//! Drydock: reviews PostgreSQL schema migrations before they are merged.
//!
//! The modules follow the pipeline: [`plan`] finds and orders migration files, [`sql`] reads
//! them, [`lint`] runs the static rules, [`apply`] replays them in a throwaway Postgres and traces
//! each statement, [`verdict`] merges the evidence, applies configuration and ignores and
//! decides, [`report`] renders the result. [`pipeline`] runs these stages for every command from
//! typed options; [`publish`] posts the result to a pull request; [`cli`] parses arguments and
//! prints.

pub mod apply;
pub mod cli;
pub mod config;
pub mod diff;
pub mod finding;
pub mod lint;
pub mod pipeline;
pub mod plan;
pub mod publish;
pub mod report;
pub mod source;
pub mod sql;
pub mod verdict;

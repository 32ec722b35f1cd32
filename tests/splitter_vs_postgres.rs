//! The splitter against PostgreSQL's own lexer: random scripts of statements whose literals,
//! quoted names and comments hold semicolons, quotes, backslashes and dollar signs (`'...'`,
//! `E'...'` with `\'`, `$tag$...$tag$`, `U&'...'`, `"..."`, nested `/* */`, `--`), sent to a
//! real server as one query, which PostgreSQL splits itself, and as the statements Drydock's
//! splitter found, one query each. Both must return the same rows in the same order: a
//! statement the splitter cut in two, merged with the next, or hid in a comment shows as a
//! difference (or an error) here.
//!
//! It runs for `DRYDOCK_FUZZ_SECONDS` (default 15) on a fixed seed sequence, and prints how
//! many scripts and statements it compared; `DRYDOCK_FUZZ_SECONDS=600 cargo test --test
//! splitter_vs_postgres -- --nocapture` is the ten-minute run. The scripts run with
//! `standard_conforming_strings` on (the default since PostgreSQL 9.1); the splitter's
//! handling of a `SET standard_conforming_strings = off` in the file is tested in the lexer.

#[path = "support/prerequisites.rs"]
mod prerequisites;

use drydock::apply::postgres::{ProviderChoice, Server, connect, describe_error};
use drydock::sql::split::split;
use prerequisites::no_local_postgres;
use std::time::{Duration, Instant};
use tokio_postgres::SimpleQueryMessage;

/// xorshift64*: reproducible from the seed printed on failure, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, options: &[&'a str]) -> &'a str {
        options[self.below(options.len())]
    }
}

/// Text for inside a literal: the characters that fool splitters.
fn tricky(rng: &mut Rng, alphabet: &[&str]) -> String {
    (0..rng.below(6)).map(|_| rng.pick(alphabet)).collect()
}

const PLAIN: &[&str] = &[
    "a", ";", " ", "--", "/*", "*/", "$", "$$", "\"", "\\", "\n", "é",
];

/// One value expression with its alias, as PostgreSQL lexes it with standard strings on.
fn value(rng: &mut Rng) -> String {
    match rng.below(7) {
        // '...' with '' for a quote; a backslash is an ordinary character.
        0 => format!(
            "'{}'",
            tricky(rng, &[PLAIN, &["''"]].concat()).replace('\'', "''")
        ),
        // E'...' where \' and \\ escape and '' still works.
        1 => format!(
            "E'{}'",
            tricky(
                rng,
                &["a", ";", " ", "\\'", "\\\\", "''", "\\n", "--", "/*", "$$"]
            )
        ),
        2 => {
            let tag = rng.pick(&["", "x", "tag_1"]);
            // With an empty tag a `$` in the body would end it early: `$$a$$$` is not one
            // literal in PostgreSQL either.
            let body = if tag.is_empty() {
                tricky(rng, &["a", ";", "'", "\"", "--", "/*", "\n"])
            } else {
                tricky(
                    rng,
                    &["a", ";", "'", "\"", "--", "/*", "$", "\n", "$y$", "$$"],
                )
            };
            format!("${tag}${body}${tag}$")
        }
        // U&'...' with a \XXXX escape.
        3 => format!("U&'{}\\0041'", tricky(rng, &["a", ";", " ", "''", "--"])),
        4 => format!("{}", rng.below(1000)),
        // Adjacent literals separated by a newline are one literal in SQL.
        5 => format!(
            "'{}'\n'{}'",
            tricky(rng, &["a", ";", "''"]),
            tricky(rng, &["b", ";", "''"])
        ),
        _ => format!("'{}'::text", tricky(rng, &["a", ";", "''", "\""])),
    }
}

/// What may stand between tokens: whitespace and comments (block comments nest).
fn gap(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => format!(
            "-- {}\n",
            tricky(rng, &["a", ";", "'", "\"", "$$", "/*", " "])
        ),
        1 => format!(
            "/* {} */",
            tricky(rng, &["a", ";", "'", "\"", "$$", "--", " "])
        ),
        2 => format!(
            "/* {} /* {} */ {} */",
            tricky(rng, &["a", ";", "'"]),
            tricky(rng, &["b", ";", "$$"]),
            tricky(rng, &["c", ";", "--"])
        ),
        3 => "\n".to_string(),
        _ => " ".to_string(),
    }
}

fn statement(rng: &mut Rng, n: usize) -> String {
    let columns: Vec<String> = (0..1 + rng.below(4))
        .map(|c| {
            let alias = format!(
                "\"c{c};{}\"",
                tricky(rng, &["a", ";", "'", "\"\"", "$$", "--"])
            );
            format!("{}{} AS {alias}", gap(rng), value(rng))
        })
        .collect();
    format!("SELECT {n} AS n,{}", columns.join(","))
}

fn script(rng: &mut Rng) -> String {
    let mut text = gap(rng);
    for n in 0..1 + rng.below(5) {
        text.push_str(&statement(rng, n));
        text.push_str(&gap(rng));
        text.push(';');
        text.push_str(&gap(rng));
    }
    text
}

/// The rows of every statement, in order, each as its values (NULL as `None`).
type Rows = Vec<Vec<Option<String>>>;

fn rows(messages: Vec<SimpleQueryMessage>) -> Rows {
    messages
        .into_iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some(
                (0..row.len())
                    .map(|i| row.get(i).map(str::to_string))
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_splitter_splits_as_postgresql_does() {
    if no_local_postgres() {
        return;
    }
    let seconds: u64 = std::env::var("DRYDOCK_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let server = Server::start(&ProviderChoice::Local, "", Default::default())
        .await
        .expect("a local PostgreSQL starts");
    let database = server.create_database().await.unwrap();
    let client = connect(&database).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let (mut scripts, mut statements) = (0usize, 0usize);
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    while Instant::now() < deadline {
        seed = seed.wrapping_add(1);
        let mut rng = Rng(seed);
        let text = script(&mut rng);
        let whole = client.simple_query(&text).await.unwrap_or_else(|e| {
            panic!(
                "seed {seed}: PostgreSQL rejects the script ({}):\n{text}",
                describe_error(&e)
            )
        });
        let pieces = split(&text).statements;
        let mut one_by_one = Vec::new();
        for piece in &pieces {
            let sql = &text[piece.span.start..piece.span.end];
            match client.simple_query(sql).await {
                Ok(messages) => one_by_one.extend(rows(messages)),
                Err(e) => panic!(
                    "seed {seed}: the splitter's statement fails ({}):\n{sql}\n\nscript:\n{text}",
                    describe_error(&e)
                ),
            }
        }
        assert_eq!(
            rows(whole),
            one_by_one,
            "seed {seed}: the splitter's {} statements return other rows than PostgreSQL's \
             own split of:\n{text}",
            pieces.len()
        );
        scripts += 1;
        statements += pieces.len();
    }
    println!("compared {scripts} scripts ({statements} statements) with PostgreSQL in {seconds} s");
    assert!(scripts > 0);
    server.shutdown().await;
}

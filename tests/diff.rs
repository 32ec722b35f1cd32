//! Schema introspection and diff against a real Postgres (the local provider): for each object
//! kind, a realistic change and the exact change list it must produce.

use drydock::apply::postgres::{ProviderChoice, Server, connect};
use drydock::diff::{self, introspect};

/// (setup, change, expected changes as "change kind name [<- from]").
const CASES: &[(&str, &str, &[&str])] = &[
    (
        "CREATE TABLE t (id int PRIMARY KEY, total numeric(10,2), note varchar(20));",
        "ALTER TABLE t ALTER COLUMN total TYPE integer, ALTER COLUMN \
            note SET DEFAULT 'x', ALTER COLUMN note SET NOT NULL;",
        &[
            "altered column public.t.note",
            "altered column public.t.total",
        ],
    ),
    (
        "CREATE TABLE t (id int PRIMARY KEY, name text);",
        "ALTER TABLE t RENAME COLUMN name TO full_name; ALTER TABLE t RENAME TO people;",
        &[
            "renamed column public.people.full_name <- public.t.name",
            "renamed table public.people <- public.t",
        ],
    ),
    (
        "CREATE TABLE t (id int PRIMARY KEY, gone text); CREATE TABLE old (id int);",
        "ALTER TABLE t DROP COLUMN gone; DROP TABLE old;",
        &[
            "removed! column public.old.id",
            "removed! column public.t.gone",
            "removed! table public.old",
        ],
    ),
    (
        "CREATE TYPE mood AS ENUM ('sad', 'happy');",
        "ALTER TYPE mood ADD VALUE 'ok' AFTER 'sad';",
        &["altered enum public.mood"],
    ),
    (
        "CREATE TABLE t (id int, a int, b text, deleted boolean);",
        "CREATE INDEX t_partial ON t (a) WHERE NOT deleted; CREATE INDEX \
            t_expr ON t (lower(b)); CREATE UNIQUE INDEX t_incl ON t (id) \
            INCLUDE (a);",
        &[
            "added index public.t_expr",
            "added index public.t_incl",
            "added index public.t_partial",
        ],
    ),
    (
        "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (id int, \
            p_id int, CONSTRAINT c_p_fk FOREIGN KEY (p_id) REFERENCES p \
            (id));",
        "ALTER TABLE c DROP CONSTRAINT c_p_fk, ADD CONSTRAINT c_p_fk \
            FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE CASCADE \
            DEFERRABLE NOT VALID;",
        &["altered constraint public.c.c_p_fk"],
    ),
    (
        "CREATE TABLE t (id int, qty int, period tstzrange); CREATE \
            EXTENSION IF NOT EXISTS btree_gist;",
        "ALTER TABLE t ADD CONSTRAINT t_qty CHECK (qty > 0), ADD \
            CONSTRAINT t_id UNIQUE (id), ADD CONSTRAINT t_no_overlap \
            EXCLUDE USING gist (id WITH =, period WITH &&);",
        &[
            "added constraint public.t.t_id",
            "added constraint public.t.t_no_overlap",
            "added constraint public.t.t_qty",
            "added index public.t_id",
            "added index public.t_no_overlap",
        ],
    ),
    (
        "CREATE TABLE t (id int, a int); CREATE VIEW v AS SELECT id FROM \
            t; CREATE MATERIALIZED VIEW m AS SELECT id FROM t;",
        "CREATE OR REPLACE VIEW v AS SELECT id, a FROM t; DROP \
            MATERIALIZED VIEW m; CREATE MATERIALIZED VIEW m AS SELECT a \
            FROM t;",
        &[
            "altered materialized-view public.m",
            "altered view public.v",
        ],
    ),
    (
        "CREATE TABLE t (id int, at timestamptz); CREATE FUNCTION \
            touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.at := \
            now(); RETURN NEW; END $$;",
        "CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE \
            plpgsql AS $$ BEGIN NEW.at := clock_timestamp(); RETURN NEW; \
            END $$; CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW \
            EXECUTE FUNCTION touch();",
        &[
            "added trigger public.t.t_touch",
            "altered function public.touch()",
        ],
    ),
    (
        "CREATE TABLE t (id int);",
        "ALTER TABLE t ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY, \
            ADD COLUMN d int GENERATED ALWAYS AS (id * 2) STORED;",
        &["added column public.t.d", "added column public.t.n"],
    ),
    (
        "CREATE TABLE m (id int, at date) PARTITION BY RANGE (at); \
            CREATE TABLE m_2025 PARTITION OF m FOR VALUES FROM \
            ('2025-01-01') TO ('2026-01-01');",
        "CREATE TABLE m_2026 PARTITION OF m FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');",
        &["added table public.m_2026"],
    ),
    (
        "CREATE TABLE t (id int, owner name);",
        "ALTER TABLE t ENABLE ROW LEVEL SECURITY; CREATE POLICY own ON t \
            FOR SELECT TO PUBLIC USING (owner = current_user);",
        &["added policy public.t.own", "altered table public.t"],
    ),
    (
        "CREATE TABLE t (id int);",
        "COMMENT ON TABLE t IS 'orders'; COMMENT ON COLUMN t.id IS 'key';",
        &["added comment public.t", "added comment public.t.id"],
    ),
    (
        "CREATE TABLE t (id int); CREATE ROLE drydock_reader;",
        "GRANT SELECT ON t TO drydock_reader;",
        &["added grant public.t"],
    ),
    (
        "CREATE TABLE t (id int, secret text); CREATE SEQUENCE s;",
        "GRANT SELECT (id) ON t TO drydock_reader; GRANT UPDATE ON SEQUENCE s TO drydock_reader;",
        &["added grant public.s", "added grant public.t.id"],
    ),
    (
        "CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT 1';",
        "REVOKE EXECUTE ON FUNCTION f(int) FROM PUBLIC; GRANT EXECUTE ON \
            FUNCTION f(int) TO drydock_reader;",
        &["added grant public.f(integer)"],
    ),
    (
        "CREATE TABLE schema_migrations (version bigint);",
        "INSERT INTO schema_migrations VALUES (1); ALTER TABLE \
            schema_migrations ADD COLUMN dirty boolean;",
        &[],
    ),
];

fn describe(c: &diff::Change) -> String {
    let kind = c.kind.as_str();
    let change = match c.change {
        diff::ChangeType::Added => "added",
        diff::ChangeType::Removed if c.destructive => "removed!",
        diff::ChangeType::Removed => "removed",
        diff::ChangeType::Renamed => "renamed",
        diff::ChangeType::Altered => "altered",
    };
    match &c.renamed_from {
        Some(from) => format!("{change} {kind} {} <- {from}", c.name),
        None => format!("{change} {kind} {}", c.name),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_object_kind_yields_the_exact_change_list() {
    if drydock::apply::postgres::local_binaries().is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must provide PostgreSQL binaries"
        );
        eprintln!("skipping: no PostgreSQL server binaries");
        return;
    }
    let server = Server::start(&ProviderChoice::Local, "", Default::default())
        .await
        .unwrap();
    let ignored = introspect::default_ignored_tables();
    let mut failures = Vec::new();
    for (setup, change, expected) in CASES {
        let config = server.create_database().await.unwrap();
        let client = connect(&config).await.unwrap();
        client.batch_execute(setup).await.unwrap();
        let before = introspect::introspect(&client, &ignored).await.unwrap();
        client.batch_execute(change).await.unwrap();
        let after = introspect::introspect(&client, &ignored).await.unwrap();
        let mut got: Vec<String> = diff::diff(&before, &after).iter().map(describe).collect();
        got.sort();
        if got != *expected {
            failures.push(format!(
                "{change}\n  expected {expected:?}\n  got      {got:?}"
            ));
        }
        // Deterministic: reading twice gives the same schema.
        let again = introspect::introspect(&client, &ignored).await.unwrap();
        if again != after {
            failures.push(format!("{change}: introspection is not deterministic"));
        }
    }
    server.shutdown().await;
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

//! Reading a database's schema into a [`Schema`]: one bulk query per object kind, each
//! rendering from the catalog's own text (`pg_get_*` functions) with a fixed search_path and
//! TimeZone, inside a read-only transaction, so the result is deterministic and nothing is
//! written. Objects of extensions and the migration tools' history tables are left out.

use super::{Identity, Object, ObjectKind, Schema};
use tokio_postgres::Client;

/// The role a privilege is granted to, as GRANT spells it.
const GRANTEE: &str =
    "CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(g.grantee)) END";

/// User schemas: not the system's, not temporary or toast ones.
const USER_SCHEMA: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema') \
     AND n.nspname NOT LIKE 'pg\\_%'";

fn not_extension_member(class: &str, oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d \
          WHERE d.classid = 'pg_catalog.{class}'::pg_catalog.regclass \
         AND d.objid = {oid} AND d.deptype = 'e')"
    )
}

/// The table `alias` (of pg_class, with its schema in the namespace `n`) is not in the ignore
/// list ($1), by bare name or as `schema.table`.
fn not_ignored(alias: &str) -> String {
    format!("{alias}.relname <> ALL($1) AND (n.nspname || '.' || {alias}.relname) <> ALL($1)")
}

/// Functions (`prokind` 'f') or procedures ('p'), named with their argument types.
fn routine_query(prokind: char, proc_ok: &str) -> String {
    format!(
        "SELECT p.oid::regproc::text || '(' || pg_get_function_identity_arguments(p.oid) || ')', \
           pg_get_functiondef(p.oid), p.oid, NULL::int2, NULL::int2 \
         FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
         WHERE p.prokind = '{prokind}' AND {USER_SCHEMA} AND {proc_ok}"
    )
}

/// Each query yields (name, definition, oid, attnum, position).
fn queries() -> Vec<(ObjectKind, String)> {
    let class_ok = not_extension_member("pg_class", "c.oid");
    let type_ok = not_extension_member("pg_type", "t.oid");
    let proc_ok = not_extension_member("pg_proc", "p.oid");
    let table_ok = format!("{USER_SCHEMA} AND {} AND {class_ok}", not_ignored("c"));
    vec![
        (
            ObjectKind::Schema,
            format!(
                "SELECT quote_ident(n.nspname), 'CREATE SCHEMA ' || quote_ident(n.nspname), n.oid, NULL::int2, NULL::int2 \
                 FROM pg_catalog.pg_namespace n WHERE {USER_SCHEMA} AND {}",
                not_extension_member("pg_namespace", "n.oid")
            ),
        ),
        (
            ObjectKind::Extension,
            "SELECT quote_ident(e.extname), 'CREATE EXTENSION ' || quote_ident(e.extname) || ' WITH SCHEMA ' \
               || quote_ident(n.nspname) || ' VERSION ' || quote_literal(e.extversion), e.oid, NULL::int2, NULL::int2 \
             FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql'"
                .to_string(),
        ),
        (
            ObjectKind::Enum,
            format!(
                "SELECT t.oid::regtype::text, 'CREATE TYPE ' || t.oid::regtype::text || ' AS ENUM (' \
                   || coalesce((SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) \
                                FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid), '') || ')', t.oid, NULL::int2, NULL::int2 \
                 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
                 WHERE t.typtype = 'e' AND {USER_SCHEMA} AND {type_ok}"
            ),
        ),
        (
            ObjectKind::Domain,
            format!(
                "SELECT t.oid::regtype::text, 'CREATE DOMAIN ' || t.oid::regtype::text || ' AS ' \
                   || format_type(t.typbasetype, t.typtypmod) \
                   || CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation \
                        THEN ' COLLATE ' || t.typcollation::regcollation::text ELSE '' END \
                   || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END \
                   || coalesce(' DEFAULT ' || t.typdefault, '') \
                   || coalesce((SELECT string_agg(E'\\n  CONSTRAINT ' || quote_ident(con.conname) || ' ' \
                                || pg_get_constraintdef(con.oid), '' ORDER BY con.conname) \
                                FROM pg_catalog.pg_constraint con WHERE con.contypid = t.oid), ''), \
                   t.oid, NULL::int2, NULL::int2 \
                 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
                   JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype \
                 WHERE t.typtype = 'd' AND {USER_SCHEMA} AND {type_ok}"
            ),
        ),
        (
            ObjectKind::CompositeType,
            format!(
                "SELECT t.oid::regtype::text, 'CREATE TYPE ' || t.oid::regtype::text || ' AS (' \
                   || coalesce((SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), \
                                ', ' ORDER BY a.attnum) FROM pg_catalog.pg_attribute a \
                                WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '') || ')', \
                   t.oid, NULL::int2, NULL::int2 \
                 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
                   JOIN pg_catalog.pg_class c ON c.oid = t.typrelid \
                 WHERE t.typtype = 'c' AND c.relkind = 'c' AND {USER_SCHEMA} AND {type_ok}"
            ),
        ),
        (
            ObjectKind::Sequence,
            format!(
                "SELECT c.oid::regclass::text, 'CREATE SEQUENCE ' || c.oid::regclass::text \
                   || ' AS ' || format_type(s.seqtypid, NULL) || ' INCREMENT ' || s.seqincrement \
                   || ' MINVALUE ' || s.seqmin || ' MAXVALUE ' || s.seqmax || ' START ' || s.seqstart \
                   || ' CACHE ' || s.seqcache || CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END \
                   || coalesce((SELECT ' OWNED BY ' || d.refobjid::regclass::text || '.' || quote_ident(a.attname) \
                                FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid \
                                  AND a.attnum = d.refobjsubid \
                                WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'a' \
                                  AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass), ''), \
                   c.oid, NULL::int2, NULL::int2 \
                 FROM pg_catalog.pg_sequence s JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid \
                   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 WHERE {USER_SCHEMA} AND {class_ok} \
                   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass \
                                   AND d.objid = c.oid AND d.deptype = 'i')"
            ),
        ),
        (
            ObjectKind::Table,
            format!(
                "SELECT c.oid::regclass::text, \
                   'CREATE ' || CASE c.relpersistence WHEN 'u' THEN 'UNLOGGED ' ELSE '' END || 'TABLE ' || c.oid::regclass::text \
                   || coalesce((SELECT ' PARTITION OF ' || i.inhparent::regclass::text || ' ' || pg_get_expr(c.relpartbound, c.oid) \
                                FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid AND c.relispartition), '') \
                   || CASE WHEN c.relkind = 'p' THEN ' PARTITION BY ' || pg_get_partkeydef(c.oid) ELSE '' END \
                   || CASE WHEN c.relrowsecurity THEN E'\\nROW LEVEL SECURITY ENABLED' ELSE '' END \
                   || CASE WHEN c.relforcerowsecurity THEN E'\\nROW LEVEL SECURITY FORCED' ELSE '' END, \
                   c.oid, NULL::int2, NULL::int2 \
                 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relkind IN ('r', 'p') AND {table_ok}"
            ),
        ),
        (
            ObjectKind::Column,
            format!(
                "SELECT c.oid::regclass::text || '.' || quote_ident(a.attname), \
                   format_type(a.atttypid, a.atttypmod) \
                   || CASE WHEN a.attcollation <> 0 AND a.attcollation <> ty.typcollation \
                        THEN ' COLLATE ' || a.attcollation::regcollation::text ELSE '' END \
                   || CASE a.attidentity WHEN 'a' THEN ' GENERATED ALWAYS AS IDENTITY' \
                        WHEN 'd' THEN ' GENERATED BY DEFAULT AS IDENTITY' ELSE '' END \
                   || CASE WHEN a.attgenerated = 's' THEN ' GENERATED ALWAYS AS (' || pg_get_expr(ad.adbin, ad.adrelid) || ') STORED' \
                        WHEN ad.adbin IS NOT NULL THEN ' DEFAULT ' || pg_get_expr(ad.adbin, ad.adrelid) ELSE '' END \
                   || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END, \
                   c.oid, a.attnum, a.attnum \
                 FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
                   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid \
                   LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum \
                 WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped \
                   AND {table_ok}"
            ),
        ),
        (
            ObjectKind::Constraint,
            format!(
                "SELECT c.oid::regclass::text || '.' || quote_ident(con.conname), \
                   pg_get_constraintdef(con.oid), con.oid, NULL::int2, NULL::int2 \
                 FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_class c ON c.oid = con.conrelid \
                   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 WHERE con.contype <> 't' AND con.conparentid = 0 AND NOT c.relispartition AND {table_ok}"
            ),
        ),
        (
            ObjectKind::Index,
            format!(
                "SELECT c.oid::regclass::text, pg_get_indexdef(c.oid), c.oid, NULL::int2, NULL::int2 \
                 FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class c ON c.oid = x.indexrelid \
                   JOIN pg_catalog.pg_class t ON t.oid = x.indrelid \
                   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid) \
                   AND {} AND {USER_SCHEMA} AND {class_ok}",
                not_ignored("t")
            ),
        ),
        (
            ObjectKind::View,
            format!(
                "SELECT c.oid::regclass::text, 'CREATE VIEW ' || c.oid::regclass::text || E' AS\\n' || pg_get_viewdef(c.oid, true), \
                   c.oid, NULL::int2, NULL::int2 \
                 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'v' AND {table_ok}"
            ),
        ),
        (
            ObjectKind::MaterializedView,
            format!(
                "SELECT c.oid::regclass::text, 'CREATE MATERIALIZED VIEW ' || c.oid::regclass::text || E' AS\\n' \
                   || pg_get_viewdef(c.oid, true), c.oid, NULL::int2, NULL::int2 \
                 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'm' AND {table_ok}"
            ),
        ),
        (ObjectKind::Function, routine_query('f', &proc_ok)),
        (ObjectKind::Procedure, routine_query('p', &proc_ok)),
        (
            ObjectKind::Trigger,
            format!(
                "SELECT c.oid::regclass::text || '.' || quote_ident(tg.tgname), pg_get_triggerdef(tg.oid, true), \
                   tg.oid, NULL::int2, NULL::int2 \
                 FROM pg_catalog.pg_trigger tg JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid \
                   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 WHERE NOT tg.tgisinternal AND tg.tgparentid = 0 AND {table_ok}"
            ),
        ),
        (
            ObjectKind::Policy,
            format!(
                "SELECT c.oid::regclass::text || '.' || quote_ident(p.polname), \
                   'CREATE POLICY ' || quote_ident(p.polname) || ' ON ' || c.oid::regclass::text \
                   || CASE WHEN p.polpermissive THEN ' AS PERMISSIVE' ELSE ' AS RESTRICTIVE' END \
                   || ' FOR ' || CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' \
                        WHEN 'd' THEN 'DELETE' ELSE 'ALL' END \
                   || ' TO ' || (SELECT string_agg(CASE WHEN r = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r)) END, ', ' ORDER BY 1) \
                                 FROM unnest(p.polroles) r) \
                   || coalesce(' USING (' || pg_get_expr(p.polqual, p.polrelid) || ')', '') \
                   || coalesce(' WITH CHECK (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')', ''), \
                   p.oid, NULL::int2, NULL::int2 \
                 FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid \
                   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 WHERE {table_ok}"
            ),
        ),
        (
            ObjectKind::Comment,
            format!(
                "SELECT CASE WHEN d.objsubid = 0 THEN c.oid::regclass::text \
                        ELSE c.oid::regclass::text || '.' || quote_ident(a.attname) END, d.description, \
                   NULL::oid, NULL::int2, NULL::int2 \
                 FROM pg_catalog.pg_description d JOIN pg_catalog.pg_class c \
                   ON d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = d.objoid \
                   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                   LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0 \
                 WHERE {table_ok} \
                 UNION ALL \
                 SELECT p.oid::regproc::text || '(' || pg_get_function_identity_arguments(p.oid) || ')', d.description, \
                   NULL::oid, NULL::int2, NULL::int2 \
                 FROM pg_catalog.pg_description d JOIN pg_catalog.pg_proc p \
                   ON d.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND p.oid = d.objoid \
                   JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE {USER_SCHEMA} AND {proc_ok} \
                 UNION ALL \
                 SELECT t.oid::regtype::text, d.description, NULL::oid, NULL::int2, NULL::int2 \
                 FROM pg_catalog.pg_description d JOIN pg_catalog.pg_type t \
                   ON d.classoid = 'pg_catalog.pg_type'::pg_catalog.regclass AND t.oid = d.objoid \
                   JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE {USER_SCHEMA} AND {type_ok} \
                 UNION ALL \
                 SELECT quote_ident(n.nspname), d.description, NULL::oid, NULL::int2, NULL::int2 \
                 FROM pg_catalog.pg_description d JOIN pg_catalog.pg_namespace n \
                   ON d.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND n.oid = d.objoid \
                 WHERE {USER_SCHEMA}"
            ),
        ),
        (
            ObjectKind::Grant,
            format!(
                "SELECT c.oid::regclass::text, \
                   string_agg('GRANT ' || g.privilege_type || ' ON ' || c.oid::regclass::text || ' TO ' \
                     || {GRANTEE} \
                     || CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END, E'\\n' ORDER BY 1), \
                   NULL::oid, NULL::int2, NULL::int2 \
                 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) g \
                 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND g.grantee <> c.relowner AND {table_ok} \
                 GROUP BY c.oid \
                 UNION ALL \
                 SELECT quote_ident(n.nspname), \
                   string_agg('GRANT ' || g.privilege_type || ' ON SCHEMA ' || quote_ident(n.nspname) || ' TO ' \
                     || CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(g.grantee)) END, E'\\n' ORDER BY 1), \
                   NULL::oid, NULL::int2, NULL::int2 \
                 FROM pg_catalog.pg_namespace n, aclexplode(n.nspacl) g \
                 WHERE {USER_SCHEMA} AND g.grantee <> n.nspowner GROUP BY n.oid \
                 UNION ALL \
                 SELECT c.oid::regclass::text || '.' || quote_ident(a.attname), \
                   string_agg('GRANT ' || g.privilege_type || ' (' || quote_ident(a.attname) || ') ON ' || c.oid::regclass::text \
                     || ' TO ' || {GRANTEE}, E'\\n' ORDER BY 1), \
                   NULL::oid, NULL::int2, NULL::int2 \
                 FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
                   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace, \
                   aclexplode(a.attacl) g \
                 WHERE a.attacl IS NOT NULL AND g.grantee <> c.relowner AND {table_ok} \
                 GROUP BY c.oid, a.attname \
                 UNION ALL \
                 SELECT p.oid::regprocedure::text, \
                   concat_ws(E'\\n', string_agg('GRANT ' || g.privilege_type || ' ON ' || {routine} || ' ' \
                     || p.oid::regprocedure::text || ' TO ' || {GRANTEE}, E'\\n' ORDER BY 1) \
                       FILTER (WHERE g.grantee <> p.proowner), \
                     CASE WHEN NOT bool_or(g.grantee = 0) THEN 'REVOKE EXECUTE ON ' || {routine} || ' ' \
                       || p.oid::regprocedure::text || ' FROM PUBLIC' END), \
                   NULL::oid, NULL::int2, NULL::int2 \
                 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace, aclexplode(p.proacl) g \
                 WHERE p.proacl IS NOT NULL AND p.proacl <> acldefault('f', p.proowner) \
                   AND {USER_SCHEMA} AND {proc_ok} \
                 GROUP BY p.oid",
                routine = "CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END"
            ),
        ),
    ]
}

/// Reads the schema of the database `client` is connected to. `ignore_tables` are left out
/// (with their columns, constraints and indexes).
pub async fn introspect(
    client: &Client,
    ignore_tables: &[String],
) -> Result<Schema, tokio_postgres::Error> {
    read_in_transaction(client, ignore_tables, "").await
}

/// [`introspect`] on the migrations' session of Drydock's throwaway database: its
/// `statement_timeout` is the one set for the migrations (`--statement-timeout`, which may be
/// tiny), not one for Drydock's own catalog queries, which the caller bounds by the check's
/// deadline instead.
pub async fn introspect_migrations_session(
    client: &Client,
    ignore_tables: &[String],
) -> Result<Schema, tokio_postgres::Error> {
    read_in_transaction(client, ignore_tables, "SET LOCAL statement_timeout = 0;").await
}

/// Reads the schema in a read-only transaction with the settings below, and `extra` (`SET
/// LOCAL` statements).
async fn read_in_transaction(
    client: &Client,
    ignore_tables: &[String],
    extra: &str,
) -> Result<Schema, tokio_postgres::Error> {
    // After `drydock check`'s migrations this is their session, which they may have prepared:
    // unless pg_temp is named, it is searched first for relations and types (a temp table
    // `pg_class` would shadow the catalog's), and they may have set their own search_path (with
    // functions and operators of their own ahead of pg_catalog's) or turned
    // standard_conforming_strings off (which changes what 'pg\_%' means). So all of it is set
    // here, for this transaction only; the relations are also named with their schema.
    client
        .batch_execute(&format!(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; \
             SET LOCAL search_path = pg_catalog, pg_temp; SET LOCAL TimeZone = 'UTC'; \
             SET LOCAL standard_conforming_strings = on; SET LOCAL lock_timeout = '5s'; {extra}"
        ))
        .await?;
    let result = read_all(client, ignore_tables).await;
    let _ = client.batch_execute("COMMIT").await;
    result
}

async fn read_all(
    client: &Client,
    ignore_tables: &[String],
) -> Result<Schema, tokio_postgres::Error> {
    let mut schema = Schema::default();
    for (kind, sql) in queries() {
        let rows = if sql.contains("$1") {
            client.query(&sql, &[&ignore_tables]).await?
        } else {
            client.query(&sql, &[]).await?
        };
        for row in rows {
            let name: String = row.get(0);
            let definition: Option<String> = row.get(1);
            let oid: Option<u32> = row.get(2);
            let attnum: Option<i16> = row.get(3);
            let identity = match (oid, attnum) {
                (Some(table), Some(attnum)) => Some(Identity::Attribute(table, attnum)),
                (Some(oid), None) => Some(Identity::Oid(oid)),
                _ => None,
            };
            schema.insert(Object {
                kind,
                name,
                definition: definition.unwrap_or_default(),
                identity,
                position: row.get(4),
            });
        }
    }
    Ok(schema)
}

/// The default history tables (those of every migration tool Drydock knows), as owned strings
/// for [`introspect`].
pub fn default_ignored_tables() -> Vec<String> {
    crate::plan::formats::history_tables()
        .into_iter()
        .map(str::to_string)
        .collect()
}

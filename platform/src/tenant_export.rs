//! Export and restore of one tenant, generic over its tables (tables added
//! by later migrations are included without changes here).
//!
//! An export directory holds:
//! - `schema.sql`: `pg_dump --schema` of the tenant's schema (the archive a
//!   DBA can read or replay by hand);
//! - `data/<table>.jsonl`: every row of every table as `row_to_json`, one per
//!   line, values exactly as PostgreSQL prints them (no float or money
//!   conversion on the way);
//! - `manifest.json`, written last: the tenant's platform row, its schema
//!   version, each table's row count and SHA-256, the sequences' positions and
//!   the audit chain's last hash.
//!
//! Both the dump and the JSON read the same snapshot (`pg_export_snapshot`).
//! A restore creates the tenant (under the same or a new code) at the
//! exported schema version, loads every table with its constraints and
//! triggers out of the way, puts them back (so integrity is re-checked),
//! restores the sequences, migrates to the current version and checks the
//! row counts and last audit hash, all in one transaction.

use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context};
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};

use crate::{
    config::{Config, Secret},
    db::quote_ident,
    migrate, provisioning,
    tenancy::{self, TenantRef},
};

/// The export format this code writes and reads.
pub const FORMAT: u32 = 1;
const ROWS_PER_INSERT: usize = 500;

/// What an export needs besides the pool.
#[derive(Debug, Clone)]
pub struct ExportSettings {
    /// The `pg_dump` program.
    pub pg_dump: String,
    /// The database URL (its password goes to `pg_dump` through the environment).
    pub database_url: Secret,
}

impl ExportSettings {
    /// The settings of a configuration.
    pub fn from_config(config: &Config) -> Self {
        Self {
            pg_dump: config.subscription.pg_dump.clone(),
            database_url: config.database.url.clone(),
        }
    }
}

/// One exported table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TableExport {
    pub name: String,
    pub rows: i64,
    /// Path relative to the export directory.
    pub file: String,
    /// SHA-256 of the file, hex.
    pub sha256: String,
}

/// One sequence's position.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SequenceExport {
    pub name: String,
    pub last_value: i64,
    pub is_called: bool,
}

/// The description of an export (`manifest.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub tenant_code: String,
    pub schema: String,
    /// The tenant migration version the data belong to.
    pub schema_version: i32,
    pub exported_at: DateTime<Utc>,
    /// The tenant's `platform.tenants` row.
    pub tenant: Value,
    pub tables: Vec<TableExport>,
    pub sequences: Vec<SequenceExport>,
    /// The hash of the last sealed audit record, hex.
    pub audit_last_hash: Option<String>,
    /// The `pg_dump` file, relative to the export directory.
    pub schema_dump: String,
}

/// The tables of a schema (ordinary tables and partitions), by name.
async fn tables_of(conn: &mut PgConnection, schema: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = $1 and c.relkind = 'r' order by c.relname",
    )
    .bind(schema)
    .fetch_all(conn)
    .await
}

async fn sequences_of(conn: &mut PgConnection, schema: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = $1 and c.relkind = 'S' order by c.relname",
    )
    .bind(schema)
    .fetch_all(conn)
    .await
}

async fn schema_version(conn: &mut PgConnection, schema: &str) -> sqlx::Result<i32> {
    sqlx::query_scalar(
        "select coalesce(max(version), 0) from platform.schema_versions where scope = $1",
    )
    .bind(schema)
    .fetch_one(conn)
    .await
}

/// The last sealed audit hash of the current tenant transaction's schema.
async fn audit_last_hash(conn: &mut PgConnection) -> sqlx::Result<Option<String>> {
    let has_chain: bool = sqlx::query_scalar(
        "select count(*) = 2 from pg_attribute
          where attrelid = to_regclass('audit_events') and attname in ('chain_seq', 'hash') and not attisdropped",
    )
    .fetch_one(&mut *conn)
    .await?;
    if !has_chain {
        return Ok(None);
    }
    sqlx::query_scalar(
        "select encode(hash, 'hex') from audit_events where chain_seq is not null and hash is not null
          order by chain_seq desc limit 1",
    )
    .fetch_optional(conn)
    .await
}

/// The primary key columns of a table, for a stable row order.
async fn key_columns(conn: &mut PgConnection, table: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "select a.attname::text from pg_index i
           join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
          where i.indrelid = to_regclass(quote_ident($1)) and i.indisprimary
          order by array_position(i.indkey::int2[], a.attnum)",
    )
    .bind(table)
    .fetch_all(conn)
    .await
}

fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Exports a tenant into `dir` (created; it must not hold an export already).
/// With `freeze` (closing a tenant), the export first waits for writes under
/// way, and when it commits the tenant's tables become read-only, so a write
/// that was queued behind it is refused rather than lost from the export.
pub async fn export(
    pool: &PgPool,
    settings: &ExportSettings,
    tenant: &TenantRef,
    dir: &Path,
    freeze: bool,
) -> anyhow::Result<Manifest> {
    ensure!(
        !dir.join("manifest.json").exists(),
        "{} already holds an export",
        dir.display()
    );
    tokio::fs::create_dir_all(dir.join("data"))
        .await
        .with_context(|| format!("failed to create {}", dir.display()))?;
    restrict_permissions(dir)?;

    let (tables, sequences) = {
        let mut conn = pool.acquire().await?;
        (
            tables_of(&mut conn, &tenant.schema).await?,
            sequences_of(&mut conn, &tenant.schema).await?,
        )
    };
    ensure!(!tables.is_empty(), "schema {} has no tables", tenant.schema);

    let mut tx = pool.begin().await?;
    sqlx::query("set transaction isolation level repeatable read")
        .execute(&mut *tx)
        .await?;
    if freeze {
        let list = tables
            .iter()
            .map(|t| format!("{}.{}", quote_ident(&tenant.schema), quote_ident(t)))
            .collect::<Vec<_>>()
            .join(", ");
        sqlx::Executor::execute(
            &mut *tx,
            format!("lock table {list} in share mode").as_str(),
        )
        .await
        .context("failed to lock the tenant's tables")?;
    }
    let snapshot: String = sqlx::query_scalar("select pg_export_snapshot()")
        .fetch_one(&mut *tx)
        .await?;
    let version = schema_version(&mut tx, &tenant.schema).await?;
    let platform_row: Value = sqlx::query_scalar(
        "select row_to_json(t)::jsonb from platform.tenants t where t.code = $1",
    )
    .bind(&tenant.code)
    .fetch_optional(&mut *tx)
    .await?
    .with_context(|| format!("tenant {} is not registered", tenant.code))?;

    run_pg_dump(settings, &tenant.schema, &snapshot, &dir.join("schema.sql")).await?;

    tenancy::enter(&mut tx, tenant).await?;
    let mut exported = Vec::with_capacity(tables.len());
    for table in &tables {
        exported.push(export_table(&mut tx, table, dir).await?);
    }
    let mut positions = Vec::with_capacity(sequences.len());
    for seq in &sequences {
        let (last_value, is_called): (i64, bool) = sqlx::query_as(&format!(
            "select last_value, is_called from {}",
            quote_ident(seq)
        ))
        .fetch_one(&mut *tx)
        .await
        .with_context(|| format!("failed to read sequence {seq}"))?;
        positions.push(SequenceExport {
            name: seq.clone(),
            last_value,
            is_called,
        });
    }
    let audit_last_hash = audit_last_hash(&mut tx).await?;
    if freeze {
        // The owner may revoke its own privileges: from now on reads only.
        sqlx::Executor::execute(
            &mut *tx,
            format!(
                "revoke insert, update, delete, truncate on all tables in schema {} from {}",
                quote_ident(&tenant.schema),
                quote_ident(&tenant.role)
            )
            .as_str(),
        )
        .await
        .context("failed to make the tenant's tables read-only")?;
    }
    tenancy::leave(&mut tx).await?;
    tx.commit().await?;

    let manifest = Manifest {
        format: FORMAT,
        tenant_code: tenant.code.clone(),
        schema: tenant.schema.clone(),
        schema_version: version,
        exported_at: Utc::now(),
        tenant: platform_row,
        tables: exported,
        sequences: positions,
        audit_last_hash,
        schema_dump: "schema.sql".into(),
    };
    let json = serde_json::to_vec_pretty(&manifest)?;
    let tmp = dir.join("manifest.json.tmp");
    tokio::fs::write(&tmp, &json).await?;
    tokio::fs::rename(&tmp, dir.join("manifest.json"))
        .await
        .context("failed to write manifest.json")?;
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    #[test]
    fn url_passwords_are_decoded() {
        assert_eq!(super::percent_decode("p%40ss%2Fw+rd"), "p@ss/w+rd");
        assert_eq!(super::percent_decode("plain%"), "plain%");
    }
}

#[cfg(unix)]
fn restrict_permissions(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("failed to restrict {}", dir.display()))
}

#[cfg(not(unix))]
fn restrict_permissions(_dir: &Path) -> anyhow::Result<()> {
    Ok(())
}

/// Writes one table as JSON lines, in primary key order.
async fn export_table(
    conn: &mut PgConnection,
    table: &str,
    dir: &Path,
) -> anyhow::Result<TableExport> {
    let keys = key_columns(conn, table).await?;
    let order = if keys.is_empty() {
        String::new()
    } else {
        format!(
            " order by {}",
            keys.iter()
                .map(|k| format!("t.{}", quote_ident(k)))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let sql = format!(
        "select row_to_json(t)::text from {} t{order}",
        quote_ident(table)
    );
    let file = format!("data/{table}.jsonl");
    let path = dir.join(&file);
    let out = tokio::fs::File::create(&path)
        .await
        .with_context(|| format!("failed to create {}", path.display()))?;
    let mut out = tokio::io::BufWriter::new(out);
    let mut hasher = Sha256::new();
    let mut rows = 0i64;
    {
        let mut stream = sqlx::query_scalar::<_, String>(&sql).fetch(&mut *conn);
        while let Some(line) = stream
            .try_next()
            .await
            .with_context(|| format!("failed to read table {table}"))?
        {
            hasher.update(line.as_bytes());
            hasher.update(b"\n");
            out.write_all(line.as_bytes()).await?;
            out.write_all(b"\n").await?;
            rows += 1;
        }
    }
    out.flush().await?;
    Ok(TableExport {
        name: table.to_string(),
        rows,
        file,
        sha256: hex::encode(hasher.finalize()),
    })
}

/// Runs `pg_dump` of one schema at the exported snapshot.
async fn run_pg_dump(
    settings: &ExportSettings,
    schema: &str,
    snapshot: &str,
    out: &Path,
) -> anyhow::Result<()> {
    let mut url =
        url::Url::parse(settings.database_url.expose()).context("invalid database.url")?;
    let password = url.password().map(str::to_string);
    let _ = url.set_password(None);
    let mut command = tokio::process::Command::new(&settings.pg_dump);
    command
        .arg("--dbname")
        .arg(url.as_str())
        .arg("--schema")
        .arg(schema)
        .arg("--snapshot")
        .arg(snapshot)
        .arg("--format")
        .arg("plain")
        .arg("--file")
        .arg(out)
        .env("PGAPPNAME", "xiaodai-export")
        .kill_on_drop(true);
    if let Some(pw) = password {
        command.env("PGPASSWORD", percent_decode(&pw));
    }
    let output = command
        .output()
        .await
        .with_context(|| format!("failed to run {} (subscription.pg_dump)", settings.pg_dump))?;
    if !output.status.success() {
        bail!(
            "pg_dump failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// Decodes `%XX` escapes of a URL component.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'?'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads and checks an export's manifest and files.
pub async fn read_manifest(dir: &Path) -> anyhow::Result<Manifest> {
    let path = dir.join("manifest.json");
    let bytes = tokio::fs::read(&path).await.with_context(|| {
        format!(
            "failed to read {} (an incomplete export has none)",
            path.display()
        )
    })?;
    let manifest: Manifest =
        serde_json::from_slice(&bytes).context("manifest.json is malformed")?;
    ensure!(
        manifest.format == FORMAT,
        "export format {} is not supported (this version reads {FORMAT})",
        manifest.format
    );
    for table in &manifest.tables {
        ensure!(
            !table.file.contains("..") && !table.file.starts_with('/'),
            "manifest names a file outside the export: {}",
            table.file
        );
        let data = tokio::fs::read(dir.join(&table.file))
            .await
            .with_context(|| format!("failed to read {}", table.file))?;
        ensure!(
            hex_sha256(&data) == table.sha256,
            "{} does not match its checksum: the export is damaged",
            table.file
        );
    }
    Ok(manifest)
}

/// What a restore produced.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub code: String,
    pub schema: String,
    pub tables: usize,
    pub rows: i64,
    pub schema_version: i32,
    pub audit_last_hash: Option<String>,
}

/// Restores an export as tenant `code` (the exported code when `None`) in
/// the database of `pool`, which must already be migrated. A closed tenant
/// comes back suspended. All or nothing.
pub async fn import(
    pool: &PgPool,
    role_prefix: &str,
    dir: &Path,
    code: Option<&str>,
) -> anyhow::Result<ImportReport> {
    let manifest = read_manifest(dir).await?;
    let code = code.unwrap_or(&manifest.tenant_code);
    let code = identifiers::TenantCode::parse(code).map_err(|e| anyhow::anyhow!("{e}"))?;
    let tenant = TenantRef::new(&code, role_prefix);
    let latest = migrate::latest_tenant_version();
    ensure!(
        manifest.schema_version <= latest,
        "the export is at tenant schema version {}, newer than this program's {latest}",
        manifest.schema_version
    );

    let mut tx = pool.begin().await?;
    insert_platform_row(&mut tx, &manifest.tenant, &tenant).await?;
    provisioning::create_schema(&mut tx, &tenant, Some(manifest.schema_version))
        .await
        .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
    tenancy::enter(&mut tx, &tenant).await?;
    let present = tables_of(&mut tx, &tenant.schema).await?;
    for table in &manifest.tables {
        ensure!(
            present.contains(&table.name),
            "table {} of the export does not exist at schema version {}",
            table.name,
            manifest.schema_version
        );
    }
    // Constraints and triggers out of the way: rows go back exactly as they
    // were (migrations' seed rows included, hence the truncate first).
    let foreign_keys = drop_foreign_keys(&mut tx, &tenant.schema).await?;
    set_user_triggers(&mut tx, &present, false).await?;
    let list = present
        .iter()
        .map(|t| quote_ident(t))
        .collect::<Vec<_>>()
        .join(", ");
    sqlx::Executor::execute(&mut *tx, format!("truncate table {list}").as_str())
        .await
        .context("failed to empty the new schema's tables")?;
    let mut rows = 0i64;
    for table in &manifest.tables {
        rows += load_table(&mut tx, dir, table).await?;
    }
    set_user_triggers(&mut tx, &present, true).await?;
    for (table, name, definition) in &foreign_keys {
        sqlx::Executor::execute(
            &mut *tx,
            format!(
                "alter table {} add constraint {} {definition}",
                quote_ident(table),
                quote_ident(name)
            )
            .as_str(),
        )
        .await
        .with_context(|| format!("restored rows break foreign key {name} of {table}"))?;
    }
    for seq in &manifest.sequences {
        sqlx::query("select setval(to_regclass(quote_ident($1)), $2, $3)")
            .bind(&seq.name)
            .bind(seq.last_value)
            .bind(seq.is_called)
            .execute(&mut *tx)
            .await
            .with_context(|| format!("failed to restore sequence {}", seq.name))?;
    }
    let restored_hash = audit_last_hash(&mut tx).await?;
    ensure!(
        restored_hash == manifest.audit_last_hash,
        "the restored audit chain ends in {restored_hash:?}, the export in {:?}",
        manifest.audit_last_hash
    );
    tenancy::leave(&mut tx).await?;
    let version = migrate::migrate_tenant_in(&mut tx, &tenant).await?;
    tx.commit().await?;
    Ok(ImportReport {
        code: tenant.code,
        schema: tenant.schema,
        tables: manifest.tables.len(),
        rows,
        schema_version: version,
        audit_last_hash: restored_hash,
    })
}

/// Inserts the tenant's platform row from the export under its new names,
/// with the columns both sides know.
async fn insert_platform_row(
    conn: &mut PgConnection,
    exported: &Value,
    tenant: &TenantRef,
) -> anyhow::Result<()> {
    let mut row = exported
        .as_object()
        .cloned()
        .context("the manifest's tenant row is not an object")?;
    row.insert("code".into(), Value::from(tenant.code.clone()));
    row.insert("schema_name".into(), Value::from(tenant.schema.clone()));
    row.insert("role_name".into(), Value::from(tenant.role.clone()));
    if row.get("status").and_then(Value::as_str) == Some("closed") {
        row.insert("status".into(), Value::from("suspended"));
        row.insert("suspended_from".into(), Value::from("active"));
        row.insert(
            "status_reason".into(),
            Value::from("restored from the export of a closed tenant"),
        );
    }
    for cleared in ["closed_at", "purge_after", "purged_at", "export_path"] {
        row.remove(cleared);
    }
    let columns: Vec<String> = sqlx::query_scalar(
        "select attname::text from pg_attribute
          where attrelid = 'platform.tenants'::regclass and attnum > 0 and not attisdropped
            and attgenerated = '' and attname = any($1)",
    )
    .bind(row.keys().cloned().collect::<Vec<_>>())
    .fetch_all(&mut *conn)
    .await?;
    let list = columns
        .iter()
        .map(|c| quote_ident(c))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "insert into platform.tenants ({list}) select {list} from json_populate_record(null::platform.tenants, $1::json)"
    );
    sqlx::query(&sql)
        .bind(Value::Object(row).to_string())
        .execute(&mut *conn)
        .await
        .map_err(
            |e| match e.as_database_error().and_then(|d| d.constraint()) {
                Some("tenants_pkey") => anyhow::anyhow!("tenant code {} is taken", tenant.code),
                Some("tenants_plan_code_fkey") => {
                    anyhow::anyhow!("the tenant's plan does not exist in this database")
                }
                _ => anyhow::Error::new(e).context("failed to register the restored tenant"),
            },
        )?;
    Ok(())
}

/// Drops the schema's foreign keys, returning (table, name, definition) to
/// add them back after loading.
async fn drop_foreign_keys(
    conn: &mut PgConnection,
    schema: &str,
) -> anyhow::Result<Vec<(String, String, String)>> {
    let keys: Vec<(String, String, String)> = sqlx::query_as(
        "select c.relname::text, k.conname::text, pg_get_constraintdef(k.oid)
           from pg_constraint k join pg_class c on c.oid = k.conrelid
           join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = $1 and k.contype = 'f' order by c.relname, k.conname",
    )
    .bind(schema)
    .fetch_all(&mut *conn)
    .await?;
    for (table, name, _) in &keys {
        sqlx::Executor::execute(
            &mut *conn,
            format!(
                "alter table {} drop constraint {}",
                quote_ident(table),
                quote_ident(name)
            )
            .as_str(),
        )
        .await
        .with_context(|| format!("failed to set foreign key {name} aside"))?;
    }
    Ok(keys)
}

/// Turns the user triggers of some tables off or back on.
async fn set_user_triggers(
    conn: &mut PgConnection,
    tables: &[String],
    on: bool,
) -> anyhow::Result<()> {
    let verb = if on { "enable" } else { "disable" };
    for table in tables {
        sqlx::Executor::execute(
            &mut *conn,
            format!("alter table {} {verb} trigger user", quote_ident(table)).as_str(),
        )
        .await
        .with_context(|| format!("failed to {verb} the triggers of {table}"))?;
    }
    Ok(())
}

/// Loads one table's JSON lines; returns the rows.
async fn load_table(
    conn: &mut PgConnection,
    dir: &Path,
    table: &TableExport,
) -> anyhow::Result<i64> {
    let columns: Vec<String> = sqlx::query_scalar(
        "select attname::text from pg_attribute
          where attrelid = to_regclass(quote_ident($1)) and attnum > 0 and not attisdropped
            and attgenerated = '' order by attnum",
    )
    .bind(&table.name)
    .fetch_all(&mut *conn)
    .await?;
    let name = quote_ident(&table.name);
    let list = columns
        .iter()
        .map(|c| quote_ident(c))
        .collect::<Vec<_>>()
        .join(", ");
    let insert = format!(
        "insert into {name} ({list}) overriding system value
         select {list} from json_populate_recordset(null::{name}, $1::json)"
    );
    let path: PathBuf = dir.join(&table.file);
    let file = tokio::fs::File::open(&path)
        .await
        .with_context(|| format!("failed to open {}", path.display()))?;
    let mut lines = tokio::io::BufReader::new(file).lines();
    let mut batch: Vec<String> = Vec::with_capacity(ROWS_PER_INSERT);
    let mut rows = 0i64;
    loop {
        let line = lines.next_line().await?;
        let done = line.is_none();
        if let Some(line) = line {
            if !line.is_empty() {
                batch.push(line);
            }
        }
        if batch.len() >= ROWS_PER_INSERT || (done && !batch.is_empty()) {
            let json = format!("[{}]", batch.join(","));
            let inserted = sqlx::query(&insert)
                .bind(json)
                .execute(&mut *conn)
                .await
                .with_context(|| format!("failed to load rows into {}", table.name))?
                .rows_affected();
            rows += i64::try_from(inserted).unwrap_or(i64::MAX);
            batch.clear();
        }
        if done {
            break;
        }
    }
    let count: i64 = sqlx::query_scalar(&format!("select count(*) from {name}"))
        .fetch_one(&mut *conn)
        .await?;
    ensure!(
        count == table.rows && rows == table.rows,
        "table {} holds {count} rows after the restore, the export {}",
        table.name,
        table.rows
    );
    Ok(rows)
}

//! The audit trails' hash chains. A sealer links unsealed records in
//! (transaction id, row id) order, only those whose transaction id is below
//! the snapshot's xmin (so every transaction that could still add a lower
//! record has finished, and writers never wait on the chain):
//! `hash = SHA-256(prev_hash ‖ canonical record)`, `chain_seq` 1, 2, 3, …
//! After each run the chain head is anchored for the day in
//! `supervision.audit_anchors`, outside the firm's reach; [`verify`]
//! recomputes the chain and compares it with the anchors.

use chrono::Utc;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool, Row};

use crate::tenancy::{self, TenantRef};

/// Which trail.
#[derive(Debug, Clone)]
pub enum Chain {
    Tenant(TenantRef),
    Platform,
    Supervision,
}

impl Chain {
    /// The anchor scope: the tenant's schema, `platform` or `supervision`.
    pub fn scope(&self) -> String {
        match self {
            Chain::Tenant(t) => t.schema.clone(),
            Chain::Platform => "platform".into(),
            Chain::Supervision => "supervision".into(),
        }
    }

    fn table(&self) -> &'static str {
        match self {
            Chain::Tenant(_) => "audit_events",
            Chain::Platform => "platform.audit_events",
            Chain::Supervision => "supervision.audit_events",
        }
    }

    async fn begin(
        &self,
        pool: &PgPool,
    ) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        match self {
            Chain::Tenant(t) => tenancy::begin(pool, t).await,
            _ => pool.begin().await,
        }
    }
}

/// The hash before the first record.
pub const GENESIS: [u8; 32] = [0; 32];

const COLUMNS: &str = "id, xid::text as xid,
    to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') as occurred_at,
    actor_kind, actor_id, actor_name, actor_roles, action, entity_type, entity_id,
    before::text as before, after::text as after, diff::text as diff, request_id, ip, user_agent";

/// The canonical form of a record: a JSON array of its fields in a fixed
/// order, JSON values in PostgreSQL's normalised `jsonb` text.
fn canonical(row: &sqlx::postgres::PgRow) -> String {
    let v = serde_json::json!([
        row.get::<i64, _>("id"),
        row.get::<String, _>("xid"),
        row.get::<String, _>("occurred_at"),
        row.get::<String, _>("actor_kind"),
        row.get::<Option<i64>, _>("actor_id"),
        row.get::<String, _>("actor_name"),
        row.get::<Vec<String>, _>("actor_roles"),
        row.get::<String, _>("action"),
        row.get::<String, _>("entity_type"),
        row.get::<Option<String>, _>("entity_id"),
        row.get::<Option<String>, _>("before"),
        row.get::<Option<String>, _>("after"),
        row.get::<Option<String>, _>("diff"),
        row.get::<Option<String>, _>("request_id"),
        row.get::<Option<String>, _>("ip"),
        row.get::<Option<String>, _>("user_agent"),
    ]);
    v.to_string()
}

fn link(prev: &[u8], record: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(record.as_bytes());
    h.finalize().to_vec()
}

/// Seals what can be sealed (in batches of `batch`); returns how many
/// records were sealed.
pub async fn seal(pool: &PgPool, chain: &Chain, batch: i64) -> anyhow::Result<u64> {
    let mut tx = chain.begin(pool).await?;
    let scope = chain.scope();
    sqlx::query("select pg_advisory_xact_lock(hashtext('xiaodai.audit_seal:' || $1))")
        .bind(&scope)
        .execute(&mut *tx)
        .await?;
    let head = sqlx::query(&format!(
        "select chain_seq, hash from {} where chain_seq is not null order by chain_seq desc limit 1",
        chain.table()
    ))
    .fetch_optional(&mut *tx)
    .await?;
    let (mut seq, mut prev): (i64, Vec<u8>) = head
        .map(|r| (r.get(0), r.get(1)))
        .unwrap_or((0, GENESIS.to_vec()));
    let rows = sqlx::query(&format!(
        "select {COLUMNS} from {}
          where chain_seq is null and xid < pg_snapshot_xmin(pg_current_snapshot())
          order by xid, id limit $1",
        chain.table()
    ))
    .bind(batch)
    .fetch_all(&mut *tx)
    .await?;
    let mut ids = Vec::with_capacity(rows.len());
    let mut seqs = Vec::with_capacity(rows.len());
    let mut prevs = Vec::with_capacity(rows.len());
    let mut hashes = Vec::with_capacity(rows.len());
    for row in &rows {
        seq += 1;
        let hash = link(&prev, &canonical(row));
        ids.push(row.get::<i64, _>("id"));
        seqs.push(seq);
        prevs.push(prev.clone());
        hashes.push(hash.clone());
        prev = hash;
    }
    if !ids.is_empty() {
        sqlx::query(&format!(
            "update {t} a set chain_seq = s.seq, prev_hash = s.prev, hash = s.hash
               from unnest($1::bigint[], $2::bigint[], $3::bytea[], $4::bytea[]) as s(id, seq, prev, hash)
              where a.id = s.id",
            t = chain.table()
        ))
        .bind(&ids)
        .bind(&seqs)
        .bind(&prevs)
        .bind(&hashes)
        .execute(&mut *tx)
        .await?;
        if matches!(chain, Chain::Tenant(_)) {
            tenancy::leave(&mut tx).await?;
        }
        anchor(&mut tx, &scope, seq, &prev).await?;
    }
    tx.commit().await?;
    Ok(u64::try_from(ids.len()).unwrap_or_default())
}

/// Seals everything sealable now (batch after batch).
pub async fn seal_all(pool: &PgPool, chain: &Chain) -> anyhow::Result<u64> {
    let mut total = 0;
    loop {
        let n = seal(pool, chain, 5_000).await?;
        total += n;
        if n < 5_000 {
            return Ok(total);
        }
    }
}

async fn anchor(conn: &mut PgConnection, scope: &str, seq: i64, hash: &[u8]) -> sqlx::Result<()> {
    sqlx::query(
        "insert into supervision.audit_anchors (scope, day, chain_seq, hash) values ($1, $2, $3, $4)
         on conflict (scope, day) do update set chain_seq = excluded.chain_seq, hash = excluded.hash
          where supervision.audit_anchors.chain_seq < excluded.chain_seq",
    )
    .bind(scope)
    .bind(Utc::now().date_naive())
    .bind(seq)
    .bind(hash)
    .execute(conn)
    .await?;
    Ok(())
}

/// The result of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Sealed records checked.
    pub sealed: i64,
    /// Records not sealed yet.
    pub unsealed: i64,
    /// Anchors compared.
    pub anchors: i64,
    /// The first broken link: (chain position, what is wrong).
    pub broken: Option<(i64, String)>,
}

impl Report {
    /// Whether the chain is intact.
    pub fn intact(&self) -> bool {
        self.broken.is_none()
    }
}

/// Recomputes a chain from the start and compares it with the anchors.
pub async fn verify(pool: &PgPool, chain: &Chain) -> anyhow::Result<Report> {
    let mut tx = chain.begin(pool).await?;
    let rows = sqlx::query(&format!(
        "select {COLUMNS}, chain_seq, prev_hash, hash from {} where chain_seq is not null order by chain_seq",
        chain.table()
    ))
    .fetch_all(&mut *tx)
    .await?;
    let unsealed: i64 = sqlx::query_scalar(&format!(
        "select count(*) from {} where chain_seq is null",
        chain.table()
    ))
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    let anchors: Vec<(i64, Vec<u8>)> = sqlx::query_as(
        "select chain_seq, hash from supervision.audit_anchors where scope = $1 order by chain_seq",
    )
    .bind(chain.scope())
    .fetch_all(pool)
    .await?;
    let mut report = Report {
        sealed: i64::try_from(rows.len()).unwrap_or(i64::MAX),
        unsealed,
        anchors: i64::try_from(anchors.len()).unwrap_or(i64::MAX),
        broken: None,
    };
    let mut prev = GENESIS.to_vec();
    let mut hashes: Vec<Vec<u8>> = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let expected_seq = i64::try_from(i).unwrap_or(i64::MAX) + 1;
        let seq: i64 = row.get("chain_seq");
        if seq != expected_seq {
            report.broken = Some((expected_seq, "record missing from the chain".into()));
            return Ok(report);
        }
        let stored_prev: Option<Vec<u8>> = row.get("prev_hash");
        if stored_prev.as_deref() != Some(prev.as_slice()) {
            report.broken = Some((seq, "previous hash does not match".into()));
            return Ok(report);
        }
        let hash = link(&prev, &canonical(row));
        let stored: Option<Vec<u8>> = row.get("hash");
        if stored.as_deref() != Some(hash.as_slice()) {
            report.broken = Some((
                seq,
                format!("record {} was altered", row.get::<i64, _>("id")),
            ));
            return Ok(report);
        }
        hashes.push(hash.clone());
        prev = hash;
    }
    for (seq, hash) in anchors {
        let at = usize::try_from(seq - 1).ok().and_then(|i| hashes.get(i));
        match at {
            None => {
                report.broken = Some((seq, "the chain ends before an anchor".into()));
                return Ok(report);
            }
            Some(h) if *h != hash => {
                report.broken = Some((seq, "the chain differs from its anchor".into()));
                return Ok(report);
            }
            Some(_) => {}
        }
    }
    Ok(report)
}

/// Every chain: the platform's, the regulators' and each tenant's.
pub async fn chains(pool: &PgPool) -> anyhow::Result<Vec<Chain>> {
    let mut out = vec![Chain::Platform, Chain::Supervision];
    let rows = sqlx::query(
        "select code, schema_name, role_name from platform.tenants t
          where exists (select 1 from pg_namespace n where n.nspname = t.schema_name)
          order by code",
    )
    .fetch_all(pool)
    .await?;
    for r in rows {
        out.push(Chain::Tenant(TenantRef {
            code: r.get(0),
            schema: r.get(1),
            role: r.get(2),
        }));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_depend_on_previous_hash_and_record() {
        let a = link(&GENESIS, "[1]");
        assert_eq!(a.len(), 32);
        assert_ne!(a, link(&GENESIS, "[2]"));
        assert_ne!(link(&a, "[2]"), link(&GENESIS, "[2]"));
    }
}

/// The job kind sealing every chain (global, every minute).
pub const SEAL_KIND: &str = "audit.seal";

/// Seals every chain (idempotent: sealed records are skipped).
pub struct SealJob;

#[async_trait::async_trait]
impl crate::jobs::handler::JobHandler for SealJob {
    async fn run(
        &self,
        ctx: &crate::jobs::handler::JobContext,
        _job: &crate::jobs::queue::Job,
    ) -> Result<(), crate::jobs::handler::JobError> {
        let mut sealed = 0;
        for chain in chains(&ctx.state.pool).await? {
            match seal_all(&ctx.state.pool, &chain).await {
                Ok(n) => sealed += n,
                // a tenant dropped meanwhile: the others still get sealed
                Err(e) => tracing::warn!(scope = %chain.scope(), error = %e, "audit seal failed"),
            }
        }
        tracing::info!(sealed, "audit chains sealed");
        Ok(())
    }
}

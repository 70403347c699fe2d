//! Posting: the one way a voucher enters the books. A `VoucherDraft` from
//! `ledger-rules` (balanced by construction) is numbered in its open period and
//! stored with its lines, inside the caller's transaction; the database checks the
//! balance again at commit and refuses any later change.

use chrono::NaiveDate;
use ledger_rules::{EventKind, PostingLine, VoucherDraft};
use platform::{
    audit::{self, Actor, Change, Trail},
    error::ConstraintExt,
    tenancy::TenantTx,
    ApiError, ApiResult,
};
use rust_decimal::Decimal;

use super::{enum_text, parse_enum, periods, rule_error};

/// The business event a voucher records: its type and id (unique with the event kind,
/// so an event is never posted twice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// e.g. `loan_payout`, `repayment`, `manual_voucher`, `period_close`.
    pub kind: String,
    /// The event's id in its own module.
    pub id: String,
}

impl Source {
    /// A source event.
    pub fn new(kind: &str, id: &str) -> Self {
        Self {
            kind: kind.to_string(),
            id: id.to_string(),
        }
    }
}

/// A posted voucher.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Posted {
    /// The voucher's id.
    pub id: i64,
    /// First day of the period it was posted into.
    pub period_start: NaiveDate,
    /// Its number in the period.
    pub voucher_no: i32,
    /// Its accounting date.
    pub voucher_date: NaiveDate,
}

/// Posts a voucher into the open period of its date (or, for a late event whose
/// month is closed, into the first open period, dated its first day and keeping its
/// own date as the event date), with an audit record. `voucher_already_posted` when
/// the source event already has a voucher of this kind.
#[tracing::instrument(skip_all, fields(source = %source.kind, id = %source.id))]
pub async fn post(
    tx: &mut TenantTx,
    actor: &Actor,
    draft: &VoucherDraft,
    source: &Source,
) -> ApiResult<Posted> {
    insert(tx, actor, draft, source, None).await
}

/// Reverses a posted voucher with a new voucher of the opposite lines and the reason
/// (the original stays as it is); a voucher is reversed at most once, and period-close
/// entries are not reversed.
pub async fn reverse(
    tx: &mut TenantTx,
    actor: &Actor,
    voucher_id: i64,
    reason: &str,
) -> ApiResult<Posted> {
    let original = load_draft(tx, voucher_id).await?;
    if original.is_closing() {
        return Err(ApiError::conflict(
            "closing_voucher",
            "period-close entries are not reversed; they follow the period",
        ));
    }
    let reversal = ledger_rules::reverse(&original, reason).map_err(|e| rule_error("lines", e))?;
    let source = Source::new("voucher", &voucher_id.to_string());
    insert(
        tx,
        actor,
        &reversal,
        &source,
        Some((voucher_id, reason.trim())),
    )
    .await
}

/// A posted voucher as the draft it was posted from (accounting date, lines, memo).
pub(crate) async fn load_draft(tx: &mut TenantTx, voucher_id: i64) -> ApiResult<VoucherDraft> {
    let header: Option<(String, NaiveDate, String)> =
        sqlx::query_as("select event_kind, voucher_date, memo from vouchers where id = $1")
            .bind(voucher_id)
            .fetch_optional(&mut **tx)
            .await?;
    let (kind, date, memo) = header.ok_or_else(|| ApiError::not_found("voucher"))?;
    let rows: Vec<(String, Decimal, Decimal, String)> = sqlx::query_as(
        "select account_code, debit, credit, memo from voucher_lines where voucher_id = $1 order by line_no",
    )
    .bind(voucher_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut lines = Vec::with_capacity(rows.len());
    for (code, debit, credit, memo) in rows {
        let account = ledger_rules::AccountCode::parse(&code)
            .map_err(|e| ApiError::internal(anyhow::anyhow!("stored account code: {e}")))?;
        lines.push(PostingLine {
            account,
            debit,
            credit,
            memo,
        });
    }
    let kind: EventKind = parse_enum(&kind)?;
    VoucherDraft::new(kind, date, lines, &memo)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("stored voucher {voucher_id}: {e}")))
}

/// Refuses lines on accounts that do not exist or have sub-accounts (422 naming the line).
pub(crate) async fn check_accounts(
    tx: &mut TenantTx,
    field: &str,
    lines: &[PostingLine],
) -> ApiResult<()> {
    let codes: Vec<String> = lines.iter().map(|l| l.account.to_string()).collect();
    let known: Vec<(String, bool)> = sqlx::query_as(
        "select a.code, exists (select 1 from ledger_accounts c where c.parent_code = a.code)
           from ledger_accounts a where a.code = any($1)",
    )
    .bind(&codes)
    .fetch_all(&mut **tx)
    .await?;
    for (i, code) in codes.iter().enumerate() {
        match known.iter().find(|(c, _)| c == code) {
            None => {
                return Err(ApiError::validation(
                    format!("{field}[{i}].account"),
                    "unknown_account",
                    format!("account {code} is not in the chart of accounts"),
                ))
            }
            Some((_, true)) => {
                return Err(ApiError::validation(
                    format!("{field}[{i}].account"),
                    "account_not_leaf",
                    format!("account {code} has sub-accounts: post to one of them"),
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

async fn insert(
    tx: &mut TenantTx,
    actor: &Actor,
    draft: &VoucherDraft,
    source: &Source,
    reverses: Option<(i64, &str)>,
) -> ApiResult<Posted> {
    check_accounts(tx, "lines", draft.lines()).await?;
    let event_date = draft.date();
    let period_start = periods::open_for(tx, event_date).await?;
    let voucher_date = event_date.max(period_start);
    let event_kind = enum_text(draft.event());
    // The next number of the period (its row is locked by `open_for`) and the voucher, in one statement.
    let (id, voucher_no): (i64, i32) = sqlx::query_as(
        "with n as (
             update ledger_periods set next_voucher_no = next_voucher_no + 1 where starts_on = $1
             returning next_voucher_no - 1 as no
         )
         insert into vouchers (period_start, voucher_no, voucher_date, event_date, event_kind, source_type, source_id,
                               memo, closing, reverses_voucher_id, reversal_reason, total_debit,
                               posted_by_kind, posted_by, posted_by_name)
         select $1, n.no, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14 from n
         returning id, voucher_no",
    )
    .bind(period_start)
    .bind(voucher_date)
    .bind(event_date)
    .bind(&event_kind)
    .bind(&source.kind)
    .bind(&source.id)
    .bind(draft.memo())
    .bind(draft.is_closing())
    .bind(reverses.map(|r| r.0))
    .bind(reverses.map(|r| r.1))
    .bind(draft.total_debit())
    .bind(actor.kind)
    .bind(actor.id)
    .bind(&actor.name)
    .fetch_one(&mut **tx)
    .await
    .on_constraint("vouchers_source_key", || duplicate(source, reverses.is_some()))
    .on_constraint("vouchers_reverses_key", || duplicate(source, true))
    .on_constraint("vouchers_one_opening", || {
        ApiError::conflict("opening_balances_exist", "the opening balances have already been posted")
    })?;
    let lines = draft.lines();
    let accounts: Vec<String> = lines.iter().map(|l| l.account.to_string()).collect();
    let debits: Vec<Decimal> = lines.iter().map(|l| l.debit).collect();
    let credits: Vec<Decimal> = lines.iter().map(|l| l.credit).collect();
    let memos: Vec<String> = lines.iter().map(|l| l.memo.clone()).collect();
    sqlx::query(
        "insert into voucher_lines (voucher_id, line_no, period_start, voucher_date, account_code, debit, credit, memo)
         select $1, n, $2, $3, a, d, c, m
           from unnest($4::text[], $5::numeric[], $6::numeric[], $7::text[]) with ordinality as t(a, d, c, m, n)",
    )
    .bind(id)
    .bind(period_start)
    .bind(voucher_date)
    .bind(&accounts)
    .bind(&debits)
    .bind(&credits)
    .bind(&memos)
    .execute(&mut **tx)
    .await?;
    let posted = Posted {
        id,
        period_start,
        voucher_no,
        voucher_date,
    };
    let after = serde_json::json!({
        "period": periods::name(period_start),
        "voucher_no": voucher_no,
        "voucher_date": voucher_date,
        "event_date": event_date,
        "event_kind": event_kind,
        "source_type": source.kind,
        "source_id": source.id,
        "memo": draft.memo(),
        "reverses_voucher_id": reverses.map(|r| r.0),
        "reason": reverses.map(|r| r.1),
        "lines": lines,
    });
    let change = Change {
        action: if reverses.is_some() {
            "voucher.reverse"
        } else {
            "voucher.post"
        },
        entity_type: "voucher",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(after),
    };
    audit::record(tx, Trail::Tenant, actor, change).await?;
    Ok(posted)
}

fn duplicate(source: &Source, reversal: bool) -> ApiError {
    if reversal {
        ApiError::conflict(
            "voucher_already_reversed",
            format!("voucher {} has already been reversed", source.id),
        )
    } else {
        ApiError::conflict(
            "voucher_already_posted",
            format!(
                "event {} {} already has its voucher",
                source.kind, source.id
            ),
        )
    }
}

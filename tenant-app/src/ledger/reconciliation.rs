//! Bank reconciliation (银行存款余额调节表): a bank's statement imported from CSV, its
//! lines matched with the bank account's ledger lines (same amount and direction,
//! nearest date within 31 days), and what is left unmatched on either side.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use platform::{
    audit::{self, Actor, Change, Trail},
    auth::StaffAuth,
    error::ConstraintExt,
    money::Money,
    tenancy::{self, TenantTx},
    ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    ApiResponse, Object, OpenApi,
};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use super::{
    bank_accounts,
    export::{Cell, Format, Report, Table},
    statements::money,
};
use crate::ApiTag;

/// A statement file to import.
#[derive(Debug, Object)]
struct StatementUpload {
    /// The file's name, for the record.
    #[oai(default)]
    file_name: String,
    /// The CSV text. A header row names the columns: a date (`date`, `日期`, `交易日期`),
    /// either a signed `amount` (`金额`, money in positive) or money in (`credit`, `收入`,
    /// `贷方发生额`) and out (`debit`, `支出`, `借方发生额`), and optionally `balance`
    /// (`余额`), `memo` (`摘要`, `用途`) and `reference` (`流水号`; lines already imported
    /// under the same reference are skipped).
    csv: String,
}

/// What an import did.
#[derive(Debug, Object)]
struct StatementImported {
    import_id: i64,
    /// Lines stored.
    imported: i64,
    /// Lines skipped as already imported (same reference).
    skipped: i64,
    created_at: DateTime<Utc>,
}

#[derive(ApiResponse)]
enum CreatedImport {
    /// Imported.
    #[oai(status = 201)]
    Created(Json<StatementImported>),
}

/// One parsed statement line.
#[derive(Debug, Clone, PartialEq)]
struct StatementLine {
    date: NaiveDate,
    amount: Decimal,
    balance: Option<Decimal>,
    memo: String,
    reference: String,
}

fn invalid(message: String) -> ApiError {
    ApiError::validation("csv", "invalid_statement", message)
}

fn column(headers: &csv::StringRecord, names: &[&str]) -> Option<usize> {
    headers.iter().position(|h| {
        let h = h.trim().trim_start_matches('\u{feff}').to_lowercase();
        names.iter().any(|n| h == *n)
    })
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
}

fn parse_amount(s: &str) -> Result<Option<Decimal>, ()> {
    let cleaned: String = s
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != '¥' && !c.is_whitespace())
        .collect();
    if cleaned.is_empty() || cleaned == "-" {
        return Ok(None);
    }
    let value: Decimal = cleaned.parse().map_err(|_| ())?;
    if value.normalize().scale() > 2 {
        return Err(());
    }
    Ok(Some(value))
}

/// Parses a bank statement CSV; any bad line refuses the whole file, naming the line.
fn parse_statement(text: &str) -> ApiResult<Vec<StatementLine>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| invalid(format!("cannot read the header row: {e}")))?
        .clone();
    let date_col = column(&headers, &["date", "日期", "交易日期", "记账日期"])
        .ok_or_else(|| invalid("no date column (date, 日期, 交易日期)".into()))?;
    let amount_col = column(&headers, &["amount", "金额", "交易金额"]);
    let in_col = column(
        &headers,
        &["credit", "in", "收入", "贷方发生额", "贷方金额", "存入"],
    );
    let out_col = column(
        &headers,
        &["debit", "out", "支出", "借方发生额", "借方金额", "支取"],
    );
    if amount_col.is_none() && (in_col.is_none() || out_col.is_none()) {
        return Err(invalid(
            "no amount column: give `amount`, or both money in (`credit`) and out (`debit`)".into(),
        ));
    }
    let balance_col = column(&headers, &["balance", "余额"]);
    let memo_col = column(&headers, &["memo", "摘要", "用途", "description"]);
    let ref_col = column(&headers, &["reference", "ref", "流水号", "交易流水号"]);
    let mut lines = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let n = i + 2;
        let record = record.map_err(|e| invalid(format!("line {n}: {e}")))?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let get = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or("");
        let date = parse_date(get(Some(date_col)))
            .ok_or_else(|| invalid(format!("line {n}: the date is not YYYY-MM-DD")))?;
        let amount_of = |c: Option<usize>| {
            parse_amount(get(c)).map_err(|_| {
                invalid(format!(
                    "line {n}: an amount is not a number with at most 2 decimals"
                ))
            })
        };
        let amount = match amount_col {
            Some(c) => amount_of(Some(c))?.unwrap_or_default(),
            None => {
                amount_of(in_col)?.unwrap_or_default() - amount_of(out_col)?.unwrap_or_default()
            }
        };
        if amount.is_zero() {
            return Err(invalid(format!("line {n}: the amount is zero")));
        }
        lines.push(StatementLine {
            date,
            amount,
            balance: amount_of(balance_col)?,
            memo: get(memo_col).chars().take(200).collect(),
            reference: get(ref_col).chars().take(100).collect(),
        });
    }
    if lines.is_empty() {
        return Err(invalid("the statement has no lines".into()));
    }
    Ok(lines)
}

/// Imports a statement for a bank account.
async fn import(
    tx: &mut TenantTx,
    actor: &Actor,
    bank_account_id: i64,
    upload: &StatementUpload,
) -> ApiResult<StatementImported> {
    bank_accounts::find(tx, bank_account_id).await?;
    let lines = parse_statement(&upload.csv)?;
    let sha = hex::encode(Sha256::digest(upload.csv.as_bytes()));
    let line_count = i32::try_from(lines.len()).map_err(|_| invalid("too many lines".into()))?;
    let (import_id, created_at): (i64, DateTime<Utc>) = sqlx::query_as(
        "insert into bank_statement_imports (bank_account_id, file_name, sha256, line_count, imported_by)
         values ($1, $2, $3, $4, $5) returning id, created_at",
    )
    .bind(bank_account_id)
    .bind(upload.file_name.chars().take(200).collect::<String>())
    .bind(&sha)
    .bind(line_count)
    .bind(actor.id)
    .fetch_one(&mut **tx)
    .await
    .on_constraint("bank_statement_imports_file_key", || {
        ApiError::conflict("statement_already_imported", "this statement file was already imported")
    })?;
    let dates: Vec<NaiveDate> = lines.iter().map(|l| l.date).collect();
    let amounts: Vec<Decimal> = lines.iter().map(|l| l.amount).collect();
    let balances: Vec<Option<Decimal>> = lines.iter().map(|l| l.balance).collect();
    let memos: Vec<String> = lines.iter().map(|l| l.memo.clone()).collect();
    let refs: Vec<String> = lines.iter().map(|l| l.reference.clone()).collect();
    let imported = sqlx::query(
        "insert into bank_statement_lines (import_id, bank_account_id, txn_date, amount, balance, memo, reference)
         select $1, $2, d, a, b, m, r
           from unnest($3::date[], $4::numeric[], $5::numeric[], $6::text[], $7::text[]) with ordinality as t(d, a, b, m, r, n)
          order by n
         on conflict (bank_account_id, reference) where reference <> '' do nothing",
    )
    .bind(import_id)
    .bind(bank_account_id)
    .bind(&dates)
    .bind(&amounts)
    .bind(&balances)
    .bind(&memos)
    .bind(&refs)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    let imported = i64::try_from(imported).unwrap_or(i64::MAX);
    let result = StatementImported {
        import_id,
        imported,
        skipped: i64::from(line_count) - imported,
        created_at,
    };
    let change = Change {
        action: "bank_statement.import",
        entity_type: "bank_statement_import",
        entity_id: Some(import_id.to_string()),
        before: None,
        after: Some(serde_json::json!({
            "bank_account_id": bank_account_id,
            "file_name": upload.file_name,
            "sha256": sha,
            "imported": result.imported,
            "skipped": result.skipped,
        })),
    };
    audit::record(tx, Trail::Tenant, actor, change).await?;
    Ok(result)
}

/// An item left unmatched.
#[derive(Debug, Clone, Object)]
pub struct OpenItem {
    pub date: NaiveDate,
    /// Money in positive, out negative.
    pub amount: Money,
    pub memo: String,
    /// For a book item: its voucher.
    pub voucher_id: Option<i64>,
    /// For a bank item: the statement line's reference.
    pub reference: Option<String>,
}

/// The reconciliation of a bank account at the end of a date.
#[derive(Debug, Clone, Object)]
pub struct ReconciliationReport {
    pub bank_account_id: i64,
    pub account_code: String,
    pub date: NaiveDate,
    /// 企业账面余额.
    pub book_balance: Money,
    /// 银行对账单余额.
    pub bank_balance: Money,
    /// Lines matched on both sides.
    pub matched: i64,
    /// 企业已收、银行未收 and 企业已付、银行未付 (in the books, not on the statement).
    pub book_only: Vec<OpenItem>,
    /// 银行已收、企业未收 and 银行已付、企业未付 (on the statement, not in the books).
    pub bank_only: Vec<OpenItem>,
    /// Book balance adjusted by the bank-only items.
    pub adjusted_book_balance: Money,
    /// Bank balance adjusted by the book-only items.
    pub adjusted_bank_balance: Money,
    /// The two adjusted balances agree.
    pub reconciled: bool,
}

/// Matches statement lines with ledger lines: for each statement line in date order,
/// the unmatched ledger line of the same signed amount nearest in date (within 31 days;
/// the earlier on a tie). Returns the indexes left unmatched on each side.
fn match_lines(
    book: &[(NaiveDate, Decimal)],
    bank: &[(NaiveDate, Decimal)],
) -> (Vec<usize>, Vec<usize>, usize) {
    let mut by_amount: HashMap<Decimal, Vec<usize>> = HashMap::new();
    for (i, (_, amount)) in book.iter().enumerate() {
        by_amount.entry(amount.normalize()).or_default().push(i);
    }
    let mut book_used = vec![false; book.len()];
    let mut bank_open = Vec::new();
    let mut matched = 0;
    for (j, (date, amount)) in bank.iter().enumerate() {
        let best = by_amount.get(&amount.normalize()).and_then(|candidates| {
            candidates
                .iter()
                .copied()
                .filter(|&i| !book_used[i])
                .map(|i| ((book[i].0 - *date).num_days().abs(), book[i].0, i))
                .filter(|(days, _, _)| *days <= 31)
                .min()
        });
        match best {
            Some((_, _, i)) => {
                book_used[i] = true;
                matched += 1;
            }
            None => bank_open.push(j),
        }
    }
    let book_open = (0..book.len()).filter(|&i| !book_used[i]).collect();
    (book_open, bank_open, matched)
}

/// Reconciles a bank account's books with its imported statements up to the end of `date`.
async fn reconcile(
    tx: &mut TenantTx,
    bank_account_id: i64,
    date: NaiveDate,
) -> ApiResult<ReconciliationReport> {
    let bank = bank_accounts::find(tx, bank_account_id).await?;
    let book: Vec<(i64, NaiveDate, Decimal, String)> = sqlx::query_as(
        "select l.voucher_id, l.voucher_date, l.debit - l.credit, case when l.memo = '' then v.memo else l.memo end
           from voucher_lines l join vouchers v on v.id = l.voucher_id
          where l.account_code = $1 and l.voucher_date <= $2
          order by l.voucher_date, l.voucher_id, l.line_no",
    )
    .bind(&bank.account_code)
    .bind(date)
    .fetch_all(&mut **tx)
    .await?;
    let statement: Vec<(NaiveDate, Decimal, Option<Decimal>, String, String)> = sqlx::query_as(
        "select txn_date, amount, balance, memo, reference from bank_statement_lines
          where bank_account_id = $1 and txn_date <= $2 order by txn_date, id",
    )
    .bind(bank_account_id)
    .bind(date)
    .fetch_all(&mut **tx)
    .await?;
    let book_pairs: Vec<(NaiveDate, Decimal)> = book.iter().map(|b| (b.1, b.2)).collect();
    let bank_pairs: Vec<(NaiveDate, Decimal)> = statement.iter().map(|s| (s.0, s.1)).collect();
    let (book_open, bank_open, matched) = match_lines(&book_pairs, &bank_pairs);
    let book_balance: Decimal = book.iter().map(|b| b.2).sum();
    let bank_balance = statement
        .last()
        .and_then(|s| s.2)
        .unwrap_or_else(|| statement.iter().map(|s| s.1).sum());
    let book_only: Vec<OpenItem> = book_open
        .iter()
        .map(|&i| OpenItem {
            date: book[i].1,
            amount: money(book[i].2),
            memo: book[i].3.clone(),
            voucher_id: Some(book[i].0),
            reference: None,
        })
        .collect();
    let bank_only: Vec<OpenItem> = bank_open
        .iter()
        .map(|&j| OpenItem {
            date: statement[j].0,
            amount: money(statement[j].1),
            memo: statement[j].3.clone(),
            voucher_id: None,
            reference: Some(statement[j].4.clone()),
        })
        .collect();
    let adjusted_book = book_balance + bank_open.iter().map(|&j| statement[j].1).sum::<Decimal>();
    let adjusted_bank = bank_balance + book_open.iter().map(|&i| book[i].2).sum::<Decimal>();
    Ok(ReconciliationReport {
        bank_account_id,
        account_code: bank.account_code,
        date,
        book_balance: money(book_balance),
        bank_balance: money(bank_balance),
        matched: i64::try_from(matched).unwrap_or(i64::MAX),
        book_only,
        bank_only,
        adjusted_book_balance: money(adjusted_book),
        adjusted_bank_balance: money(adjusted_bank),
        reconciled: adjusted_book == adjusted_bank,
    })
}

fn table(r: &ReconciliationReport) -> Table {
    let mut t = Table::new(
        format!(
            "银行存款余额调节表 Bank reconciliation {} {}",
            r.account_code, r.date
        ),
        &["项目 Item", "日期 Date", "摘要 Memo", "金额 Amount"],
    );
    t.row(vec![
        "企业账面余额 Book balance".into(),
        Cell::Empty,
        Cell::Empty,
        Cell::Money(r.book_balance.amount()),
    ]);
    for item in &r.bank_only {
        let label = if item.amount.amount() > Decimal::ZERO {
            "加：银行已收企业未收"
        } else {
            "减：银行已付企业未付"
        };
        t.row(vec![
            label.into(),
            Cell::Text(item.date.to_string()),
            Cell::Text(item.memo.clone()),
            Cell::Money(item.amount.amount()),
        ]);
    }
    t.row(vec![
        "调节后余额 Adjusted book balance".into(),
        Cell::Empty,
        Cell::Empty,
        Cell::Money(r.adjusted_book_balance.amount()),
    ]);
    t.row(vec![
        "银行对账单余额 Bank balance".into(),
        Cell::Empty,
        Cell::Empty,
        Cell::Money(r.bank_balance.amount()),
    ]);
    for item in &r.book_only {
        let label = if item.amount.amount() > Decimal::ZERO {
            "加：企业已收银行未收"
        } else {
            "减：企业已付银行未付"
        };
        t.row(vec![
            label.into(),
            Cell::Text(item.date.to_string()),
            Cell::Text(item.memo.clone()),
            Cell::Money(item.amount.amount()),
        ]);
    }
    t.row(vec![
        "调节后余额 Adjusted bank balance".into(),
        Cell::Empty,
        Cell::Empty,
        Cell::Money(r.adjusted_bank_balance.amount()),
    ]);
    t
}

/// Bank reconciliation endpoints.
pub struct ReconciliationApi;

#[OpenApi(tag = "ApiTag::Ledger")]
impl ReconciliationApi {
    /// Import a bank statement (CSV) for reconciliation.
    #[oai(
        path = "/ledger/bank-accounts/:id/statements",
        method = "post",
        operation_id = "import_bank_statement"
    )]
    async fn import(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<StatementUpload>,
    ) -> ApiResult<CreatedImport> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let result = import(&mut tx, &auth.0.actor, id.0, &body.0).await?;
        tx.commit().await?;
        Ok(CreatedImport::Created(Json(result)))
    }

    /// Bank reconciliation (银行存款余额调节表) at the end of a date.
    #[oai(
        path = "/ledger/bank-accounts/:id/reconciliation",
        method = "get",
        operation_id = "get_bank_reconciliation"
    )]
    async fn reconciliation(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        date: Query<NaiveDate>,
        format: Query<Option<Format>>,
    ) -> ApiResult<Report<ReconciliationReport>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let report = reconcile(&mut tx, id.0, date.0).await?;
        tx.commit().await?;
        let stem = format!(
            "bank-reconciliation-{}-{}",
            report.account_code, report.date
        );
        Report::render(format.0.unwrap_or_default(), report, &stem, table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap_or_default()
    }

    #[test]
    fn parses_chinese_headers_with_in_and_out_columns() {
        let csv = "交易日期,摘要,收入,支出,余额,流水号\n2026/01/05,股东出资,\"1,000,000.00\",,1000000.00,A1\n20260110,放款,,50000,950000,A2\n";
        let lines = parse_statement(csv).unwrap_or_default();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].amount, dec!(1000000));
        assert_eq!(lines[1].amount, dec!(-50000));
        assert_eq!(lines[1].date, d("2026-01-10"));
        assert_eq!(lines[1].balance, Some(dec!(950000)));
        assert_eq!(lines[1].reference, "A2");
    }

    #[test]
    fn refuses_bad_lines_naming_them() {
        let err = parse_statement("date,amount\n2026-01-01,1.005\n").err();
        assert!(err.is_some_and(|e| e.message.contains("line 2")));
        assert!(parse_statement("memo,amount\nx,1\n").is_err());
        assert!(parse_statement("date,amount\n").is_err());
    }

    #[test]
    fn matches_nearest_date_of_same_amount() {
        let book = vec![
            (d("2026-01-05"), dec!(100)),
            (d("2026-01-20"), dec!(100)),
            (d("2026-01-25"), dec!(-30)),
        ];
        let bank = vec![(d("2026-01-21"), dec!(100)), (d("2026-01-26"), dec!(-31))];
        let (book_open, bank_open, matched) = match_lines(&book, &bank);
        assert_eq!(matched, 1);
        assert_eq!(book_open, vec![0, 2]);
        assert_eq!(bank_open, vec![1]);
    }
}

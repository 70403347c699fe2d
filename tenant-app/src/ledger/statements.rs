//! Statements (报表) as JSON, CSV or XLSX: trial balance, balance sheet, income
//! statement, cash-flow statement, general ledger (总账), sub-ledger (明细账), and the
//! cash and bank journals (现金日记账, 银行日记账). The figures come from
//! `ledger-rules` over the database's totals; the cash-flow statement from `cash_flow`.

use chrono::{Datelike, NaiveDate};
use ledger_rules::{round_money, AccountCode, AccountSeed, StatementLine, Totals};
use platform::{
    auth::StaffAuth,
    money::Money,
    tenancy::{self, TenantTx},
    ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    Object, OpenApi,
};
use rust_decimal::Decimal;

use super::{
    balances, bank_accounts, cash_flow, chart, enum_text,
    export::{Cell, Format, Report, Table},
    periods,
};
use crate::ApiTag;

/// An amount for the API (sums of amounts in fen are in fen).
pub(crate) fn money(amount: Decimal) -> Money {
    Money::new(round_money(amount)).unwrap_or(Money::ZERO)
}

fn internal(what: &str) -> impl FnOnce(ledger_rules::LedgerError) -> ApiError + '_ {
    move |e| ApiError::internal(anyhow::anyhow!("{what}: {e}"))
}

/// The six columns of a trial balance.
#[derive(Debug, Clone, Object)]
pub struct TrialBalanceAmounts {
    pub opening_debit: Money,
    pub opening_credit: Money,
    pub debit: Money,
    pub credit: Money,
    pub closing_debit: Money,
    pub closing_credit: Money,
}

impl From<&ledger_rules::TrialBalanceAmounts> for TrialBalanceAmounts {
    fn from(a: &ledger_rules::TrialBalanceAmounts) -> Self {
        Self {
            opening_debit: money(a.opening_debit),
            opening_credit: money(a.opening_credit),
            debit: money(a.debit),
            credit: money(a.credit),
            closing_debit: money(a.closing_debit),
            closing_credit: money(a.closing_credit),
        }
    }
}

/// One account of the trial balance (sub-accounts rolled up into their parents).
#[derive(Debug, Clone, Object)]
pub struct TrialBalanceRow {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: String,
    /// 0 for a first-level account.
    pub level: u32,
    pub amounts: TrialBalanceAmounts,
}

/// The trial balance (科目余额表) of a period.
#[derive(Debug, Clone, Object)]
pub struct TrialBalanceReport {
    pub period: String,
    pub rows: Vec<TrialBalanceRow>,
    /// Totals of the first-level on-balance accounts.
    pub totals: TrialBalanceAmounts,
    /// Totals of the off-balance memo accounts.
    pub off_balance_totals: TrialBalanceAmounts,
    /// Debits equal credits in every column.
    pub balanced: bool,
}

/// A labelled line of a statement.
#[derive(Debug, Clone, Object)]
pub struct StatementLineOut {
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    /// 0 for totals and headings, 1 for items, 2 for "of which".
    pub level: u32,
    pub amount: Money,
}

impl From<&StatementLine> for StatementLineOut {
    fn from(l: &StatementLine) -> Self {
        Self {
            key: l.key.into(),
            name_zh: l.name_zh.into(),
            name_en: l.name_en.into(),
            level: l.level.into(),
            amount: money(l.amount),
        }
    }
}

/// The balance sheet (资产负债表) at the end of a date.
#[derive(Debug, Clone, Object)]
pub struct BalanceSheetReport {
    pub date: NaiveDate,
    pub lines: Vec<StatementLineOut>,
    /// Total assets equal total liabilities and equity.
    pub balanced: bool,
}

/// The income statement (利润表) of a range of periods, with the year to date.
#[derive(Debug, Clone, Object)]
pub struct IncomeStatementReport {
    pub from: String,
    pub to: String,
    /// 本期金额.
    pub lines: Vec<StatementLineOut>,
    /// 本年累计金额: from January of `to`'s year to `to`.
    pub year_to_date: Vec<StatementLineOut>,
}

/// The cash-flow statement (现金流量表, direct method) of a range of periods.
#[derive(Debug, Clone, Object)]
pub struct CashFlowReport {
    pub from: String,
    pub to: String,
    pub lines: Vec<StatementLineOut>,
}

/// A balance with its side (借 debit, 贷 credit, 平 zero).
#[derive(Debug, Clone, Object)]
pub struct SidedBalance {
    /// `debit`, `credit` or `zero`.
    pub direction: String,
    /// The balance's size.
    pub amount: Money,
}

fn sided(net_debit: Decimal) -> SidedBalance {
    let direction = if net_debit > Decimal::ZERO {
        "debit"
    } else if net_debit < Decimal::ZERO {
        "credit"
    } else {
        "zero"
    };
    SidedBalance {
        direction: direction.into(),
        amount: money(net_debit.abs()),
    }
}

fn direction_zh(d: &str) -> &'static str {
    match d {
        "debit" => "借",
        "credit" => "贷",
        _ => "平",
    }
}

/// One line of a sub-ledger or journal.
#[derive(Debug, Clone, Object)]
pub struct SubLedgerRow {
    pub voucher_id: i64,
    pub voucher_no: i32,
    pub voucher_date: NaiveDate,
    /// The event's own date (earlier for a late event).
    pub event_date: NaiveDate,
    pub memo: String,
    /// The account posted (the sub-account for a parent's ledger).
    pub account_code: String,
    /// The other accounts of the voucher (对方科目).
    pub counter_accounts: String,
    pub debit: Money,
    pub credit: Money,
    /// Balance after this line.
    pub balance: SidedBalance,
}

/// A sub-ledger (明细账) or journal of an account and its sub-accounts for a period.
#[derive(Debug, Clone, Object)]
pub struct SubLedgerReport {
    pub account_code: String,
    pub account_name: String,
    pub period: String,
    /// 期初余额.
    pub opening: SidedBalance,
    pub rows: Vec<SubLedgerRow>,
    /// 本期借方合计.
    pub debit_total: Money,
    /// 本期贷方合计.
    pub credit_total: Money,
    /// 期末余额.
    pub closing: SidedBalance,
}

/// One period of a general ledger.
#[derive(Debug, Clone, Object)]
pub struct GeneralLedgerRow {
    pub period: String,
    /// 本期借方.
    pub debit: Money,
    /// 本期贷方.
    pub credit: Money,
    /// 本年累计借方.
    pub year_debit: Money,
    /// 本年累计贷方.
    pub year_credit: Money,
    /// 期末余额.
    pub balance: SidedBalance,
}

/// The general ledger (总账) of an account over a range of periods.
#[derive(Debug, Clone, Object)]
pub struct GeneralLedgerReport {
    pub account_code: String,
    pub account_name: String,
    pub from: String,
    pub to: String,
    /// Balance before `from`.
    pub opening: SidedBalance,
    pub rows: Vec<GeneralLedgerRow>,
}

fn lines_out(lines: &[StatementLine]) -> Vec<StatementLineOut> {
    lines.iter().map(StatementLineOut::from).collect()
}

fn statement_table(title: String, columns: &[&str], sets: &[&[StatementLineOut]]) -> Table {
    let mut headers = vec!["项目 Item"];
    headers.extend_from_slice(columns);
    let mut table = Table::new(title, &headers);
    if let Some(first) = sets.first() {
        for (i, line) in first.iter().enumerate() {
            let indent = "  ".repeat(line.level as usize);
            let mut row = vec![Cell::Text(format!(
                "{indent}{} {}",
                line.name_zh, line.name_en
            ))];
            for set in sets {
                row.push(
                    set.get(i)
                        .map_or(Cell::Empty, |l| Cell::Money(l.amount.amount())),
                );
            }
            table.row(row);
        }
    }
    table
}

fn sub_ledger_table(r: &SubLedgerReport, title: &str) -> Table {
    let mut t = Table::new(
        format!("{title} {} {} {}", r.account_code, r.account_name, r.period),
        &[
            "日期 Date",
            "凭证号 Voucher",
            "摘要 Memo",
            "科目 Account",
            "对方科目 Counter",
            "借方 Debit",
            "贷方 Credit",
            "方向",
            "余额 Balance",
        ],
    );
    let balance_cells = |b: &SidedBalance| {
        vec![
            Cell::from(direction_zh(&b.direction)),
            Cell::Money(b.amount.amount()),
        ]
    };
    let mut opening = vec![
        Cell::Empty,
        Cell::Empty,
        "期初余额".into(),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
    ];
    opening.extend(balance_cells(&r.opening));
    t.row(opening);
    for row in &r.rows {
        let mut cells = vec![
            Cell::Text(row.voucher_date.to_string()),
            Cell::Text(format!("记-{:04}", row.voucher_no)),
            Cell::Text(row.memo.clone()),
            Cell::Text(row.account_code.clone()),
            Cell::Text(row.counter_accounts.clone()),
            Cell::Money(row.debit.amount()),
            Cell::Money(row.credit.amount()),
        ];
        cells.extend(balance_cells(&row.balance));
        t.row(cells);
    }
    let mut closing = vec![
        Cell::Empty,
        Cell::Empty,
        "本期合计 / 期末余额".into(),
        Cell::Empty,
        Cell::Empty,
        Cell::Money(r.debit_total.amount()),
        Cell::Money(r.credit_total.amount()),
    ];
    closing.extend(balance_cells(&r.closing));
    t.row(closing);
    t
}

/// The trial balance of a period.
pub async fn trial_balance(tx: &mut TenantTx, start: NaiveDate) -> ApiResult<TrialBalanceReport> {
    let accounts = chart::load(tx).await?;
    let opening = balances::before_period(tx, start).await?;
    let period = balances::for_periods(tx, start, start, None).await?;
    let tb = ledger_rules::trial_balance(&accounts, &opening, &period)
        .map_err(internal("trial balance"))?;
    Ok(TrialBalanceReport {
        period: periods::name(start),
        balanced: tb.is_balanced(),
        rows: tb
            .rows
            .iter()
            .map(|r| TrialBalanceRow {
                code: r.code.to_string(),
                name_zh: r.name_zh.clone(),
                name_en: r.name_en.clone(),
                kind: enum_text(r.kind),
                level: u32::try_from(r.level).unwrap_or(u32::MAX),
                amounts: (&r.amounts).into(),
            })
            .collect(),
        totals: (&tb.totals).into(),
        off_balance_totals: (&tb.off_balance_totals).into(),
    })
}

/// The balance sheet at the end of a date.
pub async fn balance_sheet(tx: &mut TenantTx, date: NaiveDate) -> ApiResult<BalanceSheetReport> {
    let accounts = chart::load(tx).await?;
    let totals = balances::as_of(tx, date).await?;
    let bs = ledger_rules::balance_sheet(&accounts, &totals).map_err(internal("balance sheet"))?;
    Ok(BalanceSheetReport {
        date,
        balanced: bs.total_assets == bs.total_liabilities_and_equity,
        lines: lines_out(&bs.lines()),
    })
}

async fn income_lines(
    tx: &mut TenantTx,
    accounts: &[AccountSeed],
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<Vec<StatementLineOut>> {
    let totals = balances::for_periods(tx, from, to, Some(false)).await?;
    let is =
        ledger_rules::income_statement(accounts, &totals).map_err(internal("income statement"))?;
    Ok(lines_out(&is.lines()))
}

fn range(from: &str, to: Option<&str>) -> ApiResult<(NaiveDate, NaiveDate)> {
    let from = periods::parse("from", from)?;
    let to = match to {
        Some(t) => periods::parse("to", t)?,
        None => from,
    };
    if to < from {
        return Err(ApiError::validation(
            "to",
            "invalid_range",
            "`to` is not before `from`",
        ));
    }
    Ok((from, to))
}

/// Cash on hand and in banks (1001 + 1002) in the totals.
fn cash(totals: &Totals) -> Decimal {
    periods::net_debit(totals, &ledger_rules::chart::CASH)
        + periods::net_debit(totals, &ledger_rules::chart::BANK)
}

/// The cash-flow statement of periods `from..=to`.
pub async fn cash_flow_statement(
    tx: &mut TenantTx,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<CashFlowReport> {
    let rows: Vec<(String, Decimal, Decimal)> = sqlx::query_as(
        "select l.account_code, sum(l.credit), sum(l.debit)
           from voucher_lines l
          where l.period_start between $1 and $2
            and l.account_code !~ '^(1001|1002|7)'
            and exists (select 1 from voucher_lines c
                         where c.voucher_id = l.voucher_id and c.account_code ~ '^100[12]')
          group by l.account_code",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut **tx)
    .await?;
    let mut counter = Vec::with_capacity(rows.len());
    for (code, inflow, outflow) in rows {
        let code = AccountCode::parse(&code).map_err(internal("stored account code"))?;
        counter.push((code, inflow, outflow));
    }
    let opening = cash(&balances::before_period(tx, from).await?);
    let closing = cash(&balances::as_of(tx, periods::month_end(to)).await?);
    let lines = cash_flow::statement(&counter, opening, closing)
        .iter()
        .map(|l| StatementLineOut {
            key: l.key.into(),
            name_zh: l.name_zh.into(),
            name_en: l.name_en.into(),
            level: l.level.into(),
            amount: money(l.amount),
        })
        .collect();
    Ok(CashFlowReport {
        from: periods::name(from),
        to: periods::name(to),
        lines,
    })
}

async fn account_of(tx: &mut TenantTx, code: &str) -> ApiResult<(AccountSeed, Vec<String>)> {
    let accounts = chart::load(tx).await?;
    let seed = accounts
        .iter()
        .find(|s| s.code.as_str() == code.trim())
        .cloned()
        .ok_or_else(|| {
            ApiError::validation(
                "account",
                "unknown_account",
                format!("account {code} is not in the chart"),
            )
        })?;
    let codes = chart::within(&accounts, &seed.code);
    Ok((seed, codes))
}

fn net_of(totals: &Totals, codes: &[String]) -> Decimal {
    totals
        .iter()
        .filter(|(c, _)| codes.iter().any(|x| x == c.as_str()))
        .map(|(_, t)| t.net_debit())
        .sum()
}

/// The sub-ledger (明细账) of an account and its sub-accounts for a period, with
/// running balances and the counter accounts of each line.
pub async fn sub_ledger(
    tx: &mut TenantTx,
    code: &str,
    start: NaiveDate,
) -> ApiResult<SubLedgerReport> {
    let (seed, codes) = account_of(tx, code).await?;
    let opening = net_of(&balances::before_period(tx, start).await?, &codes);
    type Row = (
        i64,
        i32,
        NaiveDate,
        NaiveDate,
        String,
        String,
        Option<String>,
        Decimal,
        Decimal,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "select l.voucher_id, v.voucher_no, l.voucher_date, v.event_date,
                case when l.memo = '' then v.memo else l.memo end, l.account_code,
                (select string_agg(distinct o.account_code, ',') from voucher_lines o
                  where o.voucher_id = l.voucher_id and not (o.account_code = any($1))),
                l.debit, l.credit
           from voucher_lines l join vouchers v on v.id = l.voucher_id
          where l.account_code = any($1) and l.period_start = $2 and v.period_start = $2
          order by l.voucher_date, v.voucher_no, l.line_no",
    )
    .bind(&codes)
    .bind(start)
    .fetch_all(&mut **tx)
    .await?;
    let mut balance = opening;
    let (mut debit_total, mut credit_total) = (Decimal::ZERO, Decimal::ZERO);
    let mut out = Vec::with_capacity(rows.len());
    for (
        voucher_id,
        voucher_no,
        voucher_date,
        event_date,
        memo,
        account_code,
        counter,
        debit,
        credit,
    ) in rows
    {
        balance += debit - credit;
        debit_total += debit;
        credit_total += credit;
        out.push(SubLedgerRow {
            voucher_id,
            voucher_no,
            voucher_date,
            event_date,
            memo,
            account_code,
            counter_accounts: counter.unwrap_or_default(),
            debit: money(debit),
            credit: money(credit),
            balance: sided(balance),
        });
    }
    Ok(SubLedgerReport {
        account_code: seed.code.to_string(),
        account_name: seed.name_zh.clone(),
        period: periods::name(start),
        opening: sided(opening),
        rows: out,
        debit_total: money(debit_total),
        credit_total: money(credit_total),
        closing: sided(balance),
    })
}

/// The general ledger (总账) of an account over periods `from..=to`, with year-to-date turnover.
pub async fn general_ledger(
    tx: &mut TenantTx,
    code: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<GeneralLedgerReport> {
    let (seed, codes) = account_of(tx, code).await?;
    let year_start = NaiveDate::from_ymd_opt(from.year(), 1, 1).unwrap_or(from);
    let opening = net_of(&balances::before_period(tx, from).await?, &codes);
    let rows: Vec<(NaiveDate, Decimal, Decimal)> = sqlx::query_as(
        "select m::date, coalesce(sum(t.debit), 0), coalesce(sum(t.credit), 0)
           from generate_series($2::date, $3::date, interval '1 month') as m
           left join ledger_account_totals t on t.period_start = m::date and t.account_code = any($1)
          group by m order by m",
    )
    .bind(&codes)
    .bind(year_start)
    .bind(to)
    .fetch_all(&mut **tx)
    .await?;
    let mut balance = opening;
    let (mut year_debit, mut year_credit) = (Decimal::ZERO, Decimal::ZERO);
    let mut out = Vec::new();
    for (start, debit, credit) in rows {
        if start.month() == 1 {
            year_debit = Decimal::ZERO;
            year_credit = Decimal::ZERO;
        }
        year_debit += debit;
        year_credit += credit;
        if start < from {
            continue;
        }
        balance += debit - credit;
        out.push(GeneralLedgerRow {
            period: periods::name(start),
            debit: money(debit),
            credit: money(credit),
            year_debit: money(year_debit),
            year_credit: money(year_credit),
            balance: sided(balance),
        });
    }
    Ok(GeneralLedgerReport {
        account_code: seed.code.to_string(),
        account_name: seed.name_zh.clone(),
        from: periods::name(from),
        to: periods::name(to),
        opening: sided(opening),
        rows: out,
    })
}

/// Statement endpoints.
pub struct StatementsApi;

#[OpenApi(tag = "ApiTag::Ledger")]
impl StatementsApi {
    /// Trial balance (科目余额表) of a period.
    #[oai(
        path = "/ledger/trial-balance",
        method = "get",
        operation_id = "get_trial_balance"
    )]
    async fn trial_balance(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        /// `YYYY-MM`.
        period: Query<String>,
        format: Query<Option<Format>>,
    ) -> ApiResult<Report<TrialBalanceReport>> {
        let start = periods::parse("period", &period.0)?;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let report = trial_balance(&mut tx, start).await?;
        tx.commit().await?;
        Report::render(
            format.0.unwrap_or_default(),
            report,
            &format!("trial-balance-{}", period.0),
            |r| {
                let mut t = Table::new(
                    format!("科目余额表 Trial balance {}", r.period),
                    &[
                        "科目代码 Code",
                        "科目名称 Account",
                        "期初借方",
                        "期初贷方",
                        "本期借方",
                        "本期贷方",
                        "期末借方",
                        "期末贷方",
                    ],
                );
                let amounts = |a: &TrialBalanceAmounts| {
                    [
                        a.opening_debit,
                        a.opening_credit,
                        a.debit,
                        a.credit,
                        a.closing_debit,
                        a.closing_credit,
                    ]
                    .map(|m| Cell::Money(m.amount()))
                };
                for row in &r.rows {
                    let mut cells = vec![
                        Cell::Text(row.code.clone()),
                        Cell::Text(format!(
                            "{}{}",
                            "  ".repeat(row.level as usize),
                            row.name_zh
                        )),
                    ];
                    cells.extend(amounts(&row.amounts));
                    t.row(cells);
                }
                let mut total = vec![Cell::Empty, "合计 Total".into()];
                total.extend(amounts(&r.totals));
                t.row(total);
                let mut off = vec![Cell::Empty, "表外科目合计 Off balance".into()];
                off.extend(amounts(&r.off_balance_totals));
                t.row(off);
                t
            },
        )
    }

    /// Balance sheet (资产负债表) at the end of a date.
    #[oai(
        path = "/ledger/balance-sheet",
        method = "get",
        operation_id = "get_balance_sheet"
    )]
    async fn balance_sheet(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        date: Query<NaiveDate>,
        format: Query<Option<Format>>,
    ) -> ApiResult<Report<BalanceSheetReport>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let report = balance_sheet(&mut tx, date.0).await?;
        tx.commit().await?;
        Report::render(
            format.0.unwrap_or_default(),
            report,
            &format!("balance-sheet-{}", date.0),
            |r| {
                statement_table(
                    format!("资产负债表 Balance sheet {}", r.date),
                    &["期末余额 Amount"],
                    &[&r.lines],
                )
            },
        )
    }

    /// Income statement (利润表) of periods `from..=to` (one period when `to` is absent), with the year to date.
    #[oai(
        path = "/ledger/income-statement",
        method = "get",
        operation_id = "get_income_statement"
    )]
    async fn income_statement(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        /// `YYYY-MM`.
        from: Query<String>,
        /// `YYYY-MM`.
        to: Query<Option<String>>,
        format: Query<Option<Format>>,
    ) -> ApiResult<Report<IncomeStatementReport>> {
        let (from, to) = range(&from.0, to.0.as_deref())?;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let accounts = chart::load(&mut tx).await?;
        let lines = income_lines(&mut tx, &accounts, from, to).await?;
        let year_start = NaiveDate::from_ymd_opt(to.year(), 1, 1).unwrap_or(to);
        let year_to_date = income_lines(&mut tx, &accounts, year_start, to).await?;
        tx.commit().await?;
        let report = IncomeStatementReport {
            from: periods::name(from),
            to: periods::name(to),
            lines,
            year_to_date,
        };
        let stem = format!("income-statement-{}-{}", report.from, report.to);
        Report::render(format.0.unwrap_or_default(), report, &stem, |r| {
            statement_table(
                format!("利润表 Income statement {} – {}", r.from, r.to),
                &["本期金额 Period", "本年累计 Year to date"],
                &[&r.lines, &r.year_to_date],
            )
        })
    }

    /// Cash-flow statement (现金流量表, direct method) of periods `from..=to`.
    #[oai(
        path = "/ledger/cash-flow-statement",
        method = "get",
        operation_id = "get_cash_flow_statement"
    )]
    async fn cash_flow(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        /// `YYYY-MM`.
        from: Query<String>,
        /// `YYYY-MM`.
        to: Query<Option<String>>,
        format: Query<Option<Format>>,
    ) -> ApiResult<Report<CashFlowReport>> {
        let (from, to) = range(&from.0, to.0.as_deref())?;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let report = cash_flow_statement(&mut tx, from, to).await?;
        tx.commit().await?;
        let stem = format!("cash-flow-{}-{}", report.from, report.to);
        Report::render(format.0.unwrap_or_default(), report, &stem, |r| {
            statement_table(
                format!("现金流量表 Cash-flow statement {} – {}", r.from, r.to),
                &["金额 Amount"],
                &[&r.lines],
            )
        })
    }

    /// General ledger (总账) of an account over periods `from..=to`.
    #[oai(
        path = "/ledger/general-ledger",
        method = "get",
        operation_id = "get_general_ledger"
    )]
    async fn general_ledger(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        /// Account code; its sub-accounts are included.
        account: Query<String>,
        /// `YYYY-MM`.
        from: Query<String>,
        /// `YYYY-MM`.
        to: Query<Option<String>>,
        format: Query<Option<Format>>,
    ) -> ApiResult<Report<GeneralLedgerReport>> {
        let (from, to) = range(&from.0, to.0.as_deref())?;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let report = general_ledger(&mut tx, &account.0, from, to).await?;
        tx.commit().await?;
        let stem = format!(
            "general-ledger-{}-{}-{}",
            report.account_code, report.from, report.to
        );
        Report::render(format.0.unwrap_or_default(), report, &stem, |r| {
            let mut t = Table::new(
                format!(
                    "总账 General ledger {} {} {} – {}",
                    r.account_code, r.account_name, r.from, r.to
                ),
                &[
                    "期间 Period",
                    "借方 Debit",
                    "贷方 Credit",
                    "本年累计借方",
                    "本年累计贷方",
                    "方向",
                    "余额 Balance",
                ],
            );
            t.row(vec![
                "期初余额".into(),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                direction_zh(&r.opening.direction).into(),
                Cell::Money(r.opening.amount.amount()),
            ]);
            for row in &r.rows {
                t.row(vec![
                    Cell::Text(row.period.clone()),
                    Cell::Money(row.debit.amount()),
                    Cell::Money(row.credit.amount()),
                    Cell::Money(row.year_debit.amount()),
                    Cell::Money(row.year_credit.amount()),
                    direction_zh(&row.balance.direction).into(),
                    Cell::Money(row.balance.amount.amount()),
                ]);
            }
            t
        })
    }

    /// Sub-ledger (明细账) of an account and its sub-accounts for a period.
    #[oai(
        path = "/ledger/sub-ledger",
        method = "get",
        operation_id = "get_sub_ledger"
    )]
    async fn sub_ledger(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        /// Account code.
        account: Query<String>,
        /// `YYYY-MM`.
        period: Query<String>,
        format: Query<Option<Format>>,
    ) -> ApiResult<Report<SubLedgerReport>> {
        let start = periods::parse("period", &period.0)?;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let report = sub_ledger(&mut tx, &account.0, start).await?;
        tx.commit().await?;
        let stem = format!("sub-ledger-{}-{}", report.account_code, report.period);
        Report::render(format.0.unwrap_or_default(), report, &stem, |r| {
            sub_ledger_table(r, "明细账 Sub-ledger")
        })
    }

    /// Cash journal (现金日记账) of a period: account 1001 line by line.
    #[oai(
        path = "/ledger/cash-journal",
        method = "get",
        operation_id = "get_cash_journal"
    )]
    async fn cash_journal(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        /// `YYYY-MM`.
        period: Query<String>,
        format: Query<Option<Format>>,
    ) -> ApiResult<Report<SubLedgerReport>> {
        let start = periods::parse("period", &period.0)?;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let report = sub_ledger(&mut tx, ledger_rules::chart::CASH.as_str(), start).await?;
        tx.commit().await?;
        let stem = format!("cash-journal-{}", report.period);
        Report::render(format.0.unwrap_or_default(), report, &stem, |r| {
            sub_ledger_table(r, "现金日记账 Cash journal")
        })
    }

    /// Bank journal (银行日记账) of a registered bank account for a period.
    #[oai(
        path = "/ledger/bank-accounts/:id/journal",
        method = "get",
        operation_id = "get_bank_journal"
    )]
    async fn bank_journal(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        /// `YYYY-MM`.
        period: Query<String>,
        format: Query<Option<Format>>,
    ) -> ApiResult<Report<SubLedgerReport>> {
        let start = periods::parse("period", &period.0)?;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let bank = bank_accounts::find(&mut tx, id.0).await?;
        let report = sub_ledger(&mut tx, &bank.account_code, start).await?;
        tx.commit().await?;
        let stem = format!("bank-journal-{}-{}", bank.account_number, report.period);
        Report::render(format.0.unwrap_or_default(), report, &stem, |r| {
            sub_ledger_table(r, "银行日记账 Bank journal")
        })
    }
}

//! 贷款业务状况表: balances and counts of the loan book at the period's end, by security,
//! purpose, contract size, term, five-level class and borrower type, with the change on the
//! last month and since the start of the year; and principal disbursed and collected in the
//! month, the year to date and since the start.

use chrono::NaiveDate;
use platform::{tenancy::TenantTx, ApiResult};
use rust_decimal::Decimal;
use supervision_metrics::{
    filing::{FilingContent, FilingRow},
    BorrowerType, LoanClass, LoanFacts, Purpose, Security, SizeBand, TermBand,
};

use super::financial_position::year_start;
use super::loan_book::{loan_book_figures, LoanBookFigures};
use super::table::{amount, count, row};
use crate::ledger::periods;

type Group = (&'static str, &'static str, fn(&LoanFacts) -> bool);

fn groups() -> Vec<Group> {
    let mut g: Vec<Group> = vec![("total", "贷款合计 All loans", |_| true)];
    g.extend([
        (
            "security.credit",
            "信用贷款 Credit",
            (|l: &LoanFacts| l.security == Security::Credit) as fn(&LoanFacts) -> bool,
        ),
        ("security.guarantee", "保证贷款 Guarantee", |l| {
            l.security == Security::Guarantee
        }),
        ("security.mortgage", "抵押贷款 Mortgage", |l| {
            l.security == Security::Mortgage
        }),
        ("security.pledge", "质押贷款 Pledge", |l| {
            l.security == Security::Pledge
        }),
        ("purpose.agriculture", "农业 Agriculture", |l| {
            l.purpose == Purpose::Agriculture
        }),
        (
            "purpose.industry_commerce",
            "工商业 Industry and commerce",
            |l| l.purpose == Purpose::IndustryCommerce,
        ),
        ("purpose.consumption", "消费 Consumption", |l| {
            l.purpose == Purpose::Consumption
        }),
        ("size.under_200k", "单笔20万元以下 Under 200k", |l| {
            SizeBand::of(l.contract_size) == SizeBand::Under200k
        }),
        ("size.200k_to_300k", "20万至30万元 200k to 300k", |l| {
            SizeBand::of(l.contract_size) == SizeBand::From200kTo300k
        }),
        ("size.300k_to_500k", "30万至50万元 300k to 500k", |l| {
            SizeBand::of(l.contract_size) == SizeBand::From300kTo500k
        }),
        (
            "size.500k_and_more",
            "50万元及以上 500k and more",
            |l| SizeBand::of(l.contract_size) == SizeBand::From500k,
        ),
        ("term.under_3m", "3个月以下 Under 3 months", |l| {
            TermBand::of(l.term_months) == TermBand::Under3Months
        }),
        ("term.3m_to_6m", "3至6个月 3 to 6 months", |l| {
            TermBand::of(l.term_months) == TermBand::From3To6Months
        }),
        ("term.6m_to_12m", "6至12个月 6 to 12 months", |l| {
            TermBand::of(l.term_months) == TermBand::From6To12Months
        }),
        (
            "term.12m_and_more",
            "12个月及以上 12 months and more",
            |l| TermBand::of(l.term_months) == TermBand::From12Months,
        ),
        ("class.normal", "正常 Normal", |l| {
            l.class == LoanClass::Normal
        }),
        ("class.special_mention", "关注 Special mention", |l| {
            l.class == LoanClass::SpecialMention
        }),
        ("class.substandard", "次级 Substandard", |l| {
            l.class == LoanClass::Substandard
        }),
        ("class.doubtful", "可疑 Doubtful", |l| {
            l.class == LoanClass::Doubtful
        }),
        ("class.loss", "损失 Loss", |l| l.class == LoanClass::Loss),
        ("borrower.company", "企业 Company", |l| {
            l.borrower_type == BorrowerType::Company
        }),
        (
            "borrower.small_business_owner",
            "个体工商户 Small business owner",
            |l| l.borrower_type == BorrowerType::SmallBusinessOwner,
        ),
        (
            "borrower.urban_resident",
            "城镇居民 Urban resident",
            |l| l.borrower_type == BorrowerType::UrbanResident,
        ),
        ("borrower.farmer", "农户 Farmer", |l| {
            l.borrower_type == BorrowerType::Farmer
        }),
    ]);
    g
}

fn sum(book: &LoanBookFigures, test: fn(&LoanFacts) -> bool) -> (Decimal, i64) {
    book.loans
        .iter()
        .filter(|l| test(l) && l.balance > Decimal::ZERO)
        .fold((Decimal::ZERO, 0), |(b, n), l| (b + l.balance, n + 1))
}

/// Builds the table from the book at the period's end, at the previous month's end and at the
/// previous year's end.
pub fn build(
    period: NaiveDate,
    now: &LoanBookFigures,
    last_month: &LoanBookFigures,
    year_start: &LoanBookFigures,
) -> FilingContent {
    let mut rows: Vec<FilingRow> = Vec::new();
    let flow = |key: &str, label: &str, v: Decimal, n: Option<i64>| {
        row(
            key,
            label,
            vec![amount(v), n.and_then(count), None, None, None, None],
        )
    };
    rows.push(flow(
        "disbursed.month",
        "本月发放 Disbursed in the month",
        now.disbursed - last_month.disbursed,
        Some(now.disbursed_count - last_month.disbursed_count),
    ));
    rows.push(flow(
        "disbursed.year",
        "本年累计发放 Disbursed in the year",
        now.disbursed - year_start.disbursed,
        Some(now.disbursed_count - year_start.disbursed_count),
    ));
    rows.push(flow(
        "disbursed.cumulative",
        "累计发放 Disbursed since the start",
        now.disbursed,
        Some(now.disbursed_count),
    ));
    rows.push(flow(
        "collected.month",
        "本月收回 Collected in the month",
        now.collected - last_month.collected,
        None,
    ));
    rows.push(flow(
        "collected.year",
        "本年累计收回 Collected in the year",
        now.collected - year_start.collected,
        None,
    ));
    rows.push(flow(
        "collected.cumulative",
        "累计收回 Collected since the start",
        now.collected,
        None,
    ));
    for (key, label, test) in groups() {
        let (b, n) = sum(now, test);
        let (bm, nm) = sum(last_month, test);
        let (by, ny) = sum(year_start, test);
        rows.push(row(
            key,
            label,
            vec![
                amount(b),
                count(n),
                amount(b - bm),
                count(n - nm),
                amount(b - by),
                count(n - ny),
            ],
        ));
    }
    FilingContent {
        kind: "loan_report".into(),
        period: periods::name(period),
        title: "贷款业务状况表 Loan business report".into(),
        columns: vec![
            "余额 Balance".into(),
            "笔数 Count".into(),
            "余额较上月 Balance change on last month".into(),
            "笔数较上月 Count change on last month".into(),
            "余额较年初 Balance change since start of year".into(),
            "笔数较年初 Count change since start of year".into(),
        ],
        rows,
    }
}

/// Generates the table for the period starting on `period`.
pub async fn generate(tx: &mut TenantTx, period: NaiveDate) -> ApiResult<FilingContent> {
    let end = periods::month_end(period);
    let prev_end = period.pred_opt().unwrap_or(period);
    let ys = year_start(period);
    let year_end = ys.pred_opt().unwrap_or(ys);
    let now = loan_book_figures(tx, end).await?;
    let last = loan_book_figures(tx, prev_end).await?;
    let first = loan_book_figures(tx, year_end).await?;
    Ok(build(period, &now, &last, &first))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn loan(balance: Decimal, security: Security, size: Decimal, term: u32) -> LoanFacts {
        LoanFacts {
            loan_id: "l".into(),
            borrower_id: "b".into(),
            related_group_id: None,
            related_party: false,
            dpd: 0,
            class: LoanClass::Normal,
            balance,
            overdue_principal: Decimal::ZERO,
            apr: dec!(0.12),
            contract_principal: size,
            recorded_payout: size,
            payout_from_dedicated_account: true,
            payout_override: false,
            term_months: term,
            contract_size: size,
            purpose: Purpose::Consumption,
            security,
            borrower_type: BorrowerType::UrbanResident,
        }
    }

    fn value<'a>(c: &'a FilingContent, key: &str) -> &'a [Option<String>] {
        c.rows
            .iter()
            .find(|r| r.key == key)
            .map(|r| r.values.as_slice())
            .unwrap_or_default()
    }

    #[test]
    fn groups_balances_counts_and_changes() {
        let period = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap_or_default();
        let first = LoanBookFigures::default();
        let last = LoanBookFigures {
            loans: vec![loan(dec!(100000), Security::Credit, dec!(100000), 12)],
            disbursed: dec!(100000),
            disbursed_count: 1,
            collected: Decimal::ZERO,
        };
        let now = LoanBookFigures {
            loans: vec![
                loan(dec!(90000), Security::Credit, dec!(100000), 12),
                loan(dec!(250000), Security::Mortgage, dec!(250000), 3),
            ],
            disbursed: dec!(350000),
            disbursed_count: 2,
            collected: dec!(10000),
        };
        let c = build(period, &now, &last, &first);
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            value(&c, "total"),
            &[
                s("340000.00"),
                s("2"),
                s("240000.00"),
                s("1"),
                s("340000.00"),
                s("2")
            ]
        );
        assert_eq!(
            value(&c, "security.credit")[..4],
            [s("90000.00"), s("1"), s("-10000.00"), s("0")]
        );
        assert_eq!(value(&c, "size.200k_to_300k")[0], s("250000.00"));
        assert_eq!(value(&c, "term.3m_to_6m")[1], s("1"));
        assert_eq!(value(&c, "disbursed.month")[..2], [s("250000.00"), s("1")]);
        assert_eq!(value(&c, "collected.year")[0], s("10000.00"));
        assert_eq!(value(&c, "class.loss")[..2], [s("0.00"), s("0")]);
    }
}

//! One firm's metrics from its snapshot input.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use loan_engine::LoanClass;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::bands::{OverdueBucket, SizeBand, TermBand};
use crate::input::{BorrowerType, FirmInput, LoanFacts, Purpose, Security};
use crate::metric::Metric;
use crate::ratio::Ratio;
use crate::thresholds::Thresholds;
use crate::MetricsError;

/// Days a year-to-date figure is annualised to.
const DAYS_PER_YEAR: u32 = 365;

/// A concentration: the largest borrower or group, and its balance over net assets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concentration {
    /// The borrower or group; `None` when there is none.
    pub id: Option<String>,
    /// Its balance ÷ net assets.
    pub ratio: Ratio,
}

/// Loans with some property: how many of all loans (the figure compared to the limit) and their balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incidence {
    /// Number of such loans ÷ number of loans.
    pub loans: Ratio,
    /// Their outstanding balance.
    pub balance: Decimal,
}

/// One row of a table of loans by group: count, balance and share of the loan balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRow<K> {
    /// The group.
    pub key: K,
    /// Number of loans.
    pub count: u64,
    /// Outstanding balance.
    pub balance: Decimal,
    /// balance ÷ loan balance.
    pub share: Ratio,
}

/// Balance and count by term, contract size, purpose, security and borrower type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mix {
    /// By term band.
    pub by_term: Vec<GroupRow<TermBand>>,
    /// By contract size band.
    pub by_size: Vec<GroupRow<SizeBand>>,
    /// By purpose.
    pub by_purpose: Vec<GroupRow<Purpose>>,
    /// By security.
    pub by_security: Vec<GroupRow<Security>>,
    /// By borrower type.
    pub by_borrower_type: Vec<GroupRow<BorrowerType>>,
}

/// Every §3 metric of one firm at one date, each with the figures it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmMetrics {
    /// The firm.
    pub firm_id: String,
    /// Snapshot date.
    pub as_of: NaiveDate,
    /// Net assets.
    pub net_assets: Decimal,
    /// Loan balance.
    pub loan_balance: Decimal,
    /// Number of loans.
    pub loan_count: u64,
    /// Bank + shareholder + other non-standard borrowing ÷ net assets.
    pub non_standard_funding_multiple: Ratio,
    /// Bonds + ABS ÷ net assets.
    pub standardised_funding_multiple: Ratio,
    /// Largest single borrower ÷ net assets.
    pub largest_single_borrower: Concentration,
    /// Largest related group ÷ net assets.
    pub largest_related_group: Concentration,
    /// Ten largest borrowers ÷ net assets.
    pub top10_borrowers: Ratio,
    /// Loans to related parties ÷ net assets.
    pub related_party_loans: Ratio,
    /// Balance of loans with DPD > 0 ÷ loan balance.
    pub overdue_loan_ratio: Ratio,
    /// Overdue principal ÷ loan balance.
    pub overdue_principal_ratio: Ratio,
    /// Balance by overdue bucket.
    pub overdue_buckets: Vec<GroupRow<OverdueBucket>>,
    /// NPL balance ÷ loan balance.
    pub npl_ratio: Ratio,
    /// Loans past the substandard DPD threshold booked better than substandard.
    pub misclassified_loans: Incidence,
    /// Allowance ÷ NPL balance (none without NPL).
    pub provision_coverage: Ratio,
    /// Allowance ÷ required allowance.
    pub provision_adequacy: Ratio,
    /// Σ APR × balance ÷ loan balance.
    pub weighted_apr: Ratio,
    /// Balance of loans with APR above the cap ÷ loan balance.
    pub above_cap_share: Ratio,
    /// Loans whose recorded payout is below contract principal.
    pub upfront_deduction: Incidence,
    /// Loans paid out from another account without an override reason.
    pub payout_outside_dedicated_account: Incidence,
    /// Loans paid out from another account with an override reason (shown, not a breach).
    pub payout_outside_with_override: Incidence,
    /// Annualised net profit ÷ average total assets.
    pub roa: Ratio,
    /// Annualised net profit ÷ average equity.
    pub roe: Ratio,
    /// Balance and count by term, size, purpose, security and borrower type.
    pub mix: Mix,
}

impl FirmMetrics {
    /// The figure of a metric: the ratio compared with its limit and aggregated across firms.
    pub fn figure(&self, metric: Metric) -> &Ratio {
        match metric {
            Metric::NonStandardFundingMultiple => &self.non_standard_funding_multiple,
            Metric::StandardisedFundingMultiple => &self.standardised_funding_multiple,
            Metric::LargestSingleBorrower => &self.largest_single_borrower.ratio,
            Metric::LargestRelatedGroup => &self.largest_related_group.ratio,
            Metric::Top10Borrowers => &self.top10_borrowers,
            Metric::RelatedPartyLoans => &self.related_party_loans,
            Metric::OverdueLoanRatio => &self.overdue_loan_ratio,
            Metric::OverduePrincipalRatio => &self.overdue_principal_ratio,
            Metric::NplRatio => &self.npl_ratio,
            Metric::MisclassifiedLoans => &self.misclassified_loans.loans,
            Metric::ProvisionCoverage => &self.provision_coverage,
            Metric::ProvisionAdequacy => &self.provision_adequacy,
            Metric::WeightedApr => &self.weighted_apr,
            Metric::AboveCapShare => &self.above_cap_share,
            Metric::UpfrontDeduction => &self.upfront_deduction.loans,
            Metric::PayoutOutsideDedicatedAccount => &self.payout_outside_dedicated_account.loans,
            Metric::Roa => &self.roa,
            Metric::Roe => &self.roe,
        }
    }
}

/// Computes every metric of one firm; `thresholds` supplies the APR cap and the substandard DPD threshold.
pub fn firm_metrics(
    input: &FirmInput,
    thresholds: &Thresholds,
) -> Result<FirmMetrics, MetricsError> {
    check(input)?;
    let loans = &input.loans;
    let na = input.net_assets;
    let lb = input.loan_balance;
    let sum = |pick: &dyn Fn(&LoanFacts) -> bool| {
        loans
            .iter()
            .filter(|l| pick(l))
            .map(|l| l.balance)
            .sum::<Decimal>()
    };
    let f = &input.funding;

    let by_borrower = balances_by(loans.iter().map(|l| (l.borrower_id.as_str(), l.balance)));
    let by_group = balances_by(
        loans
            .iter()
            .filter_map(|l| l.related_group_id.as_deref().map(|g| (g, l.balance))),
    );
    let top10: Decimal = by_borrower.iter().take(10).map(|(_, b)| *b).sum();

    let npl = sum(&|l| l.class >= LoanClass::Substandard);
    let substandard = thresholds.class_bands.substandard_from;
    let annualised = |profit: Decimal| {
        (profit * Decimal::from(DAYS_PER_YEAR) / Decimal::from(input.days))
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
    };
    let profit = annualised(input.net_profit_ytd);

    Ok(FirmMetrics {
        firm_id: input.firm_id.clone(),
        as_of: input.as_of,
        net_assets: na,
        loan_balance: lb,
        loan_count: count(loans.len()),
        non_standard_funding_multiple: Ratio::of(f.bank + f.shareholder + f.other_non_standard, na),
        standardised_funding_multiple: Ratio::of(f.bonds + f.abs, na),
        largest_single_borrower: concentration(by_borrower.first(), na),
        largest_related_group: concentration(by_group.first(), na),
        top10_borrowers: Ratio::of(top10, na),
        related_party_loans: Ratio::of(sum(&|l| l.related_party), na),
        overdue_loan_ratio: Ratio::of(sum(&|l| l.dpd > 0), lb),
        overdue_principal_ratio: Ratio::of(loans.iter().map(|l| l.overdue_principal).sum(), lb),
        overdue_buckets: group_rows(loans, &OverdueBucket::ALL, lb, |l| OverdueBucket::of(l.dpd)),
        npl_ratio: Ratio::of(npl, lb),
        misclassified_loans: incidence(loans, |l| {
            l.dpd >= substandard && l.class < LoanClass::Substandard
        }),
        provision_coverage: Ratio::of(input.allowance, npl),
        provision_adequacy: Ratio::of(input.allowance, input.required_allowance),
        weighted_apr: Ratio::of(loans.iter().map(|l| l.apr * l.balance).sum(), lb),
        above_cap_share: Ratio::of(sum(&|l| l.apr > thresholds.apr_cap), lb),
        upfront_deduction: incidence(loans, |l| l.recorded_payout < l.contract_principal),
        payout_outside_dedicated_account: incidence(loans, |l| {
            !l.payout_from_dedicated_account && !l.payout_override
        }),
        payout_outside_with_override: incidence(loans, |l| {
            !l.payout_from_dedicated_account && l.payout_override
        }),
        roa: Ratio::of(profit, input.average_total_assets),
        roe: Ratio::of(profit, input.average_equity),
        mix: Mix {
            by_term: group_rows(loans, &TermBand::ALL, lb, |l| {
                Some(TermBand::of(l.term_months))
            }),
            by_size: group_rows(loans, &SizeBand::ALL, lb, |l| {
                Some(SizeBand::of(l.contract_size))
            }),
            by_purpose: group_rows(loans, &Purpose::ALL, lb, |l| Some(l.purpose)),
            by_security: group_rows(loans, &Security::ALL, lb, |l| Some(l.security)),
            by_borrower_type: group_rows(loans, &BorrowerType::ALL, lb, |l| Some(l.borrower_type)),
        },
    })
}

/// Refuses negative amounts, zero days and a loan balance that is not the sum of the loans.
fn check(input: &FirmInput) -> Result<(), MetricsError> {
    let negative = |field: &'static str, x: Decimal| {
        if x < Decimal::ZERO {
            Err(MetricsError::NegativeAmount { field })
        } else {
            Ok(())
        }
    };
    let f = &input.funding;
    for (field, x) in [
        ("loan_balance", input.loan_balance),
        ("funding.bank", f.bank),
        ("funding.shareholder", f.shareholder),
        ("funding.other_non_standard", f.other_non_standard),
        ("funding.bonds", f.bonds),
        ("funding.abs", f.abs),
        ("allowance", input.allowance),
        ("required_allowance", input.required_allowance),
    ] {
        negative(field, x)?;
    }
    for l in &input.loans {
        for (field, x) in [
            ("loans.balance", l.balance),
            ("loans.overdue_principal", l.overdue_principal),
            ("loans.apr", l.apr),
            ("loans.contract_principal", l.contract_principal),
            ("loans.recorded_payout", l.recorded_payout),
            ("loans.contract_size", l.contract_size),
        ] {
            negative(field, x)?;
        }
    }
    if input.days == 0 {
        return Err(MetricsError::InvalidDays);
    }
    let computed: Decimal = input.loans.iter().map(|l| l.balance).sum();
    if computed != input.loan_balance {
        return Err(MetricsError::LoanBalanceMismatch {
            stated: input.loan_balance,
            computed,
        });
    }
    Ok(())
}

/// Balances added up per id, largest first (ties by id).
fn balances_by<'a>(items: impl Iterator<Item = (&'a str, Decimal)>) -> Vec<(&'a str, Decimal)> {
    let mut map: BTreeMap<&str, Decimal> = BTreeMap::new();
    for (id, balance) in items {
        *map.entry(id).or_default() += balance;
    }
    let mut list: Vec<(&str, Decimal)> = map.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    list
}

fn concentration(largest: Option<&(&str, Decimal)>, net_assets: Decimal) -> Concentration {
    Concentration {
        id: largest.map(|(id, _)| (*id).to_owned()),
        ratio: Ratio::of(largest.map_or(Decimal::ZERO, |(_, b)| *b), net_assets),
    }
}

fn incidence(loans: &[LoanFacts], pick: impl Fn(&LoanFacts) -> bool) -> Incidence {
    let matching: Vec<&LoanFacts> = loans.iter().filter(|l| pick(l)).collect();
    Incidence {
        loans: Ratio::of(
            Decimal::from(count(matching.len())),
            Decimal::from(count(loans.len())),
        ),
        balance: matching.iter().map(|l| l.balance).sum(),
    }
}

/// One row per key (every key listed, empty ones too).
fn group_rows<K: Copy + PartialEq>(
    loans: &[LoanFacts],
    keys: &[K],
    loan_balance: Decimal,
    key_of: impl Fn(&LoanFacts) -> Option<K>,
) -> Vec<GroupRow<K>> {
    keys.iter()
        .map(|key| {
            let matching = loans.iter().filter(|l| key_of(l) == Some(*key));
            let (n, balance) =
                matching.fold((0usize, Decimal::ZERO), |(n, b), l| (n + 1, b + l.balance));
            GroupRow {
                key: *key,
                count: count(n),
                balance,
                share: Ratio::of(balance, loan_balance),
            }
        })
        .collect()
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

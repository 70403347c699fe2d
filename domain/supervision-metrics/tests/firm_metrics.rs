//! One firm's metrics, computed by hand.

mod common;

use common::{firm, loan, metrics};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use supervision_metrics::*;

/// Five loans chosen so that most limits are hit once (figures in the comments).
fn firm_a() -> FirmInput {
    let l1 = LoanFacts {
        related_group_id: Some("G1".to_owned()),
        apr: dec!(0.12),
        contract_principal: dec!(1000000),
        recorded_payout: dec!(1000000),
        contract_size: dec!(1000000),
        security: Security::Mortgage,
        ..loan("L1", "B1", dec!(900000))
    };
    let l2 = LoanFacts {
        related_group_id: Some("G1".to_owned()),
        dpd: 15,
        class: LoanClass::SpecialMention,
        overdue_principal: dec!(20000),
        apr: dec!(0.18),
        term_months: 6,
        purpose: Purpose::Consumption,
        security: Security::Guarantee,
        borrower_type: BorrowerType::UrbanResident,
        ..loan("L2", "B1", dec!(300000))
    };
    let l3 = LoanFacts {
        related_group_id: Some("G1".to_owned()),
        dpd: 100,
        class: LoanClass::SpecialMention, // misclassified: 100 DPD is substandard
        overdue_principal: dec!(100000),
        apr: dec!(0.24), // at the cap, not above
        contract_principal: dec!(500000),
        recorded_payout: dec!(480000), // upfront deduction
        term_months: 3,
        contract_size: dec!(500000),
        purpose: Purpose::Agriculture,
        borrower_type: BorrowerType::Farmer,
        ..loan("L3", "B2", dec!(400000))
    };
    let l4 = LoanFacts {
        related_party: true,
        dpd: 200,
        class: LoanClass::Substandard,
        overdue_principal: dec!(150000),
        apr: dec!(0.30),
        payout_from_dedicated_account: false,
        term_months: 2,
        purpose: Purpose::Consumption,
        borrower_type: BorrowerType::SmallBusinessOwner,
        ..loan("L4", "B3", dec!(150000))
    };
    let l5 = LoanFacts {
        dpd: 400,
        class: LoanClass::Loss,
        overdue_principal: dec!(250000),
        payout_from_dedicated_account: false,
        payout_override: true,
        term_months: 24,
        security: Security::Pledge,
        ..loan("L5", "B4", dec!(250000))
    };
    FirmInput {
        funding: FundingBalances {
            bank: dec!(6000000),
            shareholder: dec!(2000000),
            other_non_standard: dec!(1000000),
            bonds: dec!(20000000),
            abs: Decimal::ZERO,
        },
        allowance: dec!(300000),
        required_allowance: dec!(350000),
        net_profit_ytd: dec!(500000),
        average_total_assets: dec!(25000000),
        average_equity: dec!(10000000),
        days: 73,
        ..firm("firm_a", dec!(10000000), vec![l1, l2, l3, l4, l5])
    }
}

fn r(numerator: Decimal, denominator: Decimal, value: Decimal) -> Ratio {
    Ratio {
        numerator,
        denominator,
        value: Some(value),
    }
}

#[test]
fn every_metric_of_a_hand_computed_firm() {
    let m = metrics(&firm_a());
    let na = dec!(10000000);
    let lb = dec!(2000000);
    assert_eq!(m.loan_balance, lb);
    assert_eq!(m.loan_count, 5);
    assert_eq!(
        m.non_standard_funding_multiple,
        r(dec!(9000000), na, dec!(0.9))
    );
    assert_eq!(
        m.standardised_funding_multiple,
        r(dec!(20000000), na, dec!(2))
    );
    assert_eq!(m.largest_single_borrower.id.as_deref(), Some("B1"));
    assert_eq!(
        m.largest_single_borrower.ratio,
        r(dec!(1200000), na, dec!(0.12))
    );
    assert_eq!(m.largest_related_group.id.as_deref(), Some("G1"));
    assert_eq!(
        m.largest_related_group.ratio,
        r(dec!(1600000), na, dec!(0.16))
    );
    assert_eq!(m.top10_borrowers, r(lb, na, dec!(0.2)));
    assert_eq!(m.related_party_loans, r(dec!(150000), na, dec!(0.015)));
    assert_eq!(m.overdue_loan_ratio, r(dec!(1100000), lb, dec!(0.55)));
    assert_eq!(m.overdue_principal_ratio, r(dec!(520000), lb, dec!(0.26)));
    assert_eq!(m.npl_ratio, r(dec!(400000), lb, dec!(0.2)));
    assert_eq!(m.misclassified_loans.loans, r(dec!(1), dec!(5), dec!(0.2)));
    assert_eq!(m.misclassified_loans.balance, dec!(400000));
    assert_eq!(
        m.provision_coverage,
        r(dec!(300000), dec!(400000), dec!(0.75))
    );
    // 300,000 / 350,000 = 0.857142857… → 0.857143
    assert_eq!(
        m.provision_adequacy,
        r(dec!(300000), dec!(350000), dec!(0.857143))
    );
    // 108,000 + 54,000 + 96,000 + 45,000 + 25,000 = 328,000
    assert_eq!(m.weighted_apr.numerator, dec!(328000));
    assert_eq!(m.weighted_apr.value, Some(dec!(0.164)));
    assert_eq!(m.above_cap_share, r(dec!(150000), lb, dec!(0.075)));
    assert_eq!(m.upfront_deduction.loans.value, Some(dec!(0.2)));
    assert_eq!(m.upfront_deduction.balance, dec!(400000));
    assert_eq!(m.payout_outside_dedicated_account.balance, dec!(150000));
    assert_eq!(m.payout_outside_with_override.balance, dec!(250000));
    // 500,000 × 365 / 73 = 2,500,000 annualised.
    assert_eq!(m.roa, r(dec!(2500000), dec!(25000000), dec!(0.1)));
    assert_eq!(m.roe, r(dec!(2500000), dec!(10000000), dec!(0.25)));
}

#[test]
fn overdue_buckets_and_mix_tables() {
    let m = metrics(&firm_a());
    let rows = |rows: Vec<(u64, Decimal)>| rows;
    let buckets: Vec<(u64, Decimal)> = m
        .overdue_buckets
        .iter()
        .map(|b| (b.count, b.balance))
        .collect();
    let z = Decimal::ZERO;
    assert_eq!(
        buckets,
        rows(vec![
            (1, dec!(300000)),
            (0, z),
            (1, dec!(400000)),
            (1, dec!(150000)),
            (0, z),
            (1, dec!(250000))
        ])
    );
    assert_eq!(m.overdue_buckets[0].key, OverdueBucket::Dpd1To30);
    assert_eq!(m.overdue_buckets[0].share.value, Some(dec!(0.15)));
    let term: Vec<(TermBand, u64, Decimal)> = m
        .mix
        .by_term
        .iter()
        .map(|g| (g.key, g.count, g.balance))
        .collect();
    assert_eq!(
        term,
        [
            (TermBand::Under3Months, 1, dec!(150000)),
            (TermBand::From3To6Months, 1, dec!(400000)),
            (TermBand::From6To12Months, 1, dec!(300000)),
            (TermBand::From12Months, 2, dec!(1150000)),
        ]
    );
    let size: Vec<(SizeBand, u64, Decimal)> = m
        .mix
        .by_size
        .iter()
        .map(|g| (g.key, g.count, g.balance))
        .collect();
    assert_eq!(
        size,
        [
            (SizeBand::Under200k, 1, dec!(150000)),
            (SizeBand::From200kTo300k, 1, dec!(250000)),
            (SizeBand::From300kTo500k, 1, dec!(300000)),
            (SizeBand::From500k, 2, dec!(1300000)),
        ]
    );
    let purpose: Vec<Decimal> = m.mix.by_purpose.iter().map(|g| g.balance).collect();
    assert_eq!(purpose, [dec!(400000), dec!(1150000), dec!(450000)]);
    let security: Vec<Decimal> = m.mix.by_security.iter().map(|g| g.balance).collect();
    assert_eq!(
        security,
        [dec!(550000), dec!(300000), dec!(900000), dec!(250000)]
    );
    let borrower: Vec<Decimal> = m.mix.by_borrower_type.iter().map(|g| g.balance).collect();
    assert_eq!(
        borrower,
        [dec!(1150000), dec!(150000), dec!(300000), dec!(400000)]
    );
}

#[test]
fn band_edges() {
    assert_eq!(OverdueBucket::of(0), None);
    assert_eq!(OverdueBucket::of(30), Some(OverdueBucket::Dpd1To30));
    assert_eq!(OverdueBucket::of(31), Some(OverdueBucket::Dpd31To90));
    assert_eq!(OverdueBucket::of(90), Some(OverdueBucket::Dpd31To90));
    assert_eq!(OverdueBucket::of(91), Some(OverdueBucket::Dpd91To180));
    assert_eq!(OverdueBucket::of(360), Some(OverdueBucket::Dpd271To360));
    assert_eq!(OverdueBucket::of(361), Some(OverdueBucket::DpdOver360));
    assert_eq!(TermBand::of(2), TermBand::Under3Months);
    assert_eq!(TermBand::of(3), TermBand::From3To6Months);
    assert_eq!(TermBand::of(11), TermBand::From6To12Months);
    assert_eq!(TermBand::of(12), TermBand::From12Months);
    assert_eq!(SizeBand::of(dec!(199999.99)), SizeBand::Under200k);
    assert_eq!(SizeBand::of(dec!(200000)), SizeBand::From200kTo300k);
    assert_eq!(SizeBand::of(dec!(500000)), SizeBand::From500k);
    assert_eq!(
        serde_json::to_string(&SizeBand::From200kTo300k)
            .ok()
            .as_deref(),
        Some("\"200k_to_300k\"")
    );
}

#[test]
fn breaches_of_the_default_limits() {
    let m = metrics(&firm_a());
    let found: Vec<(Metric, Option<Decimal>)> = breaches(&m, &Thresholds::default())
        .iter()
        .map(|b| (b.metric, b.value))
        .collect();
    assert_eq!(
        found,
        [
            (Metric::LargestSingleBorrower, Some(dec!(0.12))),
            (Metric::LargestRelatedGroup, Some(dec!(0.16))),
            (Metric::MisclassifiedLoans, Some(dec!(0.2))),
            (Metric::ProvisionCoverage, Some(dec!(0.75))),
            (Metric::ProvisionAdequacy, Some(dec!(0.857143))),
            (Metric::AboveCapShare, Some(dec!(0.075))),
            (Metric::UpfrontDeduction, Some(dec!(0.2))),
            (Metric::PayoutOutsideDedicatedAccount, Some(dec!(0.2))),
        ]
    );
    let limits = breaches(&m, &Thresholds::default());
    assert_eq!(limits[0].limit, Limit::AtMost(dec!(0.10)));
    assert_eq!(limits[3].limit, Limit::AtLeast(dec!(1)));
    // Exactly at a limit is not a breach.
    let at_limit = FirmInput {
        funding: FundingBalances {
            bank: dec!(1000),
            ..FundingBalances::default()
        },
        ..firm("f", dec!(1000), vec![loan("L", "B", dec!(100))])
    };
    assert!(breaches(&metrics(&at_limit), &Thresholds::default()).is_empty());
}

#[test]
fn ratios_without_a_denominator() {
    // No NPL: coverage has no value and is no breach; no required allowance either.
    let clean = metrics(&firm("f", dec!(1000), vec![loan("L", "B", dec!(50))]));
    assert_eq!(clean.provision_coverage.value, None);
    assert_eq!(clean.provision_adequacy.value, None);
    // No loans at all.
    let empty = metrics(&firm("f", dec!(1000), vec![]));
    assert_eq!(
        empty.npl_ratio,
        Ratio {
            numerator: Decimal::ZERO,
            denominator: Decimal::ZERO,
            value: None
        }
    );
    assert_eq!(empty.largest_single_borrower.id, None);
    assert_eq!(empty.largest_related_group.ratio.value, Some(Decimal::ZERO));
    // Borrowing with no net assets (or negative) is a breach without a value, or with a negative one.
    let broke = FirmInput {
        funding: FundingBalances {
            bank: dec!(10),
            ..FundingBalances::default()
        },
        ..firm("f", Decimal::ZERO, vec![])
    };
    let b = breaches(&metrics(&broke), &Thresholds::default());
    assert_eq!(b.len(), 1);
    assert_eq!(
        (b[0].metric, b[0].value),
        (Metric::NonStandardFundingMultiple, None)
    );
    let negative = FirmInput {
        funding: FundingBalances {
            bonds: dec!(10),
            ..FundingBalances::default()
        },
        ..firm("f", dec!(-100), vec![])
    };
    let b = breaches(&metrics(&negative), &Thresholds::default());
    assert_eq!(
        b.iter().map(|b| (b.metric, b.value)).collect::<Vec<_>>(),
        [(Metric::StandardisedFundingMultiple, Some(dec!(-0.1)))]
    );
}

#[test]
fn inputs_are_checked() {
    let mut input = firm("f", dec!(1000), vec![loan("L", "B", dec!(50))]);
    input.loan_balance = dec!(49.99);
    let err = firm_metrics(&input, &Thresholds::default()).err();
    assert_eq!(err.map(|e| e.code()), Some("loan_balance_mismatch"));
    let mut input = firm("f", dec!(1000), vec![loan("L", "B", dec!(-50))]);
    input.loan_balance = dec!(-50);
    assert_eq!(
        firm_metrics(&input, &Thresholds::default())
            .err()
            .map(|e| e.code()),
        Some("negative_amount")
    );
    let mut input = firm("f", dec!(1000), vec![]);
    input.days = 0;
    assert_eq!(
        firm_metrics(&input, &Thresholds::default())
            .err()
            .map(|e| e.code()),
        Some("invalid_days")
    );
}

#[test]
fn a_tenant_may_only_tighten_limits() {
    let jurisdiction = Thresholds::default();
    let stricter = Thresholds {
        single_borrower_max: dec!(0.08),
        provision_coverage_min: dec!(1.5),
        apr_cap: dec!(0.2),
        ..jurisdiction
    };
    assert!(stricter.check_not_looser_than(&jurisdiction).is_ok());
    for looser in [
        Thresholds {
            single_borrower_max: dec!(0.12),
            ..jurisdiction
        },
        Thresholds {
            provision_coverage_min: dec!(0.9),
            ..jurisdiction
        },
        Thresholds {
            apr_cap: dec!(0.36),
            ..jurisdiction
        },
        Thresholds {
            class_bands: ClassBands {
                substandard_from: 121,
                ..ClassBands::default()
            },
            ..jurisdiction
        },
    ] {
        let err = looser.check_not_looser_than(&jurisdiction).err();
        assert_eq!(
            err.map(|e| e.code()),
            Some("thresholds_looser_than_jurisdiction")
        );
    }
    // A stricter substandard threshold finds more misclassified loans.
    let strict = Thresholds {
        class_bands: ClassBands {
            substandard_from: 61,
            ..ClassBands::default()
        },
        ..jurisdiction
    };
    let input = firm(
        "f",
        dec!(1000),
        vec![LoanFacts {
            dpd: 70,
            ..loan("L", "B", dec!(10))
        }],
    );
    assert_eq!(
        metrics(&input).misclassified_loans.loans.numerator,
        Decimal::ZERO
    );
    let m = firm_metrics(&input, &strict).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.misclassified_loans.loans.numerator, Decimal::ONE);
}

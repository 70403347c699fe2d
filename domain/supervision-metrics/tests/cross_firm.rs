//! Figures across firms: ratio of sums, nearest-rank percentiles, firms in breach.

mod common;

use common::{firm, loan, metrics};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use supervision_metrics::*;

/// A firm whose loan book has `npl` non-performing out of `total`.
fn firm_with_npl(id: &str, total: Decimal, npl: Decimal) -> FirmMetrics {
    let loans = vec![
        loan("good", "B1", total - npl),
        LoanFacts {
            dpd: 200,
            class: LoanClass::Substandard,
            ..loan("bad", "B2", npl)
        },
    ];
    metrics(&firm(id, dec!(100000000), loans))
}

fn cross(firms: &[FirmMetrics], metric: Metric) -> CrossFirmMetric {
    let all = aggregate(firms, &Thresholds::default());
    all.metrics
        .into_iter()
        .find(|m| m.metric == metric)
        .unwrap_or_else(|| panic!("{metric:?}"))
}

#[test]
fn ratio_of_sums_is_not_the_mean_of_ratios() {
    // P: 50 of 100 bad (0.5); Q: 90 of 900 bad (0.1). Mean of ratios 0.3; ratio of sums 140 / 1000.
    let firms = [
        firm_with_npl("p", dec!(100), dec!(50)),
        firm_with_npl("q", dec!(900), dec!(90)),
    ];
    let npl = cross(&firms, Metric::NplRatio);
    assert_eq!(
        npl.total,
        Ratio {
            numerator: dec!(140),
            denominator: dec!(1000),
            value: Some(dec!(0.14))
        }
    );
    let mean_of_ratios = (dec!(0.5) + dec!(0.1)) / dec!(2);
    assert_eq!(mean_of_ratios, dec!(0.3));
    assert_ne!(npl.total.value, Some(mean_of_ratios));
    assert_eq!(npl.firms_with_value, 2);
}

#[test]
fn nearest_rank_percentiles() {
    let v = |xs: &[i64]| xs.iter().map(|x| Decimal::from(*x)).collect::<Vec<_>>();
    assert_eq!(nearest_rank(&[], 50), None);
    // N = 1: every percentile is the one value.
    for p in [10, 50, 90] {
        assert_eq!(nearest_rank(&v(&[7]), p), Some(dec!(7)));
    }
    // N = 5: ranks ⌈0.5⌉ = 1, ⌈2.5⌉ = 3, ⌈4.5⌉ = 5.
    let five = v(&[10, 20, 30, 40, 50]);
    assert_eq!(nearest_rank(&five, 10), Some(dec!(10)));
    assert_eq!(nearest_rank(&five, 50), Some(dec!(30)));
    assert_eq!(nearest_rank(&five, 90), Some(dec!(50)));
    // N = 10: ranks 1, 5, 9.
    let ten = v(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert_eq!(nearest_rank(&ten, 10), Some(dec!(1)));
    assert_eq!(nearest_rank(&ten, 50), Some(dec!(5)));
    assert_eq!(nearest_rank(&ten, 90), Some(dec!(9)));
    assert_eq!(nearest_rank(&ten, 100), Some(dec!(10)));
}

#[test]
fn percentiles_across_ten_firms_in_any_order() {
    // NPL ratios 0.01 … 0.10, given out of order.
    let order = [7, 2, 10, 1, 5, 9, 3, 8, 6, 4];
    let firms: Vec<FirmMetrics> = order
        .iter()
        .map(|k| firm_with_npl(&format!("f{k}"), dec!(100), Decimal::from(*k)))
        .collect();
    let npl = cross(&firms, Metric::NplRatio);
    assert_eq!(npl.p10, Some(dec!(0.01)));
    assert_eq!(npl.median, Some(dec!(0.05)));
    assert_eq!(npl.p90, Some(dec!(0.09)));
    // Five of them, N = 5: 0.02, 0.05, 0.07, 0.09, 0.10 → p10 0.02, median 0.07, p90 0.10.
    let five: Vec<FirmMetrics> = [7, 2, 10, 5, 9]
        .iter()
        .map(|k| firm_with_npl(&format!("f{k}"), dec!(100), Decimal::from(*k)))
        .collect();
    let npl = cross(&five, Metric::NplRatio);
    assert_eq!(
        (npl.p10, npl.median, npl.p90),
        (Some(dec!(0.02)), Some(dec!(0.07)), Some(dec!(0.1)))
    );
    // One firm.
    let npl = cross(&five[..1], Metric::NplRatio);
    assert_eq!(
        (npl.p10, npl.median, npl.p90),
        (Some(dec!(0.07)), Some(dec!(0.07)), Some(dec!(0.07)))
    );
}

#[test]
fn firms_in_breach_are_counted_and_listed() {
    // x: one borrower at 20 % of net assets; y: clean; z: related party at 16 % and a large borrower.
    let x = metrics(&firm("x", dec!(1000), vec![loan("1", "B", dec!(200))]));
    let y = metrics(&firm(
        "y",
        dec!(1000),
        vec![loan("1", "B", dec!(50)), loan("2", "C", dec!(50))],
    ));
    let z = metrics(&firm(
        "z",
        dec!(1000),
        vec![LoanFacts {
            related_party: true,
            ..loan("1", "B", dec!(160))
        }],
    ));
    let all = aggregate(&[x, y, z], &Thresholds::default());
    assert_eq!(all.firm_count, 3);
    assert_eq!(all.firms_in_breach, ["x", "z"]);
    let single = all
        .metrics
        .iter()
        .find(|m| m.metric == Metric::LargestSingleBorrower);
    assert_eq!(
        single.map(|m| m.firms_in_breach.clone()),
        Some(vec!["x".to_owned(), "z".to_owned()])
    );
    let related = all
        .metrics
        .iter()
        .find(|m| m.metric == Metric::RelatedPartyLoans);
    assert_eq!(related.map(|m| m.firms_in_breach.len()), Some(1));
    // Ratio of sums of the largest borrower: (200 + 50 + 160) / 3000.
    assert_eq!(single.map(|m| m.total.value), Some(Some(dec!(0.136667))));
    // Shown-only metrics list nobody.
    let npl = all.metrics.iter().find(|m| m.metric == Metric::NplRatio);
    assert_eq!(npl.map(|m| m.firms_in_breach.len()), Some(0));
    assert_eq!(all.metrics.len(), Metric::ALL.len());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_ratio_of_sums_lies_between_the_firms_ratios(
        books in prop::collection::vec((1i64..10_000_000, 0i64..=100), 1..12),
    ) {
        let firms: Vec<FirmMetrics> = books
            .iter()
            .enumerate()
            .map(|(i, (fen, pct))| {
                let total = Decimal::new(*fen, 2);
                let npl = (total * Decimal::from(*pct) / Decimal::ONE_HUNDRED).round_dp(2);
                firm_with_npl(&format!("f{i}"), total, npl)
            })
            .collect();
        let npl = cross(&firms, Metric::NplRatio);
        let values: Vec<Decimal> = firms.iter().filter_map(|f| f.npl_ratio.value).collect();
        let (min, max) = (values.iter().min().copied(), values.iter().max().copied());
        prop_assert!(npl.total.value >= min && npl.total.value <= max);
        prop_assert!(npl.p10 <= npl.median && npl.median <= npl.p90);
        prop_assert!(npl.p10 >= min && npl.p90 <= max);
    }

    #[test]
    fn nearest_rank_is_a_member_with_enough_values_below(
        mut values in prop::collection::vec(-1_000i64..1_000, 1..50),
        p in 1u32..=100,
    ) {
        values.sort();
        let sorted: Vec<Decimal> = values.iter().map(|v| Decimal::from(*v)).collect();
        let x = nearest_rank(&sorted, p);
        prop_assert!(x.is_some_and(|x| sorted.contains(&x)));
        let x = x.unwrap_or_default();
        let at_or_below = sorted.iter().filter(|v| **v <= x).count();
        let below = sorted.iter().filter(|v| **v < x).count();
        let n = sorted.len();
        // At least p % of the values are ≤ x, and fewer than p % are < x.
        prop_assert!(at_or_below * 100 >= p as usize * n);
        prop_assert!(below * 100 < p as usize * n);
    }
}

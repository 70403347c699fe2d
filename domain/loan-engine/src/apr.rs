//! Annualised comprehensive rate (综合年化利率) by the IRR method, solved in `Decimal`.
//!
//! Cash flows: at `d0`, −payout + fees paid at payout + `interest_upfront`'s installment 0; then
//! every installment total (with its fees) at its time on the APR axis (whole months for due dates
//! built as `add_months(d0, k)`, `days/30` otherwise). With exactly one positive flow after `d0` the
//! simple formula applies; otherwise `Σ CF·(1+i)^(−t) = 0` is solved for the monthly rate `i` by a
//! safeguarded Newton iteration in 28-digit decimals, and `APR = 12·i`, half-up to 4 decimals.

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::{EngineError, EngineResult};
use crate::fees::{payout_fees, Fee};
use crate::method::{Method, Term};
use crate::money::{dec, round_rate4, THIRTY, TWELVE};
use crate::schedule::{build_schedule, pow_u32, LoanTerms, Schedule};

/// The default jurisdiction cap on the APR (24 %).
pub const DEFAULT_APR_CAP: Decimal = dec(24, 2);

/// The cash flows the APR is computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CashFlows {
    /// What the borrower actually has at `d0`: principal − payout fees − upfront interest installment.
    pub net_payout: Decimal,
    /// Later flows as (time in thirtieths of a month from `d0`, amount paid by the borrower).
    pub flows: Vec<(u32, Decimal)>,
}

/// Collects the APR cash flows of a schedule; refuses a net payout that is not positive.
pub fn cash_flows(terms: &LoanTerms, schedule: &Schedule) -> EngineResult<CashFlows> {
    let mut net = terms.principal - payout_fees(&terms.fees, terms.principal);
    let mut flows = Vec::with_capacity(schedule.installments.len());
    for (inst, period) in schedule.installments.iter().zip(&schedule.periods) {
        if period.apr_time_30ths == 0 {
            net -= inst.total;
        } else {
            flows.push((period.apr_time_30ths, inst.total));
        }
    }
    if net <= Decimal::ZERO {
        return Err(EngineError::new(
            "rate",
            "net_payout_not_positive",
            format!(
                "upfront interest and payout fees reach the principal: the borrower would receive {net} net; \
                 the interest is a separate payment and may not be deducted from the payout"
            ),
        ));
    }
    Ok(CashFlows {
        net_payout: net,
        flows,
    })
}

/// The APR of a schedule, half-up to 4 decimals (`0.0490`); refuses a non-positive net payout.
pub fn apr(terms: &LoanTerms, schedule: &Schedule) -> EngineResult<Decimal> {
    let cf = cash_flows(terms, schedule)?;
    apr_of_flows(&cf, terms.annual_rate / TWELVE)
}

/// The APR of explicit cash flows; `guess` is a starting monthly rate (the nominal `R/12` is a good one).
pub fn apr_of_flows(cf: &CashFlows, guess: Decimal) -> EngineResult<Decimal> {
    let positive: Vec<&(u32, Decimal)> = cf
        .flows
        .iter()
        .filter(|(_, a)| *a > Decimal::ZERO)
        .collect();
    let yearly = match positive.as_slice() {
        [] => {
            return Err(EngineError::general(
                "apr_unsolvable",
                "the schedule repays nothing after the payout",
            ))
        }
        [(t, repaid)] => {
            // (repaid − net)/net × 12/t with t = t30/30 months: multiply before dividing.
            (*repaid - cf.net_payout) * TWELVE * THIRTY / (cf.net_payout * Decimal::from(*t))
        }
        _ => TWELVE * solve_monthly_irr(cf, guess)?,
    };
    // The solver is accurate to ~1e-22; rounding to 16 places first removes that noise before the half-up rounding to 4.
    Ok(round_rate4(yearly.round_dp_with_strategy(
        16,
        RoundingStrategy::MidpointAwayFromZero,
    )))
}

/// Refuses an APR above `cap`; `cap` itself must be a rate 0–1.
pub fn check_apr_cap(apr: Decimal, cap: Decimal) -> EngineResult<()> {
    if cap.is_sign_negative() || cap > Decimal::ONE {
        return Err(EngineError::new(
            "cap",
            "invalid_cap",
            "the APR cap must be a rate between 0 and 1",
        ));
    }
    if apr > cap {
        return Err(EngineError::new(
            "rate",
            "apr_above_cap",
            format!("the annualised rate (APR) {apr} is above the cap {cap}"),
        ));
    }
    Ok(())
}

/// A product's extreme case to check against the APR cap at product setup.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductAprCheck {
    /// The product's repayment method (not `custom`).
    pub method: Method,
    /// The product's maximum annual rate.
    pub max_rate: Decimal,
    /// The product's fees.
    pub fees: Vec<Fee>,
    /// The smallest amount the product lends.
    pub min_amount: Decimal,
    /// The largest amount the product lends.
    pub max_amount: Decimal,
    /// The shortest term.
    pub shortest: Term,
    /// The longest term.
    pub longest: Term,
    /// The product's creation date, used as the value date of the four cases.
    pub created_on: NaiveDate,
    /// The jurisdiction cap.
    pub cap: Decimal,
}

/// One of the four product-setup cases and its APR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductAprCase {
    /// The amount of the case.
    pub principal: Decimal,
    /// The term of the case.
    pub term: Term,
    /// Its APR.
    pub apr: Decimal,
}

/// Checks a product at setup: maximum rate with its fees, min/max amount × shortest/longest term, regular periods from the creation date; refuses when any APR is above the cap.
pub fn check_product_apr(p: &ProductAprCheck) -> EngineResult<Vec<ProductAprCase>> {
    if p.method == Method::Custom {
        return Err(EngineError::new(
            "method",
            "invalid_method",
            "a custom product has no standard term; its APR is checked on each contract",
        ));
    }
    let mut cases = Vec::with_capacity(4);
    for principal in [p.min_amount, p.max_amount] {
        for term in [p.shortest, p.longest] {
            let terms = LoanTerms {
                method: p.method,
                principal,
                annual_rate: p.max_rate,
                term: Some(term),
                value_date: p.created_on,
                repay_day: None,
                custom: Vec::new(),
                fees: p.fees.clone(),
            };
            let schedule = build_schedule(&terms)?;
            let a = apr(&terms, &schedule)?;
            if a > p.cap {
                return Err(EngineError::new(
                    "max_rate",
                    "apr_above_cap",
                    format!(
                        "at {principal} over {term:?} the product's APR {a} is above the cap {}",
                        p.cap
                    ),
                ));
            }
            cases.push(ProductAprCase {
                principal,
                term,
                apr: a,
            });
        }
    }
    Ok(cases)
}

const TOLERANCE: Decimal = Decimal::from_parts(1, 0, 0, false, 24);
const MAX_ITERATIONS: usize = 200;

/// Net present value `f(i)` and its derivative `f'(i)` at monthly rate `i`.
fn npv(cf: &CashFlows, i: Decimal) -> Option<(Decimal, Decimal)> {
    let one_plus = Decimal::ONE + i;
    let v = Decimal::ONE.checked_div(one_plus)?;
    let needs_w = cf.flows.iter().any(|(t, _)| t % 30 != 0);
    let w = if needs_w {
        exp(-ln(one_plus)? / THIRTY)?
    } else {
        Decimal::ONE
    };
    let mut d = Decimal::ONE;
    let mut prev = 0u32;
    let mut f = -cf.net_payout;
    let mut s = Decimal::ZERO;
    for &(t, amount) in &cf.flows {
        let delta = t.saturating_sub(prev);
        prev = t;
        let months = delta / 30;
        if months == 1 {
            d *= v;
        } else if months > 1 {
            d *= pow_u32(v, months);
        }
        let rest = delta % 30;
        if rest > 0 {
            d *= pow_u32(w, rest);
        }
        let pv = amount * d;
        f += pv;
        s += pv * Decimal::from(t);
    }
    let fp = -s.checked_div(THIRTY * one_plus)?;
    Some((f, fp))
}

/// Solves `Σ CF·(1+i)^(−t) = net` for the monthly rate `i` (Newton from the left of the root, bisection as safeguard).
fn solve_monthly_irr(cf: &CashFlows, guess: Decimal) -> EngineResult<Decimal> {
    let unsolvable = || {
        EngineError::general(
            "apr_unsolvable",
            "the APR equation of this schedule has no solution",
        )
    };
    // f(0) = Σ CF − net ≥ 0 always holds (the principal parts alone sum to the principal).
    let f0: Decimal = cf.flows.iter().map(|(_, a)| *a).sum::<Decimal>() - cf.net_payout;
    if f0.is_zero() {
        return Ok(Decimal::ZERO);
    }
    if f0 < Decimal::ZERO {
        return Err(unsolvable());
    }
    // f is decreasing and convex for i > −1: from a point left of the root Newton climbs to it monotonically.
    let mut lo = Decimal::ZERO;
    let mut hi: Option<Decimal> = None;
    let mut i = if guess > Decimal::ZERO {
        guess
    } else {
        dec(1, 2)
    };
    for _ in 0..MAX_ITERATIONS {
        let (f, fp) = npv(cf, i).ok_or_else(unsolvable)?;
        if f.is_zero() {
            return Ok(i);
        }
        if f > Decimal::ZERO {
            lo = i;
        } else {
            hi = Some(i);
        }
        let newton = if fp.is_zero() {
            None
        } else {
            f.checked_div(fp).and_then(|q| i.checked_sub(q))
        };
        if let Some(n) = newton {
            // A step below the tolerance (or one the 28 digits cannot represent) is convergence.
            if (n - i).abs() < TOLERANCE {
                return Ok(n);
            }
        }
        let next = match (newton, hi) {
            (Some(n), Some(h)) if n > lo && n < h => n,
            (Some(n), None) if n > lo => n,
            (_, Some(h)) => (lo + h) / Decimal::TWO,
            (_, None) => i * Decimal::TWO + Decimal::ONE,
        };
        if (next - i).abs() < TOLERANCE || hi.is_some_and(|h| h - lo < TOLERANCE) {
            return Ok(next);
        }
        if next > dec(1_000_000, 0) {
            return Err(unsolvable());
        }
        i = next;
    }
    Ok(i)
}

/// Natural logarithm by `ln x = 2·atanh((x−1)/(x+1))` after halving/doubling `x` into [0.5, 2].
fn ln(x: Decimal) -> Option<Decimal> {
    if x <= Decimal::ZERO {
        return None;
    }
    let mut y = x;
    let mut k: i64 = 0;
    while y > Decimal::TWO {
        y /= Decimal::TWO;
        k += 1;
    }
    let half = dec(5, 1);
    while y < half {
        y *= Decimal::TWO;
        k -= 1;
    }
    let mut result = atanh_series((y - Decimal::ONE) / (y + Decimal::ONE));
    if k != 0 {
        let ln2 = atanh_series(Decimal::ONE / dec(3, 0));
        result += ln2 * Decimal::from(k);
    }
    Some(result)
}

/// `2·atanh(z) = 2·(z + z³/3 + z⁵/5 + …)` for |z| ≤ 1/3.
fn atanh_series(z: Decimal) -> Decimal {
    let z2 = z * z;
    let mut power = z;
    let mut sum = z;
    let mut n = 1u32;
    loop {
        power *= z2;
        n += 2;
        let term = power / Decimal::from(n);
        if term.is_zero() || n > 200 {
            break;
        }
        sum += term;
    }
    sum * Decimal::TWO
}

/// `e^x` by Taylor series after halving `x` below 1/8 and squaring back.
fn exp(x: Decimal) -> Option<Decimal> {
    let mut y = x;
    let mut halvings = 0u32;
    let limit = dec(125, 3);
    while y.abs() > limit {
        y /= Decimal::TWO;
        halvings += 1;
        if halvings > 64 {
            return None;
        }
    }
    let mut sum = Decimal::ONE;
    let mut term = Decimal::ONE;
    let mut n = 0u32;
    loop {
        n += 1;
        term = term * y / Decimal::from(n);
        if term.is_zero() || n > 60 {
            break;
        }
        sum += term;
    }
    for _ in 0..halvings {
        sum = sum.checked_mul(sum)?;
    }
    Some(sum)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn ln_and_exp_are_precise() {
        let ln2 = ln(dec!(2)).unwrap();
        assert!((ln2 - dec!(0.6931471805599453094172321215)).abs() < dec!(1e-26));
        let e = exp(Decimal::ONE).unwrap();
        assert!((e - dec!(2.7182818284590452353602874714)).abs() < dec!(1e-25));
        let x = dec!(1.0123456789);
        assert!((exp(ln(x).unwrap()).unwrap() - x).abs() < dec!(1e-26));
        assert!((ln(dec!(10)).unwrap() - dec!(2.3025850929940456840179914547)).abs() < dec!(1e-25));
    }

    #[test]
    fn single_flow_is_simple_interest() {
        let cf = CashFlows {
            net_payout: dec!(10000),
            flows: vec![(360, dec!(11200))],
        };
        assert_eq!(apr_of_flows(&cf, dec!(0.01)).unwrap(), dec!(0.12));
        let cf = CashFlows {
            net_payout: dec!(10000),
            flows: vec![(90, dec!(10300))],
        };
        assert_eq!(apr_of_flows(&cf, dec!(0.01)).unwrap(), dec!(0.12));
    }

    #[test]
    fn irr_of_an_exact_annuity() {
        // 1000 at 1 % a month for 2 months: A = 507.51 (rounded), IRR slightly above 12 %.
        let cf = CashFlows {
            net_payout: dec!(1000),
            flows: vec![(30, dec!(507.51)), (60, dec!(507.51))],
        };
        let a = apr_of_flows(&cf, dec!(0.01)).unwrap();
        assert_eq!(a, dec!(0.1200));
    }

    #[test]
    fn cap() {
        assert!(check_apr_cap(dec!(0.24), dec!(0.24)).is_ok());
        let e = check_apr_cap(dec!(0.2401), dec!(0.24)).unwrap_err();
        assert_eq!(e.code, "apr_above_cap");
        assert_eq!(
            check_apr_cap(dec!(0.1), dec!(1.5)).unwrap_err().code,
            "invalid_cap"
        );
    }
}

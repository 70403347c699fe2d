//! Extension (展期) with the limits of 贷款通则 art. 12 and the tenant's maximum number of extensions.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{EngineError, EngineResult};
use crate::fees::FeeKind;
use crate::method::{Method, Term};
use crate::schedule::{build_schedule, LoanTerms, Schedule};

/// Tenant setting for extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionPolicy {
    /// Maximum number of extensions of one loan (default 2).
    pub max_extensions: u32,
}

impl Default for ExtensionPolicy {
    fn default() -> Self {
        Self { max_extensions: 2 }
    }
}

/// An extension request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionRequest {
    /// The extension term, in the loan's own unit (months, or days for a day-term loan).
    pub term: Term,
    /// The extension rate; `None` keeps the contract rate.
    pub rate: Option<Decimal>,
    /// Principal still outstanding at maturity, which the new schedule repays.
    pub outstanding_principal: Decimal,
}

/// The extended loan: the terms and schedule that take effect at the current maturity.
#[derive(Debug, Clone, PartialEq)]
pub struct Extension {
    /// New terms: the loan's method, the extension rate and term, value date = current maturity.
    pub terms: LoanTerms,
    /// The schedule of the extension, built exactly as a new loan.
    pub schedule: Schedule,
}

/// The most a loan of `original` term may be extended in total (贷款通则 art. 12), in the same unit.
///
/// Up to 12 months (365 days): the original term; up to 60 months (1,825 days): half of it, rounded
/// down to whole units; longer: 36 months (1,095 days).
pub fn extension_limit(original: Term) -> Term {
    match original {
        Term::Months(m) if m <= 12 => Term::Months(m),
        Term::Months(m) if m <= 60 => Term::Months(m / 2),
        Term::Months(_) => Term::Months(36),
        Term::Days(d) if d <= 365 => Term::Days(d),
        Term::Days(d) if d <= 1_825 => Term::Days(d / 2),
        Term::Days(_) => Term::Days(1_095),
    }
}

/// Extends a loan from the maturity of `current` (its schedule so far, including earlier extensions).
///
/// `original` are the contract terms; `previous` the terms of the extensions already granted. The
/// new schedule keeps the method, the fixed repayment day and the fees other than payout fees (no
/// payout happens); it is refused beyond the legal limit or the tenant's count (`extension_limit`).
/// Where LOAN-MATH is silent: a `custom` loan cannot be extended this way (it has no term; agree a
/// new custom schedule instead).
pub fn extend(
    original: &LoanTerms,
    current: &Schedule,
    previous: &[Term],
    request: &ExtensionRequest,
    policy: ExtensionPolicy,
) -> EngineResult<Extension> {
    let Some(orig_term) = original.term else {
        return Err(EngineError::new(
            "method",
            "extension_not_supported",
            "a custom loan has no term to extend; agree a new custom schedule instead",
        ));
    };
    if original.method == Method::Custom {
        return Err(EngineError::new(
            "method",
            "extension_not_supported",
            "a custom loan cannot be extended by term",
        ));
    }
    let count = u32::try_from(previous.len())
        .unwrap_or(u32::MAX)
        .saturating_add(1);
    if count > policy.max_extensions {
        return Err(EngineError::new(
            "count",
            "extension_limit",
            format!(
                "the loan has been extended {} time(s); at most {} extension(s) are allowed",
                previous.len(),
                policy.max_extensions
            ),
        ));
    }
    let unit_matches = |t: &Term| {
        matches!(
            (orig_term, t),
            (Term::Months(_), Term::Months(_)) | (Term::Days(_), Term::Days(_))
        )
    };
    if !unit_matches(&request.term) || !previous.iter().all(unit_matches) {
        return Err(EngineError::new(
            request.term.field(),
            "invalid_term",
            format!(
                "extensions are counted in the loan's own unit ({})",
                orig_term.field()
            ),
        ));
    }
    let limit = extension_limit(orig_term);
    let total: u32 = previous
        .iter()
        .map(Term::count)
        .fold(request.term.count(), u32::saturating_add);
    if total > limit.count() {
        return Err(EngineError::new(
            request.term.field(),
            "extension_limit",
            format!(
                "total extension of {total} {} exceeds the limit of {} {} for an original term of {} {} (贷款通则 art. 12)",
                limit.field(),
                limit.count(),
                limit.field(),
                orig_term.count(),
                orig_term.field()
            ),
        ));
    }
    if request.outstanding_principal <= Decimal::ZERO {
        return Err(EngineError::new(
            "principal",
            "invalid_principal",
            "there is no principal outstanding at maturity to extend",
        ));
    }
    let terms = LoanTerms {
        method: original.method,
        principal: request.outstanding_principal,
        annual_rate: request.rate.unwrap_or(original.annual_rate),
        term: Some(request.term),
        value_date: current.maturity(),
        repay_day: original.repay_day,
        custom: Vec::new(),
        fees: original
            .fees
            .iter()
            .filter(|f| f.kind() != FeeKind::AtPayout)
            .cloned()
            .collect(),
    };
    let schedule = build_schedule(&terms)?;
    Ok(Extension { terms, schedule })
}

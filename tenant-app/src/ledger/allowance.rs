//! The loan loss allowance (贷款损失准备, 1304), LOAN-MATH "Provisions": the required
//! allowance from the loan balances by class and the tenant's rates (computed by the
//! loan engine), and the voucher that moves 1304 to it (`ledger_rules::provision_change`).
//! Close of business calls [`propose`] and, when the tenant lets it, [`post_change`].

use chrono::NaiveDate;
use ledger_rules::chart as codes;
use loan_engine::provision::{required_allowance, Allowance, ProvisionRates};
use platform::{audit::Actor, tenancy::TenantTx, ApiError, ApiResult};
use rust_decimal::Decimal;

use super::{balances, periods, posting, settings::LedgerSettings};

pub use loan_engine::provision::ClassBalances;

/// The tenant's allowance rates.
pub fn rates(s: &LedgerSettings) -> ProvisionRates {
    ProvisionRates {
        general: s.provision_general.value(),
        special_mention: s.provision_special_mention.value(),
        substandard: s.provision_substandard.value(),
        doubtful: s.provision_doubtful.value(),
        loss: s.provision_loss.value(),
    }
}

/// Where the allowance stands on a date.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Proposal {
    /// The date.
    pub date: NaiveDate,
    /// 1304's credit balance at the end of the date.
    pub current: Decimal,
    /// The required allowance (its total).
    pub required: Decimal,
    /// The required allowance by part.
    pub parts: Allowance,
    /// `required − current`: positive raises the allowance (Dr 6701 / Cr 1304).
    pub change: Decimal,
    /// Whether the tenant lets close of business post it without finance.
    pub auto_post: bool,
}

/// The allowance change close of business proposes for `date`, with the tenant's rates.
pub async fn propose(
    tx: &mut TenantTx,
    date: NaiveDate,
    classes: &ClassBalances,
) -> ApiResult<Proposal> {
    let settings = super::settings::load(tx).await?;
    let parts = required_allowance(classes, &rates(&settings));
    let totals = balances::as_of(tx, date).await?;
    let current = periods::net_credit(&totals, &codes::LOAN_LOSS_ALLOWANCE);
    Ok(Proposal {
        date,
        current,
        required: parts.total,
        parts,
        change: parts.total - current,
        auto_post: settings.provision_auto_post,
    })
}

/// Posts the change that brings 1304 to the required allowance on `date` (none when it
/// is already there), as the event `source` (e.g. close of business of the date, so a
/// rerun cannot post it twice).
pub async fn post_change(
    tx: &mut TenantTx,
    actor: &Actor,
    date: NaiveDate,
    classes: &ClassBalances,
    source: &posting::Source,
) -> ApiResult<(Proposal, Option<posting::Posted>)> {
    let proposal = propose(tx, date, classes).await?;
    let draft = ledger_rules::provision_change(date, proposal.current, proposal.required)
        .map_err(|e| ApiError::validation("classes", e.code(), e.to_string()))?;
    let posted = match draft {
        Some(draft) => Some(posting::post(tx, actor, &draft, source).await?),
        None => None,
    };
    Ok((proposal, posted))
}

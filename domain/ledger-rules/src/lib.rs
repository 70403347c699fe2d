//! The general ledger's pure part: the chart of accounts a micro-lender starts with, one
//! posting rule per business event (each returning a balanced voucher), reversals, period-close
//! entries, and the statements computed from per-account totals (trial balance, balance sheet,
//! income statement, net assets). No I/O: the database side numbers, posts and stores vouchers.
#![warn(missing_docs)]

mod account;
mod balance_sheet;
pub mod chart;
mod closing;
mod error;
mod funding;
mod income_statement;
mod loan_events;
mod money;
mod provision;
mod rollup;
mod statement_line;
mod totals;
mod trial_balance;
mod voucher;

pub use account::{bank_sub_account, AccountCode, AccountKind, AccountSeed, CashAccount, Side};
pub use balance_sheet::{balance_sheet, net_assets, BalanceSheet};
pub use chart::chart_of_accounts;
pub use closing::{
    profit_carry, risk_reserve_appropriation, year_end_carry, DEFAULT_RISK_RESERVE_RATE,
};
pub use error::LedgerError;
pub use funding::{
    borrowing_drawn, borrowing_repaid, capital_paid_in, interest_expense, interest_payable_paid,
    Borrowing, ExpenseSettlement, LenderKind,
};
pub use income_statement::{income_statement, IncomeStatement};
pub use loan_events::{
    fee_received, income_recognition, move_to_non_accrual, payout, recovery_after_write_off,
    repayment, upfront_interest_received, upfront_interest_release, waiver, write_off, Basis,
    IncomeAmounts, IncomeKind, IncomePart, IncomeParts, RepaymentSplit,
};
pub use money::round_money;
pub use provision::provision_change;
pub use statement_line::StatementLine;
pub use totals::{AccountTotal, Closing, Totals};
pub use trial_balance::{trial_balance, TrialBalance, TrialBalanceAmounts, TrialBalanceRow};
pub use voucher::{reverse, EventKind, PostingLine, VoucherDraft};

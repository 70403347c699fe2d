//! Xiaodai's loan engine: the pure arithmetic of `LOAN-MATH.md` — schedules for the seven
//! repayment methods, fees, penalty and compound interest, days past due, payment allocation,
//! payoff and partial prepayment, extension, APR (IRR method), five-level classification,
//! provisions and interest recognition.
//!
//! No I/O, no database, no clock: every function takes the dates and history it needs. Amounts are
//! `rust_decimal::Decimal`, rounded half-up to the fen from their exact formula; there is no float
//! anywhere in the crate.
#![warn(missing_docs)]
#![deny(
    clippy::float_arithmetic,
    clippy::float_cmp,
    clippy::cast_precision_loss
)]

pub mod accrual;
pub mod allocation;
pub mod apr;
pub mod classification;
pub mod dates;
pub mod error;
pub mod extension;
pub mod fees;
pub mod method;
pub mod money;
pub mod penalty;
pub mod position;
pub mod prepayment;
pub mod preview;
pub mod provision;
pub mod rules;
pub mod schedule;

pub use allocation::{
    allocate_payment, allocate_payments, reverse_payment, AllocationLine, AllocationOrder,
    Component, Payment, PaymentAllocation, Reversal,
};
pub use apr::{apr, check_apr_cap, DEFAULT_APR_CAP};
pub use classification::{classify, ClassBands, LoanClass};
pub use error::{EngineError, EngineResult};
pub use extension::{extend, Extension, ExtensionPolicy, ExtensionRequest};
pub use fees::{Fee, FeeBasis, FeeKind};
pub use method::{Method, Term};
pub use position::{loan_position, Amounts, InstallmentPosition, LoanPosition};
pub use prepayment::{
    partial_prepayment, payoff_quote, PartialPrepayment, PayoffQuote, PrepaymentMode,
};
pub use preview::{
    preview, render_table, CustomInput, Lang, PreviewInstallment, ScheduleInput, SchedulePreview,
};
pub use provision::{required_allowance, Allowance, ClassBalances, ProvisionRates};
pub use rules::ServicingRules;
pub use schedule::{
    build_schedule, CustomInstallment, Installment, InterestBasis, LoanTerms, Period, Schedule,
};

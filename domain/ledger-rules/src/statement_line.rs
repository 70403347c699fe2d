//! A labelled line of a financial statement, for rendering and export.

use rust_decimal::Decimal;
use serde::Serialize;

/// One line of a statement with its Chinese and English label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementLine {
    /// Stable key, e.g. `"loans_net"`.
    pub key: &'static str,
    /// Chinese label as printed, e.g. `发放贷款净额`.
    pub name_zh: &'static str,
    /// English label.
    pub name_en: &'static str,
    /// Indentation: 0 for totals and headings, 1 for items, 2 for "of which" lines.
    pub level: u8,
    /// The amount.
    pub amount: Decimal,
}

/// Shorthand for building a statement line.
pub(crate) fn line(
    key: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
    level: u8,
    amount: Decimal,
) -> StatementLine {
    StatementLine {
        key,
        name_zh,
        name_en,
        level,
        amount,
    }
}

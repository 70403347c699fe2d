//! The schedule preview shared by the CLI (`xiaodai schedule …`) and `POST /api/v1/schedule-previews`.
//!
//! Input arrives as strings and becomes validated [`LoanTerms`] here, at the edge; every refusal
//! names the field at fault. Output amounts are strings with exactly two decimals, the APR a string
//! with exactly four.

use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::apr::{apr, check_apr_cap};
use crate::error::{EngineError, EngineResult};
use crate::method::{Method, Term};
use crate::money::{format_amount, format_rate, parse_amount, parse_rate};
use crate::schedule::{build_schedule, CustomInstallment, LoanTerms, Schedule};

/// The preview request, as the CLI flags and the JSON body give it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInput {
    /// Method code (`"equal_installment"`).
    pub method: String,
    /// Principal, a plain decimal with at most 2 decimals (a JSON number is taken by its exact text).
    #[serde(deserialize_with = "decimal_text")]
    pub principal: String,
    /// Annual nominal rate as a fraction (`"0.049"`).
    #[serde(deserialize_with = "decimal_text")]
    pub rate: String,
    /// Term in months.
    pub months: Option<u32>,
    /// Term in days (`bullet`, `interest_upfront`).
    pub days: Option<u32>,
    /// Value date (payout date), `YYYY-MM-DD`.
    pub start: NaiveDate,
    /// Fixed repayment day 1–28.
    pub repay_day: Option<u32>,
    /// The installments of a `custom` schedule.
    pub custom: Option<Vec<CustomInput>>,
    /// APR cap to enforce (a rate 0–1), if any.
    #[serde(default, deserialize_with = "optional_decimal_text")]
    pub cap: Option<String>,
}

/// One `custom` installment as given by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomInput {
    /// Due date, `YYYY-MM-DD`.
    pub due_date: NaiveDate,
    /// Principal repaid on it, a plain decimal with at most 2 decimals.
    #[serde(deserialize_with = "decimal_text")]
    pub principal: String,
}

/// A decimal given as a JSON string or a JSON number; the number is kept as its exact source text
/// (serde_json's `arbitrary_precision`), never through a float, and validated later like a string.
#[derive(Deserialize)]
#[serde(untagged)]
enum DecimalText {
    Text(String),
    Number(serde_json::Number),
}

impl From<DecimalText> for String {
    fn from(d: DecimalText) -> Self {
        match d {
            DecimalText::Text(s) => s,
            DecimalText::Number(n) => n.to_string(),
        }
    }
}

fn decimal_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    DecimalText::deserialize(d).map(String::from)
}

fn optional_decimal_text<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    Option::<DecimalText>::deserialize(d).map(|o| o.map(String::from))
}

/// The preview answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchedulePreview {
    /// The installments (`interest_upfront`'s interest installment is number 0).
    pub installments: Vec<PreviewInstallment>,
    /// Sum of the interest parts, two decimals.
    pub total_interest: String,
    /// The APR (IRR method), four decimals.
    pub apr: String,
}

/// One installment of a preview, amounts as two-decimal strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewInstallment {
    /// Installment number.
    pub number: u32,
    /// Due date.
    pub due_date: NaiveDate,
    /// Principal part.
    pub principal: String,
    /// Interest part.
    pub interest: String,
    /// Principal + interest (+ fees).
    pub total: String,
    /// Scheduled principal outstanding after it.
    pub balance_after: String,
}

/// Turns a preview request into validated loan terms (no fees: previews show the bare schedule).
pub fn parse_input(input: &ScheduleInput) -> EngineResult<LoanTerms> {
    let method = Method::from_str(input.method.trim())?;
    let principal = parse_amount(&input.principal, "principal", "invalid_principal")?;
    let annual_rate = parse_rate(&input.rate, "rate", "invalid_rate")?;
    let term = match (input.months, input.days) {
        (Some(_), Some(_)) => {
            return Err(EngineError::new(
                "days",
                "invalid_term",
                "give the term either in months or in days, not both",
            ))
        }
        (Some(m), None) => Some(Term::Months(m)),
        (None, Some(d)) => Some(Term::Days(d)),
        (None, None) => None,
    };
    let custom = match &input.custom {
        None => Vec::new(),
        Some(list) => list
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let principal =
                    parse_amount(&c.principal, "custom", "invalid_custom").map_err(|e| {
                        EngineError::new(
                            "custom",
                            e.code,
                            format!("custom installment {}: {}", k + 1, e.message),
                        )
                    })?;
                Ok(CustomInstallment {
                    due_date: c.due_date,
                    principal,
                })
            })
            .collect::<EngineResult<Vec<_>>>()?,
    };
    let terms = LoanTerms {
        method,
        principal,
        annual_rate,
        term,
        value_date: input.start,
        repay_day: input.repay_day,
        custom,
        fees: Vec::new(),
    };
    terms.validate()?;
    Ok(terms)
}

/// Validates the request, builds the schedule, computes the APR and enforces the cap when one is given.
pub fn preview(input: &ScheduleInput) -> EngineResult<SchedulePreview> {
    let terms = parse_input(input)?;
    let cap = input
        .cap
        .as_deref()
        .map(|c| parse_rate(c, "cap", "invalid_cap"))
        .transpose()?;
    let schedule = build_schedule(&terms)?;
    let a = apr(&terms, &schedule)?;
    if let Some(cap) = cap {
        check_apr_cap(a, cap)?;
    }
    Ok(to_preview(&schedule, a))
}

/// Formats a schedule and its APR as a preview.
pub fn to_preview(schedule: &Schedule, apr: rust_decimal::Decimal) -> SchedulePreview {
    SchedulePreview {
        installments: schedule
            .installments
            .iter()
            .map(|i| PreviewInstallment {
                number: i.number,
                due_date: i.due_date,
                principal: format_amount(i.principal),
                interest: format_amount(i.interest),
                total: format_amount(i.total),
                balance_after: format_amount(i.balance_after),
            })
            .collect(),
        total_interest: format_amount(schedule.total_interest()),
        apr: format_rate(apr),
    }
}

/// Language of the rendered table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Chinese headers (default).
    #[default]
    Zh,
    /// English headers.
    En,
}

impl FromStr for Lang {
    type Err = EngineError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "cn" => Ok(Lang::Zh),
            "en" | "en-us" | "en-gb" => Ok(Lang::En),
            _ => Err(EngineError::new(
                "lang",
                "invalid_lang",
                format!("unknown language {s:?}; use zh or en"),
            )),
        }
    }
}

/// Columns of a display width for CJK text: wide characters count two.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let u = u32::from(c);
            let wide = (0x1100..=0x115F).contains(&u)
                || (0x2E80..=0xA4CF).contains(&u)
                || (0xAC00..=0xD7A3).contains(&u)
                || (0xF900..=0xFAFF).contains(&u)
                || (0xFE30..=0xFE4F).contains(&u)
                || (0xFF00..=0xFF60).contains(&u)
                || (0xFFE0..=0xFFE6).contains(&u);
            if wide {
                2
            } else {
                1
            }
        })
        .sum()
}

/// `1234567.80` → `1,234,567.80`.
fn group_thousands(amount: &str) -> String {
    let (sign, body) = match amount.strip_prefix('-') {
        Some(b) => ("-", b),
        None => ("", amount),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let mut out = String::with_capacity(amount.len() + int.len() / 3);
    for (k, ch) in int.chars().enumerate() {
        if k > 0 && (int.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if frac.is_empty() {
        format!("{sign}{out}")
    } else {
        format!("{sign}{out}.{frac}")
    }
}

fn pad(s: &str, width: usize, right: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(display_width(s)));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

/// A readable aligned table of a preview: headers (期数 还款日 本金 利息 合计 剩余本金, or English), a totals row and the APR line.
pub fn render_table(p: &SchedulePreview, lang: Lang) -> String {
    let headers: [&str; 6] = match lang {
        Lang::Zh => ["期数", "还款日", "本金", "利息", "合计", "剩余本金"],
        Lang::En => [
            "No.",
            "Due date",
            "Principal",
            "Interest",
            "Total",
            "Balance",
        ],
    };
    let sum = |f: fn(&PreviewInstallment) -> &str| -> String {
        let total: rust_decimal::Decimal = p
            .installments
            .iter()
            .filter_map(|i| f(i).parse::<rust_decimal::Decimal>().ok())
            .sum();
        format_amount(total)
    };
    let mut rows: Vec<[String; 6]> = p
        .installments
        .iter()
        .map(|i| {
            [
                i.number.to_string(),
                i.due_date.to_string(),
                group_thousands(&i.principal),
                group_thousands(&i.interest),
                group_thousands(&i.total),
                group_thousands(&i.balance_after),
            ]
        })
        .collect();
    let totals_label = match lang {
        Lang::Zh => "总计",
        Lang::En => "Sum",
    };
    rows.push([
        totals_label.to_string(),
        String::new(),
        group_thousands(&sum(|i| &i.principal)),
        group_thousands(&sum(|i| &i.interest)),
        group_thousands(&sum(|i| &i.total)),
        String::new(),
    ]);
    let mut widths = headers.map(display_width);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(display_width(cell));
        }
    }
    let right = [true, false, true, true, true, true];
    let line = |cells: &[String; 6]| -> String {
        let parts: Vec<String> = cells
            .iter()
            .zip(widths)
            .zip(right)
            .map(|((c, w), r)| pad(c, w, r))
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    let rule = "-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1));
    let mut out = String::new();
    out.push_str(&line(&headers.map(String::from)));
    out.push('\n');
    out.push_str(&rule);
    out.push('\n');
    let (body, totals) = rows.split_at(rows.len() - 1);
    for row in body {
        out.push_str(&line(row));
        out.push('\n');
    }
    out.push_str(&rule);
    out.push('\n');
    for row in totals {
        out.push_str(&line(row));
        out.push('\n');
    }
    let percent = p
        .apr
        .parse::<rust_decimal::Decimal>()
        .map(|a| format_amount(a * rust_decimal::Decimal::ONE_HUNDRED))
        .unwrap_or_default();
    match lang {
        Lang::Zh => out.push_str(&format!("综合年化利率（IRR）：{}（{percent}%）\n", p.apr)),
        Lang::En => out.push_str(&format!("APR (IRR method): {} ({percent}%)\n", p.apr)),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands() {
        assert_eq!(group_thousands("1234567.80"), "1,234,567.80");
        assert_eq!(group_thousands("123.00"), "123.00");
        assert_eq!(group_thousands("1000.00"), "1,000.00");
        assert_eq!(group_thousands("-1000.00"), "-1,000.00");
    }

    #[test]
    fn widths() {
        assert_eq!(display_width("期数"), 4);
        assert_eq!(display_width("No."), 3);
    }
}

//! Cash-flow statement (现金流量表), direct method: the cash and bank lines (1001, 1002)
//! of a period's vouchers, each classified by the accounts on the other side of its
//! voucher. Pure: the database hands in, per counter account, what came in (its credits
//! in vouchers that moved cash) and what went out (its debits).
//!
//! `ledger-rules` has no cash-flow statement; this is the one place it is computed.

use ledger_rules::AccountCode;
use rust_decimal::Decimal;

/// One line of the statement.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CashFlowLine {
    /// Stable key.
    pub key: &'static str,
    /// Chinese label.
    pub name_zh: &'static str,
    /// English label.
    pub name_en: &'static str,
    /// 0 for totals and headings, 1 for items.
    pub level: u8,
    /// The amount (inflows and outflows both positive; net lines signed).
    pub amount: Decimal,
}

/// Where a counter account's inflows and outflows go.
fn categories(code: &AccountCode) -> (&'static str, &'static str) {
    match code.top_level() {
        "1303" => ("loans_collected", "loans_disbursed"),
        "1132" | "6011" | "2205" => ("interest_received", "other_operating_paid"),
        "6021" => ("fees_received", "other_operating_paid"),
        "1304" => ("recovered_written_off", "other_operating_paid"),
        "2211" => ("other_operating_received", "staff_paid"),
        "2221" | "6403" | "6801" => ("other_operating_received", "taxes_paid"),
        "1601" => ("fixed_assets_disposed", "fixed_assets_paid"),
        "4001" | "4002" => ("capital_received", "other_financing_paid"),
        "2001" | "2501" | "2502" => ("borrowings_received", "borrowings_repaid"),
        "6411" | "2231" | "4104" | "4101" => {
            ("other_financing_received", "interest_and_dividends_paid")
        }
        _ => ("other_operating_received", "other_operating_paid"),
    }
}

const LAYOUT: [(&str, &str, &str, u8); 31] = [
    (
        "operating",
        "一、经营活动产生的现金流量",
        "Cash flows from operating activities",
        0,
    ),
    (
        "loans_collected",
        "收回贷款收到的现金",
        "Loans collected",
        1,
    ),
    (
        "interest_received",
        "收取利息的现金",
        "Interest received",
        1,
    ),
    (
        "fees_received",
        "收取手续费及佣金的现金",
        "Fees and commissions received",
        1,
    ),
    (
        "recovered_written_off",
        "收回已核销贷款收到的现金",
        "Written-off loans recovered",
        1,
    ),
    (
        "other_operating_received",
        "收到其他与经营活动有关的现金",
        "Other operating cash received",
        1,
    ),
    (
        "operating_inflows",
        "经营活动现金流入小计",
        "Operating cash inflows",
        0,
    ),
    (
        "loans_disbursed",
        "发放贷款支付的现金",
        "Loans disbursed",
        1,
    ),
    (
        "staff_paid",
        "支付给职工以及为职工支付的现金",
        "Paid to and for employees",
        1,
    ),
    ("taxes_paid", "支付的各项税费", "Taxes paid", 1),
    (
        "other_operating_paid",
        "支付其他与经营活动有关的现金",
        "Other operating cash paid",
        1,
    ),
    (
        "operating_outflows",
        "经营活动现金流出小计",
        "Operating cash outflows",
        0,
    ),
    (
        "operating_net",
        "经营活动产生的现金流量净额",
        "Net cash from operating activities",
        0,
    ),
    (
        "investing",
        "二、投资活动产生的现金流量",
        "Cash flows from investing activities",
        0,
    ),
    (
        "fixed_assets_disposed",
        "处置固定资产收回的现金",
        "Fixed assets disposed",
        1,
    ),
    (
        "investing_inflows",
        "投资活动现金流入小计",
        "Investing cash inflows",
        0,
    ),
    (
        "fixed_assets_paid",
        "购建固定资产支付的现金",
        "Fixed assets acquired",
        1,
    ),
    (
        "investing_outflows",
        "投资活动现金流出小计",
        "Investing cash outflows",
        0,
    ),
    (
        "investing_net",
        "投资活动产生的现金流量净额",
        "Net cash from investing activities",
        0,
    ),
    (
        "financing",
        "三、筹资活动产生的现金流量",
        "Cash flows from financing activities",
        0,
    ),
    (
        "capital_received",
        "吸收投资收到的现金",
        "Capital received",
        1,
    ),
    (
        "borrowings_received",
        "取得借款收到的现金",
        "Borrowings received",
        1,
    ),
    (
        "other_financing_received",
        "收到其他与筹资活动有关的现金",
        "Other financing cash received",
        1,
    ),
    (
        "financing_inflows",
        "筹资活动现金流入小计",
        "Financing cash inflows",
        0,
    ),
    (
        "borrowings_repaid",
        "偿还债务支付的现金",
        "Borrowings repaid",
        1,
    ),
    (
        "interest_and_dividends_paid",
        "分配股利、利润或偿付利息支付的现金",
        "Interest and dividends paid",
        1,
    ),
    (
        "other_financing_paid",
        "支付其他与筹资活动有关的现金",
        "Other financing cash paid",
        1,
    ),
    (
        "financing_outflows",
        "筹资活动现金流出小计",
        "Financing cash outflows",
        0,
    ),
    (
        "financing_net",
        "筹资活动产生的现金流量净额",
        "Net cash from financing activities",
        0,
    ),
    (
        "net_increase",
        "四、现金净增加额",
        "Net increase in cash",
        0,
    ),
    (
        "opening_cash",
        "加：期初现金余额",
        "Cash at the beginning",
        1,
    ),
];

/// The statement from, per counter account, its credits (cash in) and debits (cash out)
/// in vouchers that moved cash, and the cash balances at the start and the end.
pub fn statement(
    counter: &[(AccountCode, Decimal, Decimal)],
    opening_cash: Decimal,
    closing_cash: Decimal,
) -> Vec<CashFlowLine> {
    let mut amounts: std::collections::BTreeMap<&'static str, Decimal> =
        std::collections::BTreeMap::new();
    for (code, inflow, outflow) in counter {
        let (into, out_of) = categories(code);
        *amounts.entry(into).or_default() += *inflow;
        *amounts.entry(out_of).or_default() += *outflow;
    }
    let get = |m: &std::collections::BTreeMap<&str, Decimal>, k: &str| {
        m.get(k).copied().unwrap_or_default()
    };
    let sum = |m: &std::collections::BTreeMap<&str, Decimal>, ks: &[&str]| {
        ks.iter().map(|k| get(m, k)).sum::<Decimal>()
    };
    let op_in = sum(
        &amounts,
        &[
            "loans_collected",
            "interest_received",
            "fees_received",
            "recovered_written_off",
            "other_operating_received",
        ],
    );
    let op_out = sum(
        &amounts,
        &[
            "loans_disbursed",
            "staff_paid",
            "taxes_paid",
            "other_operating_paid",
        ],
    );
    let inv_in = get(&amounts, "fixed_assets_disposed");
    let inv_out = get(&amounts, "fixed_assets_paid");
    let fin_in = sum(
        &amounts,
        &[
            "capital_received",
            "borrowings_received",
            "other_financing_received",
        ],
    );
    let fin_out = sum(
        &amounts,
        &[
            "borrowings_repaid",
            "interest_and_dividends_paid",
            "other_financing_paid",
        ],
    );
    amounts.insert("operating_inflows", op_in);
    amounts.insert("operating_outflows", op_out);
    amounts.insert("operating_net", op_in - op_out);
    amounts.insert("investing_inflows", inv_in);
    amounts.insert("investing_outflows", inv_out);
    amounts.insert("investing_net", inv_in - inv_out);
    amounts.insert("financing_inflows", fin_in);
    amounts.insert("financing_outflows", fin_out);
    amounts.insert("financing_net", fin_in - fin_out);
    amounts.insert(
        "net_increase",
        op_in - op_out + inv_in - inv_out + fin_in - fin_out,
    );
    amounts.insert("opening_cash", opening_cash);
    let mut lines: Vec<CashFlowLine> = LAYOUT
        .iter()
        .map(|&(key, name_zh, name_en, level)| CashFlowLine {
            key,
            name_zh,
            name_en,
            level,
            amount: get(&amounts, key),
        })
        .collect();
    lines.push(CashFlowLine {
        key: "closing_cash",
        name_zh: "五、期末现金余额",
        name_en: "Cash at the end",
        level: 0,
        amount: closing_cash,
    });
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn code(c: &str) -> AccountCode {
        AccountCode::parse(c).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn classifies_by_counter_account() {
        let counter = vec![
            (code("1303"), dec!(800), dec!(10000)),
            (code("1132"), dec!(150), dec!(0)),
            (code("601101"), dec!(20), dec!(0)),
            (code("6021"), dec!(50), dec!(0)),
            (code("4001"), dec!(100000), dec!(0)),
            (code("200101"), dec!(5000), dec!(1000)),
            (code("6411"), dec!(0), dec!(30)),
            (code("6601"), dec!(0), dec!(7)),
        ];
        let lines = statement(&counter, dec!(0), dec!(94983));
        let amount = |k: &str| {
            lines
                .iter()
                .find(|l| l.key == k)
                .map(|l| l.amount)
                .unwrap_or_default()
        };
        assert_eq!(amount("loans_collected"), dec!(800));
        assert_eq!(amount("loans_disbursed"), dec!(10000));
        assert_eq!(amount("interest_received"), dec!(170));
        assert_eq!(amount("operating_net"), dec!(-8987));
        assert_eq!(amount("financing_net"), dec!(103970));
        assert_eq!(amount("net_increase"), dec!(94983));
        assert_eq!(amount("closing_cash"), dec!(94983));
    }
}

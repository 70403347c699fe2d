//! The seeded chart, account codes, sub-accounts and cash accounts.

use std::collections::BTreeSet;

use ledger_rules::{
    bank_sub_account, chart, chart_of_accounts, AccountCode, AccountKind, CashAccount, Side,
};

fn code(s: &str) -> AccountCode {
    AccountCode::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn the_chart_holds_exactly_the_accounts_of_the_issue() {
    let expected = [
        "1001", "1002", "1132", "1221", "1303", "1304", "1601", "2001", "200101", "200102",
        "200103", "2205", "2211", "2221", "2231", "2241", "2501", "250101", "250102", "250103",
        "2502", "250201", "250202", "4001", "4002", "4101", "4102", "4103", "4104", "6011",
        "601101", "601102", "601103", "6021", "6051", "6301", "6403", "6411", "6601", "6701",
        "6711", "6801", "7001", "700101", "700102", "700103", "7099",
    ];
    let codes: Vec<String> = chart_of_accounts()
        .iter()
        .map(|a| a.code.to_string())
        .collect();
    assert_eq!(codes, expected);
}

#[test]
fn every_seed_is_well_formed() {
    let accounts = chart_of_accounts();
    let codes: BTreeSet<&AccountCode> = accounts.iter().map(|a| &a.code).collect();
    assert_eq!(codes.len(), accounts.len(), "codes are unique");
    for a in &accounts {
        assert_eq!(AccountCode::parse(a.code.as_str()).as_ref(), Ok(&a.code));
        assert!(!a.name_zh.is_empty() && !a.name_en.is_empty());
        if let Some(parent) = &a.parent {
            let p = accounts.iter().find(|x| &x.code == parent);
            let p = p.unwrap_or_else(|| panic!("parent {parent} of {} missing", a.code));
            assert_eq!(p.kind, a.kind);
            assert_eq!(p.normal_side, a.normal_side);
            assert!(a.code.is_within(parent));
        }
        let expected_kind = match &a.code.as_str()[..1] {
            "1" => AccountKind::Asset,
            "2" => AccountKind::Liability,
            "4" => AccountKind::Equity,
            "7" => AccountKind::OffBalance,
            _ => a.kind,
        };
        assert_eq!(a.kind, expected_kind, "{}", a.code);
        assert_eq!(a.code.is_off_balance(), a.kind == AccountKind::OffBalance);
    }
}

#[test]
fn normal_sides() {
    let accounts = chart_of_accounts();
    let side = |c: &str| {
        accounts
            .iter()
            .find(|a| a.code.as_str() == c)
            .map(|a| a.normal_side)
    };
    assert_eq!(side("1303"), Some(Side::Debit));
    assert_eq!(
        side("1304"),
        Some(Side::Credit),
        "the allowance is a contra asset"
    );
    assert_eq!(side("2205"), Some(Side::Credit));
    assert_eq!(side("4104"), Some(Side::Credit));
    assert_eq!(side("601102"), Some(Side::Credit));
    assert_eq!(side("6701"), Some(Side::Debit));
    assert_eq!(side("700101"), Some(Side::Debit));
    assert_eq!(side("7099"), Some(Side::Credit), "the memo contra");
}

#[test]
fn account_codes_parse_and_refuse() {
    for ok in [
        "1001",
        "601101",
        "1002.01",
        "1002.123",
        "2001.01.02",
        "60110101",
    ] {
        assert_eq!(code(ok).as_str(), ok);
    }
    for bad in [
        "",
        "100",
        "0101",
        "10011",
        "1002.",
        "1002.1",
        "1002.12345",
        "abcd",
        "1002-01",
        "1002.0a",
    ] {
        let err = AccountCode::parse(bad).err();
        assert_eq!(
            err.map(|e| e.code()),
            Some("invalid_account_code"),
            "{bad:?}"
        );
    }
    assert_eq!(
        serde_json::to_string(&code("1002.01")).ok().as_deref(),
        Some("\"1002.01\"")
    );
    assert!(serde_json::from_str::<AccountCode>("\"12\"").is_err());
}

#[test]
fn sub_account_scheme() {
    assert_eq!(
        chart::BANK
            .sub_account(1)
            .map(|c| c.to_string())
            .ok()
            .as_deref(),
        Some("1002.01")
    );
    assert_eq!(
        chart::BANK
            .sub_account(12)
            .map(|c| c.to_string())
            .ok()
            .as_deref(),
        Some("1002.12")
    );
    assert_eq!(
        chart::BANK
            .sub_account(100)
            .map(|c| c.to_string())
            .ok()
            .as_deref(),
        Some("1002.100")
    );
    for bad in [0, 10_000] {
        assert_eq!(
            chart::BANK.sub_account(bad).err().map(|e| e.code()),
            Some("invalid_sub_account")
        );
    }
    let seed = bank_sub_account(3, "工商银行放贷专户", "ICBC dedicated lending account")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(seed.code.as_str(), "1002.03");
    assert_eq!(seed.parent, Some(chart::BANK));
    assert_eq!(seed.kind, AccountKind::Asset);
    assert_eq!(seed.normal_side, Side::Debit);
    assert!(code("1002.03").is_within(&chart::BANK));
    assert!(code("601101").is_within(&chart::INTEREST_INCOME));
    assert!(!code("1002.031").is_within(&code("1002.03")));
}

#[test]
fn cash_accounts_are_cash_on_hand_or_bank() {
    assert_eq!(CashAccount::cash_on_hand().code(), &chart::CASH);
    assert_eq!(
        CashAccount::bank(1)
            .map(|c| c.code().to_string())
            .ok()
            .as_deref(),
        Some("1002.01")
    );
    for ok in ["1001", "1001.02", "1002", "1002.07", "100201"] {
        assert!(CashAccount::from_code(code(ok)).is_ok(), "{ok}");
    }
    for bad in ["1303", "1132", "2001", "1221.01", "1003"] {
        let err = CashAccount::from_code(code(bad)).err();
        assert_eq!(err.map(|e| e.code()), Some("not_cash_account"), "{bad}");
    }
}

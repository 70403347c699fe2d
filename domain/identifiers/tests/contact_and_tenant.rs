//! Mobile numbers, e-mail addresses and tenant codes.

use identifiers::{EmailAddress, MobileNumber, TenantCode};
use proptest::prelude::*;

#[test]
fn mobile_numbers() {
    for ok in [
        "13812345678",
        "19912345678",
        " 15000000000 ",
        "+8613812345678",
        "+86 13812345678",
    ] {
        assert!(MobileNumber::parse(ok).is_ok(), "{ok}");
    }
    let m = MobileNumber::parse("0086-13812345678").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.as_str(), "13812345678");
    assert_eq!(m.masked(), "138****5678");
    assert!(!format!("{m:?}").contains("13812345678"));
    for bad in [
        "",
        "12812345678",
        "10812345678",
        "1381234567",
        "138123456789",
        "1381234567a",
        "23812345678",
        "+86 138123456 78",
    ] {
        let err = MobileNumber::parse(bad).err();
        assert_eq!(
            err.as_ref().map(|e| e.code),
            Some("invalid_mobile"),
            "{bad}"
        );
        assert_eq!(err.map(|e| e.field), Some("mobile"));
    }
}

#[test]
fn tenant_codes() {
    for ok in [
        "ab",
        "xiaodai_01",
        "a1",
        "huizhou_credit",
        "a23456789012345678901234567890",
    ] {
        let code = TenantCode::parse(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        assert_eq!(code.as_str(), ok);
    }
    assert_eq!(
        TenantCode::parse("acme").map(|c| c.schema_name()).ok(),
        Some("t_acme".to_owned())
    );
    for bad in [
        "a",
        "1abc",
        "_abc",
        "Acme",
        "ac-me",
        "ac me",
        "a234567890123456789012345678901",
        "资金",
    ] {
        let err = TenantCode::parse(bad).err();
        assert_eq!(err.map(|e| e.code), Some("invalid_tenant_code"), "{bad}");
    }
    for reserved in [
        "platform",
        "supervision",
        "public",
        "shared",
        "ops",
        "admin",
        "api",
        "www",
        "system",
        "root",
        "postgres",
        "pg_catalog",
        "pg_anything",
        "information_schema",
        "demo_template",
    ] {
        let err = TenantCode::parse(reserved).err();
        assert_eq!(
            err.as_ref().map(|e| e.code),
            Some("reserved_tenant_code"),
            "{reserved}"
        );
        assert_eq!(err.map(|e| e.field), Some("tenant_code"));
    }
    // Near misses of reserved words are fine.
    for ok in ["platforms", "pgx", "admin2", "opsx"] {
        assert!(TenantCode::parse(ok).is_ok(), "{ok}");
    }
    let json = serde_json::to_string(&TenantCode::parse("acme").ok()).unwrap_or_default();
    assert_eq!(json, "\"acme\"");
    assert!(serde_json::from_str::<TenantCode>("\"admin\"").is_err());
}

#[test]
fn email_addresses() {
    let e =
        EmailAddress::parse(" Zhang.San+loans@Example.COM.cn ").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(e.as_str(), "Zhang.San+loans@example.com.cn");
    assert_eq!(e.domain(), "example.com.cn");
    for ok in [
        "a@b.cn",
        "x_y-z@mail.qq.com",
        "o'brien@sub-domain.example.org",
    ] {
        assert!(EmailAddress::parse(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "plain",
        "@b.cn",
        "a@",
        "a@b",
        "a@b.c",
        "a@@b.cn",
        "a@b@c.cn",
        ".a@b.cn",
        "a.@b.cn",
        "a..b@c.cn",
        "a b@c.cn",
        "a@-b.cn",
        "a@b-.cn",
        "a@b..cn",
        "a@b.c1",
        "张三@example.cn",
    ] {
        let err = EmailAddress::parse(bad).err();
        assert_eq!(err.as_ref().map(|e| e.code), Some("invalid_email"), "{bad}");
        assert_eq!(err.map(|e| e.field), Some("email"));
    }
    let long_local = format!("{}@b.cn", "a".repeat(65));
    assert!(EmailAddress::parse(&long_local).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn generated_tenant_codes_parse_or_are_reserved(s in "[a-z][a-z0-9_]{1,29}") {
        match TenantCode::parse(&s) {
            Ok(code) => prop_assert_eq!(code.as_str(), s.as_str()),
            Err(e) => prop_assert_eq!(e.code, "reserved_tenant_code"),
        }
    }

    #[test]
    fn generated_mobile_numbers_parse(prefix in 3u8..=9, rest in 0u64..1_000_000_000) {
        let s = format!("1{prefix}{rest:09}");
        prop_assert_eq!(MobileNumber::parse(&s).map(|m| m.as_str().to_owned()).ok(), Some(s));
    }
}

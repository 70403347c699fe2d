//! Unified social credit codes built here with their check character.

use identifiers::CreditCode;
use proptest::prelude::*;

const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Check character by the standard's formula with weights 3^(i−1) mod 31.
fn check_char(first17: &str) -> char {
    let mut weight = 1u32;
    let mut sum = 0u32;
    for c in first17.chars() {
        let value = ALPHABET.find(c).map_or(0, |p| p as u32);
        sum += value * weight;
        weight = weight * 3 % 31;
    }
    let check = (31 - sum % 31) % 31;
    ALPHABET.chars().nth(check as usize).unwrap_or('?')
}

fn build(first17: &str) -> String {
    format!("{first17}{}", check_char(first17))
}

#[test]
fn a_commonly_published_example_parses() {
    assert_eq!(check_char("91350100M000100Y4"), '3');
    let code = CreditCode::parse("91350100M000100Y43").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code.authority_code(), '9');
    assert_eq!(code.type_code(), '1');
    assert_eq!(code.region_code(), "350100");
    assert_eq!(code.organisation_code(), "M000100Y4");
}

#[test]
fn built_codes_parse_and_lower_case_is_upper_cased() {
    for first17 in [
        "91110108MA01ABCDE",
        "52310000ABCDEFGHJ",
        "Y1440300KLMNPQRTU",
    ] {
        let s = build(first17);
        let code =
            CreditCode::parse(&s.to_ascii_lowercase()).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(code.as_str(), s);
    }
}

#[test]
fn wrong_check_characters_are_refused() {
    let s = build("91110108MA01ABCDE");
    for c in ALPHABET.chars() {
        let candidate = format!("{}{c}", &s[..17]);
        assert_eq!(
            CreditCode::parse(&candidate).is_ok(),
            candidate == s,
            "{candidate}"
        );
    }
}

#[test]
fn bad_shapes_are_refused_with_the_stable_code() {
    let cases = [
        String::new(),
        build("91110108MA01ABCDE")[..17].to_owned(),
        build("91110108MA01ABCDI"), // I is not in the alphabet
        build("91110108MA01ABCDO"),
        build("Z1110108MA01ABCDE"),
        build("B1110108MA01ABCDE"), // unknown authority
        build("90110108MA01ABCDE"), // type 0
        build("911A0108MA01ABCDE"), // region must be digits
    ];
    for c in cases {
        let err = CreditCode::parse(&c).err();
        assert_eq!(err.map(|e| e.code), Some("invalid_credit_code"), "{c}");
    }
}

#[test]
fn serde_round_trips_and_validates() {
    let s = build("91110108MA01ABCDE");
    let code = CreditCode::parse(&s).unwrap_or_else(|e| panic!("{e}"));
    let json = serde_json::to_string(&code).unwrap_or_default();
    assert_eq!(json, format!("\"{s}\""));
    assert_eq!(serde_json::from_str::<CreditCode>(&json).ok(), Some(code));
    let wrong = if s.ends_with('0') { '1' } else { '0' };
    let bad = format!("\"{}{wrong}\"", &s[..17]);
    assert!(serde_json::from_str::<CreditCode>(&bad).is_err());
}

fn valid_code() -> impl Strategy<Value = String> {
    (
        prop::sample::select(b"123456789ANY".to_vec()),
        1u8..=9,
        0u32..1_000_000,
        prop::collection::vec(prop::sample::select(ALPHABET.as_bytes().to_vec()), 9),
    )
        .prop_map(|(authority, kind, region, org)| {
            let org = String::from_utf8(org).unwrap_or_default();
            build(&format!("{}{kind}{region:06}{org}", char::from(authority)))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn every_generated_code_parses(s in valid_code()) {
        prop_assert!(CreditCode::parse(&s).is_ok(), "{s}");
    }

    #[test]
    fn any_single_character_change_is_refused(
        s in valid_code(),
        pos in 0usize..18,
        replacement in prop::sample::select(ALPHABET.as_bytes().to_vec()),
    ) {
        prop_assume!(s.as_bytes()[pos] != replacement);
        let mut changed = s.into_bytes();
        changed[pos] = replacement;
        let changed = String::from_utf8(changed).unwrap_or_default();
        prop_assert!(CreditCode::parse(&changed).is_err(), "{changed}");
    }
}

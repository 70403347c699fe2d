//! Resident ID numbers: real-format numbers built here with their check character.

use chrono::NaiveDate;
use identifiers::{IdCardNumber, Sex};
use proptest::prelude::*;

/// Check character by the standard's own formula: a1 = (12 − Σ aᵢ·2^(i−1) mod 11) mod 11.
fn check_char(first17: &str) -> char {
    let sum: u32 = first17
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            // position i+2 counted from the right, weight 2^(i+1) mod 11
            let weight = (0..=i).fold(1u32, |w, _| w * 2 % 11);
            u32::from(d - b'0') * weight
        })
        .sum();
    match (12 - sum % 11) % 11 {
        10 => 'X',
        v => char::from_digit(v, 10).unwrap_or('?'),
    }
}

fn build(region: &str, birth: &str, seq: &str) -> String {
    let first17 = format!("{region}{birth}{seq}");
    format!("{first17}{}", check_char(&first17))
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 1).unwrap_or_default()
}

#[test]
fn the_standards_own_examples_parse() {
    // GB 11643-1999 examples.
    for s in ["11010519491231002X", "440524188001010014"] {
        let first17 = &s[..17];
        assert_eq!(check_char(first17), s.chars().last().unwrap_or('?'));
    }
    let id = IdCardNumber::parse_as_of("11010519491231002X", today());
    assert!(id.is_ok(), "{id:?}");
    // Born 1880: refused by the product's rule "after 1900".
    let old = IdCardNumber::parse_as_of("440524188001010014", today());
    assert_eq!(old.map_err(|e| e.code), Err("invalid_id_card"));
}

#[test]
fn a_built_number_parses_and_exposes_its_parts() {
    let s = build("110101", "19900307", "123");
    let id = IdCardNumber::parse_as_of(&s, today()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(id.as_str(), s);
    assert_eq!(id.region_code(), "110101");
    assert_eq!(
        id.birth_date(),
        NaiveDate::from_ymd_opt(1990, 3, 7).unwrap_or_default()
    );
    // 17th digit is 3: odd, male.
    assert_eq!(id.sex(), Sex::Male);
    assert_eq!(id.masked(), format!("110101********{}", &s[14..]));
    let female = build("310104", "20010228", "142");
    let id = IdCardNumber::parse_as_of(&female, today()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(id.sex(), Sex::Female);
}

#[test]
fn lower_case_x_is_accepted_and_normalised() {
    let lower = "11010519491231002x";
    let id = IdCardNumber::parse_as_of(lower, today()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(id.as_str(), "11010519491231002X");
    assert_eq!(id.masked(), "110105********002X");
}

#[test]
fn wrong_checksum_is_refused() {
    let s = build("110101", "19900307", "123");
    let last = s.chars().last().unwrap_or('0');
    let wrong = if last == '1' { '2' } else { '1' };
    let bad = format!("{}{}", &s[..17], wrong);
    let err = IdCardNumber::parse_as_of(&bad, today()).err();
    assert_eq!(err.as_ref().map(|e| e.code), Some("invalid_id_card"));
    assert_eq!(err.map(|e| e.field), Some("id_card_number"));
}

#[test]
fn impossible_or_future_or_too_early_dates_are_refused() {
    for birth in ["19900230", "19901301", "19900000", "20260502", "18991231"] {
        let s = build("110101", birth, "123");
        assert!(
            IdCardNumber::parse_as_of(&s, today()).is_err(),
            "{birth} should be refused"
        );
    }
    // Leap day and the boundary dates are fine.
    for birth in ["20000229", "19000101", "20260501"] {
        let s = build("110101", birth, "123");
        assert!(IdCardNumber::parse_as_of(&s, today()).is_ok(), "{birth}");
    }
}

#[test]
fn bad_shapes_and_regions_are_refused() {
    let good = build("110101", "19900307", "123");
    let cases = [
        String::new(),
        good[..17].to_owned(),
        format!("{good}1"),
        format!("{}A{}", &good[..5], &good[6..]),
        build("010101", "19900307", "123"),
        build("910101", "19900307", "123"),
        "１１０１０１１９９００３０７１２３４".to_owned(),
    ];
    for c in cases {
        assert!(IdCardNumber::parse_as_of(&c, today()).is_err(), "{c:?}");
    }
}

#[test]
fn serde_round_trips_as_a_string_and_validates_on_the_way_in() {
    let s = build("110101", "19900307", "123");
    let id = IdCardNumber::parse(&s).unwrap_or_else(|e| panic!("{e}"));
    let json = serde_json::to_string(&id).unwrap_or_default();
    assert_eq!(json, format!("\"{s}\""));
    let back: IdCardNumber = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, id);
    let wrong = if s.ends_with('0') { '1' } else { '0' };
    let bad = format!("\"{}{wrong}\"", &s[..17]);
    assert!(serde_json::from_str::<IdCardNumber>(&bad).is_err());
}

#[test]
fn debug_output_is_masked() {
    let s = build("110101", "19900307", "123");
    let id = IdCardNumber::parse(&s).unwrap_or_else(|e| panic!("{e}"));
    assert!(!format!("{id:?}").contains(&s));
}

fn valid_number() -> impl Strategy<Value = String> {
    (1u32..=8, 0u32..100_000, 0i64..43_000, 0u32..1000).prop_map(|(lead, rest, day, seq)| {
        let base = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default();
        let birth = base + chrono::Duration::days(day);
        build(
            &format!("{lead}{rest:05}"),
            &birth.format("%Y%m%d").to_string(),
            &format!("{seq:03}"),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn every_generated_number_parses(s in valid_number()) {
        let id = IdCardNumber::parse_as_of(&s, today());
        prop_assert!(id.is_ok(), "{s}: {id:?}");
    }

    #[test]
    fn any_single_character_change_is_refused(
        s in valid_number(),
        pos in 0usize..18,
        replacement in prop::sample::select(b"0123456789Xx".to_vec()),
    ) {
        let original = s.as_bytes()[pos];
        prop_assume!(!original.eq_ignore_ascii_case(&replacement));
        let mut changed = s.into_bytes();
        changed[pos] = replacement;
        let changed = String::from_utf8(changed).unwrap_or_default();
        prop_assert!(IdCardNumber::parse_as_of(&changed, today()).is_err(), "{changed}");
    }
}

//! Message templates: text with placeholders in braces, e.g.
//! `尊敬的{borrower_name}，您的借款将于{due_date}到期`. Only the known
//! placeholders are allowed and every brace must belong to one, so a
//! template that saves always renders.

use std::collections::BTreeMap;

/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 6] = [
    "borrower_name",
    "amount_due",
    "due_date",
    "contract_number",
    "company_name",
    "link",
];

/// Why a template does not render.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    /// `template_unbalanced_braces`, `template_unknown_placeholder` or `template_empty`.
    pub code: &'static str,
    pub message: String,
}

impl TemplateError {
    fn new(code: &'static str, message: String) -> Self {
        Self { code, message }
    }
}

/// A piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Placeholder(&'a str),
}

/// Splits a template into text and placeholders, refusing unbalanced
/// braces and unknown placeholders (positions are 1-based characters).
pub fn parse(template: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    if template.trim().is_empty() {
        return Err(TemplateError::new(
            "template_empty",
            "the template is empty".into(),
        ));
    }
    let mut pieces = Vec::new();
    let mut rest = template;
    let mut offset_chars = 0usize;
    while !rest.is_empty() {
        let next = rest.find(['{', '}']);
        let Some(at) = next else {
            pieces.push(Piece::Text(rest));
            break;
        };
        if at > 0 {
            pieces.push(Piece::Text(&rest[..at]));
        }
        let position = offset_chars + rest[..at].chars().count() + 1;
        if rest[at..].starts_with('}') {
            return Err(TemplateError::new(
                "template_unbalanced_braces",
                format!("'}}' at character {position} has no matching '{{'"),
            ));
        }
        let after = &rest[at + 1..];
        let close = after.find('}');
        let open_again = after.find('{');
        let close = match (close, open_again) {
            (Some(c), Some(o)) if o < c => None,
            (c, _) => c,
        };
        let Some(close) = close else {
            return Err(TemplateError::new(
                "template_unbalanced_braces",
                format!("'{{' at character {position} is not closed"),
            ));
        };
        let name = &after[..close];
        if !PLACEHOLDERS.contains(&name) {
            return Err(TemplateError::new(
                "template_unknown_placeholder",
                format!(
                    "unknown placeholder {{{name}}} at character {position}; known: {}",
                    PLACEHOLDERS.join(", ")
                ),
            ));
        }
        pieces.push(Piece::Placeholder(name));
        let consumed = at + 1 + close + 1;
        offset_chars += rest[..consumed].chars().count();
        rest = &rest[consumed..];
    }
    Ok(pieces)
}

/// The values of the placeholders for one message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placeholders {
    pub borrower_name: String,
    /// e.g. `1234.50`.
    pub amount_due: String,
    /// e.g. `2026年3月31日`.
    pub due_date: String,
    pub contract_number: String,
    pub company_name: String,
    /// The borrower's page, `<public url>/b/<token>`.
    pub link: String,
}

impl Placeholders {
    /// The value of a placeholder by name.
    pub fn get(&self, name: &str) -> Option<&str> {
        Some(match name {
            "borrower_name" => &self.borrower_name,
            "amount_due" => &self.amount_due,
            "due_date" => &self.due_date,
            "contract_number" => &self.contract_number,
            "company_name" => &self.company_name,
            "link" => &self.link,
            _ => return None,
        })
    }
}

/// Renders a template with the values.
pub fn render(template: &str, values: &Placeholders) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len() + 64);
    for piece in parse(template)? {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Placeholder(name) => out.push_str(values.get(name).unwrap_or_default()),
        }
    }
    Ok(out)
}

/// Checks a provider parameter map (provider variable → our placeholder);
/// returns the offending key and error.
pub fn check_provider_params(
    params: &BTreeMap<String, String>,
) -> Result<(), (String, TemplateError)> {
    for (key, placeholder) in params {
        let key_ok = (1..=32).contains(&key.len())
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !key_ok {
            return Err((
                key.clone(),
                TemplateError::new(
                    "invalid_provider_param",
                    "provider variable names are 1 to 32 letters, digits or _".into(),
                ),
            ));
        }
        if !PLACEHOLDERS.contains(&placeholder.as_str()) {
            return Err((
                key.clone(),
                TemplateError::new(
                    "template_unknown_placeholder",
                    format!(
                        "unknown placeholder {placeholder:?}; known: {}",
                        PLACEHOLDERS.join(", ")
                    ),
                ),
            ));
        }
    }
    Ok(())
}

/// The provider's template variables filled with the message's values.
pub fn render_provider_params(
    params: &BTreeMap<String, String>,
    values: &Placeholders,
) -> BTreeMap<String, String> {
    params
        .iter()
        .map(|(k, p)| (k.clone(), values.get(p).unwrap_or_default().to_string()))
        .collect()
}

/// A date as Chinese text, e.g. `2026年3月31日`.
pub fn chinese_date(date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn values() -> Placeholders {
        Placeholders {
            borrower_name: "张三".into(),
            amount_due: "1234.50".into(),
            due_date: "2026年3月31日".into(),
            contract_number: "HT-001".into(),
            company_name: "某某小贷".into(),
            link: "https://x/b/t".into(),
        }
    }

    #[test]
    fn renders_every_placeholder() {
        let t = "尊敬的{borrower_name}，合同{contract_number}于{due_date}应还{amount_due}元。{company_name} {link}";
        assert_eq!(
            render(t, &values()).unwrap(),
            "尊敬的张三，合同HT-001于2026年3月31日应还1234.50元。某某小贷 https://x/b/t"
        );
        assert_eq!(render("无占位符", &values()).unwrap(), "无占位符");
    }

    #[test]
    fn refuses_what_cannot_render() {
        let code = |t: &str| parse(t).unwrap_err().code;
        assert_eq!(code("您好{borrower_name"), "template_unbalanced_braces");
        assert_eq!(code("您好borrower_name}"), "template_unbalanced_braces");
        assert_eq!(code("您好{{borrower_name}}"), "template_unbalanced_braces");
        assert_eq!(code("{a{borrower_name}"), "template_unbalanced_braces");
        assert_eq!(code("您好{name}"), "template_unknown_placeholder");
        assert_eq!(code("您好{}"), "template_unknown_placeholder");
        assert_eq!(code("  "), "template_empty");
        let err = parse("尊敬的{客户}").unwrap_err();
        assert!(err.message.contains("character 4"), "{}", err.message);
    }

    #[test]
    fn provider_params_name_known_placeholders() {
        let ok: BTreeMap<String, String> =
            [("name".to_string(), "borrower_name".to_string())].into();
        assert!(check_provider_params(&ok).is_ok());
        assert_eq!(render_provider_params(&ok, &values())["name"], "张三");
        let bad: BTreeMap<String, String> = [("amount".to_string(), "money".to_string())].into();
        assert_eq!(check_provider_params(&bad).unwrap_err().0, "amount");
    }
}

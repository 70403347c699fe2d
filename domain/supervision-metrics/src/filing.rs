//! The shape of a filing (报送) the firm submits and the regulator reads: a titled table of
//! labelled rows with decimal-text values, its content hash (SHA-256 of canonical JSON) and the
//! difference between two versions.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The kinds of monthly filing.
pub const FILING_KINDS: [&str; 3] = ["financial_position", "loan_report", "operating_indicators"];

/// A filing's content: a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilingContent {
    /// `financial_position`, `loan_report` or `operating_indicators`.
    pub kind: String,
    /// `YYYY-MM`.
    pub period: String,
    /// The table's title, e.g. 财务状况表.
    pub title: String,
    /// Column headings of the values.
    pub columns: Vec<String>,
    /// The rows.
    pub rows: Vec<FilingRow>,
}

/// One row: a stable key, a label, and one value per column (decimal text; none when not applicable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilingRow {
    /// Stable key, e.g. `total_assets` or `security.credit`.
    pub key: String,
    /// Label, Chinese first.
    pub label: String,
    /// Values, one per column.
    pub values: Vec<Option<String>>,
}

/// JSON with object keys sorted and no whitespace: the text the content hash is taken of.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                if let Some(v) = map.get(*k) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// SHA-256 (lowercase hex) of the canonical JSON of `value`.
pub fn content_hash(value: &Value) -> String {
    let digest = Sha256::digest(canonical_json(value).as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// One value that differs between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The row's key.
    pub key: String,
    /// The row's label.
    pub label: String,
    /// The column's heading.
    pub column: String,
    /// The value in the older version (none: absent).
    pub from: Option<String>,
    /// The value in the newer version (none: absent).
    pub to: Option<String>,
}

/// Every value that differs from `old` to `new`, by row key and column, in `new`'s order then
/// the rows only `old` has.
pub fn diff(old: &FilingContent, new: &FilingContent) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let columns = old.columns.len().max(new.columns.len());
    let heading = |i: usize| {
        new.columns
            .get(i)
            .or_else(|| old.columns.get(i))
            .cloned()
            .unwrap_or_default()
    };
    let value =
        |row: Option<&FilingRow>, i: usize| row.and_then(|r| r.values.get(i).cloned().flatten());
    for row in &new.rows {
        let before = old.rows.iter().find(|r| r.key == row.key);
        for i in 0..columns {
            let (from, to) = (value(before, i), value(Some(row), i));
            if from != to || (before.is_none() && to.is_some()) {
                out.push(FieldChange {
                    key: row.key.clone(),
                    label: row.label.clone(),
                    column: heading(i),
                    from,
                    to,
                });
            }
        }
    }
    for row in old
        .rows
        .iter()
        .filter(|r| !new.rows.iter().any(|n| n.key == r.key))
    {
        for i in 0..columns {
            if let Some(from) = value(Some(row), i) {
                out.push(FieldChange {
                    key: row.key.clone(),
                    label: row.label.clone(),
                    column: heading(i),
                    from: Some(from),
                    to: None,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let v = json!({"b": 1, "a": {"d": [1, {"z": null, "y": "x"}], "c": "中"}});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"c":"中","d":[1,{"y":"x","z":null}]},"b":1}"#
        );
        assert_eq!(content_hash(&v).len(), 64);
        assert_eq!(
            content_hash(&json!({})),
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
    }

    fn content(rows: &[(&str, Option<&str>)]) -> FilingContent {
        FilingContent {
            kind: "financial_position".into(),
            period: "2026-10".into(),
            title: "财务状况表".into(),
            columns: vec!["本月".into()],
            rows: rows
                .iter()
                .map(|(k, v)| FilingRow {
                    key: (*k).into(),
                    label: (*k).into(),
                    values: vec![v.map(String::from)],
                })
                .collect(),
        }
    }

    #[test]
    fn diff_lists_changed_added_and_removed_values() {
        let a = content(&[("x", Some("1")), ("y", Some("2")), ("gone", Some("3"))]);
        let b = content(&[("x", Some("1")), ("y", Some("5")), ("new", Some("4"))]);
        let d = diff(&a, &b);
        let keys: Vec<(&str, Option<&str>, Option<&str>)> = d
            .iter()
            .map(|c| (c.key.as_str(), c.from.as_deref(), c.to.as_deref()))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("y", Some("2"), Some("5")),
                ("new", None, Some("4")),
                ("gone", Some("3"), None)
            ]
        );
        assert!(diff(&a, &a).is_empty());
    }
}

//! Statements as JSON, CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese)
//! or XLSX: one response type, chosen by `?format=`.

use crate::{ApiError, ApiResult};
use poem::{
    http::{header, StatusCode},
    IntoResponse, Response,
};
use poem_openapi::{
    registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchema, MetaSchemaRef, Registry},
    types::{ToJSON, Type},
    ApiResponse, Enum,
};
use rust_decimal::Decimal;
use rust_xlsxwriter::{Format as CellFormat, Workbook};

/// The format of a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Default)]
#[oai(rename_all = "snake_case")]
pub enum Format {
    /// JSON (default).
    #[default]
    Json,
    /// CSV, UTF-8 with a byte-order mark.
    Csv,
    /// Excel workbook.
    Xlsx,
}

/// One cell of an exported table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// An amount, written as a number with two decimals.
    Money(Decimal),
    /// Another number (a ratio, a count), written as it is.
    Number(Decimal),
    /// Nothing.
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<Decimal> for Cell {
    fn from(d: Decimal) -> Self {
        Cell::Money(d)
    }
}

/// A statement laid out as a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Title (first line of the sheet, and the file name).
    pub title: String,
    /// Column headings.
    pub headers: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// A table with headings.
    pub fn new(title: impl Into<String>, headers: &[&str]) -> Self {
        Self {
            title: title.into(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row.
    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }
}

fn money_text(d: Decimal) -> String {
    let mut v = d;
    v.rescale(2);
    v.to_string()
}

/// The table as CSV.
pub fn csv(table: &Table) -> ApiResult<Vec<u8>> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(&mut out);
        let failed =
            |e: csv::Error| ApiError::internal(anyhow::anyhow!("failed to write CSV: {e}"));
        writer
            .write_record([table.title.as_str()])
            .map_err(failed)?;
        writer.write_record(&table.headers).map_err(failed)?;
        for row in &table.rows {
            let cells = row.iter().map(|c| match c {
                Cell::Text(s) => s.clone(),
                Cell::Money(d) => money_text(*d),
                Cell::Number(d) => d.normalize().to_string(),
                Cell::Empty => String::new(),
            });
            writer.write_record(cells).map_err(failed)?;
        }
        writer
            .flush()
            .map_err(|e| ApiError::internal(anyhow::anyhow!("failed to write CSV: {e}")))?;
    }
    Ok(out)
}

/// The table as an XLSX workbook of one sheet.
pub fn xlsx(table: &Table) -> ApiResult<Vec<u8>> {
    let failed = |e: rust_xlsxwriter::XlsxError| {
        ApiError::internal(anyhow::anyhow!("failed to write XLSX: {e}"))
    };
    let mut workbook = Workbook::new();
    let bold = CellFormat::new().set_bold();
    let amount = CellFormat::new().set_num_format("#,##0.00");
    let sheet = workbook.add_worksheet();
    sheet
        .write_string_with_format(0, 0, &table.title, &bold)
        .map_err(failed)?;
    for (c, heading) in table.headers.iter().enumerate() {
        let col = u16::try_from(c)
            .map_err(|e| ApiError::internal(anyhow::anyhow!("too many columns: {e}")))?;
        sheet
            .write_string_with_format(1, col, heading, &bold)
            .map_err(failed)?;
        sheet
            .set_column_width(col, if c == 0 { 14 } else { 18 })
            .map_err(failed)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r = u32::try_from(r + 2)
            .map_err(|e| ApiError::internal(anyhow::anyhow!("too many rows: {e}")))?;
        for (c, cell) in row.iter().enumerate() {
            let c = u16::try_from(c)
                .map_err(|e| ApiError::internal(anyhow::anyhow!("too many columns: {e}")))?;
            match cell {
                Cell::Text(s) => {
                    sheet.write_string(r, c, s).map_err(failed)?;
                }
                Cell::Money(d) => {
                    sheet.write_with_format(r, c, *d, &amount).map_err(failed)?;
                }
                Cell::Number(d) => {
                    sheet.write(r, c, *d).map_err(failed)?;
                }
                Cell::Empty => {}
            }
        }
    }
    workbook.save_to_buffer().map_err(failed)
}

const CSV_TYPE: &str = "text/csv; charset=utf-8";
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A statement: JSON, or a CSV or XLSX file to download.
pub enum Report<T> {
    /// The statement as JSON.
    Json(T),
    /// An exported file.
    File {
        /// The file's bytes.
        bytes: Vec<u8>,
        /// Its media type.
        content_type: &'static str,
        /// Its name.
        filename: String,
    },
}

impl<T> Report<T> {
    /// The statement in the format asked for; `table` lays it out for CSV and XLSX.
    pub fn render(
        format: Format,
        value: T,
        file_stem: &str,
        table: impl FnOnce(&T) -> Table,
    ) -> ApiResult<Self> {
        match format {
            Format::Json => Ok(Report::Json(value)),
            Format::Csv => Ok(Report::File {
                bytes: csv(&table(&value))?,
                content_type: CSV_TYPE,
                filename: format!("{file_stem}.csv"),
            }),
            Format::Xlsx => Ok(Report::File {
                bytes: xlsx(&table(&value))?,
                content_type: XLSX_TYPE,
                filename: format!("{file_stem}.xlsx"),
            }),
        }
    }
}

impl<T: ToJSON + Send> IntoResponse for Report<T> {
    fn into_response(self) -> Response {
        match self {
            Report::Json(value) => poem_openapi::payload::Json(value).into_response(),
            Report::File {
                bytes,
                content_type,
                filename,
            } => Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, content_type)
                .header(
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{filename}\""),
                )
                .body(bytes),
        }
    }
}

impl<T: ToJSON + Type + Send> ApiResponse for Report<T> {
    fn meta() -> MetaResponses {
        let binary =
            || MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("string", "binary")));
        MetaResponses {
            responses: vec![MetaResponse {
                description:
                    "The statement: JSON, or with `format=csv` / `format=xlsx` a file to download",
                status: Some(200),
                status_range: None,
                content: vec![
                    MetaMediaType {
                        content_type: "application/json; charset=utf-8",
                        schema: T::schema_ref(),
                    },
                    MetaMediaType {
                        content_type: CSV_TYPE,
                        schema: binary(),
                    },
                    MetaMediaType {
                        content_type: XLSX_TYPE,
                        schema: binary(),
                    },
                ],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn sample() -> Table {
        let mut t = Table::new("科目余额表 2026-01", &["科目", "借方"]);
        t.row(vec![
            "1002 银行存款, \"基本户\"".into(),
            dec!(1234.5).into(),
        ]);
        t.row(vec![Cell::Empty, Cell::Money(dec!(-0.01))]);
        t
    }

    #[test]
    fn csv_has_bom_quotes_and_two_decimals() {
        let bytes = csv(&sample()).unwrap_or_default();
        let text = String::from_utf8(bytes).unwrap_or_default();
        assert!(text.starts_with('\u{feff}'));
        assert!(
            text.contains("\"1002 银行存款, \"\"基本户\"\"\",1234.50"),
            "{text}"
        );
        assert!(text.contains(",-0.01"), "{text}");
    }

    #[test]
    fn xlsx_is_a_zip_workbook() {
        let bytes = xlsx(&sample()).unwrap_or_default();
        assert!(bytes.starts_with(b"PK"));
    }
}

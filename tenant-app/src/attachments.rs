//! Attachments (scans, photos, PDFs) kept in the tenant's own schema:
//! bodies are content-addressed by SHA-256 in `attachment_blobs` (stored
//! once however often attached), each attachment row names its owner
//! (a customer, or an application's investigation report). The type is
//! recognised from the content (JPEG, PNG, PDF), never trusted from the
//! client; the size is limited.

use base64::Engine;
use chrono::{DateTime, Utc};
use platform::{tenancy::TenantTx, ApiError, ApiResult};
use poem_openapi::Object;
use sha2::{Digest, Sha256};

/// The largest attachment accepted, in bytes (the request carries it as base64).
pub const MAX_BYTES: usize = 1024 * 1024;

/// An upload.
#[derive(Debug, Object)]
pub struct NewAttachment {
    pub file_name: String,
    /// e.g. id_card, business_licence, photo, report, contract, other.
    pub category: Option<String>,
    /// The file, base64-encoded (standard alphabet); JPEG, PNG or PDF, at most 1 MiB.
    pub content_base64: String,
}

/// A stored attachment (without its content).
#[derive(Debug, Clone, Object, sqlx::FromRow, serde::Serialize)]
pub struct AttachmentInfo {
    pub id: i64,
    pub owner_type: String,
    pub owner_id: i64,
    pub file_name: String,
    pub category: String,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    pub content_type: String,
    pub size_bytes: i32,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

const COLS: &str = "a.id, a.owner_type, a.owner_id, a.file_name, a.category, a.sha256, b.content_type, b.size_bytes, a.created_by, a.created_at";

/// The content type recognised from the first bytes.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

/// Validates and stores an upload for an owner; returns the attachment.
pub async fn store(
    tx: &mut TenantTx,
    owner_type: &str,
    owner_id: i64,
    branch_id: i64,
    user_id: i64,
    upload: &NewAttachment,
) -> ApiResult<AttachmentInfo> {
    let file_name = upload.file_name.trim();
    if !(1..=200).contains(&file_name.chars().count()) || file_name.contains(['/', '\\', '\0']) {
        return Err(ApiError::validation(
            "file_name",
            "invalid_file_name",
            "1 to 200 characters, no path separators",
        ));
    }
    let category = upload.category.as_deref().unwrap_or("other").trim();
    if !(1..=40).contains(&category.len())
        || !category.chars().all(|c| c.is_ascii_lowercase() || c == '_')
    {
        return Err(ApiError::validation(
            "category",
            "invalid_category",
            "1 to 40 lower-case letters or _",
        ));
    }
    if upload.content_base64.len() > MAX_BYTES / 3 * 4 + 8 {
        return Err(ApiError::validation(
            "content_base64",
            "attachment_too_large",
            format!("at most {MAX_BYTES} bytes"),
        ));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(upload.content_base64.trim())
        .map_err(|_| {
            ApiError::validation("content_base64", "invalid_base64", "not valid base64")
        })?;
    if bytes.is_empty() {
        return Err(ApiError::validation(
            "content_base64",
            "attachment_empty",
            "the file is empty",
        ));
    }
    if bytes.len() > MAX_BYTES {
        return Err(ApiError::validation(
            "content_base64",
            "attachment_too_large",
            format!("at most {MAX_BYTES} bytes"),
        ));
    }
    let content_type = sniff(&bytes).ok_or_else(|| {
        ApiError::validation(
            "content_base64",
            "attachment_type_not_allowed",
            "only JPEG, PNG and PDF files are accepted",
        )
    })?;
    let sha = hex::encode(Sha256::digest(&bytes));
    let size = i32::try_from(bytes.len()).unwrap_or(i32::MAX);
    sqlx::query(
        "insert into attachment_blobs (sha256, content_type, size_bytes, content) values ($1, $2, $3, $4)
         on conflict (sha256) do nothing",
    )
    .bind(&sha)
    .bind(content_type)
    .bind(size)
    .bind(&bytes)
    .execute(&mut **tx)
    .await?;
    let id: i64 = sqlx::query_scalar(
        "insert into attachments (owner_type, owner_id, sha256, file_name, category, branch_id, created_by)
         values ($1, $2, $3, $4, $5, $6, $7) returning id",
    )
    .bind(owner_type)
    .bind(owner_id)
    .bind(&sha)
    .bind(file_name)
    .bind(category)
    .bind(branch_id)
    .bind(user_id)
    .fetch_one(&mut **tx)
    .await?;
    info(tx, owner_type, owner_id, id).await
}

/// One attachment of an owner; 404 otherwise.
pub async fn info(
    tx: &mut TenantTx,
    owner_type: &str,
    owner_id: i64,
    id: i64,
) -> ApiResult<AttachmentInfo> {
    sqlx::query_as(&format!(
        "select {COLS} from attachments a join attachment_blobs b using (sha256)
          where a.id = $1 and a.owner_type = $2 and a.owner_id = $3"
    ))
    .bind(id)
    .bind(owner_type)
    .bind(owner_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| ApiError::not_found("attachment"))
}

/// Every attachment of an owner, oldest first.
pub async fn list(
    tx: &mut TenantTx,
    owner_type: &str,
    owner_id: i64,
) -> ApiResult<Vec<AttachmentInfo>> {
    Ok(sqlx::query_as(&format!(
        "select {COLS} from attachments a join attachment_blobs b using (sha256)
          where a.owner_type = $1 and a.owner_id = $2 order by a.id"
    ))
    .bind(owner_type)
    .bind(owner_id)
    .fetch_all(&mut **tx)
    .await?)
}

/// The content of an attachment of an owner.
pub async fn content(
    tx: &mut TenantTx,
    owner_type: &str,
    owner_id: i64,
    id: i64,
) -> ApiResult<(AttachmentInfo, Vec<u8>)> {
    let info = info(tx, owner_type, owner_id, id).await?;
    let bytes: Vec<u8> =
        sqlx::query_scalar("select content from attachment_blobs where sha256 = $1")
            .bind(&info.sha256)
            .fetch_one(&mut **tx)
            .await?;
    Ok((info, bytes))
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn types_are_recognised_from_content() {
        assert_eq!(sniff(b"%PDF-1.7 ..."), Some("application/pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"MZ\x90\x00"), None);
    }
}

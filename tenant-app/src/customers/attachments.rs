//! A customer's attachments (scans, photos, PDFs); storage in [`crate::attachments`].

use platform::{
    audit::{self, Change, Trail},
    auth::StaffAuth,
    tenancy, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{
    param::Path,
    payload::{Attachment, Json},
    ApiResponse, OpenApi,
};

use super::records::load;
use crate::attachments::{self, AttachmentInfo, NewAttachment};
use crate::ApiTag;

#[derive(ApiResponse)]
enum CreatedAttachment {
    /// Stored.
    #[oai(status = 201)]
    Created(Json<AttachmentInfo>),
}

/// Customer attachment endpoints.
pub struct CustomerAttachmentsApi;

#[OpenApi(tag = "ApiTag::Customers")]
impl CustomerAttachmentsApi {
    /// Attach a file (JPEG, PNG or PDF, at most 1 MiB, base64). Refused:
    /// `attachment_too_large`, `attachment_type_not_allowed`, `invalid_base64`,
    /// `invalid_file_name` (422).
    #[oai(
        path = "/customers/:id/attachments",
        method = "post",
        operation_id = "create_customer_attachment"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<NewAttachment>,
    ) -> ApiResult<CreatedAttachment> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let customer = load(&mut tx, id.0, true).await?;
        let info = attachments::store(
            &mut tx,
            "customer",
            id.0,
            customer.branch_id,
            auth.0.session.user_id,
            &body,
        )
        .await?;
        let change = Change {
            action: "customer.attach",
            entity_type: "customer",
            entity_id: Some(id.0.to_string()),
            before: None,
            after: Some(serde_json::to_value(&info).unwrap_or_default()),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(CreatedAttachment::Created(Json(info)))
    }

    /// A customer's attachments.
    #[oai(
        path = "/customers/:id/attachments",
        method = "get",
        operation_id = "list_customer_attachments"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Vec<AttachmentInfo>>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        load(&mut tx, id.0, false).await?;
        let items = attachments::list(&mut tx, "customer", id.0).await?;
        tx.commit().await?;
        Ok(Json(items))
    }

    /// Download an attachment's content.
    #[oai(
        path = "/customers/:id/attachments/:attachment_id/content",
        method = "get",
        operation_id = "get_customer_attachment_content"
    )]
    async fn content(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        attachment_id: Path<i64>,
    ) -> ApiResult<Attachment<Vec<u8>>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        load(&mut tx, id.0, false).await?;
        let (info, bytes) =
            attachments::content(&mut tx, "customer", id.0, attachment_id.0).await?;
        tx.commit().await?;
        Ok(Attachment::new(bytes).filename(info.file_name))
    }
}

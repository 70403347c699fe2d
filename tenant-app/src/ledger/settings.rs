//! The ledger's tenant settings: general risk reserve rate, allowance rates, and
//! whether close of business posts the allowance change itself.

use platform::{
    audit::{self, Change, Trail},
    auth::StaffAuth,
    money::Rate,
    tenancy::{self, TenantTx},
    ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{payload::Json, Object, OpenApi};

use crate::ApiTag;

/// The ledger's settings.
#[derive(Debug, Clone, Object, sqlx::FromRow, serde::Serialize)]
pub struct LedgerSettings {
    /// Year-end appropriation to the general risk reserve (4102), of risk assets (default 0.015).
    pub risk_reserve_rate: Rate,
    /// Whether close of business posts the allowance change itself (else it proposes it to finance).
    pub provision_auto_post: bool,
    /// Allowance rate on all loans (default 0.01).
    pub provision_general: Rate,
    /// Additional rate on 关注 loans (default 0.02).
    pub provision_special_mention: Rate,
    /// Additional rate on 次级 loans (default 0.25).
    pub provision_substandard: Rate,
    /// Additional rate on 可疑 loans (default 0.50).
    pub provision_doubtful: Rate,
    /// Additional rate on 损失 loans (default 1).
    pub provision_loss: Rate,
}

/// A change of settings; absent fields stay.
#[derive(Debug, Object)]
struct SettingsChange {
    risk_reserve_rate: Option<Rate>,
    provision_auto_post: Option<bool>,
    provision_general: Option<Rate>,
    provision_special_mention: Option<Rate>,
    provision_substandard: Option<Rate>,
    provision_doubtful: Option<Rate>,
    provision_loss: Option<Rate>,
}

const COLUMNS: &str =
    "risk_reserve_rate, provision_auto_post, provision_general, provision_special_mention,
    provision_substandard, provision_doubtful, provision_loss";

/// The settings.
pub async fn load(tx: &mut TenantTx) -> ApiResult<LedgerSettings> {
    sqlx::query_as(&format!("select {COLUMNS} from ledger_settings"))
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("ledger_settings row missing")))
}

/// Ledger settings endpoints.
pub struct SettingsApi;

#[OpenApi(tag = "ApiTag::Ledger")]
impl SettingsApi {
    /// The ledger's settings.
    #[oai(
        path = "/ledger/settings",
        method = "get",
        operation_id = "get_ledger_settings"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
    ) -> ApiResult<Json<LedgerSettings>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let settings = load(&mut tx).await?;
        tx.commit().await?;
        Ok(Json(settings))
    }

    /// Change the ledger's settings.
    #[oai(
        path = "/ledger/settings",
        method = "patch",
        operation_id = "update_ledger_settings"
    )]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: Json<SettingsChange>,
    ) -> ApiResult<Json<LedgerSettings>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let before: LedgerSettings =
            sqlx::query_as(&format!("select {COLUMNS} from ledger_settings for update"))
                .fetch_one(&mut *tx)
                .await?;
        let after: LedgerSettings = sqlx::query_as(&format!(
            "update ledger_settings set
                 risk_reserve_rate = coalesce($1, risk_reserve_rate),
                 provision_auto_post = coalesce($2, provision_auto_post),
                 provision_general = coalesce($3, provision_general),
                 provision_special_mention = coalesce($4, provision_special_mention),
                 provision_substandard = coalesce($5, provision_substandard),
                 provision_doubtful = coalesce($6, provision_doubtful),
                 provision_loss = coalesce($7, provision_loss)
             returning {COLUMNS}"
        ))
        .bind(body.risk_reserve_rate)
        .bind(body.provision_auto_post)
        .bind(body.provision_general)
        .bind(body.provision_special_mention)
        .bind(body.provision_substandard)
        .bind(body.provision_doubtful)
        .bind(body.provision_loss)
        .fetch_one(&mut *tx)
        .await?;
        let change = Change {
            action: "ledger_settings.update",
            entity_type: "ledger_settings",
            entity_id: None,
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&after).ok(),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(Json(after))
    }
}

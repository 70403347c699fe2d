//! The firm profile (机构信息) the company keeps for the regulator: basic data,
//! shareholders and executives, plus its bank accounts and funding read from
//! the ledger's own registers (never a second copy). Saving publishes a new
//! immutable version to `supervision` through `supervision.publish_firm_profile`,
//! which takes the firm from the tenant role.

use chrono::{DateTime, NaiveDate, Utc};
use platform::{
    audit::{self, Actor, Change, Trail},
    auth::StaffAuth,
    money::{Money, Rate},
    tenancy::{self, TenantTx},
    ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{
    payload::Json,
    types::{ParseFromJSON, ToJSON},
    Enum, Object, OpenApi,
};
use rust_decimal::Decimal;

use crate::ledger::{
    bank_accounts::{self, BankAccount},
    borrowings::{self, BorrowingEntry},
};
use crate::ApiTag;

/// Permissions of the firm profile.
pub const ROUTES: &[platform::rbac::RouteRule] = &[
    platform::rbac::RouteRule::new("GET", "/api/v1/firm-profile", "firm_profile.read"),
    platform::rbac::RouteRule::new("PUT", "/api/v1/firm-profile", "firm_profile.write"),
    platform::rbac::RouteRule::new(
        "POST",
        "/api/v1/firm-profile/publish",
        "firm_profile.publish",
    ),
];

/// Limited company or joint-stock company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum CompanyType {
    /// 有限责任公司.
    Limited,
    /// 股份有限公司.
    JointStock,
}

/// Basic data (基本信息).
#[derive(Debug, Clone, Default, Object)]
pub struct ProfileBasic {
    pub company_type: Option<CompanyType>,
    /// 开业日期.
    pub opened_on: Option<NaiveDate>,
    #[oai(default)]
    pub address: String,
    /// 营业执照日期.
    pub business_licence_date: Option<NaiveDate>,
    /// 营业执照号.
    #[oai(default)]
    pub business_licence_number: String,
    /// 税务登记证号.
    #[oai(default)]
    pub tax_registration: String,
    /// Unified social credit code (checksum verified when given).
    #[oai(default)]
    pub credit_code: String,
    /// 董事长.
    #[oai(default)]
    pub chair: String,
    /// 总经理.
    #[oai(default)]
    pub general_manager: String,
    /// 联系人.
    #[oai(default)]
    pub contact: String,
    #[oai(default)]
    pub contact_phone: String,
    /// 主发起人.
    #[oai(default)]
    pub main_sponsor: String,
}

/// Legal or natural person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ShareholderKind {
    /// 法人.
    Legal,
    /// 自然人.
    Natural,
}

/// A shareholder (股东).
#[derive(Debug, Clone, Object)]
pub struct Shareholder {
    pub name: String,
    pub kind: ShareholderKind,
    /// 主发起人.
    #[oai(default)]
    pub main_sponsor: bool,
    #[oai(default)]
    pub address: String,
    /// 法定代表人 (legal persons).
    #[oai(default)]
    pub legal_representative: String,
    /// 证件类型.
    #[oai(default)]
    pub id_type: String,
    /// 证件号码.
    #[oai(default)]
    pub id_number: String,
    /// 出资额.
    pub contribution: Money,
    /// 持股比例 as a fraction (0.25 = 25 %).
    pub share: Rate,
}

/// Male or female.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

/// An executive (高管).
#[derive(Debug, Clone, Object)]
pub struct Executive {
    pub name: String,
    pub sex: Option<Sex>,
    /// 职务, e.g. 总经理.
    pub role: String,
    #[oai(default)]
    pub phone: String,
    #[oai(default)]
    pub email: String,
    #[oai(default)]
    pub id_number: String,
    #[oai(default)]
    pub notes: String,
}

/// What the company edits.
#[derive(Debug, Clone, Object)]
pub struct ProfileInput {
    pub basic: ProfileBasic,
    #[oai(default)]
    pub shareholders: Vec<Shareholder>,
    #[oai(default)]
    pub executives: Vec<Executive>,
}

/// The firm profile with the ledger's bank accounts and funding.
#[derive(Debug, Clone, Object)]
pub struct FirmProfile {
    pub basic: ProfileBasic,
    pub shareholders: Vec<Shareholder>,
    pub executives: Vec<Executive>,
    /// The registered bank accounts (the ledger's records; one is the dedicated lending account).
    pub bank_accounts: Vec<BankAccount>,
    /// The borrowings register (融资信息), the ledger's records.
    pub funding: Vec<BorrowingEntry>,
    /// The latest version published to the regulator.
    pub published_version: Option<i32>,
    pub published_at: Option<DateTime<Utc>>,
    /// Its content hash (SHA-256 of the canonical JSON).
    pub published_hash: Option<String>,
}

fn text(field: &str, value: &str, max: usize) -> ApiResult<()> {
    if value.chars().count() > max {
        return Err(ApiError::validation(
            field,
            "too_long",
            format!("at most {max} characters"),
        ));
    }
    Ok(())
}

fn required(field: &str, value: &str, max: usize) -> ApiResult<()> {
    if value.trim().is_empty() {
        return Err(ApiError::validation(field, "required", "required"));
    }
    text(field, value, max)
}

fn validate(input: &ProfileInput) -> ApiResult<()> {
    let b = &input.basic;
    for (field, value) in [
        ("basic.address", &b.address),
        ("basic.business_licence_number", &b.business_licence_number),
        ("basic.tax_registration", &b.tax_registration),
        ("basic.chair", &b.chair),
        ("basic.general_manager", &b.general_manager),
        ("basic.contact", &b.contact),
        ("basic.contact_phone", &b.contact_phone),
        ("basic.main_sponsor", &b.main_sponsor),
    ] {
        text(field, value, 200)?;
    }
    if !b.credit_code.is_empty() {
        identifiers::CreditCode::parse(&b.credit_code).map_err(|e| {
            ApiError::validation("basic.credit_code", "invalid_credit_code", e.to_string())
        })?;
    }
    if input.shareholders.len() > 200 || input.executives.len() > 200 {
        return Err(ApiError::validation(
            "shareholders",
            "too_many",
            "at most 200 shareholders and 200 executives",
        ));
    }
    let mut total_share = Decimal::ZERO;
    for (i, s) in input.shareholders.iter().enumerate() {
        let f = |name: &str| format!("shareholders[{i}].{name}");
        required(&f("name"), &s.name, 200)?;
        for (name, value) in [
            ("address", &s.address),
            ("legal_representative", &s.legal_representative),
            ("id_type", &s.id_type),
            ("id_number", &s.id_number),
        ] {
            text(&f(name), value, 200)?;
        }
        if s.contribution.amount() < Decimal::ZERO {
            return Err(ApiError::validation(
                f("contribution"),
                "invalid_amount",
                "the contribution cannot be negative",
            ));
        }
        total_share += s.share.value();
    }
    if total_share > Decimal::ONE {
        return Err(ApiError::validation(
            "shareholders",
            "shares_above_100_percent",
            format!("the shares add up to {total_share}, more than 1"),
        ));
    }
    for (i, e) in input.executives.iter().enumerate() {
        let f = |name: &str| format!("executives[{i}].{name}");
        required(&f("name"), &e.name, 100)?;
        required(&f("role"), &e.role, 100)?;
        for (name, value) in [
            ("phone", &e.phone),
            ("email", &e.email),
            ("id_number", &e.id_number),
            ("notes", &e.notes),
        ] {
            text(&f(name), value, 500)?;
        }
    }
    Ok(())
}

fn parse<T: ParseFromJSON>(value: serde_json::Value) -> ApiResult<T> {
    T::parse_from_json(Some(value))
        .map_err(|e| ApiError::internal(anyhow::anyhow!("stored firm profile: {}", e.message())))
}

fn stored(value: &impl ToJSON) -> serde_json::Value {
    value.to_json().unwrap_or(serde_json::Value::Null)
}

type Row = (
    serde_json::Value,
    serde_json::Value,
    serde_json::Value,
    Option<i32>,
    Option<DateTime<Utc>>,
    Option<String>,
);

/// The profile as it stands (empty before the first save).
pub async fn load(tx: &mut TenantTx) -> ApiResult<FirmProfile> {
    let row: Option<Row> = sqlx::query_as(
        "select basic, shareholders, executives, published_version, published_at, published_hash from firm_profile",
    )
    .fetch_optional(&mut **tx)
    .await?;
    let (basic, shareholders, executives, published_version, published_at, published_hash) =
        match row {
            Some((b, s, e, v, at, h)) => (parse(b)?, parse(s)?, parse(e)?, v, at, h),
            None => (
                ProfileBasic::default(),
                Vec::new(),
                Vec::new(),
                None,
                None,
                None,
            ),
        };
    Ok(FirmProfile {
        basic,
        shareholders,
        executives,
        bank_accounts: bank_accounts::list(tx).await?,
        funding: borrowings::list(tx).await?,
        published_version,
        published_at,
        published_hash,
    })
}

/// The published content: the profile without its publication fields.
fn content(p: &FirmProfile) -> serde_json::Value {
    serde_json::json!({
        "basic": stored(&p.basic),
        "shareholders": stored(&p.shareholders),
        "executives": stored(&p.executives),
        "bank_accounts": stored(&p.bank_accounts),
        "funding": stored(&p.funding),
    })
}

/// Publishes the current profile (with the ledger's registers as they are now) as the next version.
pub async fn publish(tx: &mut TenantTx, actor: &Actor) -> ApiResult<FirmProfile> {
    sqlx::query("insert into firm_profile default values on conflict (id) do nothing")
        .execute(&mut **tx)
        .await?;
    sqlx::query("select id from firm_profile for update")
        .execute(&mut **tx)
        .await?;
    let mut profile = load(tx).await?;
    let value = content(&profile);
    let hash = supervision_metrics::filing::content_hash(&value);
    let version: i32 = sqlx::query_scalar("select supervision.publish_firm_profile($1, $2, $3)")
        .bind(&value)
        .bind(&hash)
        .bind(&actor.name)
        .fetch_one(&mut **tx)
        .await?;
    let at: DateTime<Utc> = sqlx::query_scalar(
        "update firm_profile set published_version = $1, published_at = now(), published_hash = $2
         returning published_at",
    )
    .bind(version)
    .bind(&hash)
    .fetch_one(&mut **tx)
    .await?;
    audit::record(
        tx,
        Trail::Tenant,
        actor,
        Change {
            action: "firm_profile.publish",
            entity_type: "firm_profile",
            entity_id: Some(version.to_string()),
            before: None,
            after: Some(serde_json::json!({"version": version, "content_hash": hash})),
        },
    )
    .await?;
    profile.published_version = Some(version);
    profile.published_at = Some(at);
    profile.published_hash = Some(hash);
    Ok(profile)
}

/// Saves the edited part of the profile and publishes it.
pub async fn save(tx: &mut TenantTx, actor: &Actor, input: ProfileInput) -> ApiResult<FirmProfile> {
    validate(&input)?;
    let before: Option<(serde_json::Value, serde_json::Value, serde_json::Value)> =
        sqlx::query_as("select basic, shareholders, executives from firm_profile for update")
            .fetch_optional(&mut **tx)
            .await?;
    let (basic, shareholders, executives) = (
        stored(&input.basic),
        stored(&input.shareholders),
        stored(&input.executives),
    );
    sqlx::query(
        "insert into firm_profile (id, basic, shareholders, executives, updated_by, updated_by_name)
         values (true, $1, $2, $3, $4, $5)
         on conflict (id) do update set basic = excluded.basic, shareholders = excluded.shareholders,
            executives = excluded.executives, updated_by = excluded.updated_by,
            updated_by_name = excluded.updated_by_name",
    )
    .bind(&basic)
    .bind(&shareholders)
    .bind(&executives)
    .bind(actor.id)
    .bind(&actor.name)
    .execute(&mut **tx)
    .await?;
    audit::record(
        tx,
        Trail::Tenant,
        actor,
        Change {
            action: "firm_profile.update",
            entity_type: "firm_profile",
            entity_id: None,
            before: before.map(|(b, s, e)| {
                serde_json::json!({"basic": b, "shareholders": s, "executives": e})
            }),
            after: Some(
                serde_json::json!({"basic": basic, "shareholders": shareholders, "executives": executives}),
            ),
        },
    )
    .await?;
    publish(tx, actor).await
}

/// Firm profile endpoints.
pub struct FirmProfileApi;

#[OpenApi(tag = "ApiTag::Supervision")]
impl FirmProfileApi {
    /// The firm profile: basic data, shareholders, executives, and the ledger's
    /// bank accounts and borrowings; with the latest published version.
    #[oai(
        path = "/firm-profile",
        method = "get",
        operation_id = "get_firm_profile"
    )]
    async fn get(&self, state: Data<&AppState>, auth: StaffAuth) -> ApiResult<Json<FirmProfile>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let profile = load(&mut tx).await?;
        tx.commit().await?;
        Ok(Json(profile))
    }

    /// Save basic data, shareholders and executives, and publish the profile
    /// to the regulator as a new version (bank accounts and funding as the ledger has them).
    #[oai(
        path = "/firm-profile",
        method = "put",
        operation_id = "save_firm_profile"
    )]
    async fn put(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: Json<ProfileInput>,
    ) -> ApiResult<Json<FirmProfile>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let profile = save(&mut tx, &auth.0.actor, body.0).await?;
        tx.commit().await?;
        Ok(Json(profile))
    }

    /// Publish the profile again as a new version (e.g. after a bank account
    /// or borrowing was registered).
    #[oai(
        path = "/firm-profile/publish",
        method = "post",
        operation_id = "publish_firm_profile"
    )]
    async fn publish(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
    ) -> ApiResult<Json<FirmProfile>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let profile = publish(&mut tx, &auth.0.actor).await?;
        tx.commit().await?;
        Ok(Json(profile))
    }
}

//! The licensing workflow (SUPERVISION.md §1): intake (受理, `pending`),
//! review (送审, `in_review`), decision (批复, `approved` | `rejected`) and
//! annual inspections (年检) per year. An approving decision registers the
//! firm in `supervision.licences`, from where it is linked to its tenant.
//! Everything here is written through the portal's writer role.

use chrono::{DateTime, NaiveDate, Utc};
use identifiers::CreditCode;
use platform::{
    audit::{self, Change, Trail},
    auth::RegulatorAuth,
    money::Money,
    ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, ApiResponse, Object, OpenApi};
use serde::Serialize;

use crate::access::{supervision_tx, Access, SupervisionTx};
use crate::monitoring::my_jurisdictions;
use crate::SupervisionTag;

/// An application received (受理记录).
#[derive(Debug, Object)]
struct NewApplication {
    /// One of your jurisdictions (6-digit region code).
    jurisdiction: String,
    city: Option<String>,
    county: Option<String>,
    firm_name: String,
    /// Unified social credit code (checksum verified).
    credit_code: String,
    registered_capital: Money,
    received_on: NaiveDate,
    submitted_by: String,
    submitting_unit: Option<String>,
    received_by: String,
    assigned_to: Option<String>,
}

/// An application with its review and decision.
#[derive(Debug, Object, Serialize, sqlx::FromRow)]
struct Application {
    id: i64,
    jurisdiction: String,
    city: String,
    county: String,
    firm_name: String,
    credit_code: String,
    #[oai(skip)]
    #[serde(skip)]
    capital: rust_decimal::Decimal,
    /// Decimal text.
    #[sqlx(skip)]
    registered_capital: String,
    received_on: NaiveDate,
    submitted_by: String,
    submitting_unit: String,
    received_by: String,
    assigned_to: String,
    /// pending, in_review, approved or rejected.
    status: String,
    /// The licence an approval created.
    licence_id: Option<i64>,
    created_at: DateTime<Utc>,
    #[sqlx(skip)]
    review: Option<Review>,
    #[sqlx(skip)]
    decision: Option<Decision>,
}

/// Sent for review (审批记录).
#[derive(Debug, Clone, Object, Serialize, sqlx::FromRow)]
struct Review {
    sent_on: NaiveDate,
    reviewer: String,
    receiving_unit: String,
}

/// The decision (批复记录).
#[derive(Debug, Clone, Object, Serialize, sqlx::FromRow)]
struct Decision {
    meeting_date: NaiveDate,
    meeting_number: String,
    meeting_result: String,
    decided_on: NaiveDate,
    /// 批复文号; also the licence number when approved.
    document_number: String,
    approved: bool,
}

/// An annual inspection (年检) result.
#[derive(Debug, Object, Serialize, sqlx::FromRow)]
struct Inspection {
    #[oai(read_only)]
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<i64>,
    year: i32,
    /// passed, passed_with_conditions or failed.
    result: String,
    inspected_on: NaiveDate,
    #[oai(default)]
    notes: String,
}

#[derive(ApiResponse)]
enum AppCreated {
    /// Recorded.
    #[oai(status = 201)]
    Created(Json<Application>),
}

#[derive(ApiResponse)]
enum InspectionCreated {
    /// Recorded.
    #[oai(status = 201)]
    Created(Json<Inspection>),
}

const SELECT: &str = "select id, jurisdiction, city, county, firm_name, credit_code, registered_capital as capital,
        received_on, submitted_by, submitting_unit, received_by, assigned_to, status, licence_id, created_at
   from supervision.licence_applications";

fn text(field: &str, value: &str, min: usize, max: usize) -> ApiResult<String> {
    let v = value.trim().to_string();
    let n = v.chars().count();
    if n < min || n > max {
        return Err(ApiError::validation(
            field,
            format!("invalid_{field}"),
            format!("{field} needs {min} to {max} characters"),
        ));
    }
    Ok(v)
}

async fn load(
    tx: &mut SupervisionTx,
    mine: &[String],
    id: i64,
    lock: bool,
) -> ApiResult<Application> {
    let sql = format!(
        "{SELECT} where id = $1 and jurisdiction = any($2){}",
        if lock { " for update" } else { "" }
    );
    let mut a = sqlx::query_as::<_, Application>(&sql)
        .bind(id)
        .bind(mine)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| ApiError::not_found("licence application"))?;
    a.registered_capital = a.capital.to_string();
    a.review = sqlx::query_as("select sent_on, reviewer, receiving_unit from supervision.licence_reviews where application_id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    a.decision = sqlx::query_as(
        "select meeting_date, meeting_number, meeting_result, decided_on, document_number, approved
           from supervision.licence_decisions where application_id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(a)
}

async fn writer(state: &AppState) -> ApiResult<SupervisionTx> {
    Ok(supervision_tx(
        &state.pool,
        &state.config.tenancy.role_prefix,
        Access::Write,
    )
    .await?)
}

async fn record(
    tx: &mut SupervisionTx,
    auth: &RegulatorAuth,
    action: &str,
    id: String,
    after: &impl Serialize,
) -> ApiResult<()> {
    audit::record(
        tx,
        Trail::Supervision,
        &auth.0.actor,
        Change {
            action,
            entity_type: "licence_application",
            entity_id: Some(id),
            before: None,
            after: Some(serde_json::to_value(after).map_err(ApiError::internal)?),
        },
    )
    .await?;
    Ok(())
}

/// Licensing workflow endpoints.
pub struct LicensingApi;

#[OpenApi(tag = "SupervisionTag::Licences")]
impl LicensingApi {
    /// Record an application received (受理); status `pending`.
    #[oai(
        path = "/licence-applications",
        method = "post",
        operation_id = "create_licence_application"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
        body: Json<NewApplication>,
    ) -> ApiResult<AppCreated> {
        let b = body.0;
        let firm_name = text("firm_name", &b.firm_name, 1, 200)?;
        let credit_code = CreditCode::parse(&b.credit_code)
            .map_err(|e| ApiError::validation("credit_code", e.code, e.message))?;
        let submitted_by = text("submitted_by", &b.submitted_by, 1, 100)?;
        let received_by = text("received_by", &b.received_by, 1, 100)?;
        let city = text("city", b.city.as_deref().unwrap_or(""), 0, 100)?;
        let county = text("county", b.county.as_deref().unwrap_or(""), 0, 100)?;
        let unit = text(
            "submitting_unit",
            b.submitting_unit.as_deref().unwrap_or(""),
            0,
            200,
        )?;
        let assigned = text(
            "assigned_to",
            b.assigned_to.as_deref().unwrap_or(""),
            0,
            100,
        )?;
        if b.registered_capital.amount() <= rust_decimal::Decimal::ZERO {
            return Err(ApiError::validation(
                "registered_capital",
                "invalid_registered_capital",
                "registered capital must be positive",
            ));
        }
        let mut tx = writer(&state).await?;
        let mine = my_jurisdictions(&mut tx, &auth).await?;
        if !mine.contains(&b.jurisdiction) {
            return Err(ApiError::forbidden(
                "outside_jurisdiction",
                "this jurisdiction is not yours",
            ));
        }
        let id: i64 = sqlx::query_scalar(
            "insert into supervision.licence_applications (jurisdiction, city, county, firm_name, credit_code,
                registered_capital, received_on, submitted_by, submitting_unit, received_by, assigned_to, created_by)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning id",
        )
        .bind(&b.jurisdiction)
        .bind(city)
        .bind(county)
        .bind(firm_name)
        .bind(credit_code.as_str())
        .bind(b.registered_capital.amount())
        .bind(b.received_on)
        .bind(submitted_by)
        .bind(unit)
        .bind(received_by)
        .bind(assigned)
        .bind(auth.0.session.user_id)
        .fetch_one(&mut *tx)
        .await?;
        let a = load(&mut tx, &mine, id, false).await?;
        record(
            &mut tx,
            &auth,
            "licence_application.create",
            id.to_string(),
            &a,
        )
        .await?;
        tx.commit().await?;
        Ok(AppCreated::Created(Json(a)))
    }

    /// Applications of your jurisdictions, newest first.
    #[oai(
        path = "/licence-applications",
        method = "get",
        operation_id = "list_licence_applications"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
    ) -> ApiResult<Json<Vec<Application>>> {
        let mut tx =
            supervision_tx(&state.pool, &state.config.tenancy.role_prefix, Access::Read).await?;
        let mine = my_jurisdictions(&mut tx, &auth).await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "select id from supervision.licence_applications where jurisdiction = any($1) order by id desc",
        )
        .bind(&mine)
        .fetch_all(&mut *tx)
        .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(load(&mut tx, &mine, id, false).await?);
        }
        tx.commit().await?;
        Ok(Json(out))
    }

    /// One application with its review and decision.
    #[oai(
        path = "/licence-applications/:id",
        method = "get",
        operation_id = "get_licence_application"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Application>> {
        let mut tx =
            supervision_tx(&state.pool, &state.config.tenancy.role_prefix, Access::Read).await?;
        let mine = my_jurisdictions(&mut tx, &auth).await?;
        let a = load(&mut tx, &mine, *id, false).await?;
        tx.commit().await?;
        Ok(Json(a))
    }

    /// Send a pending application for review (送审); otherwise `invalid_status` (409).
    #[oai(
        path = "/licence-applications/:id/review",
        method = "post",
        operation_id = "review_licence_application"
    )]
    async fn review(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
        id: Path<i64>,
        body: Json<Review>,
    ) -> ApiResult<Json<Application>> {
        let r = body.0;
        let reviewer = text("reviewer", &r.reviewer, 1, 100)?;
        let unit = text("receiving_unit", &r.receiving_unit, 1, 200)?;
        let mut tx = writer(&state).await?;
        let mine = my_jurisdictions(&mut tx, &auth).await?;
        let a = load(&mut tx, &mine, *id, true).await?;
        if a.status != "pending" {
            return Err(ApiError::conflict(
                "invalid_status",
                format!("the application is {}", a.status),
            ));
        }
        sqlx::query("insert into supervision.licence_reviews (application_id, sent_on, reviewer, receiving_unit, created_by) values ($1, $2, $3, $4, $5)")
            .bind(*id)
            .bind(r.sent_on)
            .bind(reviewer)
            .bind(unit)
            .bind(auth.0.session.user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "update supervision.licence_applications set status = 'in_review' where id = $1",
        )
        .bind(*id)
        .execute(&mut *tx)
        .await?;
        let a = load(&mut tx, &mine, *id, false).await?;
        record(
            &mut tx,
            &auth,
            "licence_application.review",
            id.to_string(),
            &a,
        )
        .await?;
        tx.commit().await?;
        Ok(Json(a))
    }

    /// Record the decision (批复) of an application in review; an approval
    /// registers the licence (number = the decision document number).
    /// Refused: `invalid_status`, `licence_number_taken`, `firm_already_licensed` (409).
    #[oai(
        path = "/licence-applications/:id/decision",
        method = "post",
        operation_id = "decide_licence_application"
    )]
    async fn decide(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
        id: Path<i64>,
        body: Json<Decision>,
    ) -> ApiResult<Json<Application>> {
        let d = body.0;
        let number = text("meeting_number", &d.meeting_number, 1, 64)?;
        let result = text("meeting_result", &d.meeting_result, 1, 2000)?;
        let document = text("document_number", &d.document_number, 1, 64)?;
        let mut tx = writer(&state).await?;
        let mine = my_jurisdictions(&mut tx, &auth).await?;
        let a = load(&mut tx, &mine, *id, true).await?;
        if a.status != "in_review" {
            return Err(ApiError::conflict(
                "invalid_status",
                format!("the application is {}", a.status),
            ));
        }
        sqlx::query(
            "insert into supervision.licence_decisions (application_id, meeting_date, meeting_number, meeting_result,
                decided_on, document_number, approved, created_by) values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(*id)
        .bind(d.meeting_date)
        .bind(number)
        .bind(result)
        .bind(d.decided_on)
        .bind(&document)
        .bind(d.approved)
        .bind(auth.0.session.user_id)
        .execute(&mut *tx)
        .await?;
        if d.approved {
            let licence_id: i64 = sqlx::query_scalar(
                "insert into supervision.licences (firm_name, credit_code, licence_number, jurisdiction, decided_at, decided_by)
                 values ($1, $2, $3, $4, $5, $6) returning id",
            )
            .bind(&a.firm_name)
            .bind(&a.credit_code)
            .bind(&document)
            .bind(&a.jurisdiction)
            .bind(d.decided_on)
            .bind(auth.0.session.user_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match e.as_database_error().and_then(|db| db.constraint()) {
                Some("licences_number_key") => ApiError::conflict("licence_number_taken", "this licence number is already used"),
                Some("licences_approved_credit_code") => ApiError::conflict("firm_already_licensed", "this firm already holds a licence"),
                _ => ApiError::from(e),
            })?;
            sqlx::query("update supervision.licence_applications set status = 'approved', licence_id = $2 where id = $1")
                .bind(*id)
                .bind(licence_id)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query(
                "update supervision.licence_applications set status = 'rejected' where id = $1",
            )
            .bind(*id)
            .execute(&mut *tx)
            .await?;
        }
        let a = load(&mut tx, &mine, *id, false).await?;
        record(
            &mut tx,
            &auth,
            "licence_application.decide",
            id.to_string(),
            &a,
        )
        .await?;
        tx.commit().await?;
        Ok(Json(a))
    }

    /// Record a licence's annual inspection; one per year (`inspection_exists`, 409).
    #[oai(
        path = "/licences/:id/inspections",
        method = "post",
        operation_id = "create_inspection"
    )]
    async fn inspect(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
        id: Path<i64>,
        body: Json<Inspection>,
    ) -> ApiResult<InspectionCreated> {
        let i = body.0;
        if !["passed", "passed_with_conditions", "failed"].contains(&i.result.as_str()) {
            return Err(ApiError::validation(
                "result",
                "invalid_result",
                "result is passed, passed_with_conditions or failed",
            ));
        }
        if !(2000..=2100).contains(&i.year) {
            return Err(ApiError::validation(
                "year",
                "invalid_year",
                "year out of range",
            ));
        }
        let notes = text("notes", &i.notes, 0, 2000)?;
        let mut tx = writer(&state).await?;
        let mine = my_jurisdictions(&mut tx, &auth).await?;
        let ok: Option<i64> = sqlx::query_scalar(
            "select id from supervision.licences where id = $1 and jurisdiction = any($2)",
        )
        .bind(*id)
        .bind(&mine)
        .fetch_optional(&mut *tx)
        .await?;
        ok.ok_or_else(|| ApiError::not_found("licence"))?;
        let created: Inspection = sqlx::query_as(
            "insert into supervision.annual_inspections (licence_id, year, result, inspected_on, notes, created_by)
             values ($1, $2, $3, $4, $5, $6) returning id, year, result, inspected_on, notes",
        )
        .bind(*id)
        .bind(i.year)
        .bind(&i.result)
        .bind(i.inspected_on)
        .bind(notes)
        .bind(auth.0.session.user_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match e.as_database_error().and_then(|db| db.constraint()) {
            Some("annual_inspections_year_key") => ApiError::conflict("inspection_exists", "this year's inspection is recorded"),
            _ => ApiError::from(e),
        })?;
        audit::record(
            &mut tx,
            Trail::Supervision,
            &auth.0.actor,
            Change {
                action: "annual_inspection.create",
                entity_type: "licence",
                entity_id: Some(id.0.to_string()),
                before: None,
                after: Some(serde_json::to_value(&created).map_err(ApiError::internal)?),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(InspectionCreated::Created(Json(created)))
    }

    /// A licence's annual inspections, by year.
    #[oai(
        path = "/licences/:id/inspections",
        method = "get",
        operation_id = "list_inspections"
    )]
    async fn inspections(
        &self,
        state: Data<&AppState>,
        auth: RegulatorAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Vec<Inspection>>> {
        let mut tx =
            supervision_tx(&state.pool, &state.config.tenancy.role_prefix, Access::Read).await?;
        let mine = my_jurisdictions(&mut tx, &auth).await?;
        let rows: Vec<Inspection> = sqlx::query_as(
            "select i.id, i.year, i.result, i.inspected_on, i.notes from supervision.annual_inspections i
               join supervision.licences l on l.id = i.licence_id
              where i.licence_id = $1 and l.jurisdiction = any($2) order by i.year",
        )
        .bind(*id)
        .bind(&mine)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Json(rows))
    }
}

//! Credit rating (资信评价): tenant-defined scoring models — items with
//! weights (summing to 1), each scored 0–100 from a chosen option or from the
//! numeric range its value falls in (no free-form code) — and ratings of
//! customers with score, grade, who and when.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use platform::{
    audit::{self, Change, Trail},
    auth::StaffAuth,
    money::{DecimalText, Rate},
    tenancy::{self, TenantTx},
    ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{
    param::Path,
    payload::Json,
    types::{ParseFromJSON, ToJSON},
    ApiResponse, Object, OpenApi,
};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::customers::records;
use crate::ApiTag;

/// A choice of an options item.
#[derive(Debug, Clone, Object)]
pub struct RatingOption {
    pub code: String,
    pub label: String,
    /// 0–100.
    pub score: u32,
}

/// A numeric band of a ranges item: `min ≤ value < max` (no max: open).
#[derive(Debug, Clone, Object)]
pub struct RatingRange {
    pub min: DecimalText,
    pub max: Option<DecimalText>,
    /// 0–100.
    pub score: u32,
}

/// An item of a model.
#[derive(Debug, Clone, Object)]
pub struct RatingItem {
    pub code: String,
    pub name: String,
    /// Share of the total score; the weights of a model sum to 1.
    pub weight: Rate,
    /// options (qualitative) or ranges (quantitative).
    pub kind: String,
    #[oai(default)]
    pub options: Vec<RatingOption>,
    #[oai(default)]
    pub ranges: Vec<RatingRange>,
}

/// A grade and the lowest score that earns it.
#[derive(Debug, Clone, Object)]
pub struct RatingGrade {
    pub grade: String,
    pub min_score: u32,
}

/// A scoring model.
#[derive(Debug, Clone, Object)]
pub struct RatingModel {
    pub id: i64,
    pub name: String,
    pub status: String,
    pub items: Vec<RatingItem>,
    /// Highest first.
    pub grades: Vec<RatingGrade>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
struct NewModel {
    name: String,
    items: Vec<RatingItem>,
    grades: Vec<RatingGrade>,
}

/// The answer to one item: an option code, or a value.
#[derive(Debug, Clone, Object)]
pub struct RatingAnswer {
    pub item: String,
    pub option: Option<String>,
    pub value: Option<DecimalText>,
}

/// An item's score in a rating.
#[derive(Debug, Clone, Object)]
pub struct ItemScore {
    pub item: String,
    pub score: u32,
    pub weighted: String,
}

/// A rating of a customer.
#[derive(Debug, Clone, Object)]
pub struct Rating {
    pub id: i64,
    pub customer_id: i64,
    pub model_id: i64,
    pub answers: Vec<RatingAnswer>,
    pub item_scores: Vec<ItemScore>,
    /// Weighted score 0–100, two decimals.
    pub score: String,
    pub grade: String,
    pub rated_by: i64,
    pub rated_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
struct NewRating {
    model_id: i64,
    answers: Vec<RatingAnswer>,
}

#[derive(ApiResponse)]
enum CreatedModel {
    /// Created.
    #[oai(status = 201)]
    Created(Json<RatingModel>),
}

#[derive(ApiResponse)]
enum CreatedRating {
    /// Created.
    #[oai(status = 201)]
    Created(Json<Rating>),
}

fn bad(field: String, msg: impl Into<String>) -> ApiError {
    ApiError::validation(field, "invalid_rating_model", msg)
}

fn dec(field: String, t: &DecimalText) -> ApiResult<Decimal> {
    Decimal::from_str(&t.0).map_err(|_| bad(field, "a decimal such as \"1000.00\""))
}

fn validate_model(m: &NewModel) -> ApiResult<()> {
    if !(1..=100).contains(&m.name.trim().chars().count()) {
        return Err(bad("name".into(), "1 to 100 characters"));
    }
    if m.items.is_empty() {
        return Err(bad("items".into(), "at least one item"));
    }
    let mut total = Decimal::ZERO;
    for (i, item) in m.items.iter().enumerate() {
        let p = format!("items[{i}]");
        if item.code.trim().is_empty() || m.items[..i].iter().any(|o| o.code == item.code) {
            return Err(bad(format!("{p}.code"), "a unique, non-empty code"));
        }
        total += item.weight.value();
        match item.kind.as_str() {
            "options" => {
                if item.options.is_empty() {
                    return Err(bad(format!("{p}.options"), "an options item needs options"));
                }
                for (j, o) in item.options.iter().enumerate() {
                    if o.score > 100 {
                        return Err(bad(format!("{p}.options[{j}].score"), "0 to 100"));
                    }
                }
            }
            "ranges" => {
                if item.ranges.is_empty() {
                    return Err(bad(format!("{p}.ranges"), "a ranges item needs ranges"));
                }
                for (j, r) in item.ranges.iter().enumerate() {
                    let min = dec(format!("{p}.ranges[{j}].min"), &r.min)?;
                    if let Some(max) = &r.max {
                        if dec(format!("{p}.ranges[{j}].max"), max)? <= min {
                            return Err(bad(format!("{p}.ranges[{j}].max"), "above min"));
                        }
                    }
                    if r.score > 100 {
                        return Err(bad(format!("{p}.ranges[{j}].score"), "0 to 100"));
                    }
                }
            }
            _ => return Err(bad(format!("{p}.kind"), "options or ranges")),
        }
    }
    if total != Decimal::ONE {
        return Err(bad(
            "items".into(),
            format!("the weights sum to {total}, not 1"),
        ));
    }
    if m.grades.is_empty() {
        return Err(bad("grades".into(), "at least one grade"));
    }
    for (i, g) in m.grades.iter().enumerate() {
        if g.grade.trim().is_empty() || g.min_score > 100 {
            return Err(bad(
                format!("grades[{i}]"),
                "a name and a min_score 0 to 100",
            ));
        }
    }
    if !m.grades.iter().any(|g| g.min_score == 0) {
        return Err(bad(
            "grades".into(),
            "one grade must start at 0, so every score has a grade",
        ));
    }
    Ok(())
}

/// Scores answers against a model: (item scores, total, grade); errors name `answers[i]`.
pub fn score(
    model: &RatingModel,
    answers: &[RatingAnswer],
) -> ApiResult<(Vec<ItemScore>, Decimal, String)> {
    let mut scores = Vec::with_capacity(model.items.len());
    let mut total = Decimal::ZERO;
    for item in &model.items {
        let (i, answer) = answers
            .iter()
            .enumerate()
            .find(|(_, a)| a.item == item.code)
            .ok_or_else(|| {
                ApiError::validation(
                    "answers",
                    "rating_answer_missing",
                    format!("no answer for item {}", item.code),
                )
            })?;
        let field = format!("answers[{i}]");
        let s = if item.kind == "options" {
            let code = answer.option.as_deref().ok_or_else(|| {
                ApiError::validation(
                    format!("{field}.option"),
                    "invalid_rating_answer",
                    "choose an option",
                )
            })?;
            item.options
                .iter()
                .find(|o| o.code == code)
                .map(|o| o.score)
                .ok_or_else(|| {
                    ApiError::validation(
                        format!("{field}.option"),
                        "invalid_rating_answer",
                        "no such option",
                    )
                })?
        } else {
            let v = answer
                .value
                .as_ref()
                .and_then(|v| Decimal::from_str(&v.0).ok())
                .ok_or_else(|| {
                    ApiError::validation(
                        format!("{field}.value"),
                        "invalid_rating_answer",
                        "a decimal value",
                    )
                })?;
            item.ranges
                .iter()
                .find(|r| {
                    let min = Decimal::from_str(&r.min.0).unwrap_or(Decimal::MAX);
                    let max = r.max.as_ref().and_then(|m| Decimal::from_str(&m.0).ok());
                    v >= min && max.is_none_or(|m| v < m)
                })
                .map(|r| r.score)
                .ok_or_else(|| {
                    ApiError::validation(
                        format!("{field}.value"),
                        "invalid_rating_answer",
                        "the value is in none of the item's ranges",
                    )
                })?
        };
        let weighted = (item.weight.value() * Decimal::from(s))
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        total += item.weight.value() * Decimal::from(s);
        scores.push(ItemScore {
            item: item.code.clone(),
            score: s,
            weighted: weighted.to_string(),
        });
    }
    let total = total.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let grade = model
        .grades
        .iter()
        .filter(|g| Decimal::from(g.min_score) <= total)
        .max_by_key(|g| g.min_score)
        .map(|g| g.grade.clone())
        .unwrap_or_default();
    Ok((scores, total, grade))
}

#[derive(sqlx::FromRow)]
struct ModelRow {
    id: i64,
    name: String,
    status: String,
    items: serde_json::Value,
    grades: serde_json::Value,
    created_at: DateTime<Utc>,
}

impl From<ModelRow> for RatingModel {
    fn from(r: ModelRow) -> Self {
        RatingModel {
            id: r.id,
            name: r.name,
            status: r.status,
            items: Vec::parse_from_json(Some(r.items)).unwrap_or_default(),
            grades: Vec::parse_from_json(Some(r.grades)).unwrap_or_default(),
            created_at: r.created_at,
        }
    }
}

async fn load_model(tx: &mut TenantTx, id: i64) -> ApiResult<Option<RatingModel>> {
    let row: Option<ModelRow> = sqlx::query_as(
        "select id, name, status, items, grades, created_at from credit_rating_models where id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(RatingModel::from))
}

#[derive(sqlx::FromRow)]
struct RatingRow {
    id: i64,
    customer_id: i64,
    model_id: i64,
    answers: serde_json::Value,
    item_scores: serde_json::Value,
    score: Decimal,
    grade: String,
    rated_by: i64,
    rated_at: DateTime<Utc>,
}

impl From<RatingRow> for Rating {
    fn from(r: RatingRow) -> Self {
        Rating {
            id: r.id,
            customer_id: r.customer_id,
            model_id: r.model_id,
            answers: Vec::parse_from_json(Some(r.answers)).unwrap_or_default(),
            item_scores: Vec::parse_from_json(Some(r.item_scores)).unwrap_or_default(),
            score: r.score.to_string(),
            grade: r.grade,
            rated_by: r.rated_by,
            rated_at: r.rated_at,
        }
    }
}

const RATING_COLS: &str =
    "id, customer_id, model_id, answers, item_scores, score, grade, rated_by, rated_at";

/// Rating endpoints.
pub struct RatingsApi;

#[OpenApi(tag = "ApiTag::Credit")]
impl RatingsApi {
    /// Define a scoring model. Refused: `invalid_rating_model` (422 naming the field).
    #[oai(
        path = "/rating-models",
        method = "post",
        operation_id = "create_rating_model"
    )]
    async fn create_model(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: Json<NewModel>,
    ) -> ApiResult<CreatedModel> {
        validate_model(&body)?;
        let mut grades = body.grades.clone();
        grades.sort_by(|a, b| b.min_score.cmp(&a.min_score));
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let id: i64 = sqlx::query_scalar(
            "insert into credit_rating_models (name, items, grades, created_by) values ($1, $2, $3, $4) returning id",
        )
        .bind(body.name.trim())
        .bind(body.items.to_json().unwrap_or_default())
        .bind(grades.to_json().unwrap_or_default())
        .bind(auth.0.session.user_id)
        .fetch_one(&mut *tx)
        .await?;
        let model = load_model(&mut tx, id)
            .await?
            .ok_or_else(|| ApiError::not_found("rating model"))?;
        let change = Change {
            action: "rating_model.create",
            entity_type: "rating_model",
            entity_id: Some(id.to_string()),
            before: None,
            after: model.to_json(),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(CreatedModel::Created(Json(model)))
    }

    /// Every scoring model.
    #[oai(
        path = "/rating-models",
        method = "get",
        operation_id = "list_rating_models"
    )]
    async fn list_models(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
    ) -> ApiResult<Json<Vec<RatingModel>>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let rows: Vec<ModelRow> = sqlx::query_as(
            "select id, name, status, items, grades, created_at from credit_rating_models order by id",
        )
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Json(rows.into_iter().map(RatingModel::from).collect()))
    }

    /// Rate a customer with a model. Refused: `invalid_rating_answer`,
    /// `rating_answer_missing`, `unknown_rating_model` (422).
    #[oai(
        path = "/customers/:id/ratings",
        method = "post",
        operation_id = "create_rating"
    )]
    async fn rate(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
        body: Json<NewRating>,
    ) -> ApiResult<CreatedRating> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        records::load(&mut tx, id.0, true).await?;
        let model = load_model(&mut tx, body.model_id)
            .await?
            .filter(|m| m.status == "active")
            .ok_or_else(|| {
                ApiError::validation(
                    "model_id",
                    "unknown_rating_model",
                    "no active model with this id",
                )
            })?;
        let (scores, total, grade) = score(&model, &body.answers)?;
        let rid: i64 = sqlx::query_scalar(
            "insert into credit_ratings (customer_id, model_id, answers, item_scores, score, grade, rated_by)
             values ($1, $2, $3, $4, $5, $6, $7) returning id",
        )
        .bind(id.0)
        .bind(model.id)
        .bind(body.answers.to_json().unwrap_or_default())
        .bind(scores.to_json().unwrap_or_default())
        .bind(total)
        .bind(&grade)
        .bind(auth.0.session.user_id)
        .fetch_one(&mut *tx)
        .await?;
        let row: RatingRow = sqlx::query_as(&format!(
            "select {RATING_COLS} from credit_ratings where id = $1"
        ))
        .bind(rid)
        .fetch_one(&mut *tx)
        .await?;
        let rating = Rating::from(row);
        let change = Change {
            action: "customer.rate",
            entity_type: "customer",
            entity_id: Some(id.0.to_string()),
            before: None,
            after: rating.to_json(),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(CreatedRating::Created(Json(rating)))
    }

    /// A customer's ratings, newest first.
    #[oai(
        path = "/customers/:id/ratings",
        method = "get",
        operation_id = "list_ratings"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        id: Path<i64>,
    ) -> ApiResult<Json<Vec<Rating>>> {
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        records::load(&mut tx, id.0, false).await?;
        let rows: Vec<RatingRow> = sqlx::query_as(&format!(
            "select {RATING_COLS} from credit_ratings where customer_id = $1 order by id desc"
        ))
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Json(rows.into_iter().map(Rating::from).collect()))
    }
}

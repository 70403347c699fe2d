//! Staff endpoints: when close of business runs, and what each closed date did.

use chrono::{NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use platform::{
    audit::{self, Change, Trail},
    auth::StaffAuth,
    tenancy, ApiError, ApiResult, AppState,
};
use poem::web::Data;
use poem_openapi::{param::Query, payload::Json, Object, OpenApi};

use super::{history, last_closed, settings};
use crate::ApiTag;

/// Close-of-business settings as staff see and change them.
#[derive(Debug, Clone, Object, serde::Serialize)]
pub struct CobSettingsBody {
    /// `HH:MM`, local time at which the previous day is closed (default 00:30).
    pub run_at: String,
    /// IANA time zone, e.g. `Asia/Shanghai`.
    pub time_zone: String,
    /// The first business date to close; null: the date before the first run.
    pub first_business_date: Option<NaiveDate>,
}

/// Where close of business stands.
#[derive(Debug, Clone, Object)]
pub struct CobStatus {
    pub settings: CobSettingsBody,
    /// The last closed business date (null before the first close).
    pub last_closed: Option<NaiveDate>,
    /// The latest date that may be closed now, by the settings.
    pub closable_through: NaiveDate,
    /// The most recent closed dates, newest first.
    pub recent: Vec<ClosedDayBody>,
}

/// One closed business date and what its steps did.
#[derive(Debug, Clone, Object)]
pub struct ClosedDayBody {
    pub business_date: NaiveDate,
    pub summary: serde_json::Value,
}

impl From<&settings::CobSettings> for CobSettingsBody {
    fn from(s: &settings::CobSettings) -> Self {
        Self {
            run_at: s.run_at.format("%H:%M").to_string(),
            time_zone: s.time_zone.name().to_string(),
            first_business_date: s.first_business_date,
        }
    }
}

/// Close-of-business endpoints.
pub struct CloseOfBusinessApi;

#[OpenApi(tag = "ApiTag::CloseOfBusiness")]
impl CloseOfBusinessApi {
    /// Close-of-business settings, the last closed date and recent closes.
    #[oai(
        path = "/close-of-business",
        method = "get",
        operation_id = "get_close_of_business"
    )]
    async fn status(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        /// How many recent closed dates (1 to 100, default 10).
        limit: Query<Option<i64>>,
    ) -> ApiResult<Json<CobStatus>> {
        let limit = limit.0.unwrap_or(10);
        if !(1..=100).contains(&limit) {
            return Err(ApiError::validation("limit", "invalid_limit", "1 to 100"));
        }
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        let s = settings::load(&mut tx).await?;
        let last = last_closed(&mut tx).await?;
        let recent = history(&mut tx, limit).await?;
        tx.commit().await?;
        Ok(Json(CobStatus {
            settings: (&s).into(),
            last_closed: last,
            closable_through: s.closable_through(Utc::now()),
            recent: recent
                .into_iter()
                .map(|d| ClosedDayBody {
                    business_date: d.business_date,
                    summary: d.summary,
                })
                .collect(),
        }))
    }

    /// Change when close of business runs. The first business date can be
    /// set only before the first close.
    #[oai(
        path = "/close-of-business/settings",
        method = "put",
        operation_id = "put_close_of_business_settings"
    )]
    async fn put(
        &self,
        state: Data<&AppState>,
        auth: StaffAuth,
        body: Json<CobSettingsBody>,
    ) -> ApiResult<Json<CobSettingsBody>> {
        let run_at = NaiveTime::parse_from_str(&body.run_at, "%H:%M").map_err(|_| {
            ApiError::validation("run_at", "invalid_time", "a local time HH:MM, e.g. 00:30")
        })?;
        let zone: Tz = body.time_zone.parse().map_err(|_| {
            ApiError::validation(
                "time_zone",
                "invalid_time_zone",
                "an IANA time zone, e.g. Asia/Shanghai",
            )
        })?;
        let mut tx = tenancy::begin(&state.pool, auth.tenant()?).await?;
        sqlx::query("select 1 from cob_settings where id = 1 for update")
            .execute(&mut *tx)
            .await?;
        let before = settings::load(&mut tx).await?;
        let closed = last_closed(&mut tx).await?;
        if closed.is_some() && body.first_business_date != before.first_business_date {
            return Err(ApiError::conflict(
                "business_dates_closed",
                "the first business date cannot change once a date has been closed",
            ));
        }
        sqlx::query(
            "update cob_settings set run_at = $1, time_zone = $2, first_business_date = $3
              where id = 1",
        )
        .bind(run_at)
        .bind(zone.name())
        .bind(body.first_business_date)
        .execute(&mut *tx)
        .await?;
        let after = settings::load(&mut tx).await?;
        let change = Change {
            action: "cob_settings.update",
            entity_type: "cob_settings",
            entity_id: Some("1".into()),
            before: serde_json::to_value(CobSettingsBody::from(&before)).ok(),
            after: serde_json::to_value(CobSettingsBody::from(&after)).ok(),
        };
        audit::record(&mut tx, Trail::Tenant, &auth.0.actor, change).await?;
        tx.commit().await?;
        Ok(Json((&after).into()))
    }
}

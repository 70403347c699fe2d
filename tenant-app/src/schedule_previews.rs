//! Schedule previews: the loan engine's figures for any terms, before a loan
//! exists (the same computation as `xiaodai schedule`).

use chrono::NaiveDate;
use loan_engine::{preview, CustomInput, EngineError, ScheduleInput, SchedulePreview};
use platform::{auth::StaffAuth, money::DecimalText, ApiError, ApiResult};
use poem_openapi::{payload::Json, Object, OpenApi};

use crate::ApiTag;

/// Terms to preview. Amounts and rates are strings ("100000.00", "0.12").
#[derive(Debug, Object)]
pub struct SchedulePreviewRequest {
    /// bullet, interest_monthly, interest_quarterly, interest_upfront, equal_principal, equal_installment or custom.
    pub method: String,
    pub principal: DecimalText,
    /// Annual nominal rate as a fraction, e.g. "0.12".
    pub rate: DecimalText,
    pub months: Option<u32>,
    /// Day term (bullet and interest_upfront only).
    pub days: Option<u32>,
    /// Value date (payout date), YYYY-MM-DD.
    pub start: NaiveDate,
    /// Fixed repayment day 1–28 (monthly methods only).
    pub repay_day: Option<u32>,
    /// For `custom`: due dates and principal parts.
    pub custom: Option<Vec<CustomInstallmentInput>>,
    /// Refuse when the APR is above this rate, e.g. "0.24".
    pub cap: Option<DecimalText>,
}

/// One installment of a custom schedule.
#[derive(Debug, Object)]
pub struct CustomInstallmentInput {
    pub due_date: NaiveDate,
    pub principal: DecimalText,
}

/// One installment of a preview.
#[derive(Debug, Object)]
pub struct PreviewInstallmentBody {
    /// 0 is the upfront interest of `interest_upfront`.
    pub number: u32,
    pub due_date: NaiveDate,
    pub principal: String,
    pub interest: String,
    pub total: String,
    pub balance_after: String,
}

/// A schedule preview.
#[derive(Debug, Object)]
pub struct SchedulePreviewBody {
    pub installments: Vec<PreviewInstallmentBody>,
    pub total_interest: String,
    /// Annualised comprehensive rate (IRR method), 4 decimals.
    pub apr: String,
}

fn to_input(req: SchedulePreviewRequest) -> ScheduleInput {
    ScheduleInput {
        method: req.method,
        principal: req.principal.0,
        rate: req.rate.0,
        months: req.months,
        days: req.days,
        start: req.start,
        repay_day: req.repay_day,
        custom: req.custom.map(|c| {
            c.into_iter()
                .map(|i| CustomInput {
                    due_date: i.due_date,
                    principal: i.principal.0,
                })
                .collect()
        }),
        cap: req.cap.map(|c| c.0),
    }
}

fn to_body(p: SchedulePreview) -> SchedulePreviewBody {
    SchedulePreviewBody {
        installments: p
            .installments
            .into_iter()
            .map(|i| PreviewInstallmentBody {
                number: i.number,
                due_date: i.due_date,
                principal: i.principal,
                interest: i.interest,
                total: i.total,
                balance_after: i.balance_after,
            })
            .collect(),
        total_interest: p.total_interest,
        apr: p.apr,
    }
}

/// The engine's refusal as a validation error naming the field.
pub fn engine_error(e: EngineError) -> ApiError {
    ApiError::validation(e.field.unwrap_or("terms"), e.code, e.message)
}

/// Schedule preview endpoint.
pub struct SchedulePreviewsApi;

/// Permissions of the preview endpoint.
pub const ROUTES: &[platform::rbac::RouteRule] = &[platform::rbac::RouteRule::new(
    "POST",
    "/api/v1/schedule-previews",
    "schedule.preview",
)];

#[OpenApi(tag = "ApiTag::Schedules")]
impl SchedulePreviewsApi {
    /// Compute a repayment schedule and its APR without creating anything.
    #[oai(
        path = "/schedule-previews",
        method = "post",
        operation_id = "create_schedule_preview"
    )]
    async fn preview(
        &self,
        _auth: StaffAuth,
        body: Json<SchedulePreviewRequest>,
    ) -> ApiResult<Json<SchedulePreviewBody>> {
        preview(&to_input(body.0))
            .map(to_body)
            .map(Json)
            .map_err(engine_error)
    }
}

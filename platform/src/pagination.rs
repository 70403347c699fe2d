//! Pagination shared by every list: `?page=1&per_page=50` in, and
//! `{"items","page","per_page","total"}` out.

use poem_openapi::{
    types::{ParseFromJSON, ToJSON},
    Object,
};

use crate::error::ApiError;

/// The largest page a client may ask for.
pub const MAX_PER_PAGE: u32 = 200;

/// A validated page request.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub page: u32,
    pub per_page: u32,
}

impl Paging {
    /// Validates `page` (from 1) and `per_page` (1 to 200, default 50).
    pub fn new(page: Option<u32>, per_page: Option<u32>) -> Result<Self, ApiError> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(50);
        if page == 0 {
            return Err(ApiError::validation(
                "page",
                "invalid_page",
                "page starts at 1",
            ));
        }
        if per_page == 0 || per_page > MAX_PER_PAGE {
            return Err(ApiError::validation(
                "per_page",
                "invalid_per_page",
                format!("per_page must be 1 to {MAX_PER_PAGE}"),
            ));
        }
        Ok(Self { page, per_page })
    }
    /// SQL LIMIT.
    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }
    /// SQL OFFSET.
    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }
}

/// One page of a list.
#[derive(Debug, Object)]
pub struct Page<T: ParseFromJSON + ToJSON + Send + Sync> {
    pub items: Vec<T>,
    pub page: u32,
    pub per_page: u32,
    /// Matching items across all pages.
    pub total: i64,
}

impl<T: ParseFromJSON + ToJSON + Send + Sync> Page<T> {
    /// Wraps items of the requested page.
    pub fn new(items: Vec<T>, paging: Paging, total: i64) -> Self {
        Self {
            items,
            page: paging.page,
            per_page: paging.per_page,
            total,
        }
    }
}

//! Pages of results: `?page=2&limit=20` → `{ data, pagination: { page, limit, total,
//! totalPages } }`, and a cursor variant for lists that change while being read.

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::request::Parts;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::ApiError;
use crate::error::code;

/// `?page=&limit=`, checked: `page` from 1 (default 1), `limit` from 1 to
/// [`Pagination::MAX_LIMIT`] (default [`Pagination::DEFAULT_LIMIT`]). Anything else is a
/// 400 `INVALID_QUERY` that says which parameter and why.
///
/// ```
/// use fsroute::prelude::*;
///
/// pub async fn GET(page: Pagination) -> Paginated<u64> {
///     let total = 95;
///     let data = (page.offset()..(page.offset() + page.limit).min(total)).collect();
///     page.respond(data, total)
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pagination {
    pub page: u64,
    pub limit: u64,
}

impl Default for Pagination {
    fn default() -> Self {
        Pagination {
            page: 1,
            limit: Pagination::DEFAULT_LIMIT,
        }
    }
}

impl Pagination {
    pub const DEFAULT_LIMIT: u64 = 20;
    pub const MAX_LIMIT: u64 = 100;
    /// The largest `page` accepted: at any `limit`, `(page - 1) * limit` still fits a
    /// signed 64-bit SQL `OFFSET`. A larger one is a 400, as the page of a number too big
    /// to mean anything; unchecked, it made `offset() as i64` negative, which SQLite read
    /// as the first page and PostgreSQL refused with a 500 (security review L3).
    pub const MAX_PAGE: u64 = i64::MAX as u64 / Pagination::MAX_LIMIT;

    /// Rows to skip: `(page - 1) * limit`, at most `i64::MAX`, so it fits SQL's `OFFSET`
    /// (`offset() as i64`) even for a `Pagination` built by hand.
    pub fn offset(&self) -> u64 {
        (self.page.saturating_sub(1))
            .saturating_mul(self.limit)
            .min(i64::MAX as u64)
    }

    /// This page of `total` rows, ready to send.
    pub fn respond<T>(self, data: Vec<T>, total: u64) -> Paginated<T> {
        Paginated {
            data,
            pagination: PageInfo {
                page: self.page,
                limit: self.limit,
                total,
                total_pages: total.div_ceil(self.limit),
            },
        }
    }
}

/// The first value of each named query parameter.
fn query_values(parts: &Parts, names: &[&str]) -> Vec<Option<String>> {
    let query = parts.uri.query().unwrap_or_default();
    names
        .iter()
        .map(|name| {
            form_urlencoded::parse(query.as_bytes())
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.into_owned())
        })
        .collect()
}

fn bad_param(param: &str, value: &str, rule: &str) -> ApiError {
    ApiError::bad_request(format!(
        "Invalid query parameter `{param}`: {rule}, got `{value}`"
    ))
    .with_code(code::INVALID_QUERY)
    .with_details(json!({ "field": param, "reason": rule, "value": value }))
}

fn parse_in_range(
    param: &str,
    value: Option<String>,
    default: u64,
    max: u64,
) -> Result<u64, ApiError> {
    let Some(value) = value else {
        return Ok(default);
    };
    let rule = if max == u64::MAX {
        "must be a whole number of 1 or more".to_string()
    } else {
        format!("must be a whole number from 1 to {max}")
    };
    match value.trim().parse::<u64>() {
        Ok(number) if (1..=max).contains(&number) => Ok(number),
        _ => Err(bad_param(param, &value, &rule)),
    }
}

/// `limit`, the same rule for both kinds of pagination.
fn parse_limit(value: Option<String>) -> Result<u64, ApiError> {
    parse_in_range(
        "limit",
        value,
        Pagination::DEFAULT_LIMIT,
        Pagination::MAX_LIMIT,
    )
}

impl<S: Send + Sync> FromRequestParts<S> for Pagination {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let mut values = query_values(parts, &["page", "limit"]).into_iter();
        let page = parse_in_range("page", values.next().flatten(), 1, Pagination::MAX_PAGE)?;
        let limit = parse_limit(values.next().flatten())?;
        Ok(Pagination { page, limit })
    }
}

/// `{ "data": [...], "pagination": { "page", "limit", "total", "totalPages" } }`.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "openapi", schemars(rename = "Paginated_{T}"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paginated<T> {
    pub data: Vec<T>,
    pub pagination: PageInfo,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    pub page: u64,
    pub limit: u64,
    pub total: u64,
    pub total_pages: u64,
}

impl<T: Serialize> IntoResponse for Paginated<T> {
    fn into_response(self) -> Response {
        axum::Json(self).into_response()
    }
}

/// `?cursor=&limit=`: where the previous page ended, opaque to the client. `limit` as in
/// [`Pagination`]; a cursor this server did not make is a 400 `INVALID_CURSOR`.
///
/// ```
/// use fsroute::prelude::*;
///
/// // Rows are ids 1..=50; the cursor is the last id sent.
/// pub async fn GET(page: CursorPagination) -> ApiResult<CursorPage<u64>> {
///     let after: u64 = page.decode()?.unwrap_or(0);
///     // Fetch one more than asked, to know whether there is a next page.
///     let rows: Vec<u64> = (after + 1..=50).take(page.limit as usize + 1).collect();
///     Ok(page.respond(rows, |last| *last))
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CursorPagination {
    pub cursor: Option<String>,
    pub limit: u64,
}

impl CursorPagination {
    /// Makes a cursor from any serializable position (an id, a `(timestamp, id)` pair).
    pub fn encode<C: Serialize>(position: &C) -> String {
        // Serializing plain data to JSON does not fail.
        let json = serde_json::to_vec(position).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    /// The position the client's cursor holds, `None` on the first page.
    pub fn decode<C: DeserializeOwned>(&self) -> Result<Option<C>, ApiError> {
        let Some(cursor) = &self.cursor else {
            return Ok(None);
        };
        URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .map(Some)
            .ok_or_else(|| {
                ApiError::bad_request(
                    "Invalid query parameter `cursor`: not a cursor this API made",
                )
                .with_code(code::INVALID_CURSOR)
                .with_details(json!({ "field": "cursor" }))
            })
    }

    /// Builds the page from up to `limit + 1` rows: the extra row only says there is more.
    pub fn respond<T, C: Serialize>(
        &self,
        mut rows: Vec<T>,
        position_of: impl Fn(&T) -> C,
    ) -> CursorPage<T> {
        let limit = self.limit as usize;
        let has_more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if has_more {
            rows.last()
                .map(|last| CursorPagination::encode(&position_of(last)))
        } else {
            None
        };
        CursorPage {
            data: rows,
            pagination: CursorInfo {
                next_cursor,
                limit: self.limit,
                has_more,
            },
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CursorPagination {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let mut values = query_values(parts, &["cursor", "limit"]).into_iter();
        let cursor = values.next().flatten().filter(|c| !c.is_empty());
        let limit = parse_limit(values.next().flatten())?;
        Ok(CursorPagination { cursor, limit })
    }
}

/// `{ "data": [...], "pagination": { "nextCursor", "limit", "hasMore" } }`.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "openapi", schemars(rename = "CursorPage_{T}"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CursorPage<T> {
    pub data: Vec<T>,
    pub pagination: CursorInfo,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CursorInfo {
    pub next_cursor: Option<String>,
    pub limit: u64,
    pub has_more: bool,
}

impl<T: Serialize> IntoResponse for CursorPage<T> {
    fn into_response(self) -> Response {
        axum::Json(self).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_page_counts() {
        let page = Pagination { page: 3, limit: 20 };
        assert_eq!(page.offset(), 40);
        assert_eq!(page.respond(vec![1], 95).pagination.total_pages, 5);
        assert_eq!(page.respond(Vec::<u8>::new(), 0).pagination.total_pages, 0);
        assert_eq!(page.respond(vec![1], 100).pagination.total_pages, 5);
        // The largest page a client can ask for fits a signed 64-bit OFFSET at any limit.
        let last = Pagination {
            page: Pagination::MAX_PAGE,
            limit: Pagination::MAX_LIMIT,
        };
        assert!(last.offset() <= i64::MAX as u64);
        assert_eq!(last.offset(), (Pagination::MAX_PAGE - 1) * 100);
        // Built by hand past it, the offset still stops there.
        let by_hand = Pagination {
            page: u64::MAX,
            limit: Pagination::MAX_LIMIT,
        };
        assert_eq!(by_hand.offset(), i64::MAX as u64);
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let encoded = CursorPagination::encode(&(1700000000_u64, 42_u64));
        let page = CursorPagination {
            cursor: Some(encoded),
            limit: 10,
        };
        assert_eq!(page.decode::<(u64, u64)>().unwrap(), Some((1700000000, 42)));
        let forged = CursorPagination {
            cursor: Some("!!".into()),
            limit: 10,
        };
        assert_eq!(forged.decode::<u64>().unwrap_err().code(), "INVALID_CURSOR");
    }

    #[test]
    fn over_fetching_one_row_tells_whether_there_is_more() {
        let page = CursorPagination {
            cursor: None,
            limit: 2,
        };
        let more = page.respond(vec![1, 2, 3], |id| *id);
        assert_eq!(more.data, [1, 2]);
        assert!(more.pagination.has_more);
        assert_eq!(
            more.pagination.next_cursor,
            Some(CursorPagination::encode(&2))
        );
        let last = page.respond(vec![1, 2], |id| *id);
        assert!(!last.pagination.has_more);
        assert_eq!(last.pagination.next_cursor, None);
    }
}

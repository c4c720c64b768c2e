//! What a route file usually needs: `use fsroute::prelude::*;`.

pub use crate::download::Download;
pub use crate::extract::{Form, Json, Path, Query, Valid};
pub use crate::pagination::{CursorPage, CursorPagination, Paginated, Pagination};
pub use crate::response::{Cookie, Created, JsonResponse, NoContent, Redirect, SetCookie};
pub use crate::stream::{sse_events, sse_json, stream_bytes};
pub use crate::upload::{Multipart, SavedFile, UploadLimits, UploadedFile};
pub use crate::{ApiError, ApiResult};

pub use axum::extract::{Extension, Request, State};
pub use axum::response::{IntoResponse, Response};
pub use http::{HeaderMap, HeaderValue, Method, StatusCode, header};

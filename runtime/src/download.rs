//! Files sent to clients as they are read from disk, with the headers that keep a
//! user-supplied file from acting as a page of the API's origin.

use std::path::Path;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use tokio_util::io::ReaderStream;

use crate::ApiError;

/// A file on disk as a response: streamed (a slow reader holds one buffer, not the file),
/// with its length, its type (from the extension unless set), and headers for content
/// that users uploaded:
///
/// - `X-Content-Type-Options: nosniff` — the browser keeps to the declared type;
/// - `Content-Security-Policy: default-src 'none'; sandbox` — opened directly, even an
///   HTML or SVG file runs no script and loads nothing;
/// - `Content-Disposition: inline; filename="…"` (or `attachment` with
///   [`attachment`](Download::attachment));
/// - `Cache-Control` ([`DEFAULT_CACHE_CONTROL`] unless set).
///
/// ```
/// use fsroute::prelude::*;
///
/// pub async fn GET(Path(name): Path<String>) -> ApiResult<Download> {
///     // `name` must be checked to stay inside the folder first (see the template's route).
///     Download::open(std::path::Path::new("data/uploads").join(&name)).await
/// }
/// ```
#[derive(Debug)]
pub struct Download {
    file: tokio::fs::File,
    len: u64,
    content_type: String,
    disposition: &'static str,
    file_name: Option<String>,
    cache_control: HeaderValue,
}

/// One hour, for any cache: stored files are named by the server and never change, and a
/// deleted one stops being served by caches within the hour.
pub const DEFAULT_CACHE_CONTROL: &str = "public, max-age=3600";

impl Download {
    /// Opens the file at `path`; a missing path, or one that is not a file, is a 404.
    pub async fn open(path: impl AsRef<Path>) -> Result<Download, ApiError> {
        let path = path.as_ref();
        let not_found = || {
            let name = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            ApiError::not_found(format!("File {name}"))
        };
        let file = match tokio::fs::File::open(path).await {
            Ok(file) => file,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Err(not_found()),
            Err(err) => return Err(err.into()),
        };
        let metadata = file.metadata().await?;
        if !metadata.is_file() {
            return Err(not_found());
        }
        let content_type = mime_guess::from_path(path)
            .first_or_octet_stream()
            .essence_str()
            .to_string();
        Ok(Download {
            file,
            len: metadata.len(),
            content_type,
            disposition: "inline",
            file_name: path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned()),
            cache_control: HeaderValue::from_static(DEFAULT_CACHE_CONTROL),
        })
    }

    /// The `Content-Type`, instead of the one guessed from the extension.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = content_type.into();
        self
    }

    /// Saved rather than shown by browsers, under `file_name`.
    pub fn attachment(mut self, file_name: impl Into<String>) -> Self {
        self.disposition = "attachment";
        self.file_name = Some(file_name.into());
        self
    }

    /// The `Cache-Control` header, instead of [`DEFAULT_CACHE_CONTROL`].
    pub fn cache_control(mut self, value: &'static str) -> Self {
        self.cache_control = HeaderValue::from_static(value);
        self
    }

    /// The file's size in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl IntoResponse for Download {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::from_stream(ReaderStream::new(self.file)));
        let headers = response.headers_mut();
        let content_type = HeaderValue::from_str(&self.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream"));
        headers.insert(header::CONTENT_TYPE, content_type);
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(self.len));
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; sandbox"),
        );
        if let Ok(value) = HeaderValue::from_str(&content_disposition(
            self.disposition,
            self.file_name.as_deref(),
        )) {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
        headers.insert(header::CACHE_CONTROL, self.cache_control);
        *response.status_mut() = StatusCode::OK;
        response
    }
}

/// `inline; filename="cat.png"`, with the name reduced to characters that need no quoting
/// rules, and the full name as `filename*` (RFC 6266) when it has others.
fn content_disposition(disposition: &str, file_name: Option<&str>) -> String {
    let Some(name) = file_name.and_then(crate::upload::safe_file_name) else {
        return disposition.to_string();
    };
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if ascii == name {
        return format!("{disposition}; filename=\"{ascii}\"");
    }
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("{disposition}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn file_names_in_content_disposition_cannot_break_the_header() {
        assert_eq!(
            content_disposition("inline", Some("cat.png")),
            "inline; filename=\"cat.png\""
        );
        assert_eq!(
            content_disposition("attachment", Some("a\"b\r\nc.png")),
            "attachment; filename=\"a_bc.png\""
        );
        assert_eq!(
            content_disposition("inline", Some("名前.png")),
            "inline; filename=\"__.png\"; filename*=UTF-8''%E5%90%8D%E5%89%8D.png"
        );
        assert_eq!(content_disposition("inline", Some("..")), "inline");
        assert_eq!(content_disposition("inline", None), "inline");
    }
}

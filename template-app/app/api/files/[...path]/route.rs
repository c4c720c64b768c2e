//! `GET /api/files/{*path}`: files from the uploads folder, with their content type,
//! streamed.
//! `..`, absolute paths and anything that leaves the folder are refused; a missing file is
//! a JSON 404.

use fsroute::prelude::*;

use crate::{AppState, errors};

/// An uploaded file, with its content type.
pub async fn GET(State(state): State<AppState>, Path(path): Path<String>) -> ApiResult<Download> {
    let root = state.upload_dir();
    // Every segment must be a plain name: no `..`, `.`, empty segments or backslashes.
    let plain = path.split('/').all(|segment| {
        !segment.is_empty() && segment != "." && segment != ".." && !segment.contains('\\')
    });
    if !plain {
        return Err(ApiError::bad_request("Invalid file path").with_code(errors::INVALID_PATH));
    }
    let candidate = root.join(&path);
    // Links inside the folder could still point outside it: compare real paths.
    let (Ok(real_root), Ok(real_file)) = (
        tokio::fs::canonicalize(&root).await,
        tokio::fs::canonicalize(&candidate).await,
    ) else {
        return Err(ApiError::not_found(format!("File {path}")));
    };
    if !real_file.starts_with(&real_root) || !real_file.is_file() {
        return Err(ApiError::not_found(format!("File {path}")));
    }
    // Streamed as the client reads it, with headers that keep an uploaded file inert
    // (nosniff, a sandboxing CSP, Content-Disposition, Cache-Control).
    Download::open(&real_file).await
}

//! `POST /api/upload`: one image (PNG, JPEG, GIF or WebP, at most 5 MiB) as
//! `multipart/form-data`, stored under a generated name and served from `/api/files/`.

use fsroute::prelude::*;
use serde_json::{Value, json};

use crate::AppState;

/// Room for a 5 MiB file and the multipart framing around it.
pub const BODY_LIMIT: usize = 6 * 1024 * 1024;

const MAX_FILE: usize = 5 * 1024 * 1024;

pub async fn POST(State(state): State<AppState>, mut form: Multipart) -> ApiResult<Created<Value>> {
    let file = form
        .next_file(&UploadLimits::images(MAX_FILE))
        .await?
        .ok_or_else(|| {
            ApiError::bad_request("Send an image as a file field of a multipart form")
        })?;
    let stored = file.save_in(&state.upload_dir()).await?;
    let name = stored
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let url = format!("/api/files/{name}");
    Ok(Created::new(
        url.clone(),
        json!({
            "url": url,
            "contentType": file.content_type,
            "size": file.bytes.len(),
            "originalName": file.file_name,
        }),
    ))
}

//! `POST /api/upload`: one image (PNG, JPEG, GIF or WebP, at most 5 MiB) as
//! `multipart/form-data`, stored under a generated name and served from `/api/files/`.

use fsroute::prelude::*;
use schemars::JsonSchema;
use serde::Serialize;

use crate::AppState;

/// Room for a 5 MiB file and the multipart framing around it.
pub const BODY_LIMIT: usize = 6 * 1024 * 1024;

const MAX_FILE: usize = 5 * 1024 * 1024;

/// Where an upload was stored.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StoredFile {
    /// Where to read it: `/api/files/<name>`.
    url: String,
    content_type: String,
    size: u64,
    /// The name the client sent, if any; not the stored one.
    original_name: Option<String>,
}

/// Stores one image (PNG, JPEG, GIF or WebP, at most 5 MiB) sent as a file field.
///
/// The file is written to disk as it arrives, never held whole in memory.
pub async fn POST(
    State(state): State<AppState>,
    mut form: Multipart,
) -> ApiResult<Created<StoredFile>> {
    let file = form
        .save_next_file(&UploadLimits::images(MAX_FILE), &state.upload_dir())
        .await?
        .ok_or_else(|| {
            ApiError::bad_request("Send an image as a file field of a multipart form")
        })?;
    let url = crate::routes::href::files_by_path([&file.name]).to_string();
    Ok(Created::new(
        url.clone(),
        StoredFile {
            url,
            content_type: file.content_type,
            size: file.size,
            original_name: file.file_name,
        },
    ))
}

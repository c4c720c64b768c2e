//! `POST /api/upload`: one image (PNG, JPEG, GIF or WebP, at most 5 MiB) as
//! `multipart/form-data`, stored under a generated name and served from `/api/files/`.
//! Each user has a quota (`UPLOAD_QUOTA_MB`, `UPLOAD_MAX_FILES`) and a rate
//! (`UPLOAD_RATE_PER_MINUTE`); `DELETE /api/files/{name}` makes room again.

use fsroute::prelude::*;
use schemars::JsonSchema;
use serde::Serialize;

use crate::{AppState, User, uploads};

/// Room for a 5 MiB file and the multipart framing around it.
pub const BODY_LIMIT: usize = 6 * 1024 * 1024;

const MAX_FILE: usize = 5 * 1024 * 1024;

/// Where an upload was stored.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StoredFile {
    /// Where to read it, and to delete it: `/api/files/<name>`.
    url: String,
    /// The stored name.
    name: String,
    content_type: String,
    size: u64,
    /// The name the client sent, if any; not the stored one.
    original_name: Option<String>,
}

/// Stores one image (PNG, JPEG, GIF or WebP, at most 5 MiB) sent as a file field.
///
/// The file is written to disk as it arrives, never held whole in memory. A 413
/// `UPLOAD_QUOTA_EXCEEDED` when it would take you past your quota; a 429 when you upload
/// too often.
pub async fn POST(
    State(state): State<AppState>,
    me: User,
    mut form: Multipart,
) -> ApiResult<Created<StoredFile>> {
    state.upload_limiter.check(me.id)?;
    // A full account is turned away before its body is read.
    uploads::check_room(&state.db, me.id, state.upload_quota).await?;
    let dir = state.upload_dir();
    let file = form
        .save_next_file(&UploadLimits::images(MAX_FILE), &dir)
        .await?
        .ok_or_else(|| {
            ApiError::bad_request("Send an image as a file field of a multipart form")
        })?;
    // Another upload may have taken the room meanwhile: the record decides, and a file
    // it refuses is not kept.
    if let Err(refused) = uploads::record(&state.db, me.id, &file, state.upload_quota).await {
        uploads::remove_files(&dir, std::slice::from_ref(&file.name)).await;
        return Err(refused);
    }
    let url = crate::routes::href::files_by_path([&file.name]).to_string();
    Ok(Created::new(
        url.clone(),
        StoredFile {
            url,
            name: file.name,
            content_type: file.content_type,
            size: file.size,
            original_name: file.file_name,
        },
    ))
}

//! `/api/files/{*path}`: files from the uploads folder. Anyone may read one (they are
//! meant for `<img src>`); its owner or an admin may delete it.
//! `..`, absolute paths and anything that leaves the folder are refused; a missing file is
//! a JSON 404.

use std::path::PathBuf;

use fsroute::prelude::*;

use crate::sessions::SignedIn;
use crate::{AppState, errors, uploads};

/// An uploaded file, with its content type.
pub async fn GET(State(state): State<AppState>, Path(path): Path<String>) -> ApiResult<Download> {
    let file = existing_file(&state, &path).await?;
    // Streamed as the client reads it, with headers that keep an uploaded file inert
    // (nosniff, a sandboxing CSP, Content-Disposition, Cache-Control).
    Download::open(&file).await
}

/// Deletes one of your uploads, or anyone's as an admin.
///
/// Its room in your quota is free again. Needs a token; files stored before uploads had
/// owners can be deleted by admins only.
pub async fn DELETE(
    State(state): State<AppState>,
    SignedIn(me): SignedIn,
    Path(path): Path<String>,
) -> ApiResult<NoContent> {
    let file = existing_file(&state, &path).await?;
    match uploads::find(&state.db, &path).await? {
        Some(upload) if upload.owner_id != me.id && !me.is_admin() => {
            return Err(ApiError::forbidden("You can only delete your own files"));
        }
        Some(_) => {
            // The row first: it is what quotas count, and a file left behind by a failed
            // removal is only logged.
            uploads::forget(&state.db, &path).await?;
        }
        None if !me.is_admin() => {
            return Err(ApiError::forbidden(
                "This file has no owner on record: only an admin can delete it",
            ));
        }
        None => {}
    }
    if let Err(err) = tokio::fs::remove_file(&file).await
        && err.kind() != std::io::ErrorKind::NotFound
    {
        return Err(ApiError::internal_from(err));
    }
    Ok(NoContent)
}

/// The real path of a file inside the uploads folder, or a 400 for a path that is not
/// plain and a 404 for one that is not a file there.
async fn existing_file(state: &AppState, path: &str) -> ApiResult<PathBuf> {
    let root = state.upload_dir();
    // Every segment must be a plain name: no `..`, `.`, empty segments or backslashes.
    let plain = path.split('/').all(|segment| {
        !segment.is_empty() && segment != "." && segment != ".." && !segment.contains('\\')
    });
    if !plain {
        return Err(ApiError::bad_request("Invalid file path").with_code(errors::INVALID_PATH));
    }
    let candidate = root.join(path);
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
    Ok(real_file)
}

//! File uploads from `multipart/form-data`, with a size limit, an allow-list of content
//! types, and a file name the client cannot use to escape a folder.

use std::path::{Path, PathBuf};

use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{FromRequest, Request};
use bytes::{Bytes, BytesMut};
use http::StatusCode;
use serde_json::json;

use crate::ApiError;
use crate::error::code;

/// What an upload may be.
#[derive(Debug, Clone)]
pub struct UploadLimits {
    /// Largest file, in bytes. The route's body limit (2 MB by default) applies too.
    pub max_bytes: usize,
    /// Accepted content types, lower case (`image/png`).
    pub allowed_types: Vec<String>,
}

impl UploadLimits {
    pub fn new(max_bytes: usize, allowed_types: &[&str]) -> Self {
        UploadLimits {
            max_bytes,
            allowed_types: allowed_types
                .iter()
                .map(|t| t.to_ascii_lowercase())
                .collect(),
        }
    }

    /// PNG, JPEG, GIF and WebP up to `max_bytes`.
    pub fn images(max_bytes: usize) -> Self {
        UploadLimits::new(
            max_bytes,
            &["image/png", "image/jpeg", "image/gif", "image/webp"],
        )
    }
}

/// A file that passed the limits, read into memory.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    /// The form field it came in.
    pub field: String,
    /// The client's file name made safe for display ([`safe_file_name`]); never a path.
    pub file_name: Option<String>,
    /// The content type, lower case, one of the allowed ones: declared by the client and,
    /// for types with a signature (images, PDF…), confirmed by the content.
    pub content_type: String,
    pub bytes: Bytes,
}

impl UploadedFile {
    /// A name to store the file under, made here: a random UUID and the extension of its
    /// content type (`3f2a….png`). Nothing the client sent is in it.
    pub fn storage_name(&self) -> String {
        storage_name_for(&self.content_type)
    }

    /// Writes the file into `dir` under a fresh [`storage_name`](Self::storage_name) and
    /// returns the path.
    pub async fn save_in(&self, dir: &Path) -> std::io::Result<PathBuf> {
        tokio::fs::create_dir_all(dir).await?;
        let path = dir.join(self.storage_name());
        tokio::fs::write(&path, &self.bytes).await?;
        Ok(path)
    }
}

/// A file that passed the limits, written to disk as it arrived
/// ([`Multipart::save_next_file`]).
#[derive(Debug, Clone)]
pub struct SavedFile {
    /// The form field it came in.
    pub field: String,
    /// The client's file name made safe for display ([`safe_file_name`]); never a path.
    pub file_name: Option<String>,
    /// The content type, lower case, one of the allowed ones, confirmed by the content
    /// where the type has a signature.
    pub content_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// The name it is stored under, made by the server: a UUID and the type's extension.
    pub name: String,
    /// Where it is: the folder given, joined with `name`.
    pub path: PathBuf,
}

/// Bytes read before the content is checked against its declared type: enough for every
/// signature `infer` knows of the usual upload types.
const SNIFF_LEN: usize = 8 * 1024;

/// Removes a partly written upload unless [`disarm`](PartFile::disarm)ed: on an error, and
/// when the request is dropped mid-body (the client went away).
struct PartFile(Option<PathBuf>);

impl PartFile {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for PartFile {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A fresh UUID and the extension of `content_type`: nothing the client sent.
fn storage_name_for(content_type: &str) -> String {
    format!("{}.{}", uuid::Uuid::new_v4(), extension_for(content_type))
}

fn extension_for(content_type: &str) -> &'static str {
    match content_type {
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "application/pdf" => "pdf",
        "text/plain" => "txt",
        "text/csv" => "csv",
        "application/json" => "json",
        _ => "bin",
    }
}

/// The last component of a client's file name, with anything that could be a path,
/// hidden file or control character removed; at most 100 characters. `None` when nothing
/// is left.
///
/// ```
/// use fsroute::upload::safe_file_name;
/// assert_eq!(safe_file_name("../../etc/passwd").as_deref(), Some("passwd"));
/// assert_eq!(safe_file_name("C:\\Users\\me\\cat.png").as_deref(), Some("cat.png"));
/// assert_eq!(safe_file_name("..").as_deref(), None);
/// ```
pub fn safe_file_name(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    let cleaned: String = cleaned.chars().take(100).collect();
    (!cleaned.is_empty()).then_some(cleaned)
}

/// `multipart/form-data`, like `axum::extract::Multipart`, but rejecting in JSON and with
/// [`next_file`](Multipart::next_file) to read a file within limits.
///
/// ```
/// use fsroute::prelude::*;
///
/// pub async fn POST(mut form: Multipart) -> ApiResult<Json<serde_json::Value>> {
///     let limits = UploadLimits::images(1024 * 1024);
///     let Some(file) = form.next_file(&limits).await? else {
///         return Err(ApiError::bad_request("Send a file"));
///     };
///     let path = file.save_in(std::path::Path::new("data/uploads")).await?;
///     Ok(Json(serde_json::json!({ "stored": path.file_name().unwrap().to_string_lossy() })))
/// }
/// ```
pub struct Multipart(pub axum::extract::Multipart);

impl<S: Send + Sync> FromRequest<S> for Multipart {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Multipart::from_request(request, state).await {
            Ok(multipart) => Ok(Multipart(multipart)),
            Err(MultipartRejection::InvalidBoundary(rejection)) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                code::UNSUPPORTED_MEDIA_TYPE,
                "Expected a request body with `Content-Type: multipart/form-data; boundary=…`",
            )
            .with_cause(rejection)),
            Err(other) => Err(ApiError::bad_request("Could not read the multipart body")
                .with_code(code::INVALID_MULTIPART)
                .with_cause(other)),
        }
    }
}

impl Multipart {
    /// The next field, whatever it is.
    pub async fn next_field(&mut self) -> Result<Option<Field<'_>>, ApiError> {
        self.0.next_field().await.map_err(multipart_error)
    }

    /// The next field that is a file (has a file name), read into memory within `limits`;
    /// other fields before it are skipped. 415 for a type not allowed or content that is
    /// not the declared type, 413 past the size. For large files prefer
    /// [`save_next_file`](Self::save_next_file), which holds one chunk at a time.
    pub async fn next_file(
        &mut self,
        limits: &UploadLimits,
    ) -> Result<Option<UploadedFile>, ApiError> {
        let (mut field, file) = loop {
            let Some(field) = self.0.next_field().await.map_err(multipart_error)? else {
                return Ok(None);
            };
            if let Some(file) = file_header(&field, limits)? {
                break (field, file);
            }
        };
        let mut bytes = BytesMut::new();
        // Count while reading, so an oversized file is refused without being buffered.
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            check_size(bytes.len() + chunk.len(), limits, &file.field)?;
            bytes.extend_from_slice(&chunk);
        }
        check_content(&bytes, &file.content_type, &file.field)?;
        Ok(Some(UploadedFile {
            field: file.field,
            file_name: file.file_name,
            content_type: file.content_type,
            bytes: bytes.freeze(),
        }))
    }

    /// The next file field, like [`next_file`](Self::next_file), written into `dir` as it
    /// arrives under a fresh server-made name: memory holds one chunk, not the file. The
    /// first bytes are checked against the declared type before anything is written; a
    /// file refused on the way (too large, a broken body, a client that goes away) leaves
    /// nothing behind.
    pub async fn save_next_file(
        &mut self,
        limits: &UploadLimits,
        dir: &Path,
    ) -> Result<Option<SavedFile>, ApiError> {
        use tokio::io::AsyncWriteExt as _;

        let (mut field, file) = loop {
            let Some(field) = self.0.next_field().await.map_err(multipart_error)? else {
                return Ok(None);
            };
            if let Some(file) = file_header(&field, limits)? {
                break (field, file);
            }
        };
        let mut head = BytesMut::new();
        let mut ended = false;
        while head.len() < SNIFF_LEN {
            match field.chunk().await.map_err(multipart_error)? {
                Some(chunk) => {
                    check_size(head.len() + chunk.len(), limits, &file.field)?;
                    head.extend_from_slice(&chunk);
                }
                None => {
                    ended = true;
                    break;
                }
            }
        }
        check_content(&head, &file.content_type, &file.field)?;

        tokio::fs::create_dir_all(dir).await?;
        let name = storage_name_for(&file.content_type);
        let path = dir.join(&name);
        // Written under a hidden name, renamed when whole: a reader never sees half a file.
        let part_path = dir.join(format!(".{name}.part"));
        let part = PartFile(Some(part_path.clone()));
        let mut out = tokio::fs::File::create(&part_path).await?;
        out.write_all(&head).await?;
        let mut size = head.len();
        if !ended {
            while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                size += chunk.len();
                check_size(size, limits, &file.field)?;
                out.write_all(&chunk).await?;
            }
        }
        out.flush().await?;
        drop(out);
        tokio::fs::rename(&part_path, &path).await?;
        part.disarm();
        Ok(Some(SavedFile {
            field: file.field,
            file_name: file.file_name,
            content_type: file.content_type,
            size: size as u64,
            name,
            path,
        }))
    }
}

/// What `field` says of itself when it is a file (has a file name), with its type checked
/// against `limits`; `None` for a field that is not a file.
fn file_header(field: &Field<'_>, limits: &UploadLimits) -> Result<Option<FileHeader>, ApiError> {
    let Some(client_name) = field.file_name() else {
        return Ok(None);
    };
    let field_name = field.name().unwrap_or_default().to_string();
    let content_type = field
        .content_type()
        .unwrap_or("application/octet-stream")
        .to_ascii_lowercase();
    if !limits.allowed_types.contains(&content_type) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "File type `{content_type}` is not allowed; allowed: {}",
                limits.allowed_types.join(", ")
            ),
        )
        .with_details(json!({ "field": field_name, "received": content_type, "allowed": limits.allowed_types })));
    }
    Ok(Some(FileHeader {
        field: field_name,
        file_name: safe_file_name(client_name),
        content_type,
    }))
}

/// What a file field says of itself, checked.
struct FileHeader {
    field: String,
    file_name: Option<String>,
    content_type: String,
}

/// 413 once `size` bytes are past the limit.
fn check_size(size: usize, limits: &UploadLimits, field_name: &str) -> Result<(), ApiError> {
    if size <= limits.max_bytes {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        code::PAYLOAD_TOO_LARGE,
        format!("File is larger than {} bytes", limits.max_bytes),
    )
    .with_details(json!({ "field": field_name, "maxBytes": limits.max_bytes })))
}

/// The declared type is the client's word; the first bytes are the file's. For every type
/// `infer` can recognise (images, PDF, archives, audio, video…) the content must be that
/// type, or it is refused with 415 — a script uploaded as `image/png` is not stored.
/// Types without a signature (`text/plain`, `text/csv`, `application/json`) cannot be
/// checked this way and are taken as declared.
fn check_content(bytes: &[u8], declared: &str, field_name: &str) -> Result<(), ApiError> {
    if !infer::is_mime_supported(declared) {
        return Ok(());
    }
    let detected = infer::get(bytes).map(|kind| kind.mime_type());
    if detected == Some(declared) {
        return Ok(());
    }
    let message = match detected {
        Some(detected) => format!("File content is `{detected}`, not the declared `{declared}`"),
        None => format!("File content is not `{declared}`, as declared"),
    };
    Err(ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        code::CONTENT_TYPE_MISMATCH,
        message,
    )
    .with_details(json!({ "field": field_name, "declared": declared, "detected": detected })))
}

fn multipart_error(error: MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        crate::extract::rejection::PayloadTooLarge.into()
    } else {
        ApiError::bad_request(format!("Malformed multipart body: {}", error.body_text()))
            .with_code(code::INVALID_MULTIPART)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_file_names_lose_their_paths() {
        let cases = [
            ("cat.png", Some("cat.png")),
            ("../../etc/passwd", Some("passwd")),
            ("..\\..\\windows\\win.ini", Some("win.ini")),
            ("/absolute/x.txt", Some("x.txt")),
            (".htaccess", Some("htaccess")),
            ("..", None),
            ("", None),
            ("a\u{0}b\nc.png", Some("abc.png")),
            ("x/", None),
            ("名前.png", Some("名前.png")),
            ("<script>.png", Some("_script_.png")),
        ];
        for (name, expected) in cases {
            assert_eq!(safe_file_name(name).as_deref(), expected, "{name:?}");
        }
        assert_eq!(safe_file_name(&"a".repeat(300)).unwrap().len(), 100);
    }

    #[test]
    fn storage_names_come_from_the_server() {
        let file = UploadedFile {
            field: "file".into(),
            file_name: Some("../../evil.sh".into()),
            content_type: "image/png".into(),
            bytes: Bytes::new(),
        };
        let name = file.storage_name();
        assert!(name.ends_with(".png"));
        assert!(!name.contains("evil"));
        assert_eq!(name.len(), 36 + 4);
    }

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const GIF: &[u8] = b"GIF89a\x01\0\x01\0";

    #[test]
    fn content_must_be_what_it_claims_to_be() {
        assert!(check_content(PNG, "image/png", "file").is_ok());
        let mismatch = check_content(GIF, "image/png", "file").unwrap_err();
        assert_eq!(mismatch.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(mismatch.code(), "CONTENT_TYPE_MISMATCH");
        assert_eq!(
            mismatch.message(),
            "File content is `image/gif`, not the declared `image/png`"
        );
        let script = check_content(b"#!/bin/sh\nrm -rf /\n", "image/png", "file").unwrap_err();
        assert_eq!(
            script.message(),
            "File content is `text/x-shellscript`, not the declared `image/png`"
        );
        let html = check_content(b"<script>alert(1)</script>", "image/png", "file").unwrap_err();
        assert_eq!(
            html.message(),
            "File content is `text/html`, not the declared `image/png`"
        );
        let unknown = check_content(b"\x00\x01 no signature", "image/png", "file").unwrap_err();
        assert_eq!(
            unknown.message(),
            "File content is not `image/png`, as declared"
        );
        // No signature to check: taken as declared.
        assert!(check_content(b"a,b\n1,2\n", "text/csv", "file").is_ok());
    }
}

//! Extractors that work like axum's but reject in the one JSON error shape, saying what
//! was wrong: which field, which type was expected, where in the body.
//!
//! | extractor | rejects with |
//! | --- | --- |
//! | [`Json<T>`] | 415 `UNSUPPORTED_MEDIA_TYPE`, 413 `PAYLOAD_TOO_LARGE`, 400 `INVALID_JSON` (syntax, with line and column), 400 `INVALID_BODY` (shape, with the field path) |
//! | [`Form<T>`] | 415, 413, 400 `INVALID_FORM` |
//! | [`Query<T>`] | 400 `INVALID_QUERY` |
//! | [`Path<T>`] | 400 `INVALID_PATH_PARAM` |
//! | [`Valid<E>`] | whatever `E` rejects with, then 422 `VALIDATION_FAILED` with per-field details |

mod body;
mod form;
mod json;
mod path;
mod query;
mod valid;

pub(crate) use body::payload_too_large;
pub use form::Form;
pub use json::Json;
pub use path::Path;
pub use query::Query;
pub use valid::{Valid, Validated};

use serde::de::DeserializeOwned;
use serde_json::json;

use crate::ApiError;

/// Deserializes URL-encoded text (a query string or a form body) with the failing field's
/// name in the error.
fn from_urlencoded<T: DeserializeOwned>(
    text: &[u8],
    code: &'static str,
    what: &str,
) -> Result<T, ApiError> {
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(text));
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let (field, reason) =
            field_and_reason(&error.path().to_string(), &error.inner().to_string());
        let message = match &field {
            Some(field) => format!("Invalid {what} `{field}`: {reason}"),
            None => format!("Invalid {what}: {reason}"),
        };
        ApiError::bad_request(message)
            .with_code(code)
            .with_details(json!({ "field": field, "reason": reason }))
    })
}

/// serde names a missing field in its message and points at the parent; point at the
/// field itself. `"."` is serde_path_to_error's root.
fn field_and_reason(path: &str, reason: &str) -> (Option<String>, String) {
    let parent = if path == "." { "" } else { path };
    if let Some(name) = reason
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        let field = if parent.is_empty() {
            name.to_string()
        } else {
            format!("{parent}.{name}")
        };
        return (Some(field), "missing field".to_string());
    }
    let field = (!parent.is_empty()).then(|| parent.to_string());
    (field, reason.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_fields_point_at_the_field() {
        assert_eq!(
            field_and_reason(".", "missing field `email`"),
            (Some("email".into()), "missing field".into())
        );
        assert_eq!(
            field_and_reason("address", "missing field `city`"),
            (Some("address.city".into()), "missing field".into())
        );
        assert_eq!(
            field_and_reason("age", "invalid digit found in string"),
            (Some("age".into()), "invalid digit found in string".into())
        );
    }
}

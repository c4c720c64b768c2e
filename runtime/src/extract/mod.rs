//! Extractors that work like axum's but reject in the one JSON error shape, saying what
//! was wrong: which field, which type was expected, where in the body. Each rejects with
//! a type of its own in [`rejection`], one variant per failure.
//!
//! | extractor | rejection | answered with |
//! | --- | --- | --- |
//! | [`Json<T>`] | [`JsonRejection`](rejection::JsonRejection) | 415 `UNSUPPORTED_MEDIA_TYPE`, 413 `PAYLOAD_TOO_LARGE`, 400 `INVALID_JSON` (syntax, with line and column), 400 `INVALID_BODY` (shape, with the field path) |
//! | [`Form<T>`] | [`FormRejection`](rejection::FormRejection) | 415, 413, 400 `INVALID_FORM` |
//! | [`Query<T>`] | [`QueryRejection`](rejection::QueryRejection) | 400 `INVALID_QUERY` |
//! | [`Path<T>`] | [`PathRejection`](rejection::PathRejection) | 400 `INVALID_PATH_PARAM` |
//! | [`Valid<E>`] | [`ValidRejection`](rejection::ValidRejection) | whatever `E` rejects with, then 422 `VALIDATION_FAILED` with per-field details |

mod body;
mod form;
mod json;
mod path;
mod query;
pub mod rejection;
mod valid;

pub use form::Form;
pub use json::Json;
pub use path::Path;
pub use query::Query;
pub use valid::{Valid, Validated};

use serde::de::DeserializeOwned;

/// Deserializes URL-encoded text (a query string or a form body); on failure, the failing
/// field's name (if any) and what is wrong with it.
fn from_urlencoded<T: DeserializeOwned>(text: &[u8]) -> Result<T, (Option<String>, String)> {
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(text));
    serde_path_to_error::deserialize(deserializer)
        .map_err(|error| field_and_reason(&error.path().to_string(), &error.inner().to_string()))
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

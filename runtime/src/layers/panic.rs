use std::any::Any;
use std::fmt;

use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::{CatchPanicLayer, ResponseForPanic};

use crate::ApiError;

/// `tower_http`'s panic catcher answering in the JSON error shape.
pub type CatchPanic = CatchPanicLayer<PanicToJson>;

/// A layer that turns a panicking handler into a JSON 500 `INTERNAL_ERROR`. The panic
/// message is logged, never sent; the server goes on serving other requests.
pub fn catch_panic() -> CatchPanic {
    CatchPanicLayer::custom(PanicToJson)
}

#[derive(Debug, Clone, Copy, Default)]
pub struct PanicToJson;

impl ResponseForPanic for PanicToJson {
    type ResponseBody = axum::body::Body;

    fn response_for_panic(&mut self, panic: Box<dyn Any + Send + 'static>) -> Response {
        let message = if let Some(text) = panic.downcast_ref::<&str>() {
            (*text).to_string()
        } else if let Some(text) = panic.downcast_ref::<String>() {
            text.clone()
        } else {
            "a panic with a value that is not text".to_string()
        };
        ApiError::internal_from(HandlerPanicked(message)).into_response()
    }
}

#[derive(Debug)]
struct HandlerPanicked(String);

impl fmt::Display for HandlerPanicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "handler panicked: {}", self.0)
    }
}

impl std::error::Error for HandlerPanicked {}

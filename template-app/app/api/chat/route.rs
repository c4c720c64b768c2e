//! `POST /api/chat` `{message}`: the reply as Server-Sent Events, token by token, from a
//! deterministic local generator (no network, no model): `data: {"token":"…"}` events,
//! then `event: done`.

use std::convert::Infallible;
use std::time::Duration;

use fsroute::prelude::*;
use fsroute::stream::sse::{Event, Sse};
use futures_util::{Stream, StreamExt};
use garde::Validate;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize, Validate, JsonSchema)]
pub struct Prompt {
    #[garde(length(chars, min = 1, max = 2000))]
    message: String,
}

/// The pause between tokens, so the stream looks like one.
const TOKEN_DELAY: Duration = Duration::from_millis(20);

/// The reply: the same words for the same message, every time.
pub fn reply_to(message: &str) -> Vec<String> {
    let words = message.split_whitespace().count();
    let text = format!(
        "You said \"{}\" ({words} words). This reply is streamed one token at a time.",
        message.trim()
    );
    text.split_inclusive(' ').map(str::to_string).collect()
}

/// The reply to `message`, streamed as Server-Sent Events.
///
/// `data: {"token": "…"}` events, one per token, then `event: done` with `data: [DONE]`.
pub async fn POST(
    Valid(Json(prompt)): Valid<Json<Prompt>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let tokens = futures_util::stream::iter(reply_to(&prompt.message)).then(|token| async move {
        tokio::time::sleep(TOKEN_DELAY).await;
        Event::default().data(json!({ "token": token }).to_string())
    });
    let done = futures_util::stream::once(async { Event::default().event("done").data("[DONE]") });
    sse_events(tokens.chain(done))
}

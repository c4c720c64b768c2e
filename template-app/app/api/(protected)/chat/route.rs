//! `POST /api/chat` `{message}`: the reply as Server-Sent Events, token by token, from a
//! deterministic local generator (no network, no model): `data: {"token":"…"}` events,
//! then `event: done`.
//!
//! Signed in only, with `CHAT_STREAMS_PER_USER` replies at once and `MAX_DURATION` per
//! reply (security review L9): swap in a paid model and it is still not an open proxy.

use std::convert::Infallible;
use std::time::Duration;

use fsroute::prelude::*;
use fsroute::stream::sse::{Event, Sse};
use futures_util::{Stream, StreamExt};
use garde::Validate;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use crate::{AppState, User};

/// The longest reply streams for about 21 s (2,000 one-letter words); past this, the
/// stream is cut.
pub const MAX_DURATION: u64 = 30;

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
/// A 429 `TOO_MANY_STREAMS` while `CHAT_STREAMS_PER_USER` of your replies are streaming.
pub async fn POST(
    State(state): State<AppState>,
    me: User,
    Valid(Json(prompt)): Valid<Json<Prompt>>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    // Held by the stream: freed when the reply ends or the client goes away.
    let slot = state.chat_streams.open(me.id)?;
    let tokens = futures_util::stream::iter(reply_to(&prompt.message)).then(|token| async move {
        tokio::time::sleep(TOKEN_DELAY).await;
        Event::default().data(json!({ "token": token }).to_string())
    });
    let done = futures_util::stream::once(async { Event::default().event("done").data("[DONE]") });
    let events = tokens.chain(done).map(move |event| {
        let _held = &slot;
        event
    });
    Ok(sse_events(events))
}

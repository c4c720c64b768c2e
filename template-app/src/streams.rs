//! A cap on the streams one user may hold open at once (the chat's replies; security
//! review L9): each open stream holds a [`StreamSlot`], given back when the stream ends
//! or its client goes away.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderValue, StatusCode, header};
use fsroute::ApiError;

use crate::errors;

/// How long a client turned away is told to wait: about the length of a typical reply.
const RETRY_AFTER_SECONDS: u32 = 5;

pub struct StreamSlots {
    per_user: u32,
    open: Arc<Mutex<HashMap<i64, u32>>>,
}

/// One open stream of one user; dropping it frees the slot.
pub struct StreamSlot {
    user_id: i64,
    open: Arc<Mutex<HashMap<i64, u32>>>,
}

impl StreamSlots {
    pub fn new(per_user: u32) -> StreamSlots {
        StreamSlots {
            per_user,
            open: Arc::default(),
        }
    }

    /// A slot for `user_id`, or a 429 when they already have `per_user` streams open.
    pub fn open(&self, user_id: i64) -> Result<StreamSlot, ApiError> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(user_id).or_insert(0);
        if *count >= self.per_user {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                errors::TOO_MANY_STREAMS,
                format!(
                    "You already have {} replies streaming; wait for one to finish",
                    self.per_user
                ),
            )
            .with_header(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS)));
        }
        *count += 1;
        Ok(StreamSlot {
            user_id,
            open: Arc::clone(&self.open),
        })
    }

    /// Streams open now for `user_id`.
    pub fn open_for(&self, user_id: i64) -> u32 {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.get(&user_id).copied().unwrap_or(0)
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.user_id) {
            *count -= 1;
            // Users with nothing open are forgotten, so the map holds only live streams.
            if *count == 0 {
                open.remove(&self.user_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_gets_per_user_slots_and_a_dropped_slot_is_free_again() {
        let slots = StreamSlots::new(2);
        let first = slots.open(7).unwrap();
        let _second = slots.open(7).unwrap();
        let refused = slots.open(7).err().unwrap();
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.code(), errors::TOO_MANY_STREAMS);
        // Another user is not affected.
        let _other = slots.open(8).unwrap();
        drop(first);
        assert_eq!(slots.open_for(7), 1);
        let _third = slots.open(7).unwrap();
        assert_eq!(slots.open_for(7), 2);
    }
}

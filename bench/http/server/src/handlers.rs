//! The handlers both routers serve; the route files re-export them.

use std::collections::HashMap;

use fsroute::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub async fn hello() -> Json<Value> {
    Json(json!({ "message": "hello", "ok": true }))
}

#[derive(Serialize)]
pub struct User {
    id: u64,
    name: String,
}

pub async fn user(Path(id): Path<u64>) -> Json<User> {
    Json(User {
        id,
        name: format!("user {id}"),
    })
}

pub async fn echo(Json(body): Json<Value>) -> Json<Value> {
    Json(body)
}

pub async fn docs(Path(slug): Path<String>) -> Json<Value> {
    let parts: Vec<&str> = slug.split('/').collect();
    Json(json!({ "slug": slug, "depth": parts.len() }))
}

#[derive(Deserialize)]
pub struct Search {
    q: String,
    #[serde(default)]
    page: u32,
    #[serde(flatten)]
    rest: HashMap<String, String>,
}

pub async fn search(Query(search): Query<Search>) -> Json<Value> {
    Json(json!({ "q": search.q, "page": search.page, "extra": search.rest.len() }))
}

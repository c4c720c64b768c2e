//! What the docs' examples take for granted: the example app's types and its database,
//! in scope in every ```rust block that `tests/cases/docs.rs` compiles. Kept small and
//! plain, so a block that compiles here compiles in an app that has these types.

pub use fsroute::prelude::*;
pub use serde::{Deserialize, Serialize};
pub use serde_json::{Value, json};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub banned: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Post {
    pub id: i64,
    pub title: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Deserialize, garde::Validate)]
pub struct NewUser {
    #[garde(email)]
    pub email: String,
    #[garde(length(min = 1, max = 100))]
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Prompt {
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub orders: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub users: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Settings {
    pub theme: String,
}

/// The app's state in the docs' examples.
#[derive(Clone, Default)]
pub struct AppState {
    pub db: Db,
}

/// A database handle with the queries the docs call.
#[derive(Clone, Default)]
pub struct Db;

impl Db {
    pub async fn find(&self, id: i64) -> ApiResult<Option<User>> {
        Ok((id == 1).then(|| User {
            id,
            email: "ada@example.com".into(),
            name: "Ada".into(),
            banned: false,
        }))
    }

    pub async fn monthly_report(&self) -> ApiResult<Report> {
        Ok(Report { orders: 0 })
    }

    pub async fn stats(&self) -> ApiResult<Stats> {
        Ok(Stats { users: 1 })
    }

    pub async fn count_users(&self) -> ApiResult<u64> {
        Ok(1)
    }

    pub async fn users(&self, _limit: u64, _offset: u64) -> ApiResult<Vec<User>> {
        Ok(Vec::new())
    }

    pub async fn posts_after(&self, _after: Option<(i64, i64)>, _limit: u64) -> ApiResult<Vec<Post>> {
        Ok(Vec::new())
    }
}

impl axum::extract::FromRef<AppState> for Db {
    fn from_ref(state: &AppState) -> Db {
        state.db.clone()
    }
}

impl AppState {
    /// The signed-in user for a bearer token, as the docs' middleware checks it.
    pub fn verify(&self, token: &str) -> Option<User> {
        (token == "secret").then(|| User {
            id: 1,
            email: "ada@example.com".into(),
            name: "Ada".into(),
            banned: false,
        })
    }
}

/// The user with this id, as the README's route looks it up.
pub async fn find_user(id: i64) -> ApiResult<Option<User>> {
    Db.find(id).await
}

/// Deletes a user, as the docs' `DELETE` examples do.
pub async fn delete_user(_id: i64) -> ApiResult<()> {
    Ok(())
}

/// Creates a user, as the docs' `POST` examples do.
pub async fn create(new: NewUser) -> ApiResult<User> {
    Ok(User {
        id: 2,
        email: new.email,
        name: new.name,
        banned: false,
    })
}

/// The tokens of a streamed answer.
pub fn reply_to(prompt: &Prompt) -> Vec<String> {
    prompt.text.split(' ').map(String::from).collect()
}

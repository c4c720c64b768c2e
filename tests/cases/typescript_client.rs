//! The template's TypeScript client, generated from its committed OpenAPI document with
//! openapi-typescript and used through openapi-fetch: its types are current, `tsc` accepts
//! the program, and the program walks through the API of the running template app.
//!
//! Skipped with a note when the client's npm packages are not installed, unless
//! `FSROUTE_REQUIRE_NODE=1` (as in CI, which runs `npm ci` first), when that is a failure.

#[path = "../support/typescript_client.rs"]
mod typescript_client;

use std::net::SocketAddr;
use std::process::Command;

use template_app::{AppState, Config, app};
use typescript_client::{check_generated_types, installed, printed, template_client, tool};

#[test]
fn the_generated_types_are_those_of_the_committed_document() {
    let client = template_client();
    if !installed(&client) {
        return;
    }
    let check = check_generated_types(&client);
    assert!(
        check.status.success(),
        "src/schema.d.ts is not what openapi-typescript makes of openapi.json: the contract \
         changed and the client's types did not. Update them and commit them with the \
         change:\n\n    cd template-app/clients/typescript && npm run generate\n\n{}",
        printed(&check)
    );
}

#[test]
fn tsc_accepts_the_client() {
    let client = template_client();
    if !installed(&client) {
        return;
    }
    let check = tool(&client, "tsc", &["--noEmit"]);
    assert!(check.status.success(), "{}", printed(&check));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_program_walks_through_the_running_template() {
    let client = template_client();
    if !installed(&client) {
        return;
    }
    let build = tool(&client, "tsc", &[]);
    assert!(build.status.success(), "{}", printed(&build));

    let data = tempfile::tempdir().unwrap();
    let state = AppState::start(&Config::for_data_dir(data.path()))
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    let server = tokio::spawn(async move { axum::serve(listener, service).await });

    let program = client.clone();
    let run = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("dist/main.js")
            .env("API_URL", &base_url)
            // The admin `for_data_dir` makes, for the program's admin step.
            .env("ADMIN_EMAIL", template_app::config::TEST_ADMIN_EMAIL)
            .env("ADMIN_PASSWORD", template_app::config::TEST_ADMIN_PASSWORD)
            .current_dir(program)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    server.abort();

    let out = printed(&run);
    assert!(run.status.success(), "the program failed:\n{out}");
    // Each step printed what the server answered; the list and upload lines carry values
    // only a working server produces.
    for step in [
        "registered and logged in as user 2 (user): TypeScript ",
        "paged through 3 posts two at a time: 3, 2, 1",
        "as the admin: ts-",
        "uploaded 70 bytes, served back from /api/files/",
        "chat streamed ",
        "signed out everywhere",
        "ok: every step answered as the contract says",
    ] {
        assert!(out.contains(step), "missing {step:?} in:\n{out}");
    }
}

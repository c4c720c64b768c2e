//! The API's contract: the OpenAPI document the app serves is the one committed in
//! `openapi.json` (and `openapi-3.0.json`), it describes every route, and it has no gaps.
//!
//! After changing a route, a field or a type, update the committed files with
//! `FSROUTE_UPDATE_OPENAPI=1 cargo test --test openapi` and commit them with the change:
//! clients are generated from them.

mod common;

use std::path::PathBuf;

use axum::http::{StatusCode, header};
use serde_json::Value;
use template_app::routes;

/// Compares `served` with the committed file `name`, or writes it when asked to.
fn check_committed(name: &str, served: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(name);
    if std::env::var_os("FSROUTE_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, served).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed == served {
        return;
    }
    let mut report = String::new();
    let committed_lines: Vec<&str> = committed.lines().collect();
    let served_lines: Vec<&str> = served.lines().collect();
    let first = committed_lines
        .iter()
        .zip(&served_lines)
        .position(|(a, b)| a != b)
        .unwrap_or(committed_lines.len().min(served_lines.len()));
    let from = first.saturating_sub(3);
    for (number, line) in committed_lines.iter().enumerate().skip(from).take(8) {
        report.push_str(&format!("  committed {:>5} | {line}\n", number + 1));
    }
    for (number, line) in served_lines.iter().enumerate().skip(from).take(8) {
        report.push_str(&format!("  served    {:>5} | {line}\n", number + 1));
    }
    panic!(
        "`{name}` is not the document the app serves: the API changed and the committed \
         contract did not. They differ from line {}:\n{report}\nIf the change is meant, \
         update the file and commit it with the change:\n\n    \
         FSROUTE_UPDATE_OPENAPI=1 cargo test --test openapi\n",
        first + 1
    );
}

#[test]
fn the_committed_document_is_the_served_one() {
    check_committed("openapi.json", routes::openapi().json());
}

#[test]
fn the_committed_3_0_variant_is_the_served_one() {
    check_committed("openapi-3.0.json", routes::openapi().json_3_0());
}

#[test]
fn every_type_is_described() {
    let gaps: Vec<String> = routes::openapi()
        .gaps()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(gaps.is_empty(), "undescribed types:\n{}", gaps.join("\n"));
}

/// `/api/files/{*path}` → `/api/files/{path}`.
fn openapi_path(axum_path: &str) -> String {
    axum_path.replace("{*", "{")
}

#[test]
fn every_route_has_its_operations() {
    let document = routes::openapi().value();
    for route in routes::ROUTES {
        let item = &document["paths"][openapi_path(route.path)];
        for method in route.methods {
            assert!(
                item[method.to_lowercase()].is_object(),
                "{method} {} ({}) has no operation",
                route.path,
                route.file
            );
        }
    }
    let operations: usize = routes::ROUTES.iter().map(|route| route.methods.len()).sum();
    let described: usize = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|key| *key != "description")
                .count()
        })
        .sum();
    assert_eq!(described, operations, "operations that are not routes");
}

#[test]
fn every_path_parameter_is_declared_in_every_operation() {
    let document = routes::openapi().value();
    for (path, item) in document["paths"].as_object().unwrap() {
        let names: Vec<&str> = path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        for (method, operation) in item.as_object().unwrap() {
            if method == "description" {
                continue;
            }
            for name in &names {
                let declared = operation["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|p| p["in"] == "path" && p["name"] == *name && p["required"] == true);
                assert!(
                    declared,
                    "{method} {path}: path parameter `{name}` is not declared"
                );
            }
        }
    }
}

#[test]
fn operation_ids_are_unique() {
    let document = routes::openapi().value();
    let mut ids: Vec<&str> = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|operation| operation["operationId"].as_str())
        .collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count);
}

#[test]
fn protected_routes_need_the_bearer_token_and_public_ones_do_not() {
    let document = routes::openapi().value();
    let security = |path: &str, method: &str| document["paths"][path][method]["security"].clone();
    assert_eq!(
        security("/api/posts", "get"),
        serde_json::json!([{ "bearerAuth": [] }])
    );
    assert_eq!(
        security("/api/users/{id}", "delete"),
        serde_json::json!([{ "bearerAuth": [] }])
    );
    assert_eq!(security("/api/auth/login", "post"), Value::Null);
    assert_eq!(security("/api/health", "get"), Value::Null);
    assert_eq!(
        document["components"]["securitySchemes"]["bearerAuth"]["scheme"],
        "bearer"
    );
}

#[tokio::test]
async fn the_document_and_the_docs_page_are_served() {
    let app = common::TestApp::new().await;
    let reply = app.client.get("/api/openapi.json").await;
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(
        reply.header(header::CONTENT_TYPE.as_str()),
        Some("application/json")
    );
    let served: Value = reply.json();
    assert_eq!(&served, routes::openapi().value());
    let etag = reply.header("etag").expect("an ETag").to_string();
    let again = app
        .client
        .get("/api/openapi.json")
        .header("if-none-match", &etag)
        .await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let page = app.client.get("/api/docs").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().contains("/api/openapi.json"));
}

// Found by Schemathesis (see docs/reliability.md): the document promised what the server
// refused. Each test below pins one finding.

fn schema(name: &str) -> &'static Value {
    let schema = &routes::openapi().value()["components"]["schemas"][name];
    assert!(schema.is_object(), "no schema {name}");
    schema
}

fn query_parameter(path: &str, name: &str) -> &'static Value {
    routes::openapi().value()["paths"][path]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["in"] == "query" && p["name"] == name)
        .unwrap_or_else(|| panic!("no query parameter {name} on {path}"))
}

/// `sortBy` and `order` were any string; the handler takes only these.
#[tokio::test]
async fn the_documented_sort_values_are_the_ones_the_handler_takes() {
    let sort_by = &query_parameter("/api/users", "sortBy")["schema"]["enum"];
    let sortable: Vec<&str> = template_app::users::SORTABLE
        .iter()
        .map(|(name, _)| *name)
        .collect();
    assert_eq!(sort_by, &serde_json::json!(sortable));
    let order = &query_parameter("/api/users", "order")["schema"]["enum"];
    assert_eq!(order, &serde_json::json!(["asc", "desc"]));

    let app = common::TestApp::new().await;
    let (token, _) = app.admin().await;
    for sort in sortable {
        for order in ["asc", "desc"] {
            let uri = format!("/api/users?sortBy={sort}&order={order}");
            assert_eq!(app.get(&uri, Some(&token)).await.status(), StatusCode::OK);
        }
    }
}

/// PUT's body said every field was optional, and the handler refused a body without
/// the ones it replaces.
#[test]
fn put_bodies_require_what_put_replaces() {
    let body = |path: &str, method: &str| {
        routes::openapi().value()["paths"][path][method]["requestBody"]["content"]
            ["application/json"]["schema"]["$ref"]
            .clone()
    };
    assert_eq!(
        body("/api/posts/{id}", "put"),
        "#/components/schemas/PostReplacement"
    );
    assert_eq!(
        body("/api/posts/{id}", "patch"),
        "#/components/schemas/PostChanges"
    );
    assert_eq!(
        body("/api/users/{id}", "put"),
        "#/components/schemas/UserReplacement"
    );
    assert_eq!(
        schema("PostReplacement")["required"],
        serde_json::json!(["title", "content"])
    );
    assert_eq!(
        schema("UserReplacement")["required"],
        serde_json::json!(["email", "name"])
    );
    assert!(schema("PostChanges").get("required").is_none());
    assert!(schema("UserChanges").get("required").is_none());
}

/// Tags keep their per-tag limits in the document, whatever garde needs to say the same
/// on an `Option<Vec<String>>`.
#[test]
fn every_tag_list_documents_its_limits() {
    for name in ["NewPost", "PostChanges", "PostReplacement"] {
        let tags = &schema(name)["properties"]["tags"];
        assert_eq!(tags["maxItems"], 20, "{name}");
        assert_eq!(tags["items"]["minLength"], 1, "{name}");
        assert_eq!(tags["items"]["maxLength"], 50, "{name}");
    }
}

/// The page had no upper bound in the document; the server takes up to `u64::MAX`.
#[test]
fn the_page_parameter_has_the_servers_bounds() {
    for path in ["/api/posts", "/api/users"] {
        let page = &query_parameter(path, "page")["schema"];
        assert_eq!(page["minimum"], 1, "{path}");
        assert_eq!(
            page["maximum"],
            fsroute::prelude::Pagination::MAX_PAGE,
            "{path}"
        );
    }
}

//! What the OpenAPI document makes of route files (`fixtures/openapi/app`, built in
//! `build.rs` with `.openapi(true).docs(true)`), and that every document fsroute writes —
//! this fixture's and the template app's committed ones — is valid against the official
//! OpenAPI JSON Schemas (`vendor/openapi-schemas/`).

use std::path::{Path, PathBuf};

use fsroute::openapi::GapPlace;
use fsroute::test::TestClient;
use fsroute_tests::openapi::routes;
use serde_json::{Value, json};

fn document() -> &'static Value {
    routes::openapi().value()
}

fn operation(path: &str, method: &str) -> &'static Value {
    let operation = &document()["paths"][path][method];
    assert!(operation.is_object(), "no {method} {path}");
    operation
}

fn statuses(operation: &Value) -> Vec<&str> {
    operation["responses"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn docs_become_summaries_and_descriptions() {
    let list = operation("/api/items", "get");
    assert_eq!(list["summary"], "Lists items.");
    assert_eq!(
        list["description"],
        "A page at a time, filtered.\nSecond line of the description."
    );
    assert_eq!(list["operationId"], "getItems");
    assert_eq!(list["tags"], json!(["items"]));
    assert_eq!(
        document()["paths"]["/api/items"]["description"],
        "`/api/items`: the item list."
    );
    // `#[deprecated]` marks it; `#[doc(hidden)]` leaves it out.
    assert_eq!(operation("/api/items", "put")["deprecated"], true);
    assert!(operation("/api/items", "post").get("deprecated").is_none());
    assert!(
        document()["paths"]["/api/items/{id}"]
            .get("patch")
            .is_none()
    );
    assert!(document()["paths"]["/api/items/{id}"]["delete"].is_object());
}

#[test]
fn security_comes_from_the_innermost_declaration() {
    let bearer = json!([{ "bearerAuth": [] }]);
    assert_eq!(operation("/api/items", "get")["security"], bearer);
    assert_eq!(operation("/api/items/{id}", "delete")["security"], bearer);
    assert!(statuses(operation("/api/items", "get")).contains(&"401"));
    // A route file's own `SECURITY`.
    assert_eq!(
        operation("/api/files/{path}", "get")["security"],
        json!([{ "apiKey": [] }])
    );
    assert_eq!(
        document()["components"]["securitySchemes"]["apiKey"],
        json!({ "type": "apiKey", "in": "header", "name": "X-Api-Key" })
    );
    // Nothing declared: public.
    assert!(operation("/api/raw", "post").get("security").is_none());
    assert!(!statuses(operation("/api/raw", "post")).contains(&"401"));
}

#[test]
fn parameters_are_named_by_folders_and_typed_by_extractors() {
    let list = operation("/api/items", "get");
    let params: Vec<(&str, &str, bool)> = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                p["in"].as_str().unwrap(),
                p["required"] == true,
            )
        })
        .collect();
    assert_eq!(
        params,
        [
            ("page", "query", false),
            ("limit", "query", false),
            ("color", "query", false),
            ("name", "query", true),
        ]
    );
    assert_eq!(
        list["parameters"][2]["description"],
        "Only items of this color."
    );
    let tuple = &operation("/api/orgs/{org}/members/{member}", "get")["parameters"];
    assert_eq!(tuple[0]["name"], "org");
    assert_eq!(tuple[0]["schema"]["type"], "string");
    assert_eq!(tuple[1]["name"], "member");
    assert_eq!(tuple[1]["schema"]["type"], "integer");
    let by_field = &operation("/api/orgs/{org}/members/{member}", "put")["parameters"];
    assert_eq!(by_field[1]["schema"]["type"], "integer");
    assert_eq!(
        operation("/api/items/{id}", "get")["parameters"][0]["schema"]["minimum"],
        0
    );
    let rest = &operation("/api/files/{path}", "get")["parameters"][0];
    assert_eq!(rest["x-fsroute-catch-all"], true);
    // An optional catch-all is two paths, each with its own operation.
    assert_eq!(operation("/api/shop", "get")["operationId"], "getShop");
    assert_eq!(
        operation("/api/shop/{slug}", "get")["operationId"],
        "getShopBySlug"
    );
    assert_eq!(
        operation("/api/shop/{slug}", "get")["parameters"][0]["name"],
        "slug"
    );
}

#[test]
fn bodies_by_extractor() {
    let content = |path: &str, method: &str| -> Vec<String> {
        operation(path, method)["requestBody"]["content"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(content("/api/items", "post"), ["application/json"]);
    assert_eq!(
        content("/api/orgs/{org}/members/{member}", "put"),
        ["application/x-www-form-urlencoded"]
    );
    assert_eq!(content("/api/raw", "post"), ["application/octet-stream"]);
    assert_eq!(content("/api/raw", "put"), ["text/plain"]);
    // garde's rules reach the schema.
    let new_item = &document()["components"]["schemas"]["NewItem"]["properties"];
    assert_eq!(new_item["name"]["minLength"], 2);
    assert_eq!(new_item["name"]["maxLength"], 40);
    assert_eq!(new_item["weight"]["minimum"], 1);
    assert_eq!(new_item["weight"]["maximum"], 9);
    assert_eq!(new_item["code"]["pattern"], "^[a-z]+$");
}

#[test]
fn responses_by_return_type_and_errors_by_what_can_fail() {
    let post = operation("/api/items", "post");
    assert_eq!(
        statuses(post),
        ["201", "400", "401", "413", "415", "422", "4XX", "5XX"]
    );
    assert_eq!(
        post["responses"]["201"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Item"
    );
    assert!(post["responses"]["201"]["headers"]["Location"].is_object());
    let list = operation("/api/items", "get");
    assert_eq!(
        list["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Paginated_Item"
    );
    assert_eq!(
        statuses(operation("/api/items/{id}", "delete")),
        ["204", "400", "401", "4XX", "5XX"]
    );
    assert!(
        operation("/api/events", "get")["responses"]["200"]["content"]["text/event-stream"]
            .is_object()
    );
    assert!(operation("/api/files/{path}", "get")["responses"]["200"]["content"]["application/octet-stream"].is_object());
    // Route config: `BODY_LIMIT` is 413, `MAX_DURATION` 504.
    let limited = statuses(operation("/api/undocumented", "post"));
    assert!(
        limited.contains(&"413") && limited.contains(&"504"),
        "{limited:?}"
    );
    // Every error response is the one `ApiError` shape.
    for (status, response) in post["responses"].as_object().unwrap() {
        if status.starts_with('4') || status.starts_with('5') {
            let schema = &response["content"]["application/json"]["schema"]["$ref"];
            let reference = &response["$ref"];
            assert!(
                schema == "#/components/schemas/ApiError"
                    || reference == "#/components/responses/Error",
                "{status}: {response}"
            );
        }
    }
    // A re-exported handler: no arguments seen, the output inferred all the same.
    let reexported = operation("/api/reexported", "get");
    assert!(reexported.get("parameters").is_none());
    assert_eq!(
        reexported["responses"]["200"]["content"]["application/json"]["schema"]["items"]["$ref"],
        "#/components/schemas/Item"
    );
}

/// A handler that picks its status (`(StatusCode, Json<T>)`) answers 503 with its own
/// body; the document must not promise `ApiError` for every 5XX.
#[test]
fn a_handler_choosing_its_status_may_answer_errors_with_its_own_body() {
    let status = operation("/api/status", "get");
    let responses = &status["responses"];
    assert_eq!(
        responses["default"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Status"
    );
    for range in ["4XX", "5XX"] {
        assert_eq!(
            responses[range]["content"]["application/json"]["schema"],
            json!({ "anyOf": [
                { "$ref": "#/components/schemas/ApiError" },
                { "$ref": "#/components/schemas/Status" },
            ] }),
            "{range}"
        );
    }
    // The body the handler sends with its 503 is one the document allows for it.
    let schema = &responses["5XX"]["content"]["application/json"]["schema"]["anyOf"][1];
    assert_eq!(schema["$ref"], "#/components/schemas/Status");
    assert_eq!(
        document()["components"]["schemas"]["Status"]["required"],
        json!(["up"])
    );

    // `Response`: any body with any status, so errors may be anything too.
    let raw = operation("/api/raw", "put");
    assert!(raw["responses"]["5XX"]["content"]["*/*"].is_object());
    assert_eq!(
        raw["responses"]["5XX"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ApiError"
    );
    // A handler with a fixed status keeps the one error shape.
    assert_eq!(
        operation("/api/items", "post")["responses"]["5XX"]["$ref"],
        "#/components/responses/Error"
    );
}

#[test]
fn gaps_name_every_type_without_a_schema() {
    let gaps: Vec<(String, GapPlace, &str)> = routes::openapi()
        .gaps()
        .iter()
        .map(|gap| {
            let short = gap.type_name.rsplit("::").next().unwrap();
            (gap.operation.clone(), gap.place, short)
        })
        .collect();
    assert_eq!(
        gaps,
        [
            (
                "POST /api/undocumented".to_string(),
                GapPlace::Argument(1),
                "Tenant"
            ),
            (
                "POST /api/undocumented".to_string(),
                GapPlace::Argument(2),
                "NoSchema"
            ),
            (
                "POST /api/undocumented".to_string(),
                GapPlace::Response,
                "NoSchemaOut"
            ),
        ]
    );
    let first = routes::openapi().gaps()[1].to_string();
    assert!(
        first.starts_with(
            "POST /api/undocumented (postUndocumented, fixtures/openapi/app/api/undocumented/route.rs): argument 2: `"
        ),
        "{first}"
    );
    assert!(
        first.ends_with("has no OpenAPI schema; derive `schemars::JsonSchema` for it"),
        "{first}"
    );
    // The undescribed body is still there, open.
    let body = &operation("/api/undocumented", "post")["requestBody"]["content"]["application/json"]
        ["schema"];
    assert_eq!(body, &json!({}));
}

#[test]
fn every_route_has_its_operations_and_nothing_else() {
    let mut expected = Vec::new();
    for route in routes::ROUTES {
        for method in route.methods {
            // `#[doc(hidden)]` keeps the route, not the operation.
            if route.path == "/api/items/{id}" && *method == "PATCH" {
                continue;
            }
            expected.push(format!(
                "{} {}",
                method.to_lowercase(),
                route.path.replace("{*", "{")
            ));
        }
    }
    let mut found = Vec::new();
    for (path, item) in document()["paths"].as_object().unwrap() {
        for method in item
            .as_object()
            .unwrap()
            .keys()
            .filter(|key| *key != "description")
        {
            found.push(format!("{method} {path}"));
        }
    }
    expected.sort();
    found.sort();
    assert_eq!(found, expected);
}

fn vendored_schema(version: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("vendor/openapi-schemas/{version}/schema.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn assert_valid(version: &str, name: &str, document: &Value) {
    let schema = vendored_schema(version);
    let validator = match version {
        "3.1" => jsonschema::draft202012::new(&schema),
        _ => jsonschema::draft4::new(&schema),
    }
    .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{name} is not a valid OpenAPI {version} document:\n{}",
        errors.join("\n")
    );
}

fn template_document(name: &str) -> Value {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../template-app")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn documents_are_valid_against_the_official_schemas() {
    assert_valid("3.1", "the fixture's document", routes::openapi().value());
    assert_valid(
        "3.0",
        "the fixture's 3.0 variant",
        routes::openapi().value_3_0(),
    );
    assert_valid(
        "3.1",
        "template-app/openapi.json",
        &template_document("openapi.json"),
    );
    assert_valid(
        "3.0",
        "template-app/openapi-3.0.json",
        &template_document("openapi-3.0.json"),
    );
}

#[test]
fn the_validator_would_catch_a_broken_document() {
    let mut broken = routes::openapi().value().clone();
    broken["paths"]["/api/items"]["get"]["responses"] = json!("none");
    let schema = vendored_schema("3.1");
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    assert!(!validator.is_valid(&broken));
}

#[tokio::test]
async fn the_router_serves_the_document_and_the_page() {
    let client = TestClient::new(routes::router(()));
    let reply = client.get("/api/openapi.json").await;
    assert_eq!(reply.status(), 200);
    assert_eq!(&reply.json(), document());
    let page = client.get("/api/docs").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().contains("/api/openapi.json"));
    // Still the router's own answers around it.
    assert_eq!(client.post("/api/openapi.json").await.status(), 405);
}

/// One event's text as an SSE parser reads it: `data` lines joined, `event` defaulting to
/// `message`, `id` and `retry` when sent; `None` for a comment.
fn parsed_event(text: &str) -> Option<Value> {
    let mut data = Vec::new();
    let mut event = json!({ "event": "message" });
    for line in text.lines().filter(|line| !line.starts_with(':')) {
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "data" => data.push(value),
            "retry" => event["retry"] = json!(value.parse::<u64>().unwrap()),
            "event" | "id" => event[field] = json!(value),
            _ => {}
        }
    }
    if data.is_empty() {
        return None;
    }
    event["data"] = json!(data.join("\n"));
    Some(event)
}

/// Found by Schemathesis: the schema of `text/event-stream` was `{"type": "string"}`,
/// and tools read it as the schema of each event (OpenAPI 3.2's `itemSchema`), which is
/// an object, so every event of the template's chat stream broke it.
#[tokio::test]
async fn each_server_sent_event_matches_the_documented_schema() {
    let schema = operation("/api/events", "get")["responses"]["200"]["content"]
        ["text/event-stream"]["schema"]
        .clone();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let client = TestClient::new(routes::router(()));
    let mut stream = client.get("/api/events").stream().await;
    let mut events = Vec::new();
    while let Some(text) = stream.next_event().await {
        events.extend(parsed_event(&text));
    }
    assert_eq!(events.len(), 3, "{events:?}");
    for event in &events {
        let errors: Vec<String> = validator
            .iter_errors(event)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{event}: {errors:?}");
    }
    // What the old schema would have accepted is not an event.
    assert!(!validator.is_valid(&json!("data: 1")));
    assert!(!validator.is_valid(&json!({ "event": "done" })));
}

//! The document model and the type ladder, driven as generated code drives them: these
//! describe functions are written the way the generator writes them.

use fsroute::openapi::{Document, DocumentBuilder, GapPlace, SecurityScheme};
use fsroute::prelude::*;
use garde::Validate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[allow(dead_code)] // The types are described, never read.
mod handlers {
    use super::*;

    /// A user.
    #[derive(Serialize, JsonSchema)]
    pub struct User {
        pub id: i64,
        /// What others see.
        pub name: String,
        pub email: Option<String>,
    }

    #[derive(Deserialize, Validate, JsonSchema)]
    pub struct NewUser {
        #[garde(length(min = 1, max = 100))]
        pub name: String,
        #[garde(email)]
        pub email: String,
    }

    #[derive(Deserialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub struct Search {
        pub sort_by: Option<String>,
        #[serde(default)]
        pub q: String,
    }

    /// Has no schema on purpose.
    #[derive(Deserialize)]
    pub struct Undocumented {
        pub x: i64,
    }

    #[derive(Deserialize, JsonSchema)]
    pub struct TwoIds {
        pub org: String,
        pub id: i64,
    }

    pub async fn list(_: Pagination, _: Query<Search>) -> ApiResult<Paginated<User>> {
        unimplemented!()
    }

    pub async fn create(_: State<()>, _: Valid<Json<NewUser>>) -> ApiResult<Created<User>> {
        unimplemented!()
    }

    pub async fn read(_: Path<i64>) -> ApiResult<Json<User>> {
        unimplemented!()
    }

    pub async fn read_tuple(_: Path<(String, i64)>) -> Json<User> {
        unimplemented!()
    }

    pub async fn read_struct(_: Path<TwoIds>) -> NoContent {
        NoContent
    }

    pub async fn undocumented(_: Json<Undocumented>) -> impl IntoResponse {
        "opaque"
    }

    pub async fn raw() -> Response {
        unimplemented!()
    }

    pub async fn download() -> ApiResult<Download> {
        unimplemented!()
    }
}

// As in generated code: the extra borrows pick the most specific description.
#[allow(clippy::needless_borrow)]
fn describe(doc: &mut DocumentBuilder) {
    use fsroute::openapi::ladder::*;
    const SECURITY: SecurityScheme = SecurityScheme::bearer("JWT");

    let path = doc.path("/api/users", "app/api/users/route.rs");
    doc.path_description(path, "Users.");
    let mut op = doc.operation(path, "get", "getUsers");
    op.tag("users");
    op.summary("Lists users.");
    op.security(&SECURITY);
    let (args, out) = probes(&handlers::list);
    (&&&args.0).input(&mut op);
    (&&&args.1).input(&mut op);
    (&&&out).output(&mut op);
    let mut op = doc.operation(path, "post", "postUsers");
    op.tag("users");
    op.deprecated();
    op.body_limit();
    let (args, out) = probes(&handlers::create);
    (&&&args.0).input(&mut op);
    (&&&args.1).input(&mut op);
    (&&&out).output(&mut op);

    let path = doc.path("/api/users/{id}", "app/api/users/[id]/route.rs");
    let mut op = doc.operation(path, "get", "getUsersById");
    let (args, out) = probes(&handlers::read);
    (&&&args.0).input(&mut op);
    (&&&out).output(&mut op);

    let path = doc.path(
        "/api/orgs/{org}/users/{id}",
        "app/api/orgs/[org]/users/[id]/route.rs",
    );
    let mut op = doc.operation(path, "get", "getOrgsByOrgUsersById");
    let (args, out) = probes(&handlers::read_tuple);
    (&&&args.0).input(&mut op);
    (&&&out).output(&mut op);
    let mut op = doc.operation(path, "delete", "deleteOrgsByOrgUsersById");
    let (args, out) = probes(&handlers::read_struct);
    (&&&args.0).input(&mut op);
    (&&&out).output(&mut op);

    let path = doc.path("/api/files/{*path}", "app/api/files/[...path]/route.rs");
    let mut op = doc.operation(path, "post", "postFilesByPath");
    let (args, out) = probes(&handlers::undocumented);
    (&&&args.0).input(&mut op);
    (&&&out).output(&mut op);
    let mut op = doc.operation(path, "get", "getFilesByPath");
    let out = output_probe(&handlers::raw);
    (&&&out).output(&mut op);

    let path = doc.path("/api/downloads/{name}", "app/api/downloads/[name]/route.rs");
    let mut op = doc.operation(path, "get", "getDownloadsByName");
    let out = output_probe(&handlers::download);
    (&&&out).output(&mut op);
}

fn document() -> &'static Document {
    static DOCUMENT: std::sync::OnceLock<Document> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(|| Document::new("demo", "1.2.3", describe))
}

fn op<'a>(doc: &'a Value, path: &str, method: &str) -> &'a Value {
    let op = &doc["paths"][path][method];
    assert!(op.is_object(), "no {method} {path} in {doc:#}");
    op
}

#[test]
fn operations_have_ids_tags_docs_and_security() {
    let doc = document().value();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "demo");
    assert_eq!(doc["info"]["version"], "1.2.3");
    assert_eq!(doc["paths"]["/api/users"]["description"], "Users.");
    let list = op(doc, "/api/users", "get");
    assert_eq!(list["operationId"], "getUsers");
    assert_eq!(list["tags"], json!(["users"]));
    assert_eq!(list["summary"], "Lists users.");
    assert_eq!(list["security"], json!([{ "bearerAuth": [] }]));
    assert_eq!(
        list["responses"]["401"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ApiError"
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearerAuth"],
        json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    );
    let create = op(doc, "/api/users", "post");
    assert_eq!(create["deprecated"], true);
    assert!(create.get("security").is_none());
    assert_eq!(doc["tags"], json!([{ "name": "users" }]));
}

#[test]
fn query_pagination_and_envelope() {
    let doc = document().value();
    let list = op(doc, "/api/users", "get");
    let names: Vec<&str> = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["page", "limit", "q", "sortBy"]);
    let limit = &list["parameters"][1];
    assert_eq!(limit["schema"]["maximum"], 100);
    // The bound the server parses: without it, fuzzers send pages it refuses.
    assert_eq!(
        list["parameters"][0]["schema"]["maximum"],
        Pagination::MAX_PAGE
    );
    assert!(
        list["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["in"] == "query" && p.get("required").is_none())
    );
    // Parameter structs are spread into parameters, not components.
    assert!(doc["components"]["schemas"].get("Search").is_none());
    assert!(doc["components"]["schemas"].get("TwoIds").is_none());
    let ok = &list["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(ok["$ref"], "#/components/schemas/Paginated_User");
    let envelope = &doc["components"]["schemas"]["Paginated_User"];
    assert_eq!(
        envelope["properties"]["data"]["items"]["$ref"],
        "#/components/schemas/User"
    );
    assert_eq!(
        list["responses"]["400"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ApiError"
    );
    assert_eq!(
        list["responses"]["4XX"]["$ref"],
        "#/components/responses/Error"
    );
    assert_eq!(
        list["responses"]["5XX"]["$ref"],
        "#/components/responses/Error"
    );
}

#[test]
fn validated_json_body_with_garde_constraints_and_created() {
    let doc = document().value();
    let create = op(doc, "/api/users", "post");
    let body = &create["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(body["$ref"], "#/components/schemas/NewUser");
    let new_user = &doc["components"]["schemas"]["NewUser"];
    assert_eq!(new_user["properties"]["name"]["minLength"], 1);
    assert_eq!(new_user["properties"]["name"]["maxLength"], 100);
    assert_eq!(new_user["properties"]["email"]["format"], "email");
    let statuses: Vec<&String> = create["responses"].as_object().unwrap().keys().collect();
    assert_eq!(statuses, ["201", "400", "413", "415", "422", "4XX", "5XX"]);
    assert_eq!(
        create["responses"]["201"]["headers"]["Location"]["schema"]["type"],
        "string"
    );
    let user = &doc["components"]["schemas"]["User"];
    assert_eq!(user["description"], "A user.");
    assert_eq!(
        user["properties"]["name"]["description"],
        "What others see."
    );
}

#[test]
fn path_parameters_are_named_by_the_tree_and_typed_by_the_extractor() {
    let doc = document().value();
    let one = &op(doc, "/api/users/{id}", "get")["parameters"][0];
    assert_eq!(one["name"], "id");
    assert_eq!(one["in"], "path");
    assert_eq!(one["required"], true);
    assert_eq!(one["schema"]["type"], "integer");
    let tuple = &op(doc, "/api/orgs/{org}/users/{id}", "get")["parameters"];
    assert_eq!(tuple[0]["name"], "org");
    assert_eq!(tuple[0]["schema"]["type"], "string");
    assert_eq!(tuple[1]["name"], "id");
    assert_eq!(tuple[1]["schema"]["type"], "integer");
    let by_name = &op(doc, "/api/orgs/{org}/users/{id}", "delete")["parameters"];
    assert_eq!(by_name[1]["schema"]["type"], "integer");
    assert_eq!(
        op(doc, "/api/orgs/{org}/users/{id}", "delete")["responses"]["204"]["description"],
        "No Content"
    );
    let rest = &op(doc, "/api/files/{path}", "get")["parameters"][0];
    assert_eq!(rest["name"], "path");
    assert_eq!(rest["x-fsroute-catch-all"], true);
    assert_eq!(rest["schema"]["type"], "string");
}

#[test]
fn types_without_schemas_are_gaps_not_errors() {
    let gaps = document().gaps();
    assert_eq!(gaps.len(), 2, "{gaps:#?}");
    assert_eq!(gaps[0].operation, "POST /api/files/{path}");
    assert_eq!(gaps[0].place, GapPlace::Argument(1));
    assert!(
        gaps[0].type_name.ends_with("handlers::Undocumented"),
        "{}",
        gaps[0].type_name
    );
    assert_eq!(gaps[1].place, GapPlace::Response);
    assert!(
        gaps[0]
            .to_string()
            .contains("derive `schemars::JsonSchema`"),
        "{}",
        gaps[0]
    );
    let doc = document().value();
    let post = op(doc, "/api/files/{path}", "post");
    assert_eq!(
        post["requestBody"]["content"]["application/json"]["schema"],
        json!({})
    );
    assert_eq!(
        post["responses"]["default"]["content"]["*/*"]["schema"],
        json!({})
    );
    // `Response` is untyped by choice, described, and not a gap.
    let get = op(doc, "/api/files/{path}", "get");
    assert!(get["responses"]["default"].is_object());
}

#[test]
fn the_3_0_variant() {
    let doc = document().value_3_0();
    assert_eq!(doc["openapi"], "3.0.3");
    let user = &doc["components"]["schemas"]["User"];
    assert_eq!(user["properties"]["email"]["nullable"], true);
    assert_eq!(user["properties"]["email"]["type"], "string");
    let tuple = &op(doc, "/api/orgs/{org}/users/{id}", "get")["parameters"];
    assert_eq!(tuple[1]["schema"]["type"], "integer");
    assert!(!document().json_3_0().contains("prefixItems"));
    assert!(!document().json_3_0().contains("\"examples\""));
}

fn empty(_: &mut DocumentBuilder) {}

fn other_document() -> &'static Document {
    static DOCUMENT: std::sync::OnceLock<Document> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(|| Document::new("other", "0.0.1", empty))
}

/// Two routers' documents in one process keep their own `ETag`s.
#[tokio::test]
async fn each_document_is_served_with_its_own_etag() {
    use fsroute::openapi::json_route;
    use fsroute::test::TestClient;
    let app = axum::Router::new()
        .route("/a", json_route(document))
        .route("/b", json_route(other_document));
    let client = TestClient::new(app);
    let a = client.get("/a").await;
    assert_eq!(a.status(), 200);
    assert_eq!(a.header("content-type"), Some("application/json"));
    assert_eq!(&a.json(), document().value());
    let a_tag = a.header("etag").unwrap().to_string();
    assert_eq!(a_tag, document().etag());
    let b = client.get("/b").header("if-none-match", &a_tag).await;
    assert_eq!(b.status(), 200, "another document's tag is not a match");
    assert_ne!(b.header("etag").unwrap(), a_tag);
    let again = client.get("/a").header("if-none-match", &a_tag).await;
    assert_eq!(again.status(), 304);
    assert!(again.text().is_empty());
}

/// A `Download` is one 200 of any type, as bytes, with its `Content-Disposition`: a status
/// client generators can type (progenitor refuses an untyped `default`).
#[test]
fn a_download_is_a_200_of_bytes_of_any_type() {
    let doc = document().value();
    let responses = &op(doc, "/api/downloads/{name}", "get")["responses"];
    let ok = &responses["200"];
    assert_eq!(
        ok["content"]["*/*"]["schema"],
        json!({ "type": "string", "contentMediaType": "application/octet-stream" })
    );
    assert!(ok["headers"]["Content-Disposition"].is_object(), "{ok}");
    assert!(responses.get("default").is_none(), "{responses}");
    assert!(
        !format!("{:?}", document().gaps()).contains("Download"),
        "a Download is described, not a gap"
    );
}

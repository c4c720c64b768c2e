//! The document model: generated describe functions fill a [`DocumentBuilder`], which
//! turns into a [`Document`]. Kept as `serde_json` values rather than typed structs: the
//! document is written once and read as JSON, and the 3.0 variant is the same builder run
//! with other schema settings.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::OnceLock;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use super::errors;
use super::security::{SchemeKind, SecurityScheme};

/// Which OpenAPI version a builder writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// OpenAPI 3.1: schemas are JSON Schema 2020-12.
    V3_1,
    /// OpenAPI 3.0.3, for tools that read only 3.0: `nullable`, no `prefixItems`.
    V3_0,
}

/// How the router answers beyond its operations; said once, not repeated per operation.
const ROUTER_BEHAVIOUR: &str = "Every error is JSON of one shape, `ApiError`: \
`{\"error\": {\"code\", \"message\", \"details\"}}`. Besides the operations listed here, \
every path answers `OPTIONS` with 204 and an `Allow` header; a method it does not have \
gets 405 `METHOD_NOT_ALLOWED` with `Allow`; paths with `GET` also answer `HEAD`; a URL \
with a trailing slash is redirected (308) to the one without; an unknown URL gets 404 \
`NOT_FOUND`.";

/// The OpenAPI document of a generated router: `routes::openapi()`.
pub struct Document {
    v3_1: Built,
    v3_0: OnceLock<Built>,
    title: &'static str,
    version: &'static str,
    describe: fn(&mut DocumentBuilder),
}

struct Built {
    value: Value,
    json: String,
    /// A strong validator of `json`, quoted (`"1f…"`).
    etag: String,
    gaps: Vec<Gap>,
}

impl Document {
    /// Runs `describe` (the generated function that describes every route) for 3.1 now;
    /// the 3.0 variant is built the first time it is asked for.
    pub fn new(
        title: &'static str,
        version: &'static str,
        describe: fn(&mut DocumentBuilder),
    ) -> Document {
        Document {
            v3_1: Self::build(Dialect::V3_1, title, version, describe),
            v3_0: OnceLock::new(),
            title,
            version,
            describe,
        }
    }

    fn build(
        dialect: Dialect,
        title: &'static str,
        version: &'static str,
        describe: fn(&mut DocumentBuilder),
    ) -> Built {
        let mut builder = DocumentBuilder::new(dialect);
        describe(&mut builder);
        let (value, gaps) = builder.finish(title, version);
        let mut json = serde_json::to_string_pretty(&value).unwrap_or_default();
        json.push('\n');
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        std::hash::Hash::hash(&json, &mut hasher);
        let etag = format!("\"{:016x}\"", std::hash::Hasher::finish(&hasher));
        Built {
            value,
            json,
            etag,
            gaps,
        }
    }

    /// The OpenAPI 3.1 document, pretty-printed (what `GET /api/openapi.json` sends).
    pub fn json(&self) -> &str {
        &self.v3_1.json
    }

    /// The `ETag` the document is served with: it changes whenever the text does.
    pub fn etag(&self) -> &str {
        &self.v3_1.etag
    }

    /// The OpenAPI 3.1 document as a JSON value.
    pub fn value(&self) -> &Value {
        &self.v3_1.value
    }

    fn v3_0(&self) -> &Built {
        self.v3_0
            .get_or_init(|| Self::build(Dialect::V3_0, self.title, self.version, self.describe))
    }

    /// The same document as OpenAPI 3.0.3, for tools that read only 3.0.
    pub fn json_3_0(&self) -> &str {
        &self.v3_0().json
    }

    /// The 3.0.3 variant as a JSON value.
    pub fn value_3_0(&self) -> &Value {
        &self.v3_0().value
    }

    /// Every type the document could not describe, because it has no
    /// `schemars::JsonSchema` (or is not a type fsroute knows). Empty when the document is
    /// complete; a test that asserts so keeps it that way.
    pub fn gaps(&self) -> &[Gap] {
        &self.v3_1.gaps
    }
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("title", &self.title)
            .field("version", &self.version)
            .field("gaps", &self.v3_1.gaps.len())
            .finish_non_exhaustive()
    }
}

/// A type the document could not describe, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// `POST /api/posts`.
    pub operation: String,
    pub operation_id: String,
    /// The route file.
    pub file: &'static str,
    pub place: GapPlace,
    /// The Rust type, as `std::any::type_name` writes it.
    pub type_name: &'static str,
}

/// Where in an operation a [`Gap`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapPlace {
    /// The handler's argument at this position, from 1.
    Argument(usize),
    /// The handler's return type.
    Response,
}

impl fmt::Display for Gap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = match self.place {
            GapPlace::Argument(n) => format!("argument {n}"),
            GapPlace::Response => "the response".to_string(),
        };
        write!(
            f,
            "{} ({}, {}): {place}: `{}` has no OpenAPI schema; derive `schemars::JsonSchema` for it",
            self.operation, self.operation_id, self.file, self.type_name
        )
    }
}

/// A URL pattern added with [`DocumentBuilder::path`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathId(usize);

struct PathRecord {
    /// In OpenAPI form: `/api/files/{path}`.
    pattern: String,
    /// Path parameters in URL order, and whether each is a catch-all.
    params: Vec<(String, bool)>,
    file: &'static str,
    description: Option<String>,
}

struct OperationRecord {
    path: usize,
    method: &'static str,
    id: &'static str,
    tag: Option<&'static str>,
    summary: Option<&'static str>,
    description: Option<&'static str>,
    deprecated: bool,
    /// Path parameters by name (typed by `Path<T>` when the handler has one), then the
    /// others (query, header, cookie) in the order added.
    path_params: Vec<(String, Value)>,
    params: Vec<Value>,
    request_body: Option<Value>,
    responses: BTreeMap<String, Value>,
    errors: BTreeSet<u16>,
    security: Option<&'static str>,
    /// The handler argument being described, from 1.
    argument: usize,
}

/// What generated describe functions and [`OpenApiInput`](super::OpenApiInput) /
/// [`OpenApiOutput`](super::OpenApiOutput) implementations write into.
pub struct DocumentBuilder {
    dialect: Dialect,
    /// Request types are described as they deserialize, responses as they serialize: the
    /// two can differ (`#[serde(default)]` fields are optional in one, always there in the
    /// other), so each side has its own generator.
    requests: SchemaGenerator,
    responses: SchemaGenerator,
    /// For parameters: a query or path struct is spread into parameters, so its schema is
    /// written inline and never becomes a component of its own.
    inline: SchemaSettings,
    paths: Vec<PathRecord>,
    operations: Vec<OperationRecord>,
    gaps: Vec<Gap>,
    security_schemes: BTreeMap<&'static str, SecurityScheme>,
}

impl DocumentBuilder {
    fn new(dialect: Dialect) -> DocumentBuilder {
        let settings = match dialect {
            Dialect::V3_1 => SchemaSettings::draft2020_12().with(|settings| {
                settings.definitions_path = "/components/schemas".into();
                settings.meta_schema = None;
            }),
            Dialect::V3_0 => SchemaSettings::openapi3().with(|settings| {
                settings.meta_schema = None;
            }),
        };
        DocumentBuilder {
            dialect,
            inline: settings
                .clone()
                .for_deserialize()
                .with(|settings| settings.inline_subschemas = true),
            requests: settings.clone().for_deserialize().into_generator(),
            responses: settings.for_serialize().into_generator(),
            paths: Vec::new(),
            operations: Vec::new(),
            gaps: Vec::new(),
            security_schemes: BTreeMap::new(),
        }
    }

    /// The version being written.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// A URL pattern in axum's form (`/api/files/{*path}`) and the file it comes from.
    pub fn path(&mut self, axum_pattern: &str, file: &'static str) -> PathId {
        let mut pattern = String::new();
        let mut params = Vec::new();
        for segment in axum_pattern.split('/').filter(|s| !s.is_empty()) {
            pattern.push('/');
            match segment
                .strip_prefix('{')
                .and_then(|rest| rest.strip_suffix('}'))
            {
                Some(name) => {
                    let (name, catch_all) = match name.strip_prefix('*') {
                        Some(name) => (name, true),
                        None => (name, false),
                    };
                    pattern.push_str(&format!("{{{name}}}"));
                    params.push((name.to_string(), catch_all));
                }
                None => pattern.push_str(segment),
            }
        }
        if pattern.is_empty() {
            pattern.push('/');
        }
        self.paths.push(PathRecord {
            pattern,
            params,
            file,
            description: None,
        });
        PathId(self.paths.len() - 1)
    }

    /// The route file's `//!` doc: the path item's description.
    pub fn path_description(&mut self, path: PathId, text: &str) {
        self.paths[path.0].description = Some(text.to_string());
    }

    /// One operation: `method` in lower case (`"get"`), its `operationId`.
    pub fn operation(
        &mut self,
        path: PathId,
        method: &'static str,
        id: &'static str,
    ) -> Operation<'_> {
        let path_params = self.paths[path.0]
            .params
            .iter()
            .map(|(name, catch_all)| {
                (
                    name.clone(),
                    path_param(name, *catch_all, json!({"type": "string"})),
                )
            })
            .collect();
        self.operations.push(OperationRecord {
            path: path.0,
            method,
            id,
            tag: None,
            summary: None,
            description: None,
            deprecated: false,
            path_params,
            params: Vec::new(),
            request_body: None,
            responses: BTreeMap::new(),
            errors: BTreeSet::new(),
            security: None,
            argument: 0,
        });
        let index = self.operations.len() - 1;
        Operation { doc: self, index }
    }

    fn finish(mut self, title: &str, version: &str) -> (Value, Vec<Gap>) {
        let request_definitions = self.requests.take_definitions(true);
        let response_definitions = self.responses.take_definitions(true);
        // One name per schema: a type whose request and response schemas differ keeps its
        // name for the response and gets `…Input` for the request.
        let mut schemas = response_definitions;
        let mut renames = BTreeMap::new();
        for (name, schema) in &request_definitions {
            match schemas.get(name) {
                Some(existing) if existing != schema => {
                    let mut renamed = format!("{name}Input");
                    let mut n = 2;
                    while schemas.contains_key(&renamed)
                        || request_definitions.contains_key(&renamed)
                    {
                        renamed = format!("{name}Input{n}");
                        n += 1;
                    }
                    renames.insert(name.clone(), renamed);
                }
                _ => {}
            }
        }
        for (name, mut schema) in request_definitions {
            rename_refs(&mut schema, &renames);
            let name = renames.get(&name).cloned().unwrap_or(name);
            schemas.insert(name, schema);
        }
        let error_schema = errors::api_error_schema(self.dialect, &mut self.responses);
        schemas.insert("ApiError".to_string(), error_schema);

        let mut paths = Map::new();
        let mut tags = BTreeSet::new();
        for operation in &mut self.operations {
            for param in operation
                .params
                .iter_mut()
                .chain(operation.request_body.iter_mut())
                .chain(operation.path_params.iter_mut().map(|(_, value)| value))
            {
                rename_refs(param, &renames);
            }
        }
        for operation in self.operations {
            let path = &self.paths[operation.path];
            let item = paths
                .entry(path.pattern.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if let (Some(text), Value::Object(item)) = (&path.description, &mut *item) {
                item.insert("description".into(), Value::String(text.clone()));
            }
            if let Some(tag) = operation.tag {
                tags.insert(tag);
            }
            let value = operation_value(operation);
            if let Value::Object(item) = item {
                item.insert(value.0.to_string(), value.1);
            }
        }

        let mut components = Map::new();
        components.insert("schemas".into(), Value::Object(schemas));
        components.insert(
            "responses".into(),
            json!({ "Error": errors::error_response("An error, in the one JSON error shape.") }),
        );
        if !self.security_schemes.is_empty() {
            let schemes = self
                .security_schemes
                .iter()
                .map(|(name, scheme)| (name.to_string(), security_scheme_value(scheme)))
                .collect();
            components.insert("securitySchemes".into(), Value::Object(schemes));
        }
        let openapi = match self.dialect {
            Dialect::V3_1 => "3.1.0",
            Dialect::V3_0 => "3.0.3",
        };
        let document = json!({
            "openapi": openapi,
            "info": {
                "title": title,
                "version": version,
                "description": ROUTER_BEHAVIOUR,
            },
            "servers": [{ "url": "/" }],
            "tags": tags.iter().map(|tag| json!({ "name": tag })).collect::<Vec<_>>(),
            "paths": paths,
            "components": components,
        });
        (document, self.gaps)
    }
}

fn path_param(name: &str, catch_all: bool, schema: Value) -> Value {
    let mut param = json!({
        "name": name,
        "in": "path",
        "required": true,
        "schema": schema,
    });
    if catch_all {
        param["description"] = json!(
            "The rest of the path: one or more segments. Send `/` inside it as `%2F`; \
             the server reads it back as `/`."
        );
        param["x-fsroute-catch-all"] = json!(true);
    }
    param
}

/// `(method, operation object)`.
fn operation_value(operation: OperationRecord) -> (&'static str, Value) {
    let mut value = Map::new();
    value.insert("operationId".into(), json!(operation.id));
    if let Some(tag) = operation.tag {
        value.insert("tags".into(), json!([tag]));
    }
    if let Some(summary) = operation.summary {
        value.insert("summary".into(), json!(summary));
    }
    if let Some(description) = operation.description {
        value.insert("description".into(), json!(description));
    }
    if operation.deprecated {
        value.insert("deprecated".into(), json!(true));
    }
    let parameters: Vec<Value> = operation
        .path_params
        .into_iter()
        .map(|(_, param)| param)
        .chain(operation.params)
        .collect();
    if !parameters.is_empty() {
        value.insert("parameters".into(), Value::Array(parameters));
    }
    if let Some(body) = operation.request_body {
        value.insert("requestBody".into(), body);
    }
    let mut responses = Map::new();
    for (status, response) in operation.responses {
        responses.insert(status, response);
    }
    if operation.security.is_some() {
        responses.insert(
            "401".into(),
            errors::error_response(errors::description(401)),
        );
    }
    for status in operation.errors {
        responses.insert(
            status.to_string(),
            errors::error_response(errors::description(status)),
        );
    }
    for range in ["4XX", "5XX"] {
        responses.insert(
            range.into(),
            json!({ "$ref": "#/components/responses/Error" }),
        );
    }
    if let Some(own) = responses.get("default").cloned() {
        with_handlers_own_errors(&mut responses, &own);
    }
    value.insert("responses".into(), Value::Object(responses));
    if let Some(scheme) = operation.security {
        value.insert("security".into(), json!([{ scheme: [] }]));
    }
    (operation.method, Value::Object(value))
}

/// A handler that picks its status at run time (`(StatusCode, Json<T>)`, `Response`) may
/// answer an error status with its own body, not only `ApiError`: each error response
/// says so, or a client reading a 503 from such a handler would expect the wrong shape.
/// Same media type: either schema (`anyOf`); another one: listed beside.
fn with_handlers_own_errors(responses: &mut Map<String, Value>, own: &Value) {
    let Some(own_content) = own.get("content").and_then(Value::as_object) else {
        return;
    };
    for (status, response) in responses.iter_mut() {
        if !(status.starts_with('4') || status.starts_with('5')) {
            continue;
        }
        if response.get("$ref").is_some() {
            *response = errors::error_response(
                "An error in the one JSON error shape, or the handler's own response with \
                 this status.",
            );
        }
        let content = &mut response["content"];
        for (media_type, own_media) in own_content {
            match content.get_mut(media_type) {
                Some(error_media) => {
                    let error_schema = error_media["schema"].take();
                    error_media["schema"] = json!({ "anyOf": [error_schema, own_media["schema"]] });
                }
                None => {
                    content[media_type] = own_media.clone();
                }
            }
        }
    }
}

fn security_scheme_value(scheme: &SecurityScheme) -> Value {
    let mut value = match scheme.kind {
        SchemeKind::Bearer { format } => {
            let mut value = json!({ "type": "http", "scheme": "bearer" });
            if !format.is_empty() {
                value["bearerFormat"] = json!(format);
            }
            value
        }
        SchemeKind::Basic => json!({ "type": "http", "scheme": "basic" }),
        SchemeKind::ApiKey { location, name } => {
            json!({ "type": "apiKey", "in": location, "name": name })
        }
    };
    if !scheme.description.is_empty() {
        value["description"] = json!(scheme.description);
    }
    value
}

/// Points `$ref`s at renamed schemas.
fn rename_refs(value: &mut Value, renames: &BTreeMap<String, String>) {
    if renames.is_empty() {
        return;
    }
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get_mut("$ref") {
                if let Some(name) = reference.strip_prefix("#/components/schemas/") {
                    if let Some(renamed) = renames.get(name) {
                        *reference = format!("#/components/schemas/{renamed}");
                    }
                }
            }
            for child in map.values_mut() {
                rename_refs(child, renames);
            }
        }
        Value::Array(items) => {
            for child in items {
                rename_refs(child, renames);
            }
        }
        _ => {}
    }
}

/// One operation being described. Generated code sets its names and docs; the
/// [`OpenApiInput`](super::OpenApiInput) and [`OpenApiOutput`](super::OpenApiOutput)
/// implementations of the handler's argument and return types add the rest.
pub struct Operation<'d> {
    doc: &'d mut DocumentBuilder,
    index: usize,
}

impl Operation<'_> {
    fn record(&mut self) -> &mut OperationRecord {
        &mut self.doc.operations[self.index]
    }

    /// The version being written.
    pub fn dialect(&self) -> Dialect {
        self.doc.dialect
    }

    pub fn tag(&mut self, tag: &'static str) {
        self.record().tag = Some(tag);
    }

    pub fn summary(&mut self, text: &'static str) {
        self.record().summary = Some(text);
    }

    pub fn description(&mut self, text: &'static str) {
        self.record().description = Some(text);
    }

    /// `#[deprecated]` on the handler.
    pub fn deprecated(&mut self) {
        self.record().deprecated = true;
    }

    /// The credentials the operation needs, from a `SECURITY` constant.
    pub fn security(&mut self, scheme: &SecurityScheme) {
        self.doc.security_schemes.insert(scheme.name, *scheme);
        self.record().security = Some(scheme.name);
    }

    /// The route sets `BODY_LIMIT`: bodies over it are refused with 413.
    pub fn body_limit(&mut self) {
        self.error(413);
    }

    /// The route sets `MAX_DURATION`: a handler still running then is answered with 504.
    pub fn max_duration(&mut self) {
        self.error(504);
    }

    /// The operation can answer `status` with the error shape; listed with what fsroute
    /// sends with it.
    pub fn error(&mut self, status: u16) {
        self.record().errors.insert(status);
    }

    /// The schema of a type the client sends (as it deserializes).
    pub fn request_schema<T: JsonSchema + ?Sized>(&mut self) -> Value {
        let schema = self.doc.requests.subschema_for::<T>();
        finish_schema(&mut self.doc.requests, schema)
    }

    /// The schema of a type the client sends as parameters, with nothing referenced:
    /// what [`query_parameters`](Self::query_parameters) and
    /// [`path_parameters`](Self::path_parameters) take.
    pub fn parameters_schema<T: JsonSchema + ?Sized>(&mut self) -> Value {
        let mut generator = self.doc.inline.clone().into_generator();
        let schema = generator.subschema_for::<T>();
        finish_schema(&mut generator, schema)
    }

    /// The schema of a type the server sends (as it serializes).
    pub fn response_schema<T: JsonSchema + ?Sized>(&mut self) -> Value {
        let schema = self.doc.responses.subschema_for::<T>();
        finish_schema(&mut self.doc.responses, schema)
    }

    /// A required request body of `content_type`.
    pub fn request_body(&mut self, content_type: &str, schema: Value) {
        self.record().request_body = Some(json!({
            "required": true,
            "content": { content_type: { "schema": schema } },
        }));
    }

    /// A query, header or cookie parameter (`location` is `"query"`, `"header"` or
    /// `"cookie"`).
    pub fn parameter(&mut self, location: &str, name: &str, required: bool, schema: Value) {
        let mut param = json!({ "name": name, "in": location, "schema": schema });
        if required {
            param["required"] = json!(true);
        }
        if let Some(description) = param["schema"].get("description").cloned() {
            param["description"] = description;
        }
        let record = self.record();
        record
            .params
            .retain(|p| !(p["name"] == json!(name) && p["in"] == json!(location)));
        record.params.push(param);
    }

    /// Query parameters from the properties of an object schema (what `Query<T>` has).
    pub fn query_parameters(&mut self, schema: Value) {
        let schema = self.resolve_request(schema);
        let required: BTreeSet<String> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|name| name.as_str().map(str::to_string))
            .collect();
        match schema.get("properties").and_then(Value::as_object) {
            Some(properties) => {
                for (name, property) in properties {
                    self.parameter("query", name, required.contains(name), property.clone());
                }
            }
            // A map or other free-form type: any parameters.
            None => {
                let record = self.record();
                record.params.push(json!({
                    "name": "query",
                    "in": "query",
                    "style": "form",
                    "explode": true,
                    "schema": { "type": "object", "additionalProperties": true },
                }));
            }
        }
    }

    /// Types the path parameters from `Path<T>`'s schema: a struct by field name, a
    /// tuple by position, anything else as the only parameter. Names always come from
    /// the route's folders.
    pub fn path_parameters(&mut self, schema: Value) {
        let schema = self.resolve_request(schema);
        let record = self.record();
        let count = record.path_params.len();
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (name, param) in &mut record.path_params {
                if let Some(property) = properties.get(name.as_str()) {
                    param["schema"] = property.clone();
                }
            }
        } else if let Some(items) = schema
            .get("prefixItems")
            .or_else(|| schema.get("items").filter(|items| items.is_array()))
            .and_then(Value::as_array)
        {
            for ((_, param), item) in record.path_params.iter_mut().zip(items) {
                param["schema"] = item.clone();
            }
        } else if count == 1 {
            record.path_params[0].1["schema"] = schema;
        }
    }

    /// A response: `status` is a code (`"200"`), a range (`"2XX"`) or `"default"`;
    /// `content` is the content type and schema, `None` for no body.
    pub fn response(&mut self, status: &str, description: &str, content: Option<(&str, Value)>) {
        let mut response = json!({ "description": description });
        if let Some((content_type, schema)) = content {
            response["content"] = json!({ content_type: { "schema": schema } });
        }
        self.record().responses.insert(status.to_string(), response);
    }

    /// The success responses become `default`: the status is chosen at run time.
    pub fn move_success_to_default(&mut self) {
        let record = self.record();
        let successes: Vec<String> = record
            .responses
            .keys()
            .filter(|status| status.starts_with('2'))
            .cloned()
            .collect();
        for status in successes {
            if let Some(response) = record.responses.remove(&status) {
                record.responses.insert("default".to_string(), response);
            }
        }
    }

    /// A header on the response already added for `status`.
    pub fn response_header(&mut self, status: &str, name: &str, description: &str) {
        if let Some(response) = self.record().responses.get_mut(status) {
            response["headers"][name] =
                json!({ "description": description, "schema": { "type": "string" } });
        }
    }

    /// A schema for bytes, as this version writes it.
    pub fn binary_schema(&self) -> Value {
        match self.doc.dialect {
            Dialect::V3_1 => {
                json!({ "type": "string", "contentMediaType": "application/octet-stream" })
            }
            Dialect::V3_0 => json!({ "type": "string", "format": "binary" }),
        }
    }

    /// The next handler argument is being described.
    pub(crate) fn next_argument(&mut self) {
        self.record().argument += 1;
    }

    /// Records a type the document could not describe.
    pub(crate) fn gap(&mut self, response: bool, type_name: &'static str) {
        let record = &self.doc.operations[self.index];
        let path = &self.doc.paths[record.path];
        let place = if response {
            GapPlace::Response
        } else {
            GapPlace::Argument(record.argument)
        };
        let gap = Gap {
            operation: format!("{} {}", record.method.to_uppercase(), path.pattern),
            operation_id: record.id.to_string(),
            file: path.file,
            place,
            type_name,
        };
        self.doc.gaps.push(gap);
    }

    /// A `$ref` into the request schemas, followed; other schemas as they are.
    fn resolve_request(&mut self, schema: Value) -> Value {
        let target = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|reference| reference.strip_prefix("#/components/schemas/"))
            .and_then(|name| self.doc.requests.definitions().get(name))
            .cloned();
        match target {
            Some(mut definition) => {
                if let Ok(schema) = <&mut Schema>::try_from(&mut definition) {
                    apply_transforms(&mut self.doc.requests, schema);
                }
                definition
            }
            None => schema,
        }
    }
}

/// Schemas returned for inline types (`Option<i64>`) have not been through the
/// generator's transforms yet; the 3.0 settings need them (`nullable`).
fn finish_schema(generator: &mut SchemaGenerator, mut schema: Schema) -> Value {
    apply_transforms(generator, &mut schema);
    schema.to_value()
}

pub(crate) fn apply_transforms(generator: &mut SchemaGenerator, schema: &mut Schema) {
    for transform in generator.transforms_mut() {
        transform.transform(schema);
    }
}

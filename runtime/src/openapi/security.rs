//! What a `middleware.rs` declares about the credentials its routes need.

/// How clients prove who they are, declared once for a folder in its `middleware.rs`:
///
/// ```
/// use fsroute::openapi::SecurityScheme;
///
/// /// Every route below this folder needs `Authorization: Bearer <token>`.
/// pub const SECURITY: SecurityScheme = SecurityScheme::bearer("JWT");
/// ```
///
/// Every operation below the folder then carries the scheme in the OpenAPI document (and
/// a 401 response); routes outside it do not. The constant is plain data, so it costs
/// nothing when the `openapi` feature is off. A route file may export its own `SECURITY`
/// too; the innermost declaration wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityScheme {
    pub(crate) name: &'static str,
    pub(crate) kind: SchemeKind,
    pub(crate) description: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SchemeKind {
    Bearer {
        format: &'static str,
    },
    Basic,
    ApiKey {
        location: &'static str,
        name: &'static str,
    },
}

impl SecurityScheme {
    /// `Authorization: Bearer <token>`; `format` is a hint such as `"JWT"`. Named
    /// `bearerAuth` in the document.
    pub const fn bearer(format: &'static str) -> Self {
        SecurityScheme {
            name: "bearerAuth",
            kind: SchemeKind::Bearer { format },
            description: "",
        }
    }

    /// HTTP Basic authentication. Named `basicAuth`.
    pub const fn basic() -> Self {
        SecurityScheme {
            name: "basicAuth",
            kind: SchemeKind::Basic,
            description: "",
        }
    }

    /// A key sent in the request header `header`. Named `apiKey`.
    pub const fn api_key_header(header: &'static str) -> Self {
        Self::api_key("header", header)
    }

    /// A key sent in the cookie `cookie`. Named `apiKey`.
    pub const fn api_key_cookie(cookie: &'static str) -> Self {
        Self::api_key("cookie", cookie)
    }

    /// A key sent in the query parameter `parameter`. Named `apiKey`.
    pub const fn api_key_query(parameter: &'static str) -> Self {
        Self::api_key("query", parameter)
    }

    const fn api_key(location: &'static str, name: &'static str) -> Self {
        SecurityScheme {
            name: "apiKey",
            kind: SchemeKind::ApiKey { location, name },
            description: "",
        }
    }

    /// The key of the scheme in `components.securitySchemes`, for apps with several.
    pub const fn named(mut self, name: &'static str) -> Self {
        self.name = name;
        self
    }

    /// Shown on the docs page where the scheme is described.
    pub const fn description(mut self, text: &'static str) -> Self {
        self.description = text;
        self
    }

    /// The scheme's key in the document.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

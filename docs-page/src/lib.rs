//! An API docs page that works with no network: [Scalar API Reference]'s standalone
//! browser bundle, vendored at a pinned version and embedded in the binary, and the small
//! HTML page that loads it.
//!
//! The page asks for nothing outside the server that serves it: Scalar's default fonts,
//! telemetry, agent (AI chat) and MCP features are switched off, the bundle is served by
//! the app itself, and the page is meant to be served with
//! [`CONTENT_SECURITY_POLICY`], which makes the browser refuse any outside request.
//!
//! This crate knows nothing about HTTP servers; `fsroute`'s `docs` feature serves it
//! (`fsroute::docs_page::routes`). Serving it by hand:
//!
//! - `GET /api/docs`: [`page_html`], `Content-Type: text/html; charset=utf-8`, with
//!   [`CONTENT_SECURITY_POLICY`] in `Content-Security-Policy`;
//! - `GET /api/docs/`[`script_file_name()`]: [`SCRIPT`] (or [`script_gzip`] with
//!   `Content-Encoding: gzip`), cacheable forever, since the name changes with the version.
//!
//! ```
//! let script_url = format!("/api/docs/{}", fsroute_docs::script_file_name());
//! let html = fsroute_docs::page_html("/api/openapi.json", &script_url, "Pets API");
//! assert!(html.contains(r#"data-url="/api/openapi.json""#));
//! assert!(html.contains(&format!(r#"<script src="{script_url}">"#)));
//! ```
//!
//! The bundle is updated with the `update-scalar` script next to this crate's
//! `Cargo.toml`; Scalar is MIT-licensed, its licence is in `vendor/scalar/LICENSE`.
//!
//! [Scalar API Reference]: https://github.com/scalar/scalar

use std::io::Write;
use std::sync::OnceLock;

use flate2::Compression;
use flate2::write::GzEncoder;

/// The vendored version of `@scalar/api-reference`, as recorded by `update-scalar`.
pub const SCALAR_VERSION: &str = include_str!("../vendor/scalar/VERSION").trim_ascii();

/// The sha256 of [`SCRIPT`] in lowercase hex, as recorded by `update-scalar` (a test checks
/// it against the embedded bytes). Good as a strong `ETag`: it changes with the content.
pub const SCRIPT_SHA256: &str = include_str!("../vendor/scalar/SHA256").trim_ascii();

/// Scalar's standalone browser bundle (`dist/browser/standalone.js`), about 4.9 MB.
///
/// Always embedded, in debug builds too, so a binary moved elsewhere still has it.
pub static SCRIPT: &[u8] = include_bytes!("../vendor/scalar/standalone.js");

/// What the docs page allows the browser to load: only what comes from the server itself.
///
/// Beyond `default-src 'self'`, Scalar needs `style-src 'unsafe-inline'`: it injects its
/// stylesheet in a `<style>` element and sets `style` attributes while it renders (without
/// it the page is unstyled). The `data:` image is the page's empty favicon (so the browser
/// asks for no `/favicon.ico`); `blob:` images, media and frames are how Scalar's API
/// client previews a response body it received (an image, a PDF, a video). Scripts come
/// from `'self'` only: the page has no inline script, and Scalar's bundle needs no `eval`
/// (a library in it probes for `Function` once and falls back when the policy refuses it;
/// DevTools lists that refusal as an issue).
///
/// Since `connect-src` falls back to `'self'`, the OpenAPI document must come from the
/// same origin, and "Test Request" reaches only servers on that origin.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
    script-src 'self'; \
    style-src 'self' 'unsafe-inline'; \
    img-src 'self' data: blob:; \
    media-src 'self' blob:; \
    frame-src 'self' blob:; \
    object-src 'none'; \
    base-uri 'none'; \
    form-action 'self'; \
    frame-ancestors 'self'";

/// Scalar's configuration: everything that would reach a third-party host is off.
/// `showDeveloperTools` is off because on `localhost` it adds a toolbar that advertises
/// Scalar's hosted services. Every tag starts open, so the sidebar lists every operation.
const CONFIGURATION: &str = r#"{"defaultOpenAllTags":true,"withDefaultFonts":false,"telemetry":false,"agent":{"disabled":true},"mcp":{"disabled":true},"showDeveloperTools":"never"}"#;

/// The bundle's file name, with the version in it (`scalar-1.76.0.js`), so that it can be
/// cached forever: a new version is a new URL.
pub fn script_file_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| format!("scalar-{SCALAR_VERSION}.js"))
}

/// [`SCRIPT`] compressed with gzip (about 1.4 MB), made on first use and kept.
///
/// Compressed once rather than per response: a compression layer would redo 4.9 MB of
/// work for every browser that loads the page. The first call takes a moment (about a
/// second unoptimised); call it early, on a spare thread, to have it ready.
pub fn script_gzip() -> &'static [u8] {
    static GZIP: OnceLock<Vec<u8>> = OnceLock::new();
    GZIP.get_or_init(|| {
        let mut encoder =
            GzEncoder::new(Vec::with_capacity(SCRIPT.len() / 3), Compression::default());
        // Writing into a Vec cannot fail.
        encoder.write_all(SCRIPT).expect("gzip into memory");
        encoder.finish().expect("gzip into memory")
    })
}

/// The docs page: about 1 KB of HTML that loads the Scalar bundle from `script_url` and
/// renders the OpenAPI document at `spec_url`, with `title` as the tab's title until the
/// document's own title replaces it.
///
/// Both URLs should be paths on the same server (`/api/openapi.json`): the page is made to
/// be served with [`CONTENT_SECURITY_POLICY`], which allows nothing else. Every value is
/// HTML-escaped. The page has no inline script: Scalar reads the document's URL and its
/// configuration from the `<script id="api-reference">` element's attributes.
///
/// ```
/// let html = fsroute_docs::page_html("/openapi.json?v=<2>", "/docs/scalar.js", "A & B");
/// assert!(html.contains("<title>A &amp; B</title>"));
/// assert!(html.contains(r#"data-url="/openapi.json?v=&lt;2&gt;""#));
/// ```
pub fn page_html(spec_url: &str, script_url: &str, title: &str) -> String {
    let spec_url = escape(spec_url);
    let script_url = escape(script_url);
    let title = escape(title);
    let configuration = escape(CONFIGURATION);
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<link rel="icon" href="data:,">
<title>{title}</title>
</head>
<body>
<noscript>This page needs JavaScript. The OpenAPI document is at <a href="{spec_url}">{spec_url}</a>.</noscript>
<script id="api-reference" data-url="{spec_url}" data-configuration="{configuration}"></script>
<script src="{script_url}"></script>
</body>
</html>
"#
    )
}

/// HTML escaping for text and for double- or single-quoted attribute values.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use flate2::read::GzDecoder;
    use sha2::{Digest, Sha256};

    use super::*;

    #[test]
    fn the_embedded_bundle_is_the_one_update_scalar_recorded() {
        let digest = Sha256::digest(SCRIPT);
        let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
        assert_eq!(
            hex, SCRIPT_SHA256,
            "vendor/scalar/standalone.js does not match vendor/scalar/SHA256: \
             re-vendor it with docs-page/update-scalar"
        );
    }

    #[test]
    fn the_bundle_is_the_recorded_version_of_scalar() {
        let version = format!("@scalar/api-reference@{SCALAR_VERSION}");
        let found = SCRIPT
            .windows(version.len())
            .any(|window| window == version.as_bytes());
        assert!(found, "the bundle does not name {version}");
        assert_eq!(script_file_name(), format!("scalar-{SCALAR_VERSION}.js"));
    }

    #[test]
    fn gzip_holds_the_same_bytes_and_is_made_once() {
        let gzip = script_gzip();
        assert!(gzip.len() < SCRIPT.len() / 2, "{} bytes", gzip.len());
        let mut plain = Vec::new();
        GzDecoder::new(gzip)
            .read_to_end(&mut plain)
            .expect("valid gzip");
        assert!(plain == SCRIPT, "gzip does not decompress to the script");
        assert!(std::ptr::eq(gzip, script_gzip()));
    }

    #[test]
    fn the_page_configures_scalar_to_stay_offline() {
        let html = page_html("/api/openapi.json", "/api/docs/scalar-x.js", "API docs");
        assert!(html.len() < 1500, "{} bytes", html.len());
        for setting in [
            "&quot;withDefaultFonts&quot;:false",
            "&quot;telemetry&quot;:false",
            "&quot;agent&quot;:{&quot;disabled&quot;:true}",
            "&quot;mcp&quot;:{&quot;disabled&quot;:true}",
        ] {
            assert!(html.contains(setting), "{setting} missing from\n{html}");
        }
        // The only URLs it names are ours (and the XHTML-free doctype names none).
        assert!(!html.contains("http"), "{html}");
        assert!(html.contains(r#"<script src="/api/docs/scalar-x.js"></script>"#));
        assert_eq!(html.matches("<script").count(), 2);
    }

    #[test]
    fn every_value_is_escaped() {
        let html = page_html(
            r#"/spec"><script>alert(1)</script>"#,
            "/x.js?a=1&b='2'",
            "</title><script>",
        );
        assert!(!html.contains("alert(1)</script>"), "{html}");
        assert!(html.contains("/spec&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("/x.js?a=1&amp;b=&#39;2&#39;"));
        assert!(html.contains("<title>&lt;/title&gt;&lt;script&gt;</title>"));
    }

    #[test]
    fn the_policy_allows_only_the_server_itself_for_code_and_requests() {
        assert!(CONTENT_SECURITY_POLICY.starts_with("default-src 'self';"));
        assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self';"));
        assert!(!CONTENT_SECURITY_POLICY.contains("connect-src"));
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-eval"));
        assert!(!CONTENT_SECURITY_POLICY.contains("http"));
        assert!(!CONTENT_SECURITY_POLICY.contains("  "), "no stray spaces");
    }
}

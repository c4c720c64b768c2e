//! `routes::href`: links built by the generated functions reach their route, and the
//! route's own `Path` extraction gives back exactly the values they were built from —
//! for any text (slashes, `%`, `?`, `#`, spaces, dots, any script) and any integer.
//!
//! The handlers of `fixtures/links/app` echo what `Path` extracted. An empty value is
//! left out: it makes an empty segment, which no route matches (see `Href`'s docs).

use fsroute::test::TestClient;
use fsroute_tests::{links, root};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Any text but the empty one, leaning towards what breaks naive links.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        3 => "[a-z/%?#. é+&=;:@~\\-]{1,12}",
        2 => prop::sample::select(&[
            ".", "..", "%", "%2F", "%%", "/", "//", "?", "?a=b", "#", "#x", " ", "a b", "a+b",
            "100%", "日本", "🦀", "é", "\u{0}", "\n", "[id]", "{id}", "\\", "'\"", "a/../b",
        ][..])
        .prop_map(String::from),
    ]
    .prop_filter("an empty segment cannot be routed", |value| {
        !value.is_empty()
    })
}

/// GETs `href` from the links router and returns the JSON its handler echoed.
fn echo(href: fsroute::href::Href) -> Value {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = TestClient::new(links::router(()));
        let reply = client.get(href.as_str()).await;
        assert_eq!(reply.status(), 200, "{href} answered {}", reply.text());
        reply.json()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn a_parameter_comes_back_as_it_was(id in value()) {
        prop_assert_eq!(echo(links::href::users_by_id(&id)), json!(id));
    }

    #[test]
    fn two_parameters_come_back_in_order(id in value(), order in value()) {
        let href = links::href::users_by_id_orders_by_order_id(&id, &order);
        prop_assert_eq!(echo(href), json!([id, order]));
    }

    #[test]
    fn integers_come_back(n in any::<i64>()) {
        prop_assert_eq!(echo(links::href::numbers_by_n(n)), json!(n));
    }

    #[test]
    fn after_a_non_ascii_folder(name in value()) {
        prop_assert_eq!(echo(links::href::café_by_name(&name)), json!(name));
    }

    /// A catch-all arrives as one string, its segments joined by `/`.
    #[test]
    fn catch_all_segments_come_back_joined(segments in prop::collection::vec(value(), 1..6)) {
        let joined = segments.join("/");
        prop_assert_eq!(echo(links::href::files_by_path(&segments)), json!(joined));
        prop_assert_eq!(echo(links::href::shop_by_slug(&segments)), json!(joined));
    }

    #[test]
    fn a_parameter_then_a_catch_all(org in value(), segments in prop::collection::vec(value(), 1..4)) {
        let href = links::href::orgs_by_org_files_by_path(&org, &segments);
        prop_assert_eq!(echo(href), json!({ "org": org, "path": segments.join("/") }));
    }

    #[test]
    fn a_query_does_not_change_the_path(id in value(), q in any::<String>()) {
        let href = links::href::users_by_id(&id).query(&[("q", &q)]);
        prop_assert_eq!(echo(href), json!(id));
    }
}

#[test]
fn the_bare_optional_catch_all() {
    assert_eq!(links::href::shop(), "/api/shop");
    assert_eq!(echo(links::href::shop()), Value::Null);
}

#[test]
fn links_read_as_expected() {
    assert_eq!(links::href::users_by_id(42), "/api/users/42");
    assert_eq!(
        links::href::users_by_id("a/b?c#d e%"),
        "/api/users/a%2Fb%3Fc%23d%20e%25"
    );
    assert_eq!(
        links::href::files_by_path(["docs", "a b.txt"]),
        "/api/files/docs/a%20b.txt"
    );
    assert_eq!(links::href::café_by_name("ü"), "/api/caf%C3%A9/%C3%BC");
    assert_eq!(
        links::href::orgs_by_org_files_by_path("acme", ["x", "y"]),
        "/api/orgs/acme/files/x/y"
    );
    let location: String = links::href::numbers_by_n(-7).into();
    assert_eq!(location, "/api/numbers/-7");
}

/// A catch-all at the top of the URL space: `Href::new("")` with the segments after it.
#[tokio::test]
async fn a_catch_all_at_the_root() {
    let client = TestClient::new(root::router(()));
    let href = root::href::by_rest(["a b", "c/d", "é"]);
    assert_eq!(href, "/a%20b/c%2Fd/%C3%A9");
    assert_eq!(client.get(href.as_str()).await.text(), "rest a b/c/d/é");
    assert_eq!(root::href::root(), "/");
    assert_eq!(client.get(root::href::about().as_str()).await.status(), 200);
}

//! Read one `route.rs` with `syn` and find the method handlers it exports.
//!
//! Only the file's top-level items are looked at: `pub async fn GET(..)`, and
//! `pub use somewhere::handler as GET;`. A file that does not parse is still routed
//! (without methods) so that rustc, not we, reports the syntax error at its real place.
//!
//! What a handler is, beyond its name, is read from its signature and attributes only:
//! how many parameters it takes, its doc comment, `#[deprecated]` and `#[doc(hidden)]`.
//! Types are rustc's business; the OpenAPI code infers them from the function item.

use proc_macro2::{Delimiter, TokenStream, TokenTree};

use crate::conventions::{
    ConfigConst, MAX_CACHE_TAG_CHARS, MAX_CACHE_TAGS, MIDDLEWARE_FN, Method, PATH_TAG_PREFIX,
    SECURITY_CONST,
};
use crate::diagnostic::{Diagnostics, Location};
use crate::messages;
use crate::suggest;
use crate::top_items::{self, TopItem};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RouteFileAnalysis {
    /// Exported methods, sorted, each once.
    pub methods: Vec<Method>,
    /// One per exported method, in the order of `methods`.
    pub handlers: Vec<Handler>,
    /// Exports `pub async fn middleware`, which wraps this route alone.
    pub middleware: bool,
    /// The route segment config constants it exports, sorted.
    pub config: Vec<ConfigConst>,
    /// Exports `pub const SECURITY` (or re-exports a constant under that name): the
    /// security scheme this route needs, which wins over any `middleware.rs` above it.
    pub security: bool,
    /// The file's inner doc lines (`//!`, `#![doc = "…"]`), in order, as written: a
    /// `//! text` line is `" text"`.
    pub doc: Vec<String>,
}

impl RouteFileAnalysis {
    pub fn handler(&self, method: Method) -> Option<&Handler> {
        self.handlers
            .iter()
            .find(|handler| handler.method == method)
    }
}

/// An exported method handler, as far as its syntax tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handler {
    pub method: Method,
    /// How many parameters it takes; `None` when it is re-exported
    /// (`pub use x::list as GET;`), whose signature is in another file.
    pub arity: Option<usize>,
    /// Its outer doc lines (`///`, `#[doc = "…"]`), in order, as written: a `/// text`
    /// line is `" text"`. For a re-export, the lines written on the `pub use`.
    pub doc: Vec<String>,
    /// `#[deprecated]`, with or without a note.
    pub deprecated: bool,
    /// `#[doc(hidden)]`.
    pub hidden: bool,
}

/// What a `middleware.rs` declares besides its function.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MiddlewareAnalysis {
    /// Exports `pub const SECURITY`: every route below the folder needs that scheme.
    pub security: bool,
}

/// `path` is the file as diagnostics should name it.
pub fn analyze(source: &str, path: &str, diagnostics: &mut Diagnostics) -> RouteFileAnalysis {
    let mut analysis = RouteFileAnalysis::default();
    let file = match top_items::parse(source) {
        Ok(file) => file,
        Err(err) => {
            let location = locate(source, path, err.span(), 1);
            diagnostics.push(messages::unparsable_route_file(path, &err.to_string()).at(location));
            return analysis;
        }
    };
    analysis.doc = doc_lines(&file.attrs);
    let errors_before = diagnostics.error_count();
    // Types the file defines that the generated router, outside the file, cannot name.
    let private_types: Vec<String> = file
        .items
        .iter()
        .filter_map(|item| match item {
            TopItem::Type { vis, ident } if !is_visible_to_parent(vis) => Some(ident.to_string()),
            _ => None,
        })
        .collect();
    // The config constants exported, whatever their type, and where `TAGS` is.
    let mut declared: Vec<ConfigConst> = Vec::new();
    let mut tags_at: Option<Location> = None;
    for item in &file.items {
        match item {
            TopItem::Fn {
                vis,
                ident,
                attrs,
                arity,
                signature,
            } => {
                let name = ident.to_string();
                let width = name.len();
                if name == MIDDLEWARE_FN {
                    if is_visible_to_parent(vis) {
                        analysis.middleware = true;
                    } else {
                        let location = locate(source, path, ident.span(), width);
                        diagnostics.push(messages::private_route_middleware(path).at(location));
                    }
                } else if let Some(method) = Method::from_export_name(&name) {
                    if is_visible_to_parent(vis) {
                        check_handler_shape(source, path, method, ident, signature, diagnostics);
                        check_private_types(
                            source,
                            path,
                            method,
                            signature,
                            &private_types,
                            diagnostics,
                        );
                        analysis.methods.push(method);
                        analysis.handlers.push(handler(method, Some(*arity), attrs));
                    } else {
                        let location = locate(source, path, ident.span(), width);
                        diagnostics.push(messages::private_method(path, method).at(location));
                    }
                } else if let Some(method) = Method::from_wrong_case(&name) {
                    if is_visible_to_parent(vis) {
                        let location = locate(source, path, ident.span(), width);
                        diagnostics
                            .push(messages::wrong_case_method(path, &name, method).at(location));
                    }
                }
            }
            TopItem::Const {
                ident,
                vis,
                ty,
                value,
            } if !is_method(ident) => {
                let name = ident.to_string();
                let location = || locate(source, path, ident.span(), name.len());
                if name == SECURITY_CONST {
                    if is_visible_to_parent(vis) {
                        analysis.security = true;
                    } else {
                        diagnostics.push(messages::private_config(path, &name).at(location()));
                    }
                    continue;
                }
                match ConfigConst::from_name(&name) {
                    Some(config) if is_visible_to_parent(vis) => {
                        declared.push(config);
                        if config == ConfigConst::Tags {
                            tags_at.get_or_insert_with(location);
                            check_tags(source, path, value, &location, diagnostics);
                        }
                        if declared_type_is(config, ty) {
                            analysis.config.push(config);
                        } else {
                            let (expected, unit) = config.expected_type();
                            let shown = type_text(source, ty);
                            let at = match ty.clone().into_iter().next() {
                                Some(first) => {
                                    locate(source, path, first.span(), shown.chars().count())
                                }
                                None => location(),
                            };
                            diagnostics.push(
                                messages::wrong_config_type(path, &name, &shown, expected, unit)
                                    .at(at),
                            );
                        }
                    }
                    Some(config) => diagnostics
                        .push(messages::private_config(path, config.name()).at(location())),
                    None if is_visible_to_parent(vis)
                        && (is_screaming_case(&name) || suggest::config_const(&name).is_some()) =>
                    {
                        diagnostics.push(messages::unknown_config(path, &name).at(location()))
                    }
                    None => {}
                }
            }
            TopItem::Const { ident, .. } | TopItem::Static { ident } => {
                if let Some(method) = Method::from_export_name(&ident.to_string()) {
                    let kind = if matches!(item, TopItem::Const { .. }) {
                        "const"
                    } else {
                        "static"
                    };
                    let location = locate(source, path, ident.span(), method.as_str().len());
                    diagnostics
                        .push(messages::method_not_a_function(path, method, kind).at(location));
                }
            }
            TopItem::Use { vis, tree, attrs } if is_visible_to_parent(vis) => {
                let mut names = Vec::new();
                use_tree_names(tree, &mut names);
                for name in &names {
                    if let Some(method) = Method::from_export_name(name) {
                        analysis.methods.push(method);
                        analysis.handlers.push(handler(method, None, attrs));
                    }
                }
                analysis.security |= names.iter().any(|name| name == SECURITY_CONST);
            }
            _ => {}
        }
    }
    analysis.methods.sort();
    analysis.methods.dedup();
    // A method defined twice is rustc's error to report; the first one is kept.
    analysis.handlers.sort_by_key(|handler| handler.method);
    analysis.handlers.dedup_by_key(|handler| handler.method);
    analysis.config.sort();
    analysis.config.dedup();
    // `TAGS` goes to `REVALIDATE`'s cache; alone it would tag nothing. A `REVALIDATE` of
    // the wrong type has its own error, so only a missing one is reported here.
    if let Some(at) = tags_at
        && !declared.contains(&ConfigConst::Revalidate)
    {
        diagnostics.push(messages::tags_without_revalidate(path).at(at));
    }
    // An error in the file is the thing to fix first; "no methods" would only repeat it.
    let new_errors = diagnostics.error_count() > errors_before;
    if analysis.methods.is_empty() && !new_errors {
        diagnostics.push(messages::no_methods(path).at(Location::path(path)));
    }
    analysis
}

/// Whether a config constant is declared with the type the generated code reads, from its
/// tokens. A number by its last segment, so `core::primitive::u64` is a `u64` too; `TAGS`
/// is a shared slice of string slices, `'static` or not: `&[&str]`,
/// `&'static [&'static str]`, `&[&'static str]`.
fn declared_type_is(config: ConfigConst, ty: &TokenStream) -> bool {
    match config {
        ConfigConst::Tags => is_str_slice(ty),
        ConfigConst::MaxDuration | ConfigConst::BodyLimit | ConfigConst::Revalidate => {
            let written = ty.clone().into_iter().last().map(|tree| tree.to_string());
            written.as_deref() == Some(config.expected_type().0)
        }
    }
}

/// `&[&str]`, with any `'static` lifetimes, and `str` by its last segment
/// (`&[&core::primitive::str]`).
fn is_str_slice(ty: &TokenStream) -> bool {
    let outer = without_static(ty.clone());
    let [TokenTree::Punct(reference), TokenTree::Group(slice)] = outer.as_slice() else {
        return false;
    };
    if reference.as_char() != '&' || slice.delimiter() != Delimiter::Bracket {
        return false;
    }
    let inner = without_static(slice.stream());
    let [TokenTree::Punct(reference), path @ ..] = inner.as_slice() else {
        return false;
    };
    let is_path_part = |tree: &TokenTree| match tree {
        TokenTree::Ident(ident) => ident != "mut" && ident != "dyn",
        TokenTree::Punct(punct) => punct.as_char() == ':',
        _ => false,
    };
    reference.as_char() == '&'
        && path.iter().all(is_path_part)
        && matches!(path.last(), Some(TokenTree::Ident(ident)) if ident == "str")
}

/// The tokens without their `'static` lifetimes (a `'` joined to `static`).
fn without_static(tokens: TokenStream) -> Vec<TokenTree> {
    let mut trees: Vec<TokenTree> = Vec::new();
    for tree in tokens {
        if let TokenTree::Ident(ident) = &tree
            && ident == "static"
            && matches!(trees.last(), Some(TokenTree::Punct(punct)) if punct.as_char() == '\'')
        {
            trees.pop();
            continue;
        }
        trees.push(tree);
    }
    trees
}

/// The tags of `pub const TAGS`, when its value is written out as `&["…", …]`: each
/// string literal is checked against Next.js's limits and the runtime's reserved prefix,
/// and the list against the most a route may have. Elements that are not string literals,
/// and a value that is not an array (a path to another constant), are rustc's to check.
fn check_tags(
    source: &str,
    path: &str,
    value: &TokenStream,
    tags_at: &dyn Fn() -> Location,
    diagnostics: &mut Diagnostics,
) {
    let Ok(syn::Expr::Reference(reference)) = syn::parse2::<syn::Expr>(value.clone()) else {
        return;
    };
    let syn::Expr::Array(array) = &*reference.expr else {
        return;
    };
    let mut seen: Vec<String> = Vec::new();
    for element in &array.elems {
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(literal),
            ..
        }) = element
        else {
            continue;
        };
        let tag = literal.value();
        let chars = tag.chars().count();
        let width = literal.token().to_string().chars().count();
        let at = || locate(source, path, literal.span(), width);
        if tag.is_empty() {
            diagnostics.push(messages::empty_cache_tag(path).at(at()));
        } else if tag.starts_with(PATH_TAG_PREFIX) {
            diagnostics.push(messages::reserved_cache_tag(path, &tag).at(at()));
        } else if chars > MAX_CACHE_TAG_CHARS {
            diagnostics.push(messages::long_cache_tag(path, &tag, chars).at(at()));
        } else if seen.contains(&tag) {
            diagnostics.push(messages::duplicate_cache_tag(path, &tag).at(at()));
        }
        seen.push(tag);
    }
    if array.elems.len() > MAX_CACHE_TAGS {
        diagnostics.push(messages::too_many_cache_tags(path, array.elems.len()).at(tags_at()));
    }
}

/// The extractors that read the request body. axum lets a handler have one, as its last
/// argument; anywhere else rustc's error points into the generated file and says only
/// that the function is not a handler.
const BODY_EXTRACTORS: &[&str] = &[
    "Json",
    "Form",
    "Bytes",
    "String",
    "Request",
    "Body",
    "Multipart",
    "RawForm",
];

/// Extractors that read the body when what they wrap does.
const BODY_WRAPPERS: &[&str] = &["Valid", "Option", "Result"];

/// What the generator can tell from a handler's signature alone: it is `async`, and it
/// reads the body at most once, last.
fn check_handler_shape(
    source: &str,
    path: &str,
    method: Method,
    ident: &syn::Ident,
    signature: &top_items::Signature,
    diagnostics: &mut Diagnostics,
) {
    if !signature.is_async && !signature.returns_future {
        let location = locate(source, path, ident.span(), method.as_str().len());
        diagnostics.push(messages::handler_not_async(path, method).at(location));
    }
    let readers: Vec<(usize, &TokenStream)> = signature
        .param_types
        .iter()
        .enumerate()
        .filter(|(_, ty)| reads_body(ty))
        .collect();
    let shown = |ty: &TokenStream| type_text(source, ty);
    let at = |ty: &TokenStream| {
        let span = ty.clone().into_iter().next().map(|tree| tree.span());
        match span {
            Some(span) => locate(source, path, span, shown(ty).chars().count()),
            None => Location::path(path),
        }
    };
    match readers.as_slice() {
        [] => {}
        [(index, ty)] if *index + 1 < signature.param_types.len() => {
            diagnostics
                .push(messages::body_extractor_not_last(path, method, &shown(ty)).at(at(ty)));
        }
        [_] => {}
        [(_, first), (_, second), ..] => {
            diagnostics.push(
                messages::body_read_twice(path, method, &shown(first), &shown(second))
                    .at(at(second)),
            );
        }
    }
}

/// A type the file defines without `pub`, named in a handler's signature: the router
/// calls the handler from outside the file, where the type cannot be named, so rustc
/// would report it in the generated file. One report per type and handler.
fn check_private_types(
    source: &str,
    path: &str,
    method: Method,
    signature: &top_items::Signature,
    private_types: &[String],
    diagnostics: &mut Diagnostics,
) {
    if private_types.is_empty() {
        return;
    }
    let mut idents = Vec::new();
    for ty in &signature.param_types {
        top_items::collect_idents(ty.clone(), &mut idents);
    }
    idents.extend(signature.return_idents.iter().cloned());
    let mut reported: Vec<String> = Vec::new();
    for ident in idents {
        let name = ident.to_string();
        if private_types.contains(&name) && !reported.contains(&name) {
            let location = locate(source, path, ident.span(), name.len());
            diagnostics.push(messages::private_handler_type(path, method, &name).at(location));
            reported.push(name);
        }
    }
}

/// Whether a parameter type is one of [`BODY_EXTRACTORS`], by its last path segment
/// (`axum::Json<T>` too), or one of [`BODY_WRAPPERS`] around one.
fn reads_body(ty: &TokenStream) -> bool {
    let mut head: Option<String> = None;
    let mut tokens = ty.clone().into_iter();
    while let Some(tree) = tokens.next() {
        match &tree {
            TokenTree::Ident(ident) => head = Some(ident.to_string()),
            TokenTree::Punct(punct) if punct.as_char() == '<' => {
                let head = head.unwrap_or_default();
                if BODY_EXTRACTORS.contains(&head.as_str()) {
                    return true;
                }
                if !BODY_WRAPPERS.contains(&head.as_str()) {
                    return false;
                }
                // The first generic argument: up to a `,` or the closing `>` at this depth.
                let mut depth = 1usize;
                let mut inner = Vec::new();
                for tree in tokens.by_ref() {
                    if let TokenTree::Punct(punct) = &tree {
                        match punct.as_char() {
                            '<' => depth += 1,
                            '>' => depth -= 1,
                            ',' if depth == 1 => break,
                            _ => {}
                        }
                        if depth == 0 {
                            break;
                        }
                    }
                    inner.push(tree);
                }
                return reads_body(&TokenStream::from_iter(inner));
            }
            TokenTree::Punct(punct) if punct.as_char() == ':' => {}
            _ => return false,
        }
    }
    head.is_some_and(|head| BODY_EXTRACTORS.contains(&head.as_str()))
}

/// A type as written in the file (one line), or its tokens when it spans several.
fn type_text(source: &str, ty: &TokenStream) -> String {
    let trees: Vec<TokenTree> = ty.clone().into_iter().collect();
    if let (Some(first), Some(last)) = (trees.first(), trees.last()) {
        let (start, end) = (first.span().start(), last.span().end());
        if start.line == end.line
            && start.line > 0
            && let Some(line) = source.lines().nth(start.line - 1)
            && let Some(text) =
                line.get(byte_offset(line, start.column)..byte_offset(line, end.column))
        {
            return text.to_string();
        }
    }
    ty.to_string()
}

/// The byte offset of a character column in a line.
fn byte_offset(line: &str, column: usize) -> usize {
    line.char_indices()
        .nth(column)
        .map_or(line.len(), |(offset, _)| offset)
}

fn handler(method: Method, arity: Option<usize>, attrs: &[syn::Attribute]) -> Handler {
    Handler {
        method,
        arity,
        doc: doc_lines(attrs),
        deprecated: attrs.iter().any(|attr| attr.path().is_ident("deprecated")),
        hidden: attrs.iter().any(is_doc_hidden),
    }
}

/// The text of each `#[doc = "…"]`, which is what `///` and `//!` lines are. A doc
/// attribute whose value is not a literal (`#[doc = include_str!("…")]`) cannot be read
/// without expanding it, and is left out.
fn doc_lines(attrs: &[syn::Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(text),
                        ..
                    }),
                ..
            }) => Some(text.value()),
            _ => None,
        })
        .collect()
}

/// `#[doc(hidden)]`, also among other `doc(…)` arguments.
fn is_doc_hidden(attr: &syn::Attribute) -> bool {
    match &attr.meta {
        syn::Meta::List(list) if list.path.is_ident("doc") => list
            .tokens
            .clone()
            .into_iter()
            .any(|tree| matches!(tree, TokenTree::Ident(ident) if ident == "hidden")),
        _ => false,
    }
}

fn is_method(ident: &syn::Ident) -> bool {
    Method::from_export_name(&ident.to_string()).is_some()
}

/// `PAGE_SIZE`, `MAX_DURATON`: upper case with at least one letter.
fn is_screaming_case(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// What is wrong with a `middleware.rs`, if anything: it must export `pub async fn
/// middleware`. It may also export `pub const SECURITY`. A file that does not parse is
/// used as it is, so that rustc reports it.
pub fn analyze_middleware(
    source: &str,
    path: &str,
    diagnostics: &mut Diagnostics,
) -> MiddlewareAnalysis {
    let mut analysis = MiddlewareAnalysis::default();
    let items = match top_items::parse(source) {
        Ok(file) => file.items,
        Err(err) => {
            let location = locate(source, path, err.span(), 1);
            diagnostics.push(messages::unparsable_route_file(path, &err.to_string()).at(location));
            return analysis;
        }
    };
    let mut found = None;
    for item in &items {
        match item {
            TopItem::Fn { vis, ident, .. } if ident == MIDDLEWARE_FN => {
                found.get_or_insert((is_visible_to_parent(vis), ident.span()));
            }
            TopItem::Const { vis, ident, .. } if ident == SECURITY_CONST => {
                if is_visible_to_parent(vis) {
                    analysis.security = true;
                } else {
                    let location = locate(source, path, ident.span(), SECURITY_CONST.len());
                    diagnostics.push(messages::private_folder_security(path).at(location));
                }
            }
            TopItem::Use { vis, tree, .. } if is_visible_to_parent(vis) => {
                let mut names = Vec::new();
                use_tree_names(tree, &mut names);
                if names.iter().any(|name| name == MIDDLEWARE_FN) {
                    found.get_or_insert((true, proc_macro2::Span::call_site()));
                }
                analysis.security |= names.iter().any(|name| name == SECURITY_CONST);
            }
            _ => {}
        }
    }
    match found {
        Some((true, _)) => {}
        Some((false, span)) => diagnostics.push(messages::private_middleware(path).at(locate(
            source,
            path,
            span,
            MIDDLEWARE_FN.len(),
        ))),
        None => diagnostics.push(messages::missing_middleware(path).at(Location::path(path))),
    }
    analysis
}

/// The generated router lives in the route module's parent, so it can call `pub`,
/// `pub(crate)` and `pub(super)` items but not private or `pub(self)` ones.
fn is_visible_to_parent(vis: &syn::Visibility) -> bool {
    match vis {
        syn::Visibility::Public(_) => true,
        syn::Visibility::Restricted(restricted) => !restricted.path.is_ident("self"),
        syn::Visibility::Inherited => false,
    }
}

/// The names a `use` brings in: `a::b as GET` gives `GET`, `a::{GET, POST}` both.
fn use_tree_names(tree: &syn::UseTree, names: &mut Vec<String>) {
    match tree {
        syn::UseTree::Path(path) => use_tree_names(&path.tree, names),
        syn::UseTree::Name(name) => names.push(name.ident.to_string()),
        syn::UseTree::Rename(rename) => names.push(rename.rename.to_string()),
        syn::UseTree::Group(group) => {
            for tree in &group.items {
                use_tree_names(tree, names);
            }
        }
        syn::UseTree::Glob(_) => {}
    }
}

fn locate(source: &str, path: &str, span: proc_macro2::Span, width: usize) -> Location {
    let start = span.start();
    let column = start.column + 1;
    let location = Location::at(path, start.line, column);
    match source.lines().nth(start.line.saturating_sub(1)) {
        Some(line) if start.line > 0 => location.with_snippet(line, width),
        _ => location,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Diagnostic;

    /// The analysis with the problems found in it.
    struct Analyzed {
        methods: Vec<Method>,
        middleware: bool,
        config: Vec<ConfigConst>,
        diagnostics: Vec<Diagnostic>,
    }

    fn analyze(source: &str, path: &str) -> Analyzed {
        let mut diagnostics = Diagnostics::default();
        let analysis = super::analyze(source, path, &mut diagnostics);
        Analyzed {
            methods: analysis.methods,
            middleware: analysis.middleware,
            config: analysis.config,
            diagnostics: diagnostics.as_slice().to_vec(),
        }
    }

    fn analyze_middleware(source: &str, path: &str) -> Vec<Diagnostic> {
        let mut diagnostics = Diagnostics::default();
        super::analyze_middleware(source, path, &mut diagnostics);
        diagnostics.as_slice().to_vec()
    }

    fn codes(analysis: &Analyzed) -> Vec<&'static str> {
        analysis.diagnostics.iter().map(|d| d.code).collect()
    }

    #[test]
    fn body_extractors_are_known_by_their_last_segment_and_through_wrappers() {
        let reads = |ty: &str| super::reads_body(&ty.parse().unwrap());
        for ty in [
            "Json<NewPost>",
            "axum::Json<serde_json::Value>",
            "Valid<Form<Login>>",
            "Option<Bytes>",
            "Result<Json<T>, JsonRejection>",
            "String",
            "axum::extract::Request",
            "axum::body::Body",
            "Multipart",
        ] {
            assert!(reads(ty), "{ty} reads the body");
        }
        for ty in [
            "Path<String>",
            "Query<ListQuery>",
            "State<AppState>",
            "Extension<User>",
            "Valid<Query<Search>>",
            "Option<Path<u64>>",
            "HeaderMap",
            "Pagination",
            "std::collections::HashMap<String, String>",
        ] {
            assert!(!reads(ty), "{ty} does not read the body");
        }
    }

    #[test]
    fn finds_exported_methods_sorted() {
        let a = analyze(
            "use fsroute::prelude::*;\n\
             pub async fn POST() {}\n\
             pub async fn GET() -> &'static str { \"hi\" }\n\
             pub(crate) async fn DELETE() {}\n\
             async fn helper() {}\n",
            "app/route.rs",
        );
        assert_eq!(a.methods, [Method::Get, Method::Post, Method::Delete]);
        assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
    }

    #[test]
    fn re_exports_count_as_methods() {
        let a = analyze(
            "pub use super::shared::list as GET;\npub use crate::h::{PUT, other};\nuse x::POST;\n",
            "app/route.rs",
        );
        assert_eq!(a.methods, [Method::Get, Method::Put]);
    }

    #[test]
    fn any_is_a_method_with_the_same_warnings() {
        let a = analyze(
            "pub async fn GET() {}\npub async fn ANY() {}\n",
            "app/route.rs",
        );
        assert_eq!(a.methods, [Method::Get, Method::Any]);
        assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
        let a = analyze("pub async fn any() {}\n", "app/route.rs");
        assert_eq!(codes(&a), ["wrong-case-method", "no-methods"]);
        assert!(
            a.diagnostics[0]
                .render_line()
                .contains("did you mean `ANY`?")
        );
        let a = analyze("async fn ANY() {}\n", "app/route.rs");
        assert_eq!(codes(&a), ["private-method", "no-methods"]);
    }

    #[test]
    fn lowercase_and_private_methods_are_warnings_with_positions() {
        let a = analyze(
            "pub async fn get() {}\nasync fn POST() {}\npub(self) fn PUT() {}\nfn get_user() {}\n",
            "app/x/route.rs",
        );
        assert_eq!(
            codes(&a),
            [
                "wrong-case-method",
                "private-method",
                "private-method",
                "no-methods"
            ]
        );
        assert_eq!(
            a.diagnostics[0].locations[0].to_string(),
            "app/x/route.rs:1:14"
        );
        assert_eq!(
            a.diagnostics[1].locations[0].to_string(),
            "app/x/route.rs:2:10"
        );
    }

    #[test]
    fn a_method_that_is_not_a_function_is_an_error() {
        let a = analyze("pub const GET: u8 = 1;\n", "app/route.rs");
        assert_eq!(codes(&a), ["method-not-a-function"]);
        assert!(a.diagnostics[0].is_error());
    }

    #[test]
    fn route_middleware_and_config_constants() {
        let a = analyze(
            "pub async fn GET() {}\n\
             pub async fn middleware() {}\n\
             pub const MAX_DURATION: u64 = 5;\n\
             pub const REVALIDATE: u64 = 60;\n\
             const BODY_LIMIT: usize = 10;\n\
             pub const MAX_DURATON: u64 = 5;\n\
             const PAGE_SIZE: u32 = 20;\n\
             pub const maxDuration: u64 = 1;\n",
            "app/route.rs",
        );
        assert!(a.middleware);
        assert_eq!(
            a.config,
            [ConfigConst::MaxDuration, ConfigConst::Revalidate]
        );
        assert_eq!(
            codes(&a),
            ["private-config", "unknown-config", "unknown-config"]
        );
    }

    /// A route file with a `GET` and the given lines.
    fn route_with(lines: &str) -> Analyzed {
        analyze(&format!("pub async fn GET() {{}}\n{lines}"), "app/route.rs")
    }

    #[test]
    fn tags_is_a_slice_of_string_slices_static_or_not() {
        for ty in [
            "&[&str]",
            "&'static [&'static str]",
            "&[&'static str]",
            "&'static [&str]",
            "&[&core::primitive::str]",
        ] {
            let a = route_with(&format!(
                "pub const REVALIDATE: u64 = 60;\npub const TAGS: {ty} = &[\"posts\"];\n"
            ));
            assert!(a.diagnostics.is_empty(), "{ty}: {:?}", a.diagnostics);
            assert_eq!(
                a.config,
                [ConfigConst::Revalidate, ConfigConst::Tags],
                "{ty}"
            );
        }
        for ty in [
            "&[String]",
            "&str",
            "Vec<&str>",
            "[&str; 1]",
            "&[&str; 1]",
            "&[&&str]",
            "&[&mut str]",
            "&'a [&str]",
            "&[&'a str]",
        ] {
            let a = route_with(&format!(
                "pub const REVALIDATE: u64 = 60;\npub const TAGS: {ty} = &[\"posts\"];\n"
            ));
            assert_eq!(codes(&a), ["wrong-config-type"], "{ty}");
            assert_eq!(a.config, [ConfigConst::Revalidate], "{ty}");
            assert_eq!(
                a.diagnostics[0].render_line(),
                format!(
                    "app/route.rs:3:17: `pub const TAGS: {ty}` in `app/route.rs` has the wrong \
                     type: the route config `TAGS` is a `&[&str]` (cache tags); help: write \
                     `pub const TAGS: &[&str] = …;`"
                )
            );
        }
    }

    #[test]
    fn tags_need_revalidate() {
        let a = route_with("pub const TAGS: &[&str] = &[\"posts\"];\n");
        assert_eq!(codes(&a), ["tags-without-revalidate"]);
        assert!(a.diagnostics[0].is_error());
        assert_eq!(
            a.diagnostics[0].render_line(),
            "app/route.rs:2:11: `TAGS` in `app/route.rs` only tags cached responses, but this \
             route has no `REVALIDATE`, so nothing is cached; help: add `pub const REVALIDATE: \
             u64 = …;` (seconds) to cache its `GET` responses, or remove `TAGS`"
        );
        // A private `REVALIDATE` is not the route's: its own warning says so too.
        let a = route_with("const REVALIDATE: u64 = 1;\npub const TAGS: &[&str] = &[];\n");
        assert_eq!(codes(&a), ["private-config", "tags-without-revalidate"]);
        // One of the wrong type is there; its type is the thing to fix.
        let a = route_with("pub const REVALIDATE: i32 = 1;\npub const TAGS: &[&str] = &[];\n");
        assert_eq!(codes(&a), ["wrong-config-type"]);
        // Wrong on both counts: both said at once.
        let a = route_with("pub const TAGS: &[String] = &[];\n");
        assert_eq!(codes(&a), ["wrong-config-type", "tags-without-revalidate"]);
        // A private `TAGS` is only a warning, and needs nothing.
        let a = route_with("const TAGS: &[&str] = &[];\n");
        assert_eq!(codes(&a), ["private-config"]);
    }

    #[test]
    fn tags_written_out_are_checked_one_by_one() {
        let long = "x".repeat(MAX_CACHE_TAG_CHARS + 1);
        let longest = "y".repeat(MAX_CACHE_TAG_CHARS);
        let a = route_with(&format!(
            "pub const REVALIDATE: u64 = 60;\n\
             pub const TAGS: &[&str] = &[\"posts\", \"\", \"path:/api/posts\", \"posts\",\n\
             \"{long}\", \"{longest}\", \"caf\\u{{e9}}\", crate::OTHER, r\"raw\"];\n"
        ));
        assert_eq!(codes(&a), ["invalid-cache-tag"; 4]);
        let lines: Vec<String> = a.diagnostics.iter().map(|d| d.render_line()).collect();
        assert!(
            lines[0].starts_with(
                "app/route.rs:3:38: `TAGS` in `app/route.rs` has an empty cache tag; help: "
            ),
            "{}",
            lines[0]
        );
        assert_eq!(
            lines[1],
            "app/route.rs:3:42: the cache tag `path:/api/posts` in `app/route.rs` starts with \
             `path:`, which is reserved: the runtime tags every cached response with `path:` and \
             its own path; help: to drop the cached responses of a path, call \
             `fsroute::cache::revalidate_path(\"/api/posts\")`; give your own tags another name"
        );
        assert!(
            lines[2].starts_with("app/route.rs:3:61: the cache tag `posts` is in `TAGS` twice"),
            "{}",
            lines[2]
        );
        assert!(
            lines[3].starts_with(&format!(
                "app/route.rs:4:1: the cache tag `{}…` in `app/route.rs` is 257 characters long; \
                 a tag has at most 256 (Next.js's limit)",
                "x".repeat(40)
            )),
            "{}",
            lines[3]
        );
    }

    #[test]
    fn too_many_tags_and_tags_that_are_not_written_out() {
        let tags: Vec<String> = (0..=MAX_CACHE_TAGS).map(|n| format!("\"t{n}\"")).collect();
        let a = route_with(&format!(
            "pub const REVALIDATE: u64 = 60;\npub const TAGS: &[&str] = &[{}];\n",
            tags.join(", ")
        ));
        assert_eq!(codes(&a), ["invalid-cache-tag"]);
        assert!(
            a.diagnostics[0].render_line().starts_with(
                "app/route.rs:3:11: `TAGS` in `app/route.rs` has 129 cache tags; a route has at \
                 most 128 (Next.js's limit); help: "
            ),
            "{}",
            a.diagnostics[0].render_line()
        );
        let a = route_with(&format!(
            "pub const REVALIDATE: u64 = 60;\npub const TAGS: &[&str] = &[{}];\n",
            tags[..MAX_CACHE_TAGS].join(", ")
        ));
        assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
        // Not written out: rustc checks the type, and the values are the user's.
        for value in [
            "crate::tags::ALL",
            "&[\"\"; 0]",
            "{ &[\"\"] }",
            "&TAG_LIST[..]",
        ] {
            let a = route_with(&format!(
                "pub const REVALIDATE: u64 = 60;\npub const TAGS: &[&str] = {value};\n"
            ));
            assert!(a.diagnostics.is_empty(), "{value}: {:?}", a.diagnostics);
        }
    }

    #[test]
    fn middleware_files() {
        let ok = analyze_middleware("pub async fn middleware() {}", "app/middleware.rs");
        assert!(ok.is_empty());
        let reexport = analyze_middleware("pub use crate::auth::guard as middleware;", "m.rs");
        assert!(reexport.is_empty());
        let private = analyze_middleware("async fn middleware() {}", "m.rs");
        assert_eq!(private[0].code, "private-middleware");
        assert!(private[0].is_error());
        let missing = analyze_middleware("pub async fn guard() {}", "m.rs");
        assert_eq!(missing[0].code, "missing-middleware");
    }

    fn analysis(source: &str) -> RouteFileAnalysis {
        super::analyze(source, "app/route.rs", &mut Diagnostics::default())
    }

    #[test]
    fn handlers_carry_arity_docs_and_flags() {
        let a = analysis(
            "//! `/api/users/{id}`: one user.\n\
             //!\n\
             //! Details.\n\
             use fsroute::prelude::*;\n\
             /// Reads a user.\n\
             ///\n\
             /// Anyone may.\n\
             pub async fn GET(Path(id): Path<i64>, State(s): State<HashMap<String, u8>>) {}\n\
             #[deprecated = \"use PUT\"]\n\
             #[doc = \"Changes a user.\"]\n\
             pub async fn PATCH(Path((a, b)): Path<(i64, i64)>, f: fn(u8, u8) -> u8,) {}\n\
             #[doc(hidden)]\n\
             #[deprecated(since = \"1\", note = \"x\")]\n\
             pub async fn DELETE() {}\n\
             /// Written on the re-export.\n\
             pub use crate::shared::update as PUT;\n\
             #[doc(alias = \"x\", hidden)]\n\
             pub use crate::shared::{create as POST};\n",
        );
        assert_eq!(a.doc, [" `/api/users/{id}`: one user.", "", " Details."]);
        let h = |method| a.handler(method).unwrap();
        assert_eq!(
            h(Method::Get),
            &Handler {
                method: Method::Get,
                arity: Some(2),
                doc: vec![" Reads a user.".into(), "".into(), " Anyone may.".into()],
                deprecated: false,
                hidden: false,
            }
        );
        assert_eq!(h(Method::Patch).arity, Some(2));
        assert_eq!(h(Method::Patch).doc, ["Changes a user."]);
        assert!(h(Method::Patch).deprecated && !h(Method::Patch).hidden);
        assert_eq!(h(Method::Delete).arity, Some(0));
        assert!(h(Method::Delete).deprecated && h(Method::Delete).hidden);
        assert_eq!(h(Method::Put).arity, None);
        assert_eq!(h(Method::Put).doc, [" Written on the re-export."]);
        assert!(h(Method::Post).hidden);
        let methods: Vec<Method> = a.handlers.iter().map(|h| h.method).collect();
        assert_eq!(methods, a.methods);
    }

    #[test]
    fn private_methods_have_no_handler_and_the_first_definition_wins() {
        let a = analysis(
            "async fn GET(a: u8) {}\n/// First.\npub async fn POST() {}\npub use x::y as POST;\n",
        );
        assert_eq!(a.methods, [Method::Post]);
        assert_eq!(a.handlers.len(), 1);
        assert_eq!(a.handlers[0].arity, Some(0));
        assert_eq!(a.handlers[0].doc, [" First."]);
    }

    #[test]
    fn security_in_route_files() {
        let a = analyze(
            "pub async fn GET() {}\npub const SECURITY: Scheme = Scheme::Bearer;\n",
            "app/route.rs",
        );
        assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
        assert!(analysis("pub async fn GET() {}\npub const SECURITY: S = S;").security);
        assert!(
            analysis("pub async fn GET() {}\npub use crate::auth::BEARER as SECURITY;").security
        );
        assert!(!analysis("pub async fn GET() {}\n").security);
        let private = analyze(
            "pub async fn GET() {}\nconst SECURITY: S = S;\n",
            "app/route.rs",
        );
        assert_eq!(codes(&private), ["private-config"]);
        assert_eq!(
            private.diagnostics[0].render_line(),
            "app/route.rs:2:7: `SECURITY` in `app/route.rs` is not `pub`, so the route does not \
             use it; help: write `pub const SECURITY`"
        );
    }

    #[test]
    fn security_in_middleware_files() {
        let analyse = |source: &str| {
            let mut diagnostics = Diagnostics::default();
            let analysis =
                super::analyze_middleware(source, "app/api/middleware.rs", &mut diagnostics);
            (analysis.security, diagnostics.as_slice().to_vec())
        };
        let (security, found) =
            analyse("pub const SECURITY: S = S;\npub async fn middleware() {}\n");
        assert!(security && found.is_empty(), "{found:?}");
        let (security, _) =
            analyse("pub use crate::auth::{guard as middleware, BEARER as SECURITY};");
        assert!(security);
        let (security, found) = analyse("const SECURITY: S = S;\npub async fn middleware() {}\n");
        assert!(!security);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].render_line(),
            "app/api/middleware.rs:1:7: `SECURITY` in `app/api/middleware.rs` is not `pub`, so \
             the routes below it do not use it; help: write `pub const SECURITY`"
        );
    }

    #[test]
    fn unparsable_file_is_kept_with_a_warning() {
        let a = analyze("pub async fn GET( {\n", "app/route.rs");
        assert!(a.methods.is_empty());
        assert_eq!(codes(&a), ["unparsable-route-file"]);
        assert!(!a.diagnostics[0].is_error());
    }
}

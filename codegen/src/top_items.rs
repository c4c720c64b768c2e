//! The top-level items of a Rust file, read with `syn` but without parsing function
//! bodies or other item contents: the generator needs only names, kinds, visibility,
//! attributes and how many parameters a function takes, and parsing every body was most
//! of its time on large trees.
//!
//! Anything this does not look into (bodies, parameter types, struct fields, impl blocks,
//! macros) is skipped as token trees, so rustc is still the one that reports errors in it.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Ident, Token, UseTree, Visibility};

/// What the generator distinguishes among top-level items.
pub enum TopItem {
    Fn {
        vis: Visibility,
        ident: Ident,
        attrs: Vec<Attribute>,
        /// How many parameters it takes.
        arity: usize,
        /// Its signature, as far as the handler checks need it.
        signature: Signature,
    },
    Const {
        vis: Visibility,
        ident: Ident,
        /// Its type, as tokens (between the `:` and the `=`).
        ty: TokenStream,
        /// Its value, as tokens (between the `=` and the `;`); empty without one.
        value: TokenStream,
    },
    Static {
        ident: Ident,
    },
    Use {
        vis: Visibility,
        tree: UseTree,
        attrs: Vec<Attribute>,
    },
    /// `struct`, `enum` or `type`: a type the file defines.
    Type {
        vis: Visibility,
        ident: Ident,
    },
    Other,
}

/// What a function's signature says, read from its tokens.
#[derive(Default)]
pub struct Signature {
    /// Written `async fn`.
    pub is_async: bool,
    /// Its return type names `Future` (`-> impl Future<Output = …>`): a hand-written
    /// asynchronous function.
    pub returns_future: bool,
    /// Each parameter's type, as tokens (what follows the parameter's top-level `:`).
    pub param_types: Vec<TokenStream>,
    /// The names after the parameters: the return type and any `where` clause.
    pub return_idents: Vec<Ident>,
}

pub struct TopItems {
    /// The file's inner attributes (`//!` lines are `#![doc = "…"]`).
    pub attrs: Vec<Attribute>,
    pub items: Vec<TopItem>,
}

impl Parse for TopItems {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_inner)?;
        let mut items = Vec::new();
        while !input.is_empty() {
            let attrs = input.call(Attribute::parse_outer)?;
            let vis: Visibility = input.parse()?;
            items.push(parse_item(input, vis, attrs)?);
        }
        Ok(TopItems { attrs, items })
    }
}

pub fn parse(source: &str) -> syn::Result<TopItems> {
    syn::parse_str::<TopItems>(source)
}

fn parse_item(input: ParseStream, vis: Visibility, attrs: Vec<Attribute>) -> syn::Result<TopItem> {
    // `const fn`, `async fn`, `unsafe fn`, `extern "C" fn`, in any allowed combination.
    let fork = input.fork();
    let mut is_async = false;
    loop {
        let const_fn = fork.peek2(Token![fn])
            || fork.peek2(Token![async])
            || fork.peek2(Token![unsafe])
            || fork.peek2(Token![extern]);
        if fork.peek(Token![const]) && const_fn {
            fork.parse::<Token![const]>()?;
        } else if fork.peek(Token![async]) {
            fork.parse::<Token![async]>()?;
            is_async = true;
        } else if fork.peek(Token![unsafe]) {
            fork.parse::<Token![unsafe]>()?;
        } else if fork.peek(Token![extern]) && !fork.peek2(Token![crate]) {
            fork.parse::<Token![extern]>()?;
            if fork.peek(syn::LitStr) {
                fork.parse::<syn::LitStr>()?;
            }
        } else {
            break;
        }
    }
    if fork.peek(Token![fn]) {
        fork.parse::<Token![fn]>()?;
        let ident: Ident = fork.parse()?;
        let (arity, mut signature) = skip_fn(&fork)?;
        signature.is_async = is_async;
        advance(input, &fork);
        return Ok(TopItem::Fn {
            vis,
            ident,
            attrs,
            arity,
            signature,
        });
    }
    if input.peek(Token![const]) {
        input.parse::<Token![const]>()?;
        if input.peek(Token![_]) {
            skip(input, false)?;
            return Ok(TopItem::Other);
        }
        let ident: Ident = input.parse()?;
        let ty = const_type(input)?;
        let value = const_value(input)?;
        return Ok(TopItem::Const {
            vis,
            ident,
            ty,
            value,
        });
    }
    if input.peek(Token![static]) {
        input.parse::<Token![static]>()?;
        if input.peek(Token![mut]) {
            input.parse::<Token![mut]>()?;
        }
        let ident: Ident = input.parse()?;
        skip(input, false)?;
        return Ok(TopItem::Static { ident });
    }
    if input.peek(Token![use]) {
        input.parse::<Token![use]>()?;
        let tree: UseTree = input.parse()?;
        input.parse::<Token![;]>()?;
        return Ok(TopItem::Use { vis, tree, attrs });
    }
    if input.peek(Token![struct]) || input.peek(Token![enum]) || input.peek(Token![type]) {
        input.step(|cursor| Ok(((), cursor.token_tree().map_or(*cursor, |(_, next)| next))))?;
        let ident: Ident = input.parse()?;
        skip(input, true)?;
        return Ok(TopItem::Type { vis, ident });
    }
    // `impl`, `mod`, `trait`, `union`, macros…: up to the first `;` or brace block at this
    // level.
    skip(input, true)?;
    Ok(TopItem::Other)
}

/// Moves `input` to where `fork` is.
fn advance(input: ParseStream, fork: ParseStream) {
    use syn::parse::discouraged::Speculative;
    input.advance_to(fork);
}

/// Skips a function's signature and body (or `;`), and counts its parameters: those of
/// the first parenthesised group outside the generics (`<T: Fn(u8) -> u8>` holds groups
/// too, and `<`, `>` are punctuation, not groups). A brace group inside `<…>` is a const
/// argument (`Foo<{ N }>`), not the body.
fn skip_fn(input: ParseStream) -> syn::Result<(usize, Signature)> {
    input.step(|cursor| {
        let mut rest = *cursor;
        let mut arity = None;
        let mut signature = Signature::default();
        let mut angles = Angles::default();
        while let Some((tree, next)) = rest.token_tree() {
            rest = next;
            match &tree {
                TokenTree::Punct(punct) if punct.as_char() == ';' && angles.depth == 0 => {
                    break;
                }
                // `where` clauses have no braces, so the first one is the body.
                TokenTree::Group(group)
                    if group.delimiter() == Delimiter::Brace && angles.depth == 0 =>
                {
                    break;
                }
                TokenTree::Group(group)
                    if arity.is_none()
                        && angles.depth == 0
                        && group.delimiter() == Delimiter::Parenthesis =>
                {
                    arity = Some(count_params(group.stream()));
                    signature.param_types = param_types(group.stream());
                }
                // After the parameters, before the body: the return type and `where`.
                TokenTree::Ident(ident) if arity.is_some() => {
                    signature.returns_future |= ident == "Future";
                    signature.return_idents.push(ident.clone());
                }
                TokenTree::Group(group) if arity.is_some() => {
                    collect_idents(group.stream(), &mut signature.return_idents);
                }
                _ => {}
            }
            angles.see(&tree);
        }
        Ok(((arity.unwrap_or(0), signature), rest))
    })
}

/// Every identifier in a token stream, inside groups too.
pub fn collect_idents(tokens: TokenStream, idents: &mut Vec<Ident>) {
    for tree in tokens {
        match tree {
            TokenTree::Ident(ident) => idents.push(ident),
            TokenTree::Group(group) => collect_idents(group.stream(), idents),
            _ => {}
        }
    }
}

/// The type of each parameter in a parameter list: the tokens after its first `:` that
/// is not half of a `::`, up to the next comma outside `<…>`. A parameter without one
/// (`self`) has no type here.
fn param_types(params: TokenStream) -> Vec<TokenStream> {
    let mut types = Vec::new();
    let mut current: Option<Vec<TokenTree>> = None;
    let mut angles = Angles::default();
    let mut previous_joint_colon = false;
    for tree in params {
        if let TokenTree::Punct(punct) = &tree {
            if punct.as_char() == ',' && angles.depth == 0 {
                types.extend(current.take().map(TokenStream::from_iter));
                previous_joint_colon = false;
                continue;
            }
            let lone_colon = punct.as_char() == ':'
                && punct.spacing() == Spacing::Alone
                && !previous_joint_colon;
            previous_joint_colon = punct.as_char() == ':' && punct.spacing() == Spacing::Joint;
            if lone_colon && current.is_none() && angles.depth == 0 {
                current = Some(Vec::new());
                angles.see(&tree);
                continue;
            }
        } else {
            previous_joint_colon = false;
        }
        if let Some(tokens) = &mut current {
            tokens.push(tree.clone());
        }
        angles.see(&tree);
    }
    types.extend(current.map(TokenStream::from_iter));
    types
}

/// The number of comma-separated parameters in a parameter list: its commas outside
/// `<…>` (`HashMap<String, String>`; groups such as tuples hide their own), plus one
/// unless the list is empty or ends with a comma.
pub fn count_params(params: TokenStream) -> usize {
    let mut commas = 0;
    let mut angles = Angles::default();
    let mut trailing_comma = false;
    let mut empty = true;
    for tree in params {
        empty = false;
        trailing_comma = false;
        if let TokenTree::Punct(punct) = &tree
            && punct.as_char() == ','
            && angles.depth == 0
        {
            commas += 1;
            trailing_comma = true;
        }
        angles.see(&tree);
    }
    match (empty, trailing_comma) {
        (true, _) => 0,
        (false, true) => commas,
        (false, false) => commas + 1,
    }
}

/// The depth of `<…>` nesting in a token stream, where the `>` of `->` (a `-` joined to a
/// `>`, as proc-macro2 splits it) closes nothing.
#[derive(Default)]
struct Angles {
    depth: usize,
    after_joint_minus: bool,
}

impl Angles {
    fn see(&mut self, tree: &TokenTree) {
        let TokenTree::Punct(punct) = tree else {
            self.after_joint_minus = false;
            return;
        };
        match punct.as_char() {
            '<' => self.depth += 1,
            '>' if !self.after_joint_minus => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        self.after_joint_minus = punct.as_char() == '-' && punct.spacing() == Spacing::Joint;
    }
}

/// A constant's type: after the `:` that follows its name, up to the `=` (or `;`) outside
/// `<…>`. Leaves `input` at the `=`.
fn const_type(input: ParseStream) -> syn::Result<TokenStream> {
    if !input.peek(Token![:]) || input.peek(Token![::]) {
        return Ok(TokenStream::new());
    }
    input.parse::<Token![:]>()?;
    input.step(|cursor| {
        let mut rest = *cursor;
        let mut tokens = Vec::new();
        let mut angles = Angles::default();
        while let Some((tree, next)) = rest.token_tree() {
            if let TokenTree::Punct(punct) = &tree
                && angles.depth == 0
                && (punct.as_char() == ';'
                    || (punct.as_char() == '=' && punct.spacing() == Spacing::Alone))
            {
                break;
            }
            angles.see(&tree);
            tokens.push(tree);
            rest = next;
        }
        Ok((TokenStream::from_iter(tokens), rest))
    })
}

/// A constant's value: after the `=` that follows its type, up to the `;`, which is
/// consumed too. Blocks and arrays are single token trees, so the first `;` at this level
/// ends it.
fn const_value(input: ParseStream) -> syn::Result<TokenStream> {
    if input.peek(Token![=]) && !input.peek(Token![==]) {
        input.parse::<Token![=]>()?;
    }
    input.step(|cursor| {
        let mut rest = *cursor;
        let mut tokens = Vec::new();
        while let Some((tree, next)) = rest.token_tree() {
            rest = next;
            if matches!(&tree, TokenTree::Punct(punct) if punct.as_char() == ';') {
                break;
            }
            tokens.push(tree);
        }
        Ok((TokenStream::from_iter(tokens), rest))
    })
}

/// Skips token trees up to and including the next `;` at this level, or, when
/// `brace_ends` is set, a `{ … }` block, whichever comes first.
fn skip(input: ParseStream, brace_ends: bool) -> syn::Result<()> {
    input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((tree, next)) = rest.token_tree() {
            match &tree {
                TokenTree::Punct(punct) if punct.as_char() == ';' => return Ok(((), next)),
                TokenTree::Group(group) if brace_ends && group.delimiter() == Delimiter::Brace => {
                    return Ok(((), next));
                }
                _ => rest = next,
            }
        }
        Ok(((), rest))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<String> {
        parse(source)
            .unwrap()
            .items
            .into_iter()
            .map(|item| match item {
                TopItem::Fn { ident, .. } => format!("fn {ident}"),
                TopItem::Const { ident, .. } => format!("const {ident}"),
                TopItem::Static { ident } => format!("static {ident}"),
                TopItem::Use { .. } => "use".to_string(),
                TopItem::Type { ident, .. } => format!("type {ident}"),
                TopItem::Other => "other".to_string(),
            })
            .collect()
    }

    #[test]
    fn sees_the_items_and_skips_their_insides() {
        let source = r#"
            #![allow(dead_code)]
            //! docs
            use fsroute::prelude::*;
            #[derive(Deserialize)]
            pub struct Body { name: String }
            pub struct Tuple(u8);
            pub const LIMIT: Body = Body { name: String::new() };
            const _: () = { let x = 1; };
            static mut COUNT: u8 = 0;
            impl Body { pub fn GET() {} }
            macro_rules! m { () => {} }
            m!(a, b);
            m! { c }
            pub async fn GET(Path(id): Path<u8>) -> impl IntoResponse where u8: Copy { let s = "}"; s }
            pub(crate) const unsafe extern "C" fn raw() {}
            const fn helper() -> u8 { 1 }
            extern crate alloc;
            type Alias = Vec<u8>;
            mod inner { pub fn POST() {} }
            pub fn DELETE() -> u8 { 0 }
        "#;
        assert_eq!(
            kinds(source),
            [
                "use",
                "type Body",
                "type Tuple",
                "const LIMIT",
                "other",
                "static COUNT",
                "other",
                "other",
                "other",
                "other",
                "fn GET",
                "fn raw",
                "fn helper",
                "other",
                "type Alias",
                "other",
                "fn DELETE"
            ]
        );
    }

    /// The arity of the one function in `source`.
    fn arity(source: &str) -> usize {
        match parse(source).unwrap().items.as_slice() {
            [TopItem::Fn { arity, .. }] => *arity,
            _ => panic!("not one function: {source}"),
        }
    }

    #[test]
    fn counts_parameters_without_reading_types() {
        let cases = [
            ("pub async fn GET() {}", 0),
            ("pub async fn GET(a: u8) {}", 1),
            ("pub async fn GET(a: u8,) {}", 1),
            ("pub async fn GET(\n    a: u8,\n    b: u8,\n) {}", 2),
            (
                "pub async fn GET(Path(id): Path<i64>, Json(b): Json<B>) {}",
                2,
            ),
            // Commas inside `<…>` are not groups, but they separate no parameters.
            (
                "pub async fn GET(Query(q): Query<HashMap<String, String>>) {}",
                1,
            ),
            (
                "pub async fn GET(m: HashMap<String, Vec<(u8, u8)>>, n: u8) {}",
                2,
            ),
            ("pub async fn GET(Path((a, b)): Path<(i64, i64)>) {}", 1),
            (
                "pub async fn GET(Path((a, b)): Path<(i64, i64)>, s: State<S>) {}",
                2,
            ),
            ("pub async fn GET(t: (u8, u8, u8)) {}", 1),
            ("pub async fn GET(a: [u8; 2], b: &[u8]) {}", 2),
            // `->` in a function pointer or bound does not close a `<`.
            (
                "pub async fn GET(f: fn(u8, u8) -> u8, g: Box<dyn Fn(u8) -> u8>) {}",
                2,
            ),
            (
                "pub async fn GET(f: Box<dyn Fn(u8) -> Vec<u8>>, g: u8) {}",
                2,
            ),
            ("pub async fn GET<T: Fn(u8, u8) -> u8, U>(t: T, u: U) {}", 2),
            (
                "pub async fn GET<'a>(x: &'a str) -> impl Fn(u8, u8) -> u8 {}",
                1,
            ),
            ("pub fn GET(a: u8) -> Foo<{ 1 + 2 }> where u8: Copy { }", 1),
            (
                "pub async fn GET(#[allow(unused)] a: u8, b: Option<<T as X>::Y>) {}",
                2,
            ),
            ("pub async fn GET(_: u8, _: u8, _: u8);", 3),
        ];
        for (source, expected) in cases {
            assert_eq!(arity(source), expected, "{source}");
        }
    }

    #[test]
    fn keeps_attributes_and_inner_docs() {
        let file = parse(
            "//! File docs.\n//! More.\n\n/// Line one.\n/// Line two.\n#[deprecated]\npub async fn GET() {}\n\
             #[doc(hidden)]\npub use x::y as POST;\n",
        )
        .unwrap();
        assert_eq!(file.attrs.len(), 2);
        match file.items.as_slice() {
            [
                TopItem::Fn { attrs, .. },
                TopItem::Use {
                    attrs: use_attrs, ..
                },
            ] => {
                assert_eq!(attrs.len(), 3);
                assert_eq!(use_attrs.len(), 1);
            }
            _ => panic!("a function and a use"),
        }
    }

    #[test]
    fn constants_keep_their_type_and_value() {
        let file = parse(
            "pub const TAGS: &'static [&str] = &[\"a\", \"b;\"];\nconst N: u8 = { 1; 2 };\nconst E: u8;\n",
        )
        .unwrap();
        let read: Vec<(String, String)> = file
            .items
            .into_iter()
            .map(|item| match item {
                TopItem::Const { ty, value, .. } => (ty.to_string(), value.to_string()),
                _ => panic!("a constant"),
            })
            .collect();
        assert_eq!(
            read,
            [
                ("&'static [& str]".into(), "& [\"a\" , \"b;\"]".into()),
                ("u8".into(), "{ 1 ; 2 }".into()),
                ("u8".into(), String::new()),
            ]
        );
    }

    #[test]
    fn lexing_errors_are_errors() {
        assert!(parse("pub async fn GET( {").is_err());
    }
}

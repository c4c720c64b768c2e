//! The top-level items of a Rust file, read with `syn` but without parsing function
//! bodies or other item contents: the generator needs only names, kinds and visibility,
//! and parsing every body was most of its time on large trees.
//!
//! Anything this does not look into (bodies, struct fields, impl blocks, macros) is
//! skipped as token trees, so rustc is still the one that reports errors in it.

use proc_macro2::{Delimiter, TokenTree};
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Ident, Token, UseTree, Visibility};

/// What the generator distinguishes among top-level items.
pub enum TopItem {
    Fn { vis: Visibility, ident: Ident },
    Const { vis: Visibility, ident: Ident },
    Static { ident: Ident },
    Use { vis: Visibility, tree: UseTree },
    Other,
}

pub struct TopItems(pub Vec<TopItem>);

impl Parse for TopItems {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        input.call(Attribute::parse_inner)?;
        let mut items = Vec::new();
        while !input.is_empty() {
            input.call(Attribute::parse_outer)?;
            let vis: Visibility = input.parse()?;
            items.push(parse_item(input, vis)?);
        }
        Ok(TopItems(items))
    }
}

pub fn parse(source: &str) -> syn::Result<Vec<TopItem>> {
    syn::parse_str::<TopItems>(source).map(|items| items.0)
}

fn parse_item(input: ParseStream, vis: Visibility) -> syn::Result<TopItem> {
    // `const fn`, `async fn`, `unsafe fn`, `extern "C" fn`, in any allowed combination.
    let fork = input.fork();
    loop {
        let const_fn = fork.peek2(Token![fn])
            || fork.peek2(Token![async])
            || fork.peek2(Token![unsafe])
            || fork.peek2(Token![extern]);
        if fork.peek(Token![const]) && const_fn {
            fork.parse::<Token![const]>()?;
        } else if fork.peek(Token![async]) {
            fork.parse::<Token![async]>()?;
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
        skip(&fork, true)?;
        advance(input, &fork);
        return Ok(TopItem::Fn { vis, ident });
    }
    if input.peek(Token![const]) {
        input.parse::<Token![const]>()?;
        if input.peek(Token![_]) {
            skip(input, false)?;
            return Ok(TopItem::Other);
        }
        let ident: Ident = input.parse()?;
        skip(input, false)?;
        return Ok(TopItem::Const { vis, ident });
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
        return Ok(TopItem::Use { vis, tree });
    }
    // `struct`, `enum`, `impl`, `mod`, `trait`, `type`, macros…: up to the first `;` or
    // brace block at this level.
    skip(input, true)?;
    Ok(TopItem::Other)
}

/// Moves `input` to where `fork` is.
fn advance(input: ParseStream, fork: ParseStream) {
    use syn::parse::discouraged::Speculative;
    input.advance_to(fork);
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
            .into_iter()
            .map(|item| match item {
                TopItem::Fn { ident, .. } => format!("fn {ident}"),
                TopItem::Const { ident, .. } => format!("const {ident}"),
                TopItem::Static { ident } => format!("static {ident}"),
                TopItem::Use { .. } => "use".to_string(),
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
                "other",
                "other",
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
                "other",
                "other",
                "fn DELETE"
            ]
        );
    }

    #[test]
    fn lexing_errors_are_errors() {
        assert!(parse("pub async fn GET( {").is_err());
    }
}

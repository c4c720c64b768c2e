//! Generates the client from the template app's committed OpenAPI 3.0 document with
//! progenitor, into `OUT_DIR/template_client.rs`.
//!
//! A build script rather than `progenitor::generate_api!`: the macro reads the document
//! itself, so it could not take out the operations progenitor cannot generate (below),
//! and its output can only be seen through `cargo expand`, while this file can be read.

use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;

use openapiv3::{OpenAPI, Operation, PathItem, ReferenceOr};
use progenitor::{GenerationSettings, Generator, InterfaceStyle};

/// The committed document; `template-app/tests/openapi.rs` keeps it equal to what the
/// app serves, so it is never edited here.
const DOCUMENT: &str = "../../openapi-3.0.json";

/// An operation progenitor 0.15 cannot generate, taken out before generating.
struct Excluded {
    operation_id: &'static str,
    /// What progenitor says when given the operation alone (checked on every build).
    fails_with: &'static str,
}

/// Each is explained, with what would have to change, in `docs/clients.md`
/// ("What progenitor cannot take").
const EXCLUDED: &[Excluded] = &[
    // Request bodies are JSON, form-urlencoded, octet-stream or text only; the upload
    // reads `multipart/form-data`.
    Excluded {
        operation_id: "postUpload",
        fails_with: "unexpected content type: multipart/form-data",
    },
    // `default` counts as a success and as an error response, so its `Health` joins
    // the `ApiError` of `4XX`/`5XX` as a second error type; progenitor allows one.
    Excluded {
        operation_id: "getHealth",
        fails_with: "assertion failed: response_types.len() <= 1",
    },
    // The same for version 2 of it (`HealthV2`).
    Excluded {
        operation_id: "getV2Health",
        fails_with: "assertion failed: response_types.len() <= 1",
    },
];

fn main() {
    println!("cargo::rerun-if-changed={DOCUMENT}");
    let text = std::fs::read_to_string(DOCUMENT)
        .unwrap_or_else(|error| fail(&format!("cannot read {DOCUMENT}: {error}")));
    let mut document: OpenAPI = serde_json::from_str(&text).unwrap_or_else(|error| {
        fail(&format!(
            "{DOCUMENT} is not an OpenAPI 3.0 document: {error}"
        ))
    });

    for excluded in EXCLUDED {
        let id = excluded.operation_id;
        let Some(alone) = only_operation(&document, id) else {
            fail(&format!(
                "`{id}` is listed in EXCLUDED in build.rs but {DOCUMENT} has no such \
                 operation: take it off the list, and out of docs/clients.md"
            ));
        };
        // Checked every build, so that the list and the docs cannot outlive the reason.
        match generate(&alone) {
            Ok(_) => fail(&format!(
                "progenitor now generates `{id}`: take it off EXCLUDED in build.rs, and out \
                 of docs/clients.md"
            )),
            Err(message) if !message.contains(excluded.fails_with) => fail(&format!(
                "`{id}` now fails differently: {message}; update EXCLUDED in build.rs and \
                 docs/clients.md"
            )),
            Err(_) => remove_operation(&mut document, id),
        }
    }

    let code = generate(&document).unwrap_or_else(|message| {
        fail(&format!(
            "progenitor cannot generate the client from {DOCUMENT}: {message}. If an \
             operation is the cause, add it to EXCLUDED in build.rs and say why in \
             docs/clients.md"
        ))
    });
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("template_client.rs");
    std::fs::write(&out, code).unwrap();
}

/// The client's source, formatted, or progenitor's error. progenitor answers some
/// documents with a panic (an `assert!`), caught here to be reported like an error.
fn generate(document: &OpenAPI) -> Result<String, String> {
    let previous_hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        // Builder style: adding an optional query parameter to the API does not change
        // the signature of every call.
        let mut settings = GenerationSettings::new();
        settings.with_interface(InterfaceStyle::Builder);
        Generator::new(&settings).generate_tokens(document)
    }));
    panic::set_hook(previous_hook);
    let tokens = match result {
        Ok(Ok(tokens)) => tokens,
        Ok(Err(error)) => return Err(error.to_string()),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)");
            return Err(format!("progenitor panicked: {message}"));
        }
    };
    let file = syn::parse2(tokens).map_err(|error| error.to_string())?;
    Ok(prettyplease::unparse(&file))
}

/// A copy of the document with the one operation `id` as its only operation.
fn only_operation(document: &OpenAPI, id: &str) -> Option<OpenAPI> {
    let mut alone = document.clone();
    let mut found = false;
    alone.paths.paths.retain(|_, item| {
        let ReferenceOr::Item(item) = item else {
            return false;
        };
        for slot in operations(item) {
            if slot.as_ref().and_then(|op| op.operation_id.as_deref()) == Some(id) {
                found = true;
            } else {
                *slot = None;
            }
        }
        item.iter().next().is_some()
    });
    found.then_some(alone)
}

fn remove_operation(document: &mut OpenAPI, id: &str) {
    document.paths.paths.retain(|_, item| {
        let ReferenceOr::Item(item) = item else {
            return true;
        };
        for slot in operations(item) {
            if slot.as_ref().and_then(|op| op.operation_id.as_deref()) == Some(id) {
                *slot = None;
            }
        }
        item.iter().next().is_some()
    });
}

fn operations(item: &mut PathItem) -> [&mut Option<Operation>; 8] {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
}

/// Stops the build with `message` as cargo's error.
fn fail(message: &str) -> ! {
    println!("cargo::error={message}");
    std::process::exit(0)
}

//! How generated code finds out what a handler takes and returns without naming the
//! types (a route file's imports are private to it): from the handler function item,
//! by inference, into [`Probe`]s; then the most specific description that applies, by
//! autoref specialization at the generated call site, where the types are concrete:
//!
//! 1. the type implements [`OpenApiInput`] / [`OpenApiOutput`] — described in full;
//! 2. fsroute knows the wrapper but the type inside has no `JsonSchema` — the shape
//!    (status, content type) with an open schema, and a [`Gap`](super::Gap);
//! 3. nothing is known (a user's extractor, `impl IntoResponse`) — a gap, and for the
//!    return type a `default` response of any content.
//!
//! `(&&&probe).input(&mut op)` tries rung 1 first: its impl is for `&&Probe<T>`, which
//! needs no dereference; rung 2's (for `&Probe<T>`) needs one, rung 3's two. A rung whose
//! bound fails is skipped. This only works where the type is concrete, which is why the
//! calls are in generated per-route code and not in a generic helper here.

use std::future::Future;
use std::marker::PhantomData;

use serde_json::json;

use super::describe::{OpenApiInput, OpenApiOutput};
use super::document::Operation;
use crate::ApiResult;
use crate::extract::{Form, Json, Path, Query, Valid};
use crate::pagination::{CursorPage, Paginated};
use crate::response::{Created, JsonResponse};

/// Stands for a value of type `T` without holding one.
pub struct Probe<T>(PhantomData<fn() -> T>);

impl<T> Probe<T> {
    fn new() -> Self {
        Probe(PhantomData)
    }
}

/// A handler function, seen through its argument types `Args` (a tuple).
pub trait HandlerProbes<Args> {
    /// One [`Probe`] per argument.
    type Inputs;
    /// What the handler's future resolves to.
    type Output;
    fn inputs() -> Self::Inputs;
}

macro_rules! handler_probes {
    ($($arg:ident),*) => {
        impl<F, Fut, $($arg,)*> HandlerProbes<($($arg,)*)> for F
        where
            F: Fn($($arg),*) -> Fut,
            Fut: Future,
        {
            type Inputs = ($(Probe<$arg>,)*);
            type Output = Fut::Output;
            // The arity-0 case expands to `()`, which clippy flags inside the macro.
            #[allow(clippy::unused_unit)]
            fn inputs() -> Self::Inputs {
                ($(Probe::<$arg>::new(),)*)
            }
        }
    };
}

handler_probes!();
handler_probes!(A1);
handler_probes!(A1, A2);
handler_probes!(A1, A2, A3);
handler_probes!(A1, A2, A3, A4);
handler_probes!(A1, A2, A3, A4, A5);
handler_probes!(A1, A2, A3, A4, A5, A6);
handler_probes!(A1, A2, A3, A4, A5, A6, A7);
handler_probes!(A1, A2, A3, A4, A5, A6, A7, A8);
handler_probes!(A1, A2, A3, A4, A5, A6, A7, A8, A9);
handler_probes!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10);
handler_probes!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11);
handler_probes!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12);
handler_probes!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13);
handler_probes!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13, A14);
handler_probes!(
    A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13, A14, A15
);
handler_probes!(
    A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13, A14, A15, A16
);

/// The probes of a handler's arguments and of its output.
pub fn probes<F: HandlerProbes<Args>, Args>(_handler: &F) -> (F::Inputs, Probe<F::Output>) {
    (F::inputs(), Probe::new())
}

/// Only the output's probe, for handlers whose arguments the generator cannot see
/// (`pub use elsewhere::handler as GET;`).
pub fn output_probe<F: HandlerProbes<Args>, Args>(_handler: &F) -> Probe<F::Output> {
    Probe::new()
}

// ---- strict mode: rung 1 or a compile error that names the type ----

pub fn documented_input<T: OpenApiInput>(_: &Probe<T>, op: &mut Operation<'_>) {
    op.next_argument();
    T::describe(op);
}

pub fn documented_output<T: OpenApiOutput>(_: &Probe<T>, op: &mut Operation<'_>) {
    T::describe(op);
}

// ---- rung 1 ----

pub trait DocumentedInput {
    fn input(&self, op: &mut Operation<'_>);
}

impl<T: OpenApiInput> DocumentedInput for &&Probe<T> {
    fn input(&self, op: &mut Operation<'_>) {
        op.next_argument();
        T::describe(op);
    }
}

pub trait DocumentedOutput {
    fn output(&self, op: &mut Operation<'_>);
}

impl<T: OpenApiOutput> DocumentedOutput for &&Probe<T> {
    fn output(&self, op: &mut Operation<'_>) {
        T::describe(op);
    }
}

// ---- rung 2: a wrapper fsroute knows around a type with no schema ----

/// The shape of a known input wrapper whatever is inside; what is inside is a gap.
pub trait InputShape {
    fn shape(op: &mut Operation<'_>);
}

fn open_schema_gap<T>(op: &mut Operation<'_>, response: bool) -> serde_json::Value {
    op.gap(response, std::any::type_name::<T>());
    json!({})
}

impl<T> InputShape for Json<T> {
    fn shape(op: &mut Operation<'_>) {
        let schema = open_schema_gap::<T>(op, false);
        op.request_body("application/json", schema);
        op.error(400);
        op.error(413);
        op.error(415);
    }
}

impl<T> InputShape for Form<T> {
    fn shape(op: &mut Operation<'_>) {
        let schema = open_schema_gap::<T>(op, false);
        op.request_body("application/x-www-form-urlencoded", schema);
        op.error(400);
        op.error(413);
        op.error(415);
    }
}

impl<T> InputShape for Query<T> {
    fn shape(op: &mut Operation<'_>) {
        let schema = open_schema_gap::<T>(op, false);
        op.query_parameters(schema);
        op.error(400);
    }
}

/// The parameters keep the names from the folders, typed as strings.
impl<T> InputShape for Path<T> {
    fn shape(op: &mut Operation<'_>) {
        open_schema_gap::<T>(op, false);
        op.error(400);
    }
}

impl<E: InputShape> InputShape for Valid<E> {
    fn shape(op: &mut Operation<'_>) {
        E::shape(op);
        op.error(422);
    }
}

pub trait ShapedInput {
    fn input(&self, op: &mut Operation<'_>);
}

impl<T: InputShape> ShapedInput for &Probe<T> {
    fn input(&self, op: &mut Operation<'_>) {
        op.next_argument();
        T::shape(op);
    }
}

/// The shape of a known response wrapper whatever is inside; what is inside is a gap.
pub trait OutputShape {
    fn shape(op: &mut Operation<'_>);
}

impl<T> OutputShape for Json<T> {
    fn shape(op: &mut Operation<'_>) {
        let schema = open_schema_gap::<T>(op, true);
        op.response("200", "OK", Some(("application/json", schema)));
    }
}

impl<T> OutputShape for Created<T> {
    fn shape(op: &mut Operation<'_>) {
        let schema = open_schema_gap::<T>(op, true);
        op.response("201", "Created", Some(("application/json", schema)));
        op.response_header("201", "Location", "The URL of what was created.");
    }
}

impl<T> OutputShape for Paginated<T> {
    fn shape(op: &mut Operation<'_>) {
        let schema = open_schema_gap::<T>(op, true);
        op.response("200", "One page", Some(("application/json", schema)));
    }
}

impl<T> OutputShape for CursorPage<T> {
    fn shape(op: &mut Operation<'_>) {
        let schema = open_schema_gap::<T>(op, true);
        op.response("200", "One page", Some(("application/json", schema)));
    }
}

impl<T> OutputShape for JsonResponse<T> {
    fn shape(op: &mut Operation<'_>) {
        let schema = open_schema_gap::<T>(op, true);
        op.response(
            "default",
            "A JSON response",
            Some(("application/json", schema)),
        );
    }
}

impl<R: OutputShape> OutputShape for ApiResult<R> {
    fn shape(op: &mut Operation<'_>) {
        R::shape(op);
    }
}

pub trait ShapedOutput {
    fn output(&self, op: &mut Operation<'_>);
}

impl<T: OutputShape> ShapedOutput for &Probe<T> {
    fn output(&self, op: &mut Operation<'_>) {
        T::shape(op);
    }
}

// ---- rung 3: nothing known ----

pub trait UnknownInput {
    fn input(&self, op: &mut Operation<'_>);
}

impl<T> UnknownInput for Probe<T> {
    fn input(&self, op: &mut Operation<'_>) {
        op.next_argument();
        op.gap(false, std::any::type_name::<T>());
    }
}

pub trait UnknownOutput {
    fn output(&self, op: &mut Operation<'_>);
}

impl<T> UnknownOutput for Probe<T> {
    fn output(&self, op: &mut Operation<'_>) {
        op.gap(true, std::any::type_name::<T>());
        op.response(
            "default",
            "A response this document cannot describe",
            Some(("*/*", json!({}))),
        );
    }
}

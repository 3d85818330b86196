//! Kernel specs where scenario files and the command line write them (`kernels = [...]`, the
//! kernel half of a `proposal@kernel` key, `--kernel`): resolved by the model, with its errors
//! positioned inside the string and a "did you mean" for a misspelt release or patch.

use std::ops::Range;

use pincheck_model::kernel::{SpecError, Variant};

use super::diag::did_you_mean;
use super::value::Ctx;

/// The hint for `e`: "did you mean" for a misspelling, else the model's own hint.
pub fn hint(e: &SpecError) -> Option<String> {
    let near = e
        .unknown
        .as_ref()
        .and_then(|(name, known)| did_you_mean(name, known.iter().copied()));
    near.or_else(|| e.hint.clone())
}

/// `e` as one line for the command line: message, then the hint.
pub fn usage_text(spec: &str, e: &SpecError) -> String {
    match hint(e) {
        Some(h) => format!("kernel `{spec}`: {e}; {h}"),
        None => format!("kernel `{spec}`: {e}"),
    }
}

/// Resolve the spec `text` written at `span` (a TOML string), reporting a failure at the part of
/// the string it is about.
pub fn resolve(ctx: &mut Ctx<'_>, text: &str, span: &Range<usize>) -> Option<Variant> {
    match Variant::resolve(text) {
        Ok(v) => Some(v),
        Err(e) => {
            let at = if e.span == (0..text.len()) {
                span.clone()
            } else {
                let len = e.span.end.saturating_sub(e.span.start);
                ctx.inner_span(span, text, e.span.start, len)
            };
            let h = hint(&e);
            ctx.error(at, e.message, h);
            None
        }
    }
}

/// Whether two kernels are the same kernel, however they are spelt (`k53` and its full spec).
pub fn same(a: &Variant, b: &Variant) -> bool {
    a.spec == b.spec && a.hypothetical == b.hypothetical
}

//! Diagnostics for scenario files: a position (file:line:column), a message and a hint, rendered
//! either as one plain line for CI logs and tests or rustc-style with the source line and a caret.
//!
//! The pretty form uses `annotate-snippets`: it is the renderer rustc itself uses, so errors look
//! like the compiler's; it renders to a `String` with a plain (colorless) renderer, needs no
//! terminal abstraction (codespan-reporting needs termcolor) and no global hook (miette).

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};

/// How far (normalized Damerau-Levenshtein similarity) a misspelt name may be from a known one to
/// be suggested.
const SIMILARITY_MIN: f64 = 0.5;

/// One error in one scenario file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, as given to the parser.
    pub path: PathBuf,
    /// 1-based line of the offending key or value.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it (`did you mean `reg_mr`?`), when known.
    pub hint: Option<String>,
    /// Byte range in the source (what the caret underlines).
    pub span: Range<usize>,
    /// The source line the error is on (without its newline), for rendering without the source.
    pub line_text: String,
}

impl Diagnostic {
    /// An error at byte range `span` of `source`. Out-of-range or non-boundary spans are clamped,
    /// so any span gives a valid position.
    pub fn new(
        path: &Path,
        source: &str,
        span: Range<usize>,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> Diagnostic {
        let start = floor_char_boundary(source, span.start.min(source.len()));
        let end = floor_char_boundary(source, span.end.clamp(start, source.len()));
        let line_start = source
            .get(..start)
            .and_then(|s| s.rfind('\n'))
            .map_or(0, |i| i + 1);
        let line_end = source
            .get(start..)
            .and_then(|s| s.find('\n'))
            .map_or(source.len(), |i| start + i);
        let before = source.get(..start).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let column = source
            .get(line_start..start)
            .map_or(0, |s| s.chars().count())
            + 1;
        let line_text = source
            .get(line_start..line_end)
            .unwrap_or("")
            .trim_end_matches('\r')
            .to_string();
        Diagnostic {
            path: path.to_path_buf(),
            line,
            column,
            message: message.into(),
            hint,
            span: start..end,
            line_text,
        }
    }

    /// The one-line form: `path:line:col: error: message; hint: ...`.
    pub fn plain(&self) -> String {
        let mut out = format!(
            "{}:{}:{}: error: {}",
            self.path.display(),
            self.line,
            self.column,
            self.message
        );
        if let Some(h) = &self.hint {
            out.push_str("; hint: ");
            out.push_str(h);
        }
        out
    }

    /// The rustc-style form with the source line and a caret, without colors. Uses `source` when
    /// it is the text this diagnostic was made from, else the line kept in the diagnostic.
    pub fn render_pretty(&self, source: Option<&str>) -> String {
        let (text, span, line_start) = match source {
            Some(s) if self.fits(s) => (s, self.span.clone(), 1),
            _ => {
                let col = self.byte_column();
                let end = col
                    + self
                        .span
                        .end
                        .saturating_sub(self.span.start)
                        .min(self.line_text.len().saturating_sub(col));
                (self.line_text.as_str(), col..end, self.line)
            }
        };
        // Underline at most to the end of the first line of the span.
        let first_line_end = text
            .get(span.start..)
            .and_then(|s| s.find('\n'))
            .map_or(text.len(), |i| span.start + i);
        let span = span.start..span.end.min(first_line_end).max(span.start);
        let path = self.path.display().to_string();
        let mut group = Level::ERROR.primary_title(self.message.as_str()).element(
            Snippet::source(text)
                .line_start(line_start)
                .path(path.as_str())
                .fold(true)
                .annotation(AnnotationKind::Primary.span(span)),
        );
        if let Some(h) = &self.hint {
            group = group.element(Level::HELP.message(h.as_str()));
        }
        Renderer::plain().render(&[group])
    }

    fn fits(&self, source: &str) -> bool {
        source.get(self.span.clone()).is_some()
            && Diagnostic::new(&self.path, source, self.span.clone(), "", None).line_text
                == self.line_text
    }

    /// Byte offset of the column within `line_text`.
    fn byte_column(&self) -> usize {
        self.line_text
            .char_indices()
            .nth(self.column.saturating_sub(1))
            .map_or(self.line_text.len(), |(i, _)| i)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.plain())
    }
}

/// Every error found in one or more scenario files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScenarioErrors {
    /// In file order, then position order.
    pub errors: Vec<Diagnostic>,
}

impl ScenarioErrors {
    /// Rustc-style rendering of every error; `source` is the file's text (for errors of one
    /// file), other errors use the line each diagnostic keeps.
    pub fn render_pretty(&self, source: &str) -> String {
        let mut out = String::new();
        for d in &self.errors {
            out.push_str(&d.render_pretty(Some(source)));
            out.push_str("\n\n");
        }
        let n = self.errors.len();
        out.push_str(&format!(
            "error: {n} error{} in scenario files\n",
            if n == 1 { "" } else { "s" }
        ));
        out
    }

    /// Rustc-style rendering without the sources (each diagnostic keeps its line).
    pub fn render_pretty_detached(&self) -> String {
        let mut out = String::new();
        for d in &self.errors {
            out.push_str(&d.render_pretty(None));
            out.push_str("\n\n");
        }
        out
    }
}

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            f.write_str(&d.plain())?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioErrors {}

/// The known name nearest to `name`, if it is close enough to be a likely misspelling.
pub fn nearest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for k in known {
        let score = strsim::normalized_damerau_levenshtein(name, k);
        if best.is_none_or(|(b, _)| score > b) {
            best = Some((score, k));
        }
    }
    let (score, k) = best?;
    let close = score >= SIMILARITY_MIN
        || (name.len() >= 3 && (k.starts_with(name) || name.starts_with(k)));
    (close && k != name).then_some(k)
}

/// `did you mean `X`?` for the nearest known name, if any.
pub fn did_you_mean<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<String> {
    nearest(name, known).map(|k| format!("did you mean `{k}`?"))
}

/// The largest char boundary at or before `i`.
fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

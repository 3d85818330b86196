//! Reading the spanned TOML tree: typed accessors that report a positioned error on a wrong type
//! or an unknown key instead of failing, so one pass collects every error.

use std::ops::Range;
use std::path::Path;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::diag::{did_you_mean, Diagnostic};

/// A spanned TOML value.
pub type Value<'i> = Spanned<DeValue<'i>>;

/// The error sink of one file.
pub struct Ctx<'s> {
    pub path: &'s Path,
    pub source: &'s str,
    pub errors: Vec<Diagnostic>,
}

impl<'s> Ctx<'s> {
    pub fn new(path: &'s Path, source: &'s str) -> Ctx<'s> {
        Ctx {
            path,
            source,
            errors: Vec::new(),
        }
    }

    /// Record an error at `span`.
    pub fn error(&mut self, span: Range<usize>, message: impl Into<String>, hint: Option<String>) {
        self.errors
            .push(Diagnostic::new(self.path, self.source, span, message, hint));
    }

    /// 1-based line of byte offset `at`.
    pub fn line_of(&self, at: usize) -> usize {
        self.source
            .get(..at.min(self.source.len()))
            .map_or(1, |s| s.matches('\n').count() + 1)
    }

    /// The span of `sub_start..sub_start+sub_len` inside the string value `text` at `span`, when
    /// the source writes it literally (no escapes); else the whole value's span.
    pub fn inner_span(
        &self,
        span: &Range<usize>,
        text: &str,
        sub_start: usize,
        sub_len: usize,
    ) -> Range<usize> {
        let raw = self.source.get(span.clone()).unwrap_or("");
        let quoted = raw.len() == text.len() + 2 && raw.get(1..raw.len() - 1) == Some(text);
        let bare = raw == text;
        let offset = if quoted {
            1
        } else if bare {
            0
        } else {
            return span.clone();
        };
        let start = span.start + offset + sub_start;
        start..start + sub_len
    }

    /// Report every key of `table` not in `known` (`what` names the table).
    pub fn unknown_keys(&mut self, table: &DeTable<'_>, known: &[&str], what: &str) {
        for (k, _) in table.iter() {
            if !known.contains(&k.get_ref().as_ref()) {
                let hint = did_you_mean(k.get_ref(), known.iter().copied())
                    .or_else(|| Some(format!("{what} keys are: {}", known.join(", "))));
                self.error(
                    k.span(),
                    format!("unknown key `{}` in {what}", k.get_ref()),
                    hint,
                );
            }
        }
    }

    /// A required key: reports it missing at `at`.
    pub fn require<'t, 'i>(
        &mut self,
        table: &'t DeTable<'i>,
        key: &str,
        at: Range<usize>,
        what: &str,
    ) -> Option<&'t Value<'i>> {
        let v = get(table, key);
        if v.is_none() {
            self.error(at, format!("missing key `{key}` in {what}"), None);
        }
        v
    }

    pub fn string(&mut self, v: &Value<'_>, what: &str) -> Option<String> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            other => self.wrong_type(v, what, "a string", other),
        }
    }

    pub fn boolean(&mut self, v: &Value<'_>, what: &str) -> Option<bool> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => self.wrong_type(v, what, "a boolean (`true` or `false`)", other),
        }
    }

    /// An integer in `min..=max`.
    pub fn integer(&mut self, v: &Value<'_>, what: &str, min: i64, max: i64) -> Option<i64> {
        let DeValue::Integer(i) = v.get_ref() else {
            return self.wrong_type(v, what, "an integer", v.get_ref());
        };
        let n = i64::from_str_radix(i.as_str(), i.radix())
            .ok()
            .filter(|n| (min..=max).contains(n));
        if n.is_none() {
            self.error(
                v.span(),
                format!("{what} must be between {min} and {max}, found {i}"),
                None,
            );
        }
        n
    }

    pub fn array<'t, 'i>(&mut self, v: &'t Value<'i>, what: &str) -> Option<&'t [Value<'i>]> {
        match v.get_ref() {
            DeValue::Array(a) => Some(&a[..]),
            other => self.wrong_type(v, what, "an array", other),
        }
    }

    pub fn table<'t, 'i>(&mut self, v: &'t Value<'i>, what: &str) -> Option<&'t DeTable<'i>> {
        match v.get_ref() {
            DeValue::Table(t) => Some(t),
            other => self.wrong_type(v, what, "a table", other),
        }
    }

    /// An array of strings, each with its span.
    pub fn strings(&mut self, v: &Value<'_>, what: &str) -> Option<Vec<(String, Range<usize>)>> {
        let items = self.array(v, what)?;
        let mut out = Vec::new();
        for item in items {
            let s = self.string(item, &format!("each element of {what}"))?;
            out.push((s, item.span()));
        }
        Some(out)
    }

    fn wrong_type<T>(
        &mut self,
        v: &Value<'_>,
        what: &str,
        expected: &str,
        found: &DeValue<'_>,
    ) -> Option<T> {
        self.error(
            v.span(),
            format!("{what} must be {expected}, found {}", describe(found)),
            None,
        );
        None
    }
}

/// The value of `key` in `table`.
pub fn get<'t, 'i>(table: &'t DeTable<'i>, key: &str) -> Option<&'t Value<'i>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref() == key)
        .map(|(_, v)| v)
}

/// The span of `key` itself in `table`.
pub fn key_span(table: &DeTable<'_>, key: &str) -> Option<Range<usize>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref() == key)
        .map(|(k, _)| k.span())
}

fn describe(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a datetime",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

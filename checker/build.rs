//! Build script: reads the model's source (`../model/src`) for two things the checker needs to
//! know about the model it was built with.
//!
//! - `PINCHECK_MODEL_HASH`: 64-bit FNV-1a over every file (relative path and bytes, sorted by
//!   path), so a gate certificate names the model it certified; a rename counts too.
//! - The **step catalogue** (`$OUT_DIR/step_catalogue.rs`): every step name the model can log,
//!   with the function and line it is written in. A step is a string literal passed where a
//!   function takes its step (a parameter of type `Step` or named `step`): the facade's locks and
//!   atomics, `Kref`, the heap, and the model's own helpers such as `fput(k, cur, step, ..)`. The
//!   source is parsed with syn, so new steps appear here without anyone keeping a list; a test
//!   checks that every step an exploration of the scenarios logs is in the catalogue.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn model_hash(named: &[(String, PathBuf)]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(PRIME);
        }
    };
    for (rel, path) in named {
        feed(rel.as_bytes());
        feed(&[0]);
        feed(&std::fs::read(path).unwrap_or_default());
        feed(&[0]);
    }
    h
}

/// Functions that take a step: name → indices (receiver not counted) of their step parameters.
#[derive(Default)]
struct StepParams(BTreeMap<String, BTreeSet<usize>>);

impl StepParams {
    fn signature(&mut self, sig: &syn::Signature) {
        let args = sig.inputs.iter().filter_map(|a| match a {
            syn::FnArg::Typed(t) => Some(t),
            syn::FnArg::Receiver(_) => None,
        });
        for (i, arg) in args.enumerate() {
            let named_step =
                matches!(&*arg.pat, syn::Pat::Ident(p) if p.ident.to_string().starts_with("step"));
            let typed_step = matches!(&*arg.ty, syn::Type::Path(p)
                if p.path.segments.last().is_some_and(|s| s.ident == "Step"));
            if named_step || typed_step {
                self.0.entry(sig.ident.to_string()).or_default().insert(i);
            }
        }
    }
}

impl<'ast> Visit<'ast> for StepParams {
    fn visit_signature(&mut self, sig: &'ast syn::Signature) {
        self.signature(sig);
    }
}

/// One step literal: name, enclosing function, file, line.
type Site = (String, String, String, usize);

/// Collects the step literals of one file.
struct Sites<'a> {
    params: &'a StepParams,
    file: String,
    /// `Type::` of the impl being visited.
    impl_of: Option<String>,
    function: Vec<String>,
    out: Vec<Site>,
}

/// A step name: `function` or `function.action`, identifiers only.
fn is_step_name(s: &str) -> bool {
    let ident = |p: &str| {
        p.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() <= 2 && parts.iter().all(|p| ident(p))
}

/// String literals an argument can evaluate to: the literal itself, or those of its `if`/`match`
/// branches and blocks.
struct Literals(Vec<(String, usize)>);

impl<'ast> Visit<'ast> for Literals {
    fn visit_lit_str(&mut self, l: &'ast syn::LitStr) {
        self.0.push((l.value(), l.span().start().line));
    }
    fn visit_expr_call(&mut self, _: &'ast syn::ExprCall) {}
    fn visit_expr_method_call(&mut self, _: &'ast syn::ExprMethodCall) {}
    fn visit_expr_macro(&mut self, _: &'ast syn::ExprMacro) {}
}

impl Sites<'_> {
    fn call(&mut self, name: &str, args: &syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>) {
        let Some(positions) = self.params.0.get(name) else {
            return;
        };
        for &i in positions {
            let Some(arg) = args.iter().nth(i) else {
                continue;
            };
            let mut lits = Literals(Vec::new());
            lits.visit_expr(arg);
            for (value, line) in lits.0 {
                if is_step_name(&value) {
                    let function = self.function.last().cloned().unwrap_or_default();
                    self.out.push((value, function, self.file.clone(), line));
                }
            }
        }
    }

    fn enter(&mut self, ident: &syn::Ident) {
        let name = match &self.impl_of {
            Some(t) => format!("{t}::{ident}"),
            None => ident.to_string(),
        };
        self.function.push(name);
    }
}

impl<'ast> Visit<'ast> for Sites<'_> {
    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let outer = self.impl_of.take();
        if let syn::Type::Path(p) = &*i.self_ty {
            self.impl_of = p.path.segments.last().map(|s| s.ident.to_string());
        }
        syn::visit::visit_item_impl(self, i);
        self.impl_of = outer;
    }
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        let outer = self.impl_of.take();
        self.enter(&f.sig.ident);
        syn::visit::visit_item_fn(self, f);
        self.function.pop();
        self.impl_of = outer;
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.enter(&f.sig.ident);
        syn::visit::visit_impl_item_fn(self, f);
        self.function.pop();
    }
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*c.func {
            if let Some(last) = p.path.segments.last() {
                self.call(&last.ident.to_string(), &c.args);
            }
        }
        syn::visit::visit_expr_call(self, c);
    }
    fn visit_expr_method_call(&mut self, c: &'ast syn::ExprMethodCall) {
        self.call(&c.method.to_string(), &c.args);
        syn::visit::visit_expr_method_call(self, c);
    }
}

fn catalogue(named: &[(String, PathBuf)]) -> String {
    let parsed: Vec<(&String, syn::File)> = named
        .iter()
        .filter(|(rel, _)| rel.ends_with(".rs"))
        .filter_map(|(rel, path)| {
            let text = std::fs::read_to_string(path).ok()?;
            match syn::parse_file(&text) {
                Ok(f) => Some((rel, f)),
                Err(e) => {
                    println!("cargo:warning=step catalogue: {rel} does not parse: {e}");
                    None
                }
            }
        })
        .collect();
    let mut params = StepParams::default();
    for (_, f) in &parsed {
        params.visit_file(f);
    }
    let mut sites: BTreeSet<Site> = BTreeSet::new();
    for (rel, f) in &parsed {
        let mut v = Sites {
            params: &params,
            file: rel.to_string(),
            impl_of: None,
            function: Vec::new(),
            out: Vec::new(),
        };
        v.visit_file(f);
        sites.extend(v.out);
    }
    let mut out = String::from(
        "/// Every step literal of the model's source (generated by `build.rs`), sorted by name.\n\
         pub const STEP_SITES: &[StepSite] = &[\n",
    );
    for (step, function, file, line) in &sites {
        out.push_str(&format!(
            "    StepSite {{ step: {step:?}, function: {function:?}, file: {file:?}, line: {line} }},\n"
        ));
    }
    out.push_str("];\n");
    out
}

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("../model/src");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut found = Vec::new();
    files(&root, &mut found);
    let mut named: Vec<(String, PathBuf)> = found
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(&root).unwrap_or(&p).to_string_lossy();
            (rel.replace('\\', "/"), p)
        })
        .collect();
    named.sort();
    for (_, path) in &named {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    println!(
        "cargo:rustc-env=PINCHECK_MODEL_HASH={:016x}",
        model_hash(&named)
    );
    println!("cargo:rustc-env=PINCHECK_MODEL_FILES={}", named.len());
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let generated = Path::new(&out_dir).join("step_catalogue.rs");
    std::fs::write(&generated, catalogue(&named)).expect("write the step catalogue");
}

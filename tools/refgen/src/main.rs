//! refgen: emit reference facts (items, impls, calls) for a Rust crate directory
//! as JSON Lines, using syn 1.0 with proc-macro2 span locations.
//!
//! Usage: refgen [--keep-raw] <crate-dir>   (JSON Lines on stdout; parse failures on stderr)
//! --keep-raw keeps the `r#` prefix of raw identifiers (default: stripped).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use proc_macro2::Span;
use quote::ToTokens;
use syn::visit::{self, Visit};

fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn line_of(span: Span) -> usize {
    span.start().line
}

/// Render an impl self type: last path segment (no generics) for path types,
/// otherwise the type's tokens with all whitespace removed.
fn render_type(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(tp) => match tp.path.segments.last() {
            Some(seg) => seg.ident.to_string(),
            None => strip_ws(&ty.to_token_stream().to_string()),
        },
        syn::Type::Group(g) => render_type(&g.elem),
        _ => strip_ws(&ty.to_token_stream().to_string()),
    }
}

fn strip_ws(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

struct Collector<'a> {
    file: &'a str,
    out: &'a mut String,
    path: Vec<String>,
    caller: Option<String>,
    items: usize,
    impls: usize,
    calls: usize,
}

impl<'a> Collector<'a> {
    fn full_path(&self, name: &str) -> String {
        let mut p = String::new();
        for seg in &self.path {
            p.push_str(seg);
            p.push_str("::");
        }
        p.push_str(name);
        p
    }

    fn item(&mut self, kind: &str, ident: &syn::Ident) -> String {
        let name = unraw(ident);
        let path = self.full_path(&name);
        self.out.push_str("{\"k\":\"item\",\"kind\":");
        json_str(self.out, kind);
        self.out.push_str(",\"name\":");
        json_str(self.out, &name);
        self.out.push_str(",\"path\":");
        json_str(self.out, &path);
        self.out.push_str(",\"file\":");
        json_str(self.out, self.file);
        let _ = writeln!(self.out, ",\"line\":{}}}", line_of(ident.span()));
        self.items += 1;
        path
    }

    fn call(&mut self, ident: &syn::Ident, via: &str) {
        let caller = match &self.caller {
            Some(c) => c.clone(),
            None => return,
        };
        let name = unraw(ident);
        self.out.push_str("{\"k\":\"call\",\"caller\":");
        json_str(self.out, &caller);
        self.out.push_str(",\"callee\":");
        json_str(self.out, &name);
        self.out.push_str(",\"via\":");
        json_str(self.out, via);
        self.out.push_str(",\"file\":");
        json_str(self.out, self.file);
        let _ = writeln!(self.out, ",\"line\":{}}}", line_of(ident.span()));
        self.calls += 1;
    }

    /// Run `f` with `name` pushed on the nesting path (and, if `is_fn`,
    /// with the caller set to the resulting path).
    fn nested<F: FnOnce(&mut Self)>(&mut self, name: String, is_fn: bool, f: F) {
        let saved_caller = if is_fn {
            let p = self.full_path(&name);
            Some(std::mem::replace(&mut self.caller, Some(p)))
        } else {
            None
        };
        self.path.push(name);
        f(self);
        self.path.pop();
        if let Some(c) = saved_caller {
            self.caller = c;
        }
    }
}

static KEEP_RAW: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Identifier text; the raw `r#` prefix is stripped unless --keep-raw was given.
fn unraw(ident: &syn::Ident) -> String {
    let s = ident.to_string();
    if KEEP_RAW.load(std::sync::atomic::Ordering::Relaxed) {
        return s;
    }
    s.strip_prefix("r#").map(str::to_string).unwrap_or(s)
}

impl<'a, 'ast> Visit<'ast> for Collector<'a> {
    // ---- items ----
    fn visit_item_fn(&mut self, i: &'ast syn::ItemFn) {
        self.item("fn", &i.sig.ident);
        self.nested(unraw(&i.sig.ident), true, |s| visit::visit_item_fn(s, i));
    }
    fn visit_impl_item_method(&mut self, i: &'ast syn::ImplItemMethod) {
        self.item("method", &i.sig.ident);
        self.nested(unraw(&i.sig.ident), true, |s| visit::visit_impl_item_method(s, i));
    }
    fn visit_trait_item_method(&mut self, i: &'ast syn::TraitItemMethod) {
        self.item("trait_method", &i.sig.ident);
        self.nested(unraw(&i.sig.ident), true, |s| visit::visit_trait_item_method(s, i));
    }
    fn visit_foreign_item_fn(&mut self, i: &'ast syn::ForeignItemFn) {
        self.item("fn", &i.sig.ident);
        visit::visit_foreign_item_fn(self, i);
    }
    fn visit_item_struct(&mut self, i: &'ast syn::ItemStruct) {
        self.item("struct", &i.ident);
        visit::visit_item_struct(self, i);
    }
    fn visit_item_enum(&mut self, i: &'ast syn::ItemEnum) {
        self.item("enum", &i.ident);
        visit::visit_item_enum(self, i);
    }
    fn visit_item_union(&mut self, i: &'ast syn::ItemUnion) {
        self.item("union", &i.ident);
        visit::visit_item_union(self, i);
    }
    fn visit_item_trait(&mut self, i: &'ast syn::ItemTrait) {
        self.item("trait", &i.ident);
        self.nested(unraw(&i.ident), false, |s| visit::visit_item_trait(s, i));
    }
    fn visit_item_type(&mut self, i: &'ast syn::ItemType) {
        self.item("type", &i.ident);
        visit::visit_item_type(self, i);
    }
    fn visit_impl_item_type(&mut self, i: &'ast syn::ImplItemType) {
        self.item("type", &i.ident);
        visit::visit_impl_item_type(self, i);
    }
    fn visit_trait_item_type(&mut self, i: &'ast syn::TraitItemType) {
        self.item("type", &i.ident);
        visit::visit_trait_item_type(self, i);
    }
    fn visit_foreign_item_type(&mut self, i: &'ast syn::ForeignItemType) {
        self.item("type", &i.ident);
        visit::visit_foreign_item_type(self, i);
    }
    fn visit_item_const(&mut self, i: &'ast syn::ItemConst) {
        self.item("const", &i.ident);
        visit::visit_item_const(self, i);
    }
    fn visit_impl_item_const(&mut self, i: &'ast syn::ImplItemConst) {
        self.item("const", &i.ident);
        visit::visit_impl_item_const(self, i);
    }
    fn visit_trait_item_const(&mut self, i: &'ast syn::TraitItemConst) {
        self.item("const", &i.ident);
        visit::visit_trait_item_const(self, i);
    }
    fn visit_item_static(&mut self, i: &'ast syn::ItemStatic) {
        self.item("static", &i.ident);
        visit::visit_item_static(self, i);
    }
    fn visit_foreign_item_static(&mut self, i: &'ast syn::ForeignItemStatic) {
        self.item("static", &i.ident);
        visit::visit_foreign_item_static(self, i);
    }
    fn visit_item_mod(&mut self, i: &'ast syn::ItemMod) {
        self.item("mod", &i.ident);
        if i.content.is_some() {
            self.nested(unraw(&i.ident), false, |s| visit::visit_item_mod(s, i));
        } else {
            visit::visit_item_mod(self, i);
        }
    }
    fn visit_item_macro(&mut self, i: &'ast syn::ItemMacro) {
        if let Some(ident) = &i.ident {
            if i.mac.path.is_ident("macro_rules") {
                self.item("macro_rules", ident);
            }
        }
        visit::visit_item_macro(self, i);
    }
    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let trait_name = i
            .trait_
            .as_ref()
            .and_then(|(_, p, _)| p.segments.last().map(|s| unraw(&s.ident)));
        let ty = render_type(&i.self_ty);
        self.out.push_str("{\"k\":\"impl\",\"trait\":");
        match &trait_name {
            Some(t) => json_str(self.out, t),
            None => self.out.push_str("null"),
        }
        self.out.push_str(",\"type\":");
        json_str(self.out, &ty);
        self.out.push_str(",\"file\":");
        json_str(self.out, self.file);
        let _ = writeln!(self.out, ",\"line\":{}}}", line_of(i.impl_token.span));
        self.impls += 1;
        self.nested(ty, false, |s| visit::visit_item_impl(s, i));
    }

    // ---- calls ----
    fn visit_expr_call(&mut self, e: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*e.func {
            if let Some(seg) = p.path.segments.last() {
                self.call(&seg.ident, "path");
            }
        }
        visit::visit_expr_call(self, e);
    }
    fn visit_expr_method_call(&mut self, e: &'ast syn::ExprMethodCall) {
        self.call(&e.method, "method");
        visit::visit_expr_method_call(self, e);
    }
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(_) => return,
    };
    for ent in rd.flatten() {
        let p = ent.path();
        let ft = match ent.file_type() {
            Ok(ft) => ft,
            Err(_) => continue,
        };
        if ft.is_dir() {
            collect_rs(&p, out);
        } else if ft.is_file() && p.extension().map_or(false, |e| e == "rs") {
            out.push(p);
        }
    }
}

fn main() {
    let mut args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--keep-raw") {
        KEEP_RAW.store(true, std::sync::atomic::Ordering::Relaxed);
        args.remove(i);
    }
    if args.len() != 2 {
        eprintln!("usage: refgen [--keep-raw] <crate-dir>");
        std::process::exit(2);
    }
    let start = Instant::now();
    let root = PathBuf::from(&args[1]);
    let mut files = Vec::new();
    collect_rs(&root, &mut files);
    let mut rels: Vec<(String, PathBuf)> = files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&root)
                .unwrap()
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            (rel, p)
        })
        .collect();
    rels.sort();

    let mut out = String::new();
    let (mut nfiles, mut failures, mut loc, mut items, mut impls, mut calls) = (0, 0, 0, 0, 0, 0);
    for (rel, p) in &rels {
        nfiles += 1;
        let bytes = match std::fs::read(p) {
            Ok(b) => b,
            Err(_) => {
                failures += 1;
                eprintln!("parse failure: {}: unreadable", rel);
                continue;
            }
        };
        loc += bytes.iter().filter(|&&b| b == b'\n').count();
        let src = match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(_) => {
                failures += 1;
                eprintln!("parse failure: {}: not UTF-8", rel);
                continue;
            }
        };
        let ast = match syn::parse_file(&src) {
            Ok(f) => f,
            Err(e) => {
                failures += 1;
                eprintln!(
                    "parse failure: {}:{}: {}",
                    rel,
                    e.span().start().line,
                    e
                );
                continue;
            }
        };
        let mut c = Collector {
            file: rel,
            out: &mut out,
            path: Vec::new(),
            caller: None,
            items: 0,
            impls: 0,
            calls: 0,
        };
        c.visit_file(&ast);
        items += c.items;
        impls += c.impls;
        calls += c.calls;
    }
    let _ = writeln!(
        out,
        "{{\"k\":\"summary\",\"files\":{},\"parse_failures\":{},\"loc\":{},\"items\":{},\"impls\":{},\"calls\":{},\"ms\":{}}}",
        nfiles,
        failures,
        loc,
        items,
        impls,
        calls,
        start.elapsed().as_millis()
    );
    use std::io::Write;
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    let _ = lock.write_all(out.as_bytes());
}

//! `cargo run -p xtask -- cycles`: no module imports a module that imports it back.
//!
//! For every crate of the workspace (the members of the root `Cargo.toml`, each with its
//! `src/lib.rs` and/or `src/main.rs`) this builds the graph of its modules, one node per
//! source file, and reports every strongly connected component of two or more files.
//!
//! The source is read with plain string scanning: comments and string, character and raw
//! string literals are stripped first, so a path mentioned in them does not count.
//!
//! - Nodes: the crate root and every file reached through `mod x;` (`x.rs`, `x/mod.rs`,
//!   or the file of a `#[path = "…"]` attribute). Inline `mod x { … }` blocks belong to
//!   their file. Items behind a test-only `#[cfg(…)]` (`#[cfg(test)] mod tests;`,
//!   `#[cfg(test)] mod tests { … }`, a `#[cfg(test)]` function) are skipped.
//! - Edges: file A depends on file B when A names a path into B: in a `use` (grouped forms
//!   and `pub use` included) or anywhere in the code: `crate::…`, `$crate::…`, `self::…`,
//!   `super::…` (relative to A's module, inline modules included), a child module
//!   (`child::Item`) and a name imported by a `use` (`use crate::traces; traces::stats::X`).
//!   A path resolves to the longest module prefix that exists. Declaring a child
//!   (`mod child;`) is not an edge, and neither is a path into the file itself.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

/// Runs the check on the workspace whose root is `root` and prints the report.
pub(crate) fn run(root: &Path) -> Result<ExitCode, String> {
    let manifest_path = root.join("Cargo.toml");
    let manifest = std::fs::read_to_string(&manifest_path)
        .map_err(|e| format!("cannot read {}: {e}", manifest_path.display()))?;
    let mut members = Vec::new();
    for member in workspace_members(&manifest) {
        // `crates/*`: every folder under `crates/` with a manifest.
        if let Some(dir) = member.strip_suffix("/*") {
            let entries = std::fs::read_dir(root.join(dir))
                .map_err(|e| format!("cannot list the members `{member}`: {e}"))?;
            let mut found: Vec<String> = entries
                .filter_map(Result::ok)
                .filter(|entry| entry.path().join("Cargo.toml").is_file())
                .map(|entry| format!("{dir}/{}", entry.file_name().to_string_lossy()))
                .collect();
            found.sort();
            members.extend(found);
        } else {
            members.push(member);
        }
    }
    if members.is_empty() {
        return Err(format!(
            "{} lists no workspace members",
            manifest_path.display()
        ));
    }
    let read = |path: &str| std::fs::read_to_string(root.join(path)).ok();
    let mut crates = Vec::new();
    for member in &members {
        crates.extend(analyze_member(member, &read));
    }
    let (report, cycles) = render(&crates);
    print!("{report}");
    Ok(if cycles == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The `members` of the `[workspace]` table of a `Cargo.toml`, in their order.
fn workspace_members(manifest: &str) -> Vec<String> {
    let mut in_workspace = false;
    let mut list = None;
    let mut lines = manifest.lines();
    while let Some(line) = lines.next() {
        let line = line.trim();
        if line.starts_with('[') {
            in_workspace = line == "[workspace]";
            continue;
        }
        let Some(rest) = line.strip_prefix("members") else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        if !in_workspace {
            continue;
        }
        // The array may span several lines.
        let mut text = rest.to_owned();
        while !text.contains(']') {
            let Some(next) = lines.next() else { break };
            text.push('\n');
            text.push_str(next);
        }
        list = Some(text);
        break;
    }
    let Some(text) = list else {
        return Vec::new();
    };
    let text = text.split(']').next().unwrap_or_default();
    text.lines()
        // A `#` comment cannot be inside a member name.
        .map(|line| line.split('#').next().unwrap_or_default())
        .flat_map(|line| line.split(','))
        .map(|item| item.trim().trim_start_matches('[').trim().trim_matches('"'))
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The graph of one crate (one target: a library or a binary).
#[derive(Debug)]
struct Crate {
    /// The member folder, with ` (lib)` / ` (bin)` when it has both targets.
    name: String,
    /// Source files relative to the workspace root; index 0 is the crate root.
    files: Vec<String>,
    /// `edges[from][to]`: the names `from` uses from `to`.
    edges: Vec<BTreeMap<usize, BTreeSet<String>>>,
    /// Problems found while loading (a declared module without a file).
    warnings: Vec<String>,
}

/// The crates of one workspace member: `src/lib.rs` and `src/main.rs`, those that exist.
fn analyze_member(member: &str, read: &dyn Fn(&str) -> Option<String>) -> Vec<Crate> {
    let roots: Vec<(String, &str)> = ["lib", "main"]
        .iter()
        .map(|stem| (format!("{member}/src/{stem}.rs"), *stem))
        .filter(|(path, _)| read(path).is_some())
        .collect();
    let both = roots.len() > 1;
    roots
        .into_iter()
        .map(|(path, stem)| {
            let name = match (both, stem) {
                (false, _) => member.to_owned(),
                (true, "lib") => format!("{member} (lib)"),
                (true, _) => format!("{member} (bin)"),
            };
            analyze_crate(name, &path, read)
        })
        .collect()
}

/// A module path from the crate root: `["traces", "exporters", "otlp"]`.
type ModPath = Vec<String>;

/// One loaded source file.
struct File {
    path: String,
    /// The module path of the file's own module.
    module: ModPath,
    scan: Scan,
}

/// What a `use` brings into a module's scope: a name for `path`, or everything in it.
struct Import {
    /// The written path (`super`, `crate`, a name in scope…), relative to `scope`.
    path: Vec<String>,
    scope: ModPath,
}

#[derive(Default)]
struct Scope {
    names: HashMap<String, Import>,
    globs: Vec<Import>,
}

/// The module tree of a crate and what each module has in scope.
struct Resolver {
    /// Every module, file or inline, with the file that holds it.
    modules: HashMap<ModPath, usize>,
    scopes: HashMap<ModPath, Scope>,
}

/// How deep `use` chains are followed (`use a::b; use b::c; …`); guards against loops.
const MAX_DEPTH: usize = 16;

impl Resolver {
    /// The absolute path a written path names from `scope`, or `None` when it leaves the
    /// crate (another crate, the standard library) or names nothing known.
    fn resolve(&self, path: &[String], scope: &[String], depth: usize) -> Option<ModPath> {
        if let Some((base, rest)) = keyword_prefix(path, scope) {
            let mut abs = base;
            abs.extend(path[rest..].iter().cloned());
            return Some(abs);
        }
        let (first, rest) = path.split_first()?;
        let mut abs = self.lookup(first, scope, depth)?;
        abs.extend(rest.iter().cloned());
        Some(abs)
    }

    /// What `name` means in module `scope`: an import, a child module, or a name that a
    /// glob import brings in.
    fn lookup(&self, name: &str, scope: &[String], depth: usize) -> Option<ModPath> {
        if depth > MAX_DEPTH {
            return None;
        }
        let entry = self.scopes.get(scope);
        if let Some(import) = entry.and_then(|s| s.names.get(name)) {
            return self.resolve(&import.path, &import.scope, depth + 1);
        }
        let mut child = scope.to_vec();
        child.push(name.to_owned());
        if self.modules.contains_key(&child) {
            return Some(child);
        }
        for glob in entry.map(|s| s.globs.as_slice()).unwrap_or_default() {
            if let Some(from) = self.resolve(&glob.path, &glob.scope, depth + 1)
                && self.modules.contains_key(&from)
                && let Some(found) = self.lookup(name, &from, depth + 1)
            {
                return Some(found);
            }
        }
        None
    }

    /// The longest module prefix of `abs` and its length (the root always matches).
    fn module_of(&self, abs: &[String]) -> (usize, usize) {
        (0..=abs.len())
            .rev()
            .find_map(|len| self.modules.get(&abs[..len]).map(|&file| (file, len)))
            .unwrap_or((0, 0))
    }
}

/// Resolves a leading `crate` / `$crate` / `self` / `super…` against `scope`: the base
/// module and how many segments it took; `None` when the path starts with a name.
fn keyword_prefix(path: &[String], scope: &[String]) -> Option<(ModPath, usize)> {
    let mut base = match path.first()?.as_str() {
        "crate" => Vec::new(),
        "self" | "super" => scope.to_vec(),
        _ => return None,
    };
    let mut taken = usize::from(path[0] == "crate" || path[0] == "self");
    while path.get(taken).is_some_and(|s| s == "super") {
        // `super` of the crate root is an error; keep the root.
        base.pop();
        taken += 1;
    }
    Some((base, taken))
}

/// Loads the crate whose root file is `root` and builds its module graph.
fn analyze_crate(name: String, root: &str, read: &dyn Fn(&str) -> Option<String>) -> Crate {
    let (files, modules, mut warnings) = load(root, read);
    let resolver = Resolver {
        modules,
        scopes: scopes(&files),
    };
    let edges = edges(&files, &resolver);
    warnings.sort();
    Crate {
        name,
        files: files.into_iter().map(|f| f.path).collect(),
        edges,
        warnings,
    }
}

/// Reads the crate's files from its root through its `mod` declarations: the files, every
/// module (inline ones too) with its file, and the declarations without a file.
fn load(
    root: &str,
    read: &dyn Fn(&str) -> Option<String>,
) -> (Vec<File>, HashMap<ModPath, usize>, Vec<String>) {
    let mut files: Vec<File> = Vec::new();
    let mut modules: HashMap<ModPath, usize> = HashMap::new();
    let mut by_path: HashMap<String, usize> = HashMap::new();
    let mut warnings = Vec::new();
    // (file, its module path, the folder of its children's files)
    let mut queue = VecDeque::from([(root.to_owned(), Vec::new(), parent_dir(root))]);
    while let Some((path, module, children_dir)) = queue.pop_front() {
        if let Some(&known) = by_path.get(&path) {
            // Two declarations of one file: one node.
            modules.insert(module, known);
            continue;
        }
        let Some(source) = read(&path) else {
            warnings.push(format!("cannot read {path}"));
            continue;
        };
        let index = files.len();
        let scan = scan(&source);
        for inline in &scan.inline {
            modules.insert(concat(&module, inline), index);
        }
        for decl in &scan.decls {
            match module_file(decl, &path, &children_dir, read) {
                Ok((file, dir)) => {
                    let mut child = concat(&module, &decl.scope);
                    child.push(decl.name.clone());
                    queue.push_back((file, child, dir));
                }
                Err(warning) => warnings.push(warning),
            }
        }
        modules.insert(module.clone(), index);
        by_path.insert(path.clone(), index);
        files.push(File { path, module, scan });
    }
    (files, modules, warnings)
}

/// The file of a `mod name;` declared in `path`, and the folder of that module's
/// children; or a warning when it has none.
fn module_file(
    decl: &ModDecl,
    path: &str,
    children_dir: &str,
    read: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, String), String> {
    // Inline modules nest the folder: `mod a { mod b; }` is `a/b.rs`.
    let dir = decl
        .scope
        .iter()
        .fold(children_dir.to_owned(), |dir, m| join(&dir, m));
    if let Some(attr) = &decl.path_attr {
        // Relative to the file's own folder, or to the inline modules' folder.
        let base = if decl.scope.is_empty() {
            parent_dir(path)
        } else {
            dir
        };
        let file = join(&base, attr);
        // A `#[path]` file owns its folder, like a `mod.rs`.
        return match read(&file) {
            Some(_) => {
                let dir = parent_dir(&file);
                Ok((file, dir))
            }
            None => Err(format!(
                "{path}: `mod {}` has no file ({file}, from #[path = {attr:?}])",
                decl.name
            )),
        };
    }
    let own_dir = join(&dir, &decl.name);
    let flat = join(&dir, &format!("{}.rs", decl.name));
    let nested = join(&own_dir, "mod.rs");
    if read(&flat).is_some() {
        Ok((flat, own_dir))
    } else if read(&nested).is_some() {
        Ok((nested, own_dir))
    } else {
        Err(format!(
            "{path}: `mod {}` has no file (neither {flat} nor {nested})",
            decl.name
        ))
    }
}

/// What every module has in scope through its `use` declarations.
fn scopes(files: &[File]) -> HashMap<ModPath, Scope> {
    let mut scopes: HashMap<ModPath, Scope> = HashMap::new();
    for file in files {
        for entry in &file.scan.uses {
            let scope = concat(&file.module, &entry.scope);
            let import = Import {
                path: entry.path.clone(),
                scope: scope.clone(),
            };
            let name = match &entry.binding {
                Binding::Glob => {
                    scopes.entry(scope).or_default().globs.push(import);
                    continue;
                }
                Binding::Name(Some(alias)) => Some(alias.clone()),
                // `use super::{self}` names the parent module.
                Binding::Name(None) => match keyword_prefix(&entry.path, &scope) {
                    Some((base, taken)) if taken == entry.path.len() => base.last().cloned(),
                    _ => entry.path.last().cloned(),
                },
            };
            if let Some(name) = name.filter(|n| n != "_") {
                scopes.entry(scope).or_default().names.insert(name, import);
            }
        }
    }
    scopes
}

/// `edges[from][to]`: the names file `from` uses from file `to`.
fn edges(files: &[File], resolver: &Resolver) -> Vec<BTreeMap<usize, BTreeSet<String>>> {
    let mut edges = vec![BTreeMap::<usize, BTreeSet<String>>::new(); files.len()];
    for (from, file) in files.iter().enumerate() {
        let uses = file
            .scan
            .uses
            .iter()
            .map(|u| (&u.scope, &u.path, u.binding == Binding::Glob));
        let paths = file
            .scan
            .paths
            .iter()
            .map(|p| (&p.scope, &p.segments, false));
        for (scope, path, glob) in uses.chain(paths) {
            let scope = concat(&file.module, scope);
            let Some(abs) = resolver.resolve(path, &scope, 0) else {
                continue;
            };
            let (to, len) = resolver.module_of(&abs);
            if to == from {
                continue;
            }
            // The item named in `to`, or the module itself (`use crate::traces;`).
            let name = if glob {
                "*".to_owned()
            } else {
                abs.get(len)
                    .or_else(|| abs.last())
                    .map_or_else(|| "crate".to_owned(), Clone::clone)
            };
            edges[from].entry(to).or_default().insert(name);
        }
    }
    edges
}

fn concat(a: &[String], b: &[String]) -> ModPath {
    a.iter().chain(b).cloned().collect()
}

/// The folder of a `/`-separated path (`""` for a bare name).
fn parent_dir(path: &str) -> String {
    path.rsplit_once('/')
        .map_or_else(String::new, |(dir, _)| dir.to_owned())
}

/// `dir/rel`, with `.` and `..` resolved.
fn join(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    parts.join("/")
}

/// The strongly connected components of two or more nodes (Tarjan).
fn cycles(edges: &[BTreeMap<usize, BTreeSet<String>>]) -> Vec<Vec<usize>> {
    struct Tarjan<'a> {
        edges: &'a [BTreeMap<usize, BTreeSet<String>>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        found: Vec<Vec<usize>>,
    }
    impl Tarjan<'_> {
        fn visit(&mut self, v: usize) {
            self.index[v] = Some(self.next);
            self.low[v] = self.next;
            self.next += 1;
            self.stack.push(v);
            self.on_stack[v] = true;
            for &w in self.edges[v].keys() {
                match self.index[w] {
                    None => {
                        self.visit(w);
                        self.low[v] = self.low[v].min(self.low[w]);
                    }
                    Some(index) if self.on_stack[w] => self.low[v] = self.low[v].min(index),
                    Some(_) => {}
                }
            }
            if Some(self.low[v]) == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    self.found.push(component);
                }
            }
        }
    }
    let n = edges.len();
    let mut tarjan = Tarjan {
        edges,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        found: Vec::new(),
    };
    for v in 0..n {
        if tarjan.index[v].is_none() {
            tarjan.visit(v);
        }
    }
    tarjan.found
}

/// A shortest cycle through `start` inside `component` (breadth first), start repeated
/// at the end.
fn shortest_cycle(
    edges: &[BTreeMap<usize, BTreeSet<String>>],
    component: &[usize],
    start: usize,
) -> Vec<usize> {
    let mut came_from: HashMap<usize, usize> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in edges[v].keys() {
            if w == start {
                let mut path = vec![start, v];
                let mut at = v;
                while at != start {
                    at = came_from[&at];
                    path.push(at);
                }
                path.reverse();
                return path;
            }
            if component.contains(&w) && !came_from.contains_key(&w) {
                came_from.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    vec![start]
}

/// The report for all crates, and how many cycles it lists. Crates are sorted by name,
/// and files and edges by path.
fn render(crates: &[Crate]) -> (String, usize) {
    let mut out = String::new();
    let mut order: Vec<&Crate> = crates.iter().collect();
    order.sort_by(|a, b| a.name.cmp(&b.name));
    let modules: usize = crates.iter().map(|c| c.files.len()).sum();
    let (mut total, mut in_cycles, mut crates_with) = (0, 0, 0);
    for krate in order {
        for warning in &krate.warnings {
            let _ = writeln!(out, "warning: {warning}");
        }
        let file = |v: usize| krate.files[v].as_str();
        let mut found = cycles(&krate.edges);
        for component in &mut found {
            component.sort_by_key(|&v| file(v));
        }
        found.sort_by_key(|component| file(component[0]));
        if found.is_empty() {
            continue;
        }
        crates_with += 1;
        let plural = if found.len() == 1 { "" } else { "s" };
        let _ = writeln!(out, "{}: {} module cycle{plural}", krate.name, found.len());
        for (n, component) in found.iter().enumerate() {
            total += 1;
            in_cycles += component.len();
            let _ = writeln!(out, "  cycle {} ({} modules):", n + 1, component.len());
            for &v in component {
                let _ = writeln!(out, "    {}", file(v));
            }
            let example: Vec<&str> = shortest_cycle(&krate.edges, component, component[0])
                .into_iter()
                .map(file)
                .collect();
            let _ = writeln!(out, "  for example: {}", example.join(" -> "));
            let _ = writeln!(out, "  edges (from -> to: names used):");
            let mut lines: Vec<(&str, &str, &BTreeSet<String>)> = component
                .iter()
                .flat_map(|&from| {
                    krate.edges[from]
                        .iter()
                        .filter(|(to, _)| component.contains(to))
                        .map(move |(&to, names)| (file(from), file(to), names))
                })
                .collect();
            lines.sort();
            for (from, to, names) in lines {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                let _ = writeln!(out, "    {from} -> {to}: {}", names.join(", "));
            }
        }
    }
    if total == 0 {
        let _ = writeln!(
            out,
            "no module cycles in {} crates ({modules} modules)",
            crates.len()
        );
    } else {
        let _ = writeln!(
            out,
            "error: {total} module cycle{} ({in_cycles} of {modules} modules) in {crates_with} of {} crates; \
             no module may import one that imports it back",
            if total == 1 { "" } else { "s" },
            crates.len()
        );
    }
    (out, total)
}

// ---------------------------------------------------------------------------------------
// Scanning one file.

/// A token of Rust source, comments dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    /// An identifier or keyword; a raw identifier keeps its `r#`.
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
    /// A string literal's text (escapes as written).
    Str(String),
    /// A number, character or byte literal, or a lifetime.
    Other,
}

/// Splits Rust source into tokens, skipping comments (nested block comments too) and
/// reading string, raw string, byte string, character literals and lifetimes whole.
fn lex(source: &str) -> Vec<Tok> {
    let s: Vec<char> = source.chars().collect();
    let at = |i: usize| s.get(i).copied();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(c) = at(i) {
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == Some('/') {
            while at(i).is_some_and(|c| c != '\n') {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == Some('*') {
            let mut depth = 0;
            while i < s.len() {
                if s[i] == '/' && at(i + 1) == Some('*') {
                    depth += 1;
                    i += 2;
                } else if s[i] == '*' && at(i + 1) == Some('/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == '"' {
            let (text, end) = quoted(&s, i + 1);
            tokens.push(Tok::Str(text));
            i = end;
        } else if c == '\'' {
            i = char_or_lifetime(&s, i);
            tokens.push(Tok::Other);
        } else if c.is_ascii_digit() {
            while at(i).is_some_and(|c| c == '_' || c.is_alphanumeric()) {
                i += 1;
            }
            tokens.push(Tok::Other);
        } else if c == '_' || c.is_alphabetic() {
            let start = i;
            while at(i).is_some_and(|c| c == '_' || c.is_alphanumeric()) {
                i += 1;
            }
            let word: String = s[start..i].iter().collect();
            let hashes = s[i..].iter().take_while(|&&c| c == '#').count();
            match (word.as_str(), at(i)) {
                ("r" | "br" | "cr", Some('"' | '#')) if at(i + hashes) == Some('"') => {
                    let (text, end) = raw(&s, i + hashes + 1, hashes);
                    tokens.push(Tok::Str(text));
                    i = end;
                }
                ("b" | "c", Some('"')) => {
                    let (text, end) = quoted(&s, i + 1);
                    tokens.push(Tok::Str(text));
                    i = end;
                }
                ("b", Some('\'')) => {
                    i = char_or_lifetime(&s, i);
                    tokens.push(Tok::Other);
                }
                ("r", Some('#')) if at(i + 1).is_some_and(|c| c == '_' || c.is_alphabetic()) => {
                    let start = i + 1;
                    i = start;
                    while at(i).is_some_and(|c| c == '_' || c.is_alphanumeric()) {
                        i += 1;
                    }
                    tokens.push(Tok::Ident(format!(
                        "r#{}",
                        s[start..i].iter().collect::<String>()
                    )));
                }
                _ => tokens.push(Tok::Ident(word)),
            }
        } else if c == ':' && at(i + 1) == Some(':') {
            tokens.push(Tok::PathSep);
            i += 2;
        } else {
            tokens.push(Tok::Punct(c));
            i += 1;
        }
    }
    tokens
}

/// A `"…"` string from just after its opening quote: its text and the index after it.
fn quoted(s: &[char], mut i: usize) -> (String, usize) {
    let start = i;
    while i < s.len() {
        match s[i] {
            '\\' => i += 2,
            '"' => return (s[start..i].iter().collect(), i + 1),
            _ => i += 1,
        }
    }
    (s[start..].iter().collect(), s.len())
}

/// A raw string from just after its opening quote, closed by `"` and `hashes` `#`s.
fn raw(s: &[char], start: usize, hashes: usize) -> (String, usize) {
    let mut i = start;
    while i < s.len() {
        if s[i] == '"'
            && s[i + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == '#')
                .count()
                == hashes
        {
            return (s[start..i].iter().collect(), i + 1 + hashes);
        }
        i += 1;
    }
    (s[start..].iter().collect(), s.len())
}

/// At a `'`: skips a character literal (`'x'`, `'\n'`, `'\u{1F600}'`, `'"'`)
/// or a lifetime / label (`'a`, `'static`); returns the index after it.
fn char_or_lifetime(s: &[char], i: usize) -> usize {
    let at = |i: usize| s.get(i).copied();
    if at(i + 1) == Some('\\') {
        let mut j = i + 3;
        while at(j).is_some_and(|c| c != '\'') {
            j += 1;
        }
        j + 1
    } else if at(i + 2) == Some('\'') {
        i + 3
    } else {
        let mut j = i + 1;
        while at(j).is_some_and(|c| c == '_' || c.is_alphanumeric()) {
            j += 1;
        }
        j
    }
}

/// What one file declares and names, every module path relative to the file's module.
#[derive(Debug, Default)]
struct Scan {
    /// `mod x;` declarations (not behind a test-only `cfg`).
    decls: Vec<ModDecl>,
    /// Inline `mod x { … }` blocks.
    inline: Vec<ModPath>,
    uses: Vec<UseEntry>,
    /// Paths in code (outside `use`).
    paths: Vec<CodePath>,
}

#[derive(Debug)]
struct ModDecl {
    /// The inline modules the declaration is in.
    scope: ModPath,
    name: String,
    path_attr: Option<String>,
}

/// One path of a `use` tree.
#[derive(Debug)]
struct UseEntry {
    scope: ModPath,
    /// The written path; a trailing `self` (`use a::{self}`) is dropped.
    path: Vec<String>,
    binding: Binding,
}

#[derive(Debug, PartialEq, Eq)]
enum Binding {
    /// `use a::b;` (name `b`) or `use a::b as c;` (`Some("c")`).
    Name(Option<String>),
    /// `use a::*;`
    Glob,
}

#[derive(Debug)]
struct CodePath {
    scope: ModPath,
    segments: Vec<String>,
}

/// An open delimiter.
struct Group {
    close: char,
    /// `mod name {`.
    module: Option<String>,
    /// The body of a macro call or definition: no items are recognized inside.
    macro_body: bool,
}

/// The identifier text, a raw identifier without its `r#`.
fn ident(tok: Option<&Tok>) -> Option<&str> {
    match tok {
        Some(Tok::Ident(word)) => Some(word.strip_prefix("r#").unwrap_or(word)),
        _ => None,
    }
}

/// Finds the module declarations, `use` trees and paths of one file.
fn scan(source: &str) -> Scan {
    let toks = lex(source);
    let mut out = Scan::default();
    let mut groups: Vec<Group> = Vec::new();
    // The outer attributes before the next item.
    let mut attrs: Vec<&[Tok]> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let in_macro = groups.iter().any(|g| g.macro_body);
        let scope: ModPath = groups.iter().filter_map(|g| g.module.clone()).collect();
        let prev = i.checked_sub(1).map(|p| &toks[p]);
        let keyword = match &toks[i] {
            Tok::Ident(word) if prev != Some(&Tok::PathSep) => word.as_str(),
            _ => "",
        };
        match &toks[i] {
            Tok::Punct('#') if toks.get(i + 1) == Some(&Tok::Punct('[')) && !in_macro => {
                let end = matching(&toks, i + 1);
                let attr = &toks[i + 2..end.min(toks.len())];
                if test_only(attr) {
                    // Skip the attributes and the item they gate.
                    i = item_end(&toks, end + 1);
                    attrs.clear();
                    continue;
                }
                attrs.push(attr);
                // The attribute's own tokens are scanned too (`#[derive(crate::a::X)]`).
                i += 1;
                continue;
            }
            Tok::Ident(_) if keyword == "mod" && !in_macro => {
                if let (Some(name), Some(Tok::Punct(c @ (';' | '{')))) =
                    (ident(toks.get(i + 1)), toks.get(i + 2))
                {
                    if *c == ';' {
                        out.decls.push(ModDecl {
                            scope,
                            name: name.to_owned(),
                            path_attr: attrs.iter().find_map(|a| path_attr(a)),
                        });
                    } else {
                        out.inline.push(concat(&scope, &[name.to_owned()]));
                        groups.push(Group {
                            close: '}',
                            module: Some(name.to_owned()),
                            macro_body: false,
                        });
                    }
                    attrs.clear();
                    i += 3;
                    continue;
                }
            }
            Tok::Ident(_) if keyword == "use" && prev != Some(&Tok::Punct('.')) => {
                let mut entries = Vec::new();
                if let Some(end) = use_tree(&toks, i + 1, &[], &mut entries)
                    && toks.get(end) == Some(&Tok::Punct(';'))
                {
                    out.uses
                        .extend(entries.into_iter().map(|(path, binding)| UseEntry {
                            scope: scope.clone(),
                            path,
                            binding,
                        }));
                    attrs.clear();
                    i = end + 1;
                    continue;
                }
            }
            Tok::Ident(_) | Tok::Punct('$') => {
                if let Some((segments, end)) = code_path(&toks, i) {
                    out.paths.push(CodePath { scope, segments });
                    i = end;
                    continue;
                }
            }
            Tok::Punct(c @ ('(' | '[' | '{')) => {
                groups.push(open_group(&toks, i, *c));
                if *c == '{' {
                    attrs.clear();
                }
            }
            Tok::Punct(c @ (')' | ']' | '}')) => {
                if groups.last().is_some_and(|g| g.close == *c) {
                    groups.pop();
                }
                if *c == '}' {
                    attrs.clear();
                }
            }
            Tok::Punct(';') => attrs.clear(),
            _ => {}
        }
        i += 1;
    }
    out
}

/// The group that the delimiter `c` at `i` opens: a macro body after `name!` or
/// `macro_rules! name`.
fn open_group(toks: &[Tok], i: usize, c: char) -> Group {
    let back = |n: usize| i.checked_sub(n).map(|p| &toks[p]);
    let macro_body = (back(1) == Some(&Tok::Punct('!')) && matches!(back(2), Some(Tok::Ident(_))))
        || (matches!(back(1), Some(Tok::Ident(_)))
            && back(2) == Some(&Tok::Punct('!'))
            && ident(back(3)) == Some("macro_rules"));
    Group {
        close: match c {
            '(' => ')',
            '[' => ']',
            _ => '}',
        },
        module: None,
        macro_body,
    }
}

/// The index of the delimiter closing the one at `open` (or the end of the tokens).
fn matching(toks: &[Tok], open: usize) -> usize {
    let mut depth = 0usize;
    for (i, tok) in toks.iter().enumerate().skip(open) {
        match tok {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    toks.len()
}

/// The index after the item starting at `start`: after its `;` or its body's `}`, or at a
/// closing delimiter of the enclosing group.
fn item_end(toks: &[Tok], start: usize) -> usize {
    let mut depth = 0usize;
    for (i, tok) in toks.iter().enumerate().skip(start) {
        match tok {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(c @ (')' | ']' | '}')) => {
                if depth == 0 {
                    return i;
                }
                depth -= 1;
                if depth == 0 && *c == '}' {
                    return i + 1;
                }
            }
            Tok::Punct(';') if depth == 0 => return i + 1,
            _ => {}
        }
    }
    toks.len()
}

/// Whether an attribute's tokens (inside `#[…]`) are a `cfg` that is off without `test`.
fn test_only(attr: &[Tok]) -> bool {
    if ident(attr.first()) != Some("cfg") || attr.get(1) != Some(&Tok::Punct('(')) {
        return false;
    }
    let mut at = 2;
    cfg_predicate(attr, &mut at) == Some(false)
}

/// Evaluates a `cfg` predicate with `test` off and everything else unknown (`None`).
fn cfg_predicate(toks: &[Tok], at: &mut usize) -> Option<bool> {
    let name = ident(toks.get(*at)).unwrap_or_default().to_owned();
    *at += 1;
    if toks.get(*at) == Some(&Tok::Punct('=')) {
        *at += 2;
        return None;
    }
    if toks.get(*at) != Some(&Tok::Punct('(')) {
        return match name.as_str() {
            "test" | "false" => Some(false),
            "true" => Some(true),
            _ => None,
        };
    }
    *at += 1;
    let mut values = Vec::new();
    while toks.get(*at).is_some_and(|t| *t != Tok::Punct(')')) {
        values.push(cfg_predicate(toks, at));
        if toks.get(*at) == Some(&Tok::Punct(',')) {
            *at += 1;
        }
    }
    *at += 1;
    match name.as_str() {
        "all" if values.contains(&Some(false)) => Some(false),
        "all" if values.iter().all(|v| *v == Some(true)) => Some(true),
        "any" if values.contains(&Some(true)) => Some(true),
        "any" if values.iter().all(|v| *v == Some(false)) => Some(false),
        "not" => values.first().copied().flatten().map(|v| !v),
        _ => None,
    }
}

/// The file of a `path = "…"` attribute.
fn path_attr(attr: &[Tok]) -> Option<String> {
    match attr {
        [Tok::Ident(name), Tok::Punct('='), Tok::Str(file)] if name == "path" => Some(file.clone()),
        _ => None,
    }
}

/// Parses a `use` tree from `i`, appending `(path, binding)` for each leaf; returns the
/// index after the tree, or `None` when it is not one (a macro's template, say).
fn use_tree(
    toks: &[Tok],
    mut i: usize,
    prefix: &[String],
    out: &mut Vec<(Vec<String>, Binding)>,
) -> Option<usize> {
    let mut path = prefix.to_vec();
    if toks.get(i) == Some(&Tok::PathSep) {
        // `::name`: another crate. The marker resolves to nothing.
        path.push("::".to_owned());
        i += 1;
    }
    loop {
        match toks.get(i)? {
            Tok::Punct('$') if ident(toks.get(i + 1)) == Some("crate") => {
                path.push("crate".to_owned());
                i += 2;
            }
            Tok::Ident(_) => {
                let segment = ident(toks.get(i))?;
                if segment != "self" || path.is_empty() {
                    path.push(segment.to_owned());
                }
                i += 1;
            }
            Tok::Punct('*') => {
                out.push((path, Binding::Glob));
                return Some(i + 1);
            }
            Tok::Punct('{') => {
                i += 1;
                loop {
                    if toks.get(i)? == &Tok::Punct('}') {
                        return Some(i + 1);
                    }
                    i = use_tree(toks, i, &path, out)?;
                    match toks.get(i)? {
                        Tok::Punct(',') => i += 1,
                        Tok::Punct('}') => {}
                        _ => return None,
                    }
                }
            }
            _ => return None,
        }
        if toks.get(i) == Some(&Tok::PathSep) {
            i += 1;
            continue;
        }
        let alias = if ident(toks.get(i)) == Some("as") {
            i += 2;
            Some(ident(toks.get(i - 1))?.to_owned())
        } else {
            None
        };
        out.push((path, Binding::Name(alias)));
        return Some(i);
    }
}

/// A path in code starting at `i` (`a::b::C`, `$crate::x`): its segments and the index
/// after it. `None` when no path starts there: a single name, a path continued from
/// `::`, a method (`.name::<T>()`), a macro variable, or `pub(in path)`.
fn code_path(toks: &[Tok], i: usize) -> Option<(Vec<String>, usize)> {
    let back = |n: usize| i.checked_sub(n).map(|p| &toks[p]);
    let mut at = i;
    let mut segments = Vec::new();
    if toks[i] == Tok::Punct('$') {
        // `$crate` only; other macro variables are unknown.
        if ident(toks.get(i + 1)) != Some("crate") {
            return None;
        }
        segments.push("crate".to_owned());
        at += 2;
    } else {
        // `#name` is a `quote!` variable.
        if matches!(back(1), Some(Tok::PathSep | Tok::Punct('.' | '$' | '#'))) {
            return None;
        }
        if ident(back(1)) == Some("in")
            && back(2) == Some(&Tok::Punct('('))
            && ident(back(3)) == Some("pub")
        {
            return None;
        }
        segments.push(ident(toks.get(i))?.to_owned());
        at += 1;
    }
    while toks.get(at) == Some(&Tok::PathSep) {
        let Some(segment) = ident(toks.get(at + 1)) else {
            break;
        };
        segments.push(segment.to_owned());
        at += 2;
    }
    (segments.len() > 1).then_some((segments, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Analyzes an in-memory crate whose root is `c/src/lib.rs`.
    fn analyze(files: &[(&str, &str)]) -> Crate {
        let files: HashMap<String, String> = files
            .iter()
            .map(|(path, text)| (format!("c/src/{path}"), (*text).to_owned()))
            .collect();
        let read = |path: &str| files.get(path).cloned();
        analyze_member("c", &read).remove(0)
    }

    /// The cycles of an in-memory crate, as file names under `c/src/`.
    fn cycles_of(krate: &Crate) -> Vec<Vec<&str>> {
        let mut found: Vec<Vec<&str>> = cycles(&krate.edges)
            .into_iter()
            .map(|c| {
                let mut names: Vec<&str> = c
                    .into_iter()
                    .map(|v| krate.files[v].strip_prefix("c/src/").unwrap())
                    .collect();
                names.sort_unstable();
                names
            })
            .collect();
        found.sort();
        found
    }

    /// Every edge as `from -> to: names`.
    fn edges_of(krate: &Crate) -> Vec<String> {
        let short = |v: usize| krate.files[v].strip_prefix("c/src/").unwrap();
        let mut out: Vec<String> = krate
            .edges
            .iter()
            .enumerate()
            .flat_map(|(from, to)| {
                to.iter().map(move |(to, names)| {
                    let names: Vec<&str> = names.iter().map(String::as_str).collect();
                    format!("{} -> {}: {}", short(from), short(*to), names.join(", "))
                })
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn two_cycle_through_use_super() {
        let krate = analyze(&[
            ("lib.rs", "mod a;"),
            (
                "a/mod.rs",
                "mod b;\npub struct Helper;\npub fn make() -> b::Thing { b::Thing }",
            ),
            ("a/b.rs", "use super::{self, Helper};\npub struct Thing;"),
        ]);
        assert_eq!(cycles_of(&krate), vec![vec!["a/b.rs", "a/mod.rs"]]);
        assert_eq!(
            edges_of(&krate),
            ["a/b.rs -> a/mod.rs: Helper, a", "a/mod.rs -> a/b.rs: Thing"]
        );
        let (report, count) = render(&[krate]);
        assert_eq!(count, 1);
        assert_eq!(
            report,
            "c: 1 module cycle
  cycle 1 (2 modules):
    c/src/a/b.rs
    c/src/a/mod.rs
  for example: c/src/a/b.rs -> c/src/a/mod.rs -> c/src/a/b.rs
  edges (from -> to: names used):
    c/src/a/b.rs -> c/src/a/mod.rs: Helper, a
    c/src/a/mod.rs -> c/src/a/b.rs: Thing
error: 1 module cycle (2 of 3 modules) in 1 of 1 crates; no module may import one that imports it back
"
        );
    }

    #[test]
    fn three_cycle_through_crate_paths_in_code() {
        let krate = analyze(&[
            ("lib.rs", "mod a;\nmod b;\nmod c;\npub fn root() {}"),
            ("a.rs", "pub fn f() { crate::b::g(); crate::root() }"),
            ("b.rs", "pub fn g() -> u8 { crate::c::h::<u8>() }"),
            (
                "c.rs",
                "pub fn h<T>() -> T { let _ = crate::a::f as fn(); todo!() }",
            ),
        ]);
        assert_eq!(cycles_of(&krate), vec![vec!["a.rs", "b.rs", "c.rs"]]);
        assert_eq!(
            edges_of(&krate),
            [
                "a.rs -> b.rs: g",
                "a.rs -> lib.rs: root",
                "b.rs -> c.rs: h",
                "c.rs -> a.rs: f"
            ]
        );
    }

    #[test]
    fn grouped_use_trees() {
        let krate = analyze(&[
            ("lib.rs", "mod a;\nmod b;\nmod hub;"),
            (
                "hub.rs",
                "use crate::{a::X, b::{c::{self as cc, Y}, self}};\npub struct H;\npub fn h() {}",
            ),
            ("a.rs", "pub struct X;\nfn f() -> crate::hub::H { todo!() }"),
            ("b/mod.rs", "pub mod c;\npub use crate::hub::H as Alias;"),
            ("b/c.rs", "pub struct Y;\nfn f() { crate::hub::h() }"),
        ]);
        assert_eq!(
            cycles_of(&krate),
            vec![vec!["a.rs", "b/c.rs", "b/mod.rs", "hub.rs"]]
        );
        assert_eq!(
            edges_of(&krate),
            [
                "a.rs -> hub.rs: H",
                "b/c.rs -> hub.rs: h",
                "b/mod.rs -> hub.rs: H",
                "hub.rs -> a.rs: X",
                "hub.rs -> b/c.rs: Y, c",
                "hub.rs -> b/mod.rs: b",
            ]
        );
    }

    #[test]
    fn path_attribute_modules() {
        let krate = analyze(&[
            (
                "lib.rs",
                "#[doc(hidden)]\n#[path = \"private/mod.rs\"]\npub mod __private;\npub struct Config;\npub use __private::Span;",
            ),
            ("private/mod.rs", "mod span;\npub use self::span::Span;"),
            (
                "private/span.rs",
                "use super::super::Config;\npub struct Span;",
            ),
        ]);
        assert!(krate.warnings.is_empty(), "{:?}", krate.warnings);
        assert_eq!(
            cycles_of(&krate),
            vec![vec!["lib.rs", "private/mod.rs", "private/span.rs"]]
        );
        assert_eq!(
            edges_of(&krate),
            [
                "lib.rs -> private/mod.rs: Span",
                "private/mod.rs -> private/span.rs: Span",
                "private/span.rs -> lib.rs: Config",
            ]
        );
    }

    #[test]
    fn comments_and_literals_do_not_count() {
        let krate = analyze(&[
            ("lib.rs", "mod a;\nmod b;"),
            (
                "a.rs",
                r###"//! Uses `crate::b::Doc`.
// crate::b::Line
/* crate::b::Block /* nested crate::b::Nested */ crate::b::After */
/// [`crate::b::Link`]
pub const S: &str = "crate::b::Str \" crate::b::Escaped";
pub const R: &str = r#"crate::b::Raw " still "#;
pub const B: &[u8] = br##"crate::b::RawBytes"##;
pub const Q: char = '"';
pub const E: char = '\'';
pub fn f<'a>(x: &'a str) -> &'a str { x }
"###,
            ),
            ("b.rs", "use crate::a::S;"),
        ]);
        assert_eq!(edges_of(&krate), ["b.rs -> a.rs: S"]);
        assert!(cycles_of(&krate).is_empty());
    }

    #[test]
    fn acyclic_tree_passes() {
        let krate = analyze(&[
            (
                "lib.rs",
                "mod model;\nmod traces;\n#[cfg(test)]\nmod tests;\n\
                 pub use traces::exporters::otlp::Otlp;\npub use model::Span;",
            ),
            ("model.rs", "pub struct Span;"),
            (
                "traces/mod.rs",
                "pub mod exporters;\nuse crate::model;\npub fn f() -> model::Span { model::Span }",
            ),
            ("traces/exporters/mod.rs", "pub mod otlp;"),
            (
                "traces/exporters/otlp.rs",
                "pub struct Otlp;\n\
                 mod grpc { use super::super::super::super::model::Span; fn f() { super::Otlp; } }\n\
                 #[cfg(test)]\nmod tests { use crate::Otlp; use crate::traces::f; }\n\
                 #[cfg(all(test, feature = \"x\"))]\nfn only_in_tests() { crate::traces::f() }",
            ),
        ]);
        assert!(krate.warnings.is_empty(), "{:?}", krate.warnings);
        assert!(cycles_of(&krate).is_empty());
        assert_eq!(
            edges_of(&krate),
            [
                "lib.rs -> model.rs: Span",
                "lib.rs -> traces/exporters/otlp.rs: Otlp",
                "traces/exporters/otlp.rs -> model.rs: Span",
                "traces/mod.rs -> model.rs: Span, model",
            ]
        );
        let (report, count) = render(&[krate]);
        assert_eq!(count, 0);
        assert_eq!(report, "no module cycles in 1 crates (5 modules)\n");
    }

    #[test]
    fn missing_module_file_is_a_warning() {
        let krate = analyze(&[("lib.rs", "mod gone;\n#[cfg(any(test, unix))]\nmod kept;")]);
        assert_eq!(
            krate.warnings,
            [
                "c/src/lib.rs: `mod gone` has no file (neither c/src/gone.rs nor c/src/gone/mod.rs)",
                "c/src/lib.rs: `mod kept` has no file (neither c/src/kept.rs nor c/src/kept/mod.rs)",
            ]
        );
    }

    #[test]
    fn macro_bodies_declare_no_modules() {
        let scan = scan(
            "quote! { mod generated; use #krate::x; }\n\
             macro_rules! m { () => { $crate::a::b() }; }",
        );
        assert!(scan.decls.is_empty());
        assert_eq!(scan.paths.len(), 1);
        assert_eq!(scan.paths[0].segments, ["crate", "a", "b"]);
    }

    #[test]
    fn workspace_members_are_read() {
        let manifest = "[package]\nmembers = [\"no\"]\n[workspace]\nresolver = \"3\"\n\
                        members = [\n  \"semconv\", # the tables\n  \"runtime\",\n]\n";
        assert_eq!(workspace_members(manifest), ["semconv", "runtime"]);
        assert_eq!(
            workspace_members("[workspace]\nmembers = [\"a\", \"b\"]\n"),
            ["a", "b"]
        );
    }
}

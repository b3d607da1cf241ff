//! JSON containment on SQLite, which has no `@>`: the value is decomposed at compile time into one
//! condition per leaf (`json_type` / `json_extract` / `json_each`), every value and path bound.

use serde_json::Value as J;

use super::json_path::json_path;
use super::JsonTarget;
use crate::error::{QueryError, Result};
use crate::value::Value;
use crate::writer::SqlWriter;

/// Where a check looks inside the document.
#[derive(Clone)]
enum Path {
    /// A path known at compile time (bound).
    Static(String),
    /// The path of the current `json_each` row (`"_j1"."fullkey"`), plus a bound suffix.
    Element { alias: String, suffix: String },
}

impl Path {
    fn child(&self, w: &SqlWriter<'_>, key: &str) -> Path {
        let mut suffix = String::new();
        w.dialect().write_json_path_key(&mut suffix, key);
        match self {
            Path::Static(p) => Path::Static(format!("{p}{suffix}")),
            Path::Element { alias, suffix: s } => Path::Element {
                alias: alias.clone(),
                suffix: format!("{s}{suffix}"),
            },
        }
    }
}

/// One condition of the decomposition.
enum Check {
    /// `json_type(doc, path)` is one of `types`.
    Type(Path, &'static [&'static str]),
    /// `json_extract(doc, path) = value`.
    Equals(Path, Value),
    /// Some element of the array at `over` satisfies every inner check.
    Exists {
        alias: String,
        over: Path,
        inner: Vec<Check>,
    },
    /// At least one branch holds (each branch is a conjunction).
    Any(Vec<Vec<Check>>),
}

/// Write "the document at `target` contains `json`" with PostgreSQL `@>` semantics: objects match by
/// key recursively, arrays match when every candidate element is contained in some element, scalars match
/// by type and value, and a top-level array may contain a bare scalar.
pub(crate) fn write_contains(
    w: &mut SqlWriter<'_>,
    target: &JsonTarget<'_>,
    json: &str,
) -> Result<()> {
    let value: J = serde_json::from_str(json).map_err(|e| {
        QueryError::value(
            "contains",
            format!("{json:?} is not valid JSON ({e}); pass a dict or list"),
        )
    })?;
    let root = Path::Static(json_path(w.dialect(), target.keys));
    let mut checks = Vec::new();
    if is_scalar(&value) {
        // PostgreSQL: '["a", "b"]' @> '"a"' — a top-level array contains a primitive it has as an element.
        let mut direct = Vec::new();
        decompose(w, &root, &value, &mut direct);
        let alias = w.next_alias("_j");
        let mut element = Vec::new();
        decompose(
            w,
            &Path::Element {
                alias: alias.clone(),
                suffix: String::new(),
            },
            &value,
            &mut element,
        );
        let in_array = vec![
            Check::Type(root.clone(), &["array"]),
            Check::Exists {
                alias,
                over: root,
                inner: element,
            },
        ];
        checks.push(Check::Any(vec![direct, in_array]));
    } else {
        decompose(w, &root, &value, &mut checks);
    }
    write_all(w, target, &checks, true)
}

fn is_scalar(v: &J) -> bool {
    !matches!(v, J::Object(_) | J::Array(_))
}

/// Turn "contains `value` at `path`" into checks.
fn decompose(w: &mut SqlWriter<'_>, path: &Path, value: &J, out: &mut Vec<Check>) {
    match value {
        J::Null => out.push(Check::Type(path.clone(), &["null"])),
        J::Bool(true) => out.push(Check::Type(path.clone(), &["true"])),
        J::Bool(false) => out.push(Check::Type(path.clone(), &["false"])),
        J::Number(n) => {
            // Booleans extract as 1/0 too, so the type check is what keeps true from matching 1.
            out.push(Check::Type(path.clone(), &["integer", "real"]));
            let v = match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            };
            out.push(Check::Equals(path.clone(), v));
        }
        J::String(s) => {
            // Objects extract as JSON text, so only a 'text' node may equal a string.
            out.push(Check::Type(path.clone(), &["text"]));
            out.push(Check::Equals(path.clone(), Value::Text(s.clone())));
        }
        J::Object(map) => {
            out.push(Check::Type(path.clone(), &["object"]));
            for (key, v) in map {
                let child = path.child(w, key);
                decompose(w, &child, v, out);
            }
        }
        J::Array(items) => {
            out.push(Check::Type(path.clone(), &["array"]));
            for item in items {
                let alias = w.next_alias("_j");
                let mut inner = Vec::new();
                decompose(
                    w,
                    &Path::Element {
                        alias: alias.clone(),
                        suffix: String::new(),
                    },
                    item,
                    &mut inner,
                );
                out.push(Check::Exists {
                    alias,
                    over: path.clone(),
                    inner,
                });
            }
        }
    }
}

/// Write checks joined by AND; parenthesised when there is more than one and `wrap` is set.
fn write_all(
    w: &mut SqlWriter<'_>,
    target: &JsonTarget<'_>,
    checks: &[Check],
    wrap: bool,
) -> Result<()> {
    let paren = wrap && checks.len() > 1;
    if paren {
        w.push("(");
    }
    for (i, check) in checks.iter().enumerate() {
        if i > 0 {
            w.push(" AND ");
        }
        write_check(w, target, check)?;
    }
    if paren {
        w.push(")");
    }
    Ok(())
}

fn write_check(w: &mut SqlWriter<'_>, target: &JsonTarget<'_>, check: &Check) -> Result<()> {
    match check {
        Check::Type(path, types) => {
            write_call(w, "json_type", target, path)?;
            if let [only] = types {
                w.push(" = '");
                w.push(only);
                w.push("'");
            } else {
                w.push(" IN (");
                w.push(
                    &types
                        .iter()
                        .map(|t| format!("'{t}'"))
                        .collect::<Vec<_>>()
                        .join(", "),
                );
                w.push(")");
            }
        }
        Check::Equals(path, value) => {
            write_call(w, "json_extract", target, path)?;
            w.push(" = ");
            w.param(value.clone());
        }
        Check::Exists { alias, over, inner } => {
            w.push("EXISTS (SELECT 1 FROM ");
            write_call(w, "json_each", target, over)?;
            w.push(" AS ");
            w.ident(alias)?;
            w.push(" WHERE ");
            write_all(w, target, inner, false)?;
            w.push(")");
        }
        Check::Any(branches) => {
            w.push("(");
            for (i, branch) in branches.iter().enumerate() {
                if i > 0 {
                    w.push(" OR ");
                }
                write_all(w, target, branch, true)?;
            }
            w.push(")");
        }
    }
    Ok(())
}

/// `func(doc, <path>)`.
fn write_call(
    w: &mut SqlWriter<'_>,
    func: &str,
    target: &JsonTarget<'_>,
    path: &Path,
) -> Result<()> {
    w.push(func);
    w.push("(");
    (target.doc)(w)?;
    w.push(", ");
    match path {
        Path::Static(p) => w.param(Value::Text(p.clone())),
        Path::Element { alias, suffix } => {
            w.ident(alias)?;
            w.push(".\"fullkey\"");
            if !suffix.is_empty() {
                w.push(" || ");
                w.param(Value::Text(suffix.clone()));
            }
        }
    }
    w.push(")");
    Ok(())
}

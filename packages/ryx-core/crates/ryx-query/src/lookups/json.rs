//! JSON lookups: key paths (`data__a__b__gte`), `has_key(s)`, `has_any_keys`, containment, and JSON
//! equality. Keys and values are always bound; the dialect decides the functions.

use serde_json::Value as J;

use super::compare::{check_single, expect_bool, range};
use super::{write_scalar_lookup, Lookup};
use crate::ast::Expr;
use crate::compiler::{write_operand, PREC_ATOM, PREC_CMP};
use crate::dialect::JsonTarget;
use crate::error::{QueryError, Result};
use crate::value::Value;
use crate::writer::SqlWriter;

/// A lookup on a key path inside a JSON document (`doc` at `keys`, non-empty).
pub(super) fn write_key_lookup(
    w: &mut SqlWriter<'_>,
    doc: &Expr,
    keys: &[String],
    lookup: Lookup,
    rhs: &Expr,
) -> Result<()> {
    let doc = |w: &mut SqlWriter<'_>| write_operand(w, doc, PREC_ATOM);
    let target = JsonTarget { doc: &doc, keys };
    let d = w.dialect();
    let rhs_json = matches!(rhs, Expr::Value(Value::Json(_)));
    let extract = |w: &mut SqlWriter<'_>| d.write_json_extract(w, &target, false);
    let text = |w: &mut SqlWriter<'_>| d.write_json_extract(w, &target, true);
    match lookup {
        Lookup::Exact => write_json_exact(w, &target, rhs),
        Lookup::Contains if rhs_json => {
            d.write_json_contains(w, &target, &json_text("contains", rhs)?)
        }
        Lookup::ContainedBy => {
            d.write_json_contained_by(w, &target, &json_text("contained_by", rhs)?)
        }
        Lookup::HasKey | Lookup::HasKeys | Lookup::HasAnyKeys => {
            write_has_keys(w, &target, lookup, rhs)
        }
        Lookup::IsNull => {
            // Django: data__k__isnull=True means the key is missing (a JSON null is a value).
            let missing = expect_bool(rhs)?;
            d.write_json_probe(w, &target)?;
            w.push(if missing { " IS NULL" } else { " IS NOT NULL" });
            Ok(())
        }
        Lookup::Gt | Lookup::Gte | Lookup::Lt | Lookup::Lte => {
            check_single(lookup.name(), rhs)?;
            extract(w)?;
            w.push(" ");
            w.push(lookup.comparison().unwrap_or("="));
            w.push(" ");
            write_compare_rhs(w, rhs)
        }
        Lookup::In => write_json_in(w, &target, rhs),
        Lookup::Range => {
            let item = |w: &mut SqlWriter<'_>, v: &Value| w.dialect().write_json_compare_rhs(w, v);
            range(w, &extract, rhs, &item)
        }
        // Text lookups and regexes work on the key's unquoted text.
        _ => write_scalar_lookup(w, lookup, &text, &text, rhs),
    }
}

/// A JSON lookup on a whole document (`data__has_key`, `data__contains={…}`, `data={…}`).
pub(super) fn write_doc_lookup(
    w: &mut SqlWriter<'_>,
    lhs: &Expr,
    lookup: Lookup,
    rhs: &Expr,
) -> Result<()> {
    let doc = |w: &mut SqlWriter<'_>| write_operand(w, lhs, PREC_ATOM);
    let target = JsonTarget {
        doc: &doc,
        keys: &[],
    };
    let d = w.dialect();
    match lookup {
        Lookup::Exact => write_json_exact(w, &target, rhs),
        Lookup::Contains => d.write_json_contains(w, &target, &json_text("contains", rhs)?),
        Lookup::ContainedBy => {
            d.write_json_contained_by(w, &target, &json_text("contained_by", rhs)?)
        }
        _ => write_has_keys(w, &target, lookup, rhs),
    }
}

/// JSON equality: the value is compared as JSON (`data__k=5` matches the number 5, `None` matches JSON null).
fn write_json_exact(w: &mut SqlWriter<'_>, target: &JsonTarget<'_>, rhs: &Expr) -> Result<()> {
    let d = w.dialect();
    let Expr::Value(v) = rhs else {
        d.write_json_extract(w, target, false)?;
        w.push(" = ");
        return write_operand(w, rhs, PREC_CMP);
    };
    let (text, is_null) = json_of("exact", v)?;
    if is_null {
        d.write_json_is_null(w, target)
    } else {
        d.write_json_equals(w, target, &text)
    }
}

/// `in` on a key: each value compared as JSON; SQL NULLs dropped and an empty list matches nothing, as
/// for the plain `in`.
fn write_json_in(w: &mut SqlWriter<'_>, target: &JsonTarget<'_>, rhs: &Expr) -> Result<()> {
    let items = match rhs {
        Expr::Value(Value::List(items)) => items,
        Expr::Value(v) => {
            return Err(QueryError::value(
                "in",
                format!(
                    "expected a list or tuple of values, got a {}",
                    v.type_name()
                ),
            ))
        }
        _ => {
            return Err(QueryError::value(
                "in",
                "expected a list of values, not an expression",
            ))
        }
    };
    let mut values = Vec::with_capacity(items.len());
    for v in items.iter().filter(|v| !v.is_null()) {
        values.push(json_of("in", v)?.0);
    }
    if values.is_empty() {
        w.push("1 = 0");
        return Ok(());
    }
    w.dialect().write_json_in(w, target, &values)
}

/// The right side of an ordering comparison against a key: the dialect's form for values, else the expression.
fn write_compare_rhs(w: &mut SqlWriter<'_>, rhs: &Expr) -> Result<()> {
    match rhs {
        Expr::Value(v) => w.dialect().write_json_compare_rhs(w, v),
        other => write_operand(w, other, PREC_CMP),
    }
}

/// A value as JSON text, validated, and whether it is JSON `null`. A `Json` value keeps the caller's text
/// (key order included, which textual comparisons on SQLite depend on).
fn json_of(lookup: &str, v: &Value) -> Result<(String, bool)> {
    let text = match v {
        Value::Json(text) => text.clone(),
        other => other.to_json_text().ok_or_else(|| {
            QueryError::value(
                lookup,
                format!("a {} cannot be compared with JSON", other.type_name()),
            )
        })?,
    };
    let parsed: J = serde_json::from_str(&text).map_err(|e| {
        QueryError::value(
            lookup,
            format!("{text:?} is not valid JSON ({e}); pass a dict, list or scalar"),
        )
    })?;
    Ok((text, parsed.is_null()))
}

/// The JSON text of a containment value, validated.
fn json_text(lookup: &str, rhs: &Expr) -> Result<String> {
    match rhs {
        Expr::Value(Value::Null) => Err(QueryError::value(
            lookup,
            "None is not a JSON document; pass a dict or list",
        )),
        Expr::Value(v) => Ok(json_of(lookup, v)?.0),
        _ => Err(QueryError::value(
            lookup,
            "expected a JSON value (dict or list), not an expression",
        )),
    }
}

/// `has_key` (one key), `has_keys` (all of a list), `has_any_keys` (any of a list).
fn write_has_keys(
    w: &mut SqlWriter<'_>,
    target: &JsonTarget<'_>,
    lookup: Lookup,
    rhs: &Expr,
) -> Result<()> {
    let name = lookup.name();
    let keys: Vec<String> = match (lookup, rhs) {
        (Lookup::HasKey, Expr::Value(v)) => vec![key_text(name, v)?],
        (_, Expr::Value(Value::List(items))) => items
            .iter()
            .map(|v| key_text(name, v))
            .collect::<Result<_>>()?,
        (_, Expr::Value(v)) => {
            return Err(QueryError::value(
                name,
                format!("expected a list of key names, got a {}", v.type_name()),
            ))
        }
        _ => {
            return Err(QueryError::value(
                name,
                "expected key names, not an expression",
            ))
        }
    };
    if keys.is_empty() {
        return Err(QueryError::value(name, "expected at least one key name"));
    }
    w.dialect()
        .write_json_has_keys(w, target, &keys, lookup != Lookup::HasAnyKeys)
}

/// A key name from a value (`str`, or an integer for array positions).
fn key_text(lookup: &str, v: &Value) -> Result<String> {
    match v {
        Value::Text(s) => Ok(s.clone()),
        Value::Int(i) => Ok(i.to_string()),
        other => Err(QueryError::value(
            lookup,
            format!("key names must be str, got a {}", other.type_name()),
        )),
    }
}

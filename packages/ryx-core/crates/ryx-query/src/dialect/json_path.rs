//! JSON path strings (`$."a"[0]`) for the backends that address JSON by path (MySQL, SQLite); always bound.

use super::{Dialect, JsonTarget};
use crate::error::Result;
use crate::value::Value;
use crate::writer::SqlWriter;

/// Whether a key addresses an array element (`"0"`, `"12"`), as in Django.
pub(crate) fn is_array_index(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 9
        && key.bytes().all(|b| b.is_ascii_digit())
        && (key == "0" || !key.starts_with('0'))
}

/// `."key"` with JSON string escapes (MySQL decodes `\"` and `\\` inside quoted path keys), or `[n]`.
pub(crate) fn write_key_common(out: &mut String, key: &str) {
    if is_array_index(key) {
        out.push('[');
        out.push_str(key);
        out.push(']');
    } else {
        out.push('.');
        // serde_json writes a valid JSON string literal: quotes, backslashes and control characters escaped.
        out.push_str(&serde_json::Value::String(key.to_owned()).to_string());
    }
}

/// `."key"` for SQLite, whose path scanner ends a quoted key at the first `"` even after a backslash, so a
/// quote is written as `\u0022` (decoded when keys are compared); or `[n]`.
pub(crate) fn write_key_sqlite(out: &mut String, key: &str) {
    if is_array_index(key) {
        write_key_common(out, key);
        return;
    }
    out.push_str(".\"");
    for c in key.chars() {
        match c {
            '"' => out.push_str("\\u0022"),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The full path string for `keys`: `$` followed by each key.
pub(crate) fn json_path(d: &dyn Dialect, keys: &[String]) -> String {
    let mut path = String::from("$");
    for key in keys {
        d.write_json_path_key(&mut path, key);
    }
    path
}

/// Bind the path of `keys` as a parameter.
pub(crate) fn write_path_param(w: &mut SqlWriter<'_>, keys: &[String]) {
    let path = json_path(w.dialect(), keys);
    w.param(Value::Text(path));
}

/// `func(doc, ?)` with the bound path of `target.keys`.
pub(crate) fn write_path_call(
    w: &mut SqlWriter<'_>,
    func: &str,
    target: &JsonTarget<'_>,
) -> Result<()> {
    w.push(func);
    w.push("(");
    (target.doc)(w)?;
    w.push(", ");
    write_path_param(w, target.keys);
    w.push(")");
    Ok(())
}

/// The keys of `target` followed by `key`.
pub(crate) fn child_keys(target: &JsonTarget<'_>, key: &str) -> Vec<String> {
    let mut keys = target.keys.to_vec();
    keys.push(key.to_owned());
    keys
}

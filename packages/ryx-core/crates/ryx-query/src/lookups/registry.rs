//! The process-global registry of custom lookups (`register_lookup("ne", "{col} <> ?")`).

use std::collections::BTreeMap;
use std::sync::RwLock;

use crate::error::{QueryError, Result};
use crate::raw::{scan, Lexical};

/// Custom lookup name → SQL template. A poisoned lock still holds a consistent map, so it is recovered.
static CUSTOM: RwLock<BTreeMap<String, String>> = RwLock::new(BTreeMap::new());

/// Register (or replace) a custom lookup. In `template`, `{col}` (or `{lhs}`) is the compiled left-hand side
/// and each `?` outside quotes is the bound value; `??` is a literal `?`. A custom name takes precedence
/// over a built-in lookup of the same name.
///
/// # Errors
/// [`QueryError::Invalid`] when the name is not an identifier (letters, digits, single underscores), when
/// the template has no `{col}`, or when it has an unterminated quote or comment.
pub fn register_lookup(name: &str, template: &str) -> Result<()> {
    let valid_name = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.contains("__");
    if !valid_name {
        return Err(QueryError::Invalid(format!(
            "invalid lookup name {name:?}: use letters, digits and single underscores (no '__', which separates \
             filter parts), e.g. \"not_equal\""
        )));
    }
    if !template.contains("{col}") && !template.contains("{lhs}") {
        return Err(QueryError::Invalid(format!(
            "the template of lookup '{name}' must contain {{col}} where the column goes, e.g. \"{{col}} <> ?\""
        )));
    }
    scan(template, Lexical::default())?;
    CUSTOM
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(name.to_owned(), template.to_owned());
    Ok(())
}

/// Remove a custom lookup; returns whether it existed.
pub fn unregister_lookup(name: &str) -> bool {
    CUSTOM
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .remove(name)
        .is_some()
}

/// The template of a custom lookup.
pub(crate) fn template(name: &str) -> Option<String> {
    CUSTOM
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(name)
        .cloned()
}

/// The names of every custom lookup.
pub(crate) fn names() -> Vec<String> {
    CUSTOM
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .keys()
        .cloned()
        .collect()
}

//! The lookup registry: built-in lookups and transforms, custom templated lookups, and the dispatch that
//! turns `lhs <lookup> rhs` into SQL through the dialect hooks.

mod compare;
mod custom;
mod date;
mod json;
mod registry;
mod text;

pub use date::{available_transforms, is_transform, Transform};
pub use registry::{register_lookup, unregister_lookup};

use crate::ast::Expr;
use crate::compiler::{write_operand, PREC_ATOM, PREC_CMP};
use crate::dialect::{Emit, MatchKind};
use crate::error::{QueryError, Result};
use crate::value::Value;
use crate::writer::SqlWriter;

/// A built-in lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lookup {
    Exact,
    IExact,
    Contains,
    IContains,
    StartsWith,
    IStartsWith,
    EndsWith,
    IEndsWith,
    Gt,
    Gte,
    Lt,
    Lte,
    In,
    Range,
    IsNull,
    Regex,
    IRegex,
    HasKey,
    HasKeys,
    HasAnyKeys,
    ContainedBy,
}

/// Built-in lookup names, in declaration order.
const BUILTIN: &[(&str, Lookup)] = &[
    ("exact", Lookup::Exact),
    ("iexact", Lookup::IExact),
    ("contains", Lookup::Contains),
    ("icontains", Lookup::IContains),
    ("startswith", Lookup::StartsWith),
    ("istartswith", Lookup::IStartsWith),
    ("endswith", Lookup::EndsWith),
    ("iendswith", Lookup::IEndsWith),
    ("gt", Lookup::Gt),
    ("gte", Lookup::Gte),
    ("lt", Lookup::Lt),
    ("lte", Lookup::Lte),
    ("in", Lookup::In),
    ("range", Lookup::Range),
    ("isnull", Lookup::IsNull),
    ("regex", Lookup::Regex),
    ("iregex", Lookup::IRegex),
    ("has_key", Lookup::HasKey),
    ("has_keys", Lookup::HasKeys),
    ("has_any_keys", Lookup::HasAnyKeys),
    ("contained_by", Lookup::ContainedBy),
];

impl Lookup {
    fn from_name(name: &str) -> Option<Self> {
        BUILTIN.iter().find(|(n, _)| *n == name).map(|(_, l)| *l)
    }

    fn name(self) -> &'static str {
        BUILTIN
            .iter()
            .find(|(_, l)| *l == self)
            .map_or("exact", |(n, _)| n)
    }

    /// The pattern test behind a text lookup: (kind, case-insensitive).
    fn text_match(self) -> Option<(MatchKind, bool)> {
        Some(match self {
            Lookup::Contains => (MatchKind::Contains, false),
            Lookup::IContains => (MatchKind::Contains, true),
            Lookup::StartsWith => (MatchKind::StartsWith, false),
            Lookup::IStartsWith => (MatchKind::StartsWith, true),
            Lookup::EndsWith => (MatchKind::EndsWith, false),
            Lookup::IEndsWith => (MatchKind::EndsWith, true),
            _ => return None,
        })
    }

    /// The SQL operator of an ordering comparison.
    fn comparison(self) -> Option<&'static str> {
        Some(match self {
            Lookup::Gt => ">",
            Lookup::Gte => ">=",
            Lookup::Lt => "<",
            Lookup::Lte => "<=",
            _ => return None,
        })
    }
}

/// Built-in lookup names in declaration order.
#[must_use]
pub fn builtin_lookups() -> Vec<&'static str> {
    BUILTIN.iter().map(|(n, _)| *n).collect()
}

/// Every lookup name, built-in and custom, sorted and without duplicates.
#[must_use]
pub fn available_lookups() -> Vec<String> {
    let mut names: Vec<String> = BUILTIN.iter().map(|(n, _)| (*n).to_owned()).collect();
    names.extend(registry::names());
    names.sort();
    names.dedup();
    names
}

/// Whether `name` is a lookup (built-in or custom).
#[must_use]
pub fn is_lookup(name: &str) -> bool {
    Lookup::from_name(name).is_some() || registry::template(name).is_some()
}

/// The error for an unknown lookup, listing the valid ones.
pub(crate) fn unknown_lookup(name: &str) -> QueryError {
    QueryError::UnknownLookup {
        name: name.to_owned(),
        available: available_lookups(),
    }
}

/// The error for an unknown transform, listing the valid ones.
pub(crate) fn unknown_transform(name: &str) -> QueryError {
    QueryError::UnknownTransform {
        name: name.to_owned(),
        available: available_transforms()
            .into_iter()
            .map(str::to_owned)
            .collect(),
    }
}

/// Write `lhs <lookup> rhs`.
pub(crate) fn write_lookup(
    w: &mut SqlWriter<'_>,
    lhs: &Expr,
    name: &str,
    rhs: &Expr,
) -> Result<()> {
    if let Some(template) = registry::template(name) {
        return custom::write(w, lhs, &template, rhs);
    }
    let lookup = Lookup::from_name(name).ok_or_else(|| unknown_lookup(name))?;
    if let Expr::JsonKey { arg, path } = lhs {
        if !path.is_empty() {
            return json::write_key_lookup(w, arg, path, lookup, rhs);
        }
    }
    let rhs_json = matches!(rhs, Expr::Value(Value::Json(_)));
    match lookup {
        Lookup::Exact | Lookup::Contains if rhs_json => json::write_doc_lookup(w, lhs, lookup, rhs),
        Lookup::HasKey | Lookup::HasKeys | Lookup::HasAnyKeys | Lookup::ContainedBy => {
            json::write_doc_lookup(w, lhs, lookup, rhs)
        }
        _ => {
            let plain = |w: &mut SqlWriter<'_>| write_operand(w, lhs, PREC_CMP);
            let as_text = |w: &mut SqlWriter<'_>| write_text_operand(w, lhs);
            write_scalar_lookup(w, lookup, &plain, &as_text, rhs)
        }
    }
}

/// The left side of a text lookup: cast to text where the dialect needs it (PostgreSQL).
fn write_text_operand(w: &mut SqlWriter<'_>, lhs: &Expr) -> Result<()> {
    if w.dialect().cast_text_lookups() {
        write_operand(w, lhs, PREC_ATOM)?;
        w.push("::text");
        Ok(())
    } else {
        write_operand(w, lhs, PREC_CMP)
    }
}

/// The lookups that compare one value: `plain` is the left side as is, `as_text` its text form.
pub(crate) fn write_scalar_lookup(
    w: &mut SqlWriter<'_>,
    lookup: Lookup,
    plain: Emit<'_>,
    as_text: Emit<'_>,
    rhs: &Expr,
) -> Result<()> {
    let name = lookup.name();
    if let Some(op) = lookup.comparison() {
        return compare::ordering(w, name, op, plain, rhs);
    }
    if let Some((kind, case_insensitive)) = lookup.text_match() {
        return text::pattern(w, name, kind, case_insensitive, as_text, rhs);
    }
    let param = |w: &mut SqlWriter<'_>, v: &Value| {
        w.param(v.clone());
        Ok(())
    };
    match lookup {
        Lookup::Exact => compare::exact(w, plain, rhs),
        Lookup::IExact => text::iexact(w, plain, as_text, rhs),
        Lookup::In => compare::in_list(w, plain, rhs, &param),
        Lookup::Range => compare::range(w, plain, rhs, &param),
        Lookup::IsNull => compare::isnull(w, plain, rhs),
        Lookup::Regex | Lookup::IRegex => {
            text::regex(w, name, lookup == Lookup::IRegex, as_text, rhs)
        }
        _ => Err(QueryError::Invalid(format!(
            "lookup '{name}' does not apply here"
        ))),
    }
}

/// Write the right-hand side of a comparison: a bound value, or an expression.
fn write_rhs(w: &mut SqlWriter<'_>, rhs: &Expr) -> Result<()> {
    match rhs {
        Expr::Value(v) => {
            w.param(v.clone());
            Ok(())
        }
        other => write_operand(w, other, PREC_CMP),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_names_are_in_declaration_order() {
        let names = builtin_lookups();
        assert_eq!(names.first(), Some(&"exact"));
        assert_eq!(names.len(), 21);
        assert!(names.contains(&"has_any_keys"));
        // `contains` appears once: JSON containment is chosen by value type, not by a second entry.
        assert_eq!(names.iter().filter(|n| **n == "contains").count(), 1);
    }

    #[test]
    fn transforms_include_aliases() {
        assert!(is_transform("iso_week_day"));
        assert!(is_transform("dow"));
        assert_eq!(Transform::from_name("iso_week"), Some(Transform::Week));
        assert_eq!(
            Transform::from_name("dow").map(Transform::name),
            Some("week_day")
        );
        assert!(!is_transform("key"));
    }

    #[test]
    fn unknown_lookup_lists_choices_and_how_to_register() {
        let msg = unknown_lookup("iexcat").to_string();
        assert!(msg.contains("unknown lookup 'iexcat'"), "{msg}");
        assert!(msg.contains("iexact"), "{msg}");
        assert!(msg.contains("register_lookup"), "{msg}");
        let msg = unknown_transform("yaer").to_string();
        assert!(
            msg.contains("unknown transform 'yaer'") && msg.contains("year"),
            "{msg}"
        );
    }
}

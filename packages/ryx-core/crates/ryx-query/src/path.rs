//! Django-style filter paths: `"created__year__gte"` → (transform(year, created), "gte").

use crate::ast::Expr;
use crate::error::{QueryError, Result};
use crate::lookups::{is_lookup, unknown_lookup, unknown_transform, Transform};

/// Parse a filter path into its left-hand expression and final lookup name.
///
/// After the column (`"c"` or `"t.c"`), parts that are transforms wrap it; the last part is the lookup when
/// it is a registered lookup name (default `exact`); any other part starts a JSON key path that runs to the
/// end. `key` / `key_text` mark a key path explicitly (`data__key__exact__exact` targets a key named
/// `exact`). Examples: `views` → (views, exact); `data__a__b` → (`JsonKey(data, [a, b])`, exact).
///
/// # Errors
/// [`QueryError::Invalid`] for an empty path, an empty part or a key marker without a key; unknown names
/// after a transform ([`QueryError::UnknownLookup`] / [`QueryError::UnknownTransform`]).
pub fn parse_path(path: &str) -> Result<(Expr, String)> {
    parse(path, true)
}

/// Like [`parse_path`], for fields that are not JSON: an unknown part is an error instead of a JSON key.
///
/// # Errors
/// As for [`parse_path`]; also [`QueryError::UnknownLookup`] / [`QueryError::UnknownTransform`] for any
/// part that is neither.
pub fn parse_path_strict(path: &str) -> Result<(Expr, String)> {
    parse(path, false)
}

fn parse(path: &str, json_keys: bool) -> Result<(Expr, String)> {
    let parts: Vec<&str> = path.split("__").collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(QueryError::Invalid(format!(
            "invalid filter path {path:?}: every part between '__' must be a name, e.g. \"created__year__gte\""
        )));
    }
    let (column, mut rest) = parts
        .split_first()
        .map(|(c, r)| (*c, r))
        .unwrap_or((path, &[]));
    let mut lookup = "exact";
    if let Some((last, init)) = rest.split_last() {
        if is_lookup(last) {
            lookup = last;
            rest = init;
        }
    }
    let mut expr = Expr::col(column);
    let mut transformed = false;
    for (i, part) in rest.iter().enumerate() {
        if matches!(*part, "key" | "key_text") {
            let keys = &rest[i + 1..];
            if keys.is_empty() {
                return Err(QueryError::Invalid(format!(
                    "invalid filter path {path:?}: '{part}' must be followed by a key name, e.g. \"data__key__name\""
                )));
            }
            return Ok((Expr::json_key(expr, to_owned(keys)), lookup.to_owned()));
        }
        if let Some(t) = Transform::from_name(part) {
            expr = Expr::transform(t.name(), expr);
            transformed = true;
            continue;
        }
        if !json_keys || transformed {
            // The last part was meant as a lookup, any earlier one as a transform.
            return Err(if i + 1 == rest.len() && lookup == "exact" {
                unknown_lookup(part)
            } else {
                unknown_transform(part)
            });
        }
        return Ok((
            Expr::json_key(expr, to_owned(&rest[i..])),
            lookup.to_owned(),
        ));
    }
    Ok((expr, lookup.to_owned()))
}

fn to_owned(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|p| (*p).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str) -> Expr {
        Expr::col(name)
    }

    #[test]
    fn plain_column_defaults_to_exact() {
        assert_eq!(parse_path("views").unwrap(), (col("views"), "exact".into()));
        assert_eq!(
            parse_path("views__gte").unwrap(),
            (col("views"), "gte".into())
        );
    }

    #[test]
    fn qualified_column() {
        let (e, l) = parse_path("t.c__in").unwrap();
        assert_eq!(
            e,
            Expr::Column {
                table: Some("t".into()),
                name: "c".into()
            }
        );
        assert_eq!(l, "in");
    }

    #[test]
    fn transforms_chain_and_bare_transform_means_exact() {
        assert_eq!(
            parse_path("created__year__gte").unwrap(),
            (Expr::transform("year", col("created")), "gte".into())
        );
        assert_eq!(
            parse_path("created__year").unwrap(),
            (Expr::transform("year", col("created")), "exact".into())
        );
        assert_eq!(
            parse_path("created__date__month__lt").unwrap(),
            (
                Expr::transform("month", Expr::transform("date", col("created"))),
                "lt".into()
            )
        );
        // Aliases resolve to the canonical transform.
        assert_eq!(
            parse_path("created__dow").unwrap().0,
            Expr::transform("week_day", col("created"))
        );
    }

    #[test]
    fn json_keys() {
        let keys = |k: &[&str]| k.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            parse_path("data__a__b").unwrap(),
            (
                Expr::json_key(col("data"), keys(&["a", "b"])),
                "exact".into()
            )
        );
        assert_eq!(
            parse_path("data__key__a__icontains").unwrap(),
            (
                Expr::json_key(col("data"), keys(&["a"])),
                "icontains".into()
            )
        );
        assert_eq!(
            parse_path("data__key_text__year__gte").unwrap(),
            (Expr::json_key(col("data"), keys(&["year"])), "gte".into())
        );
        // Once a key path starts, transform names are keys.
        assert_eq!(
            parse_path("data__a__year").unwrap().0,
            Expr::json_key(col("data"), keys(&["a", "year"]))
        );
    }

    #[test]
    fn errors() {
        assert!(matches!(parse_path(""), Err(QueryError::Invalid(_))));
        assert!(matches!(parse_path("a____b"), Err(QueryError::Invalid(_))));
        assert!(matches!(
            parse_path("data__key"),
            Err(QueryError::Invalid(_))
        ));
        assert!(matches!(
            parse_path("created__year__foo"),
            Err(QueryError::UnknownLookup { .. })
        ));
        assert!(matches!(
            parse_path("created__yaer__gte"),
            Ok((Expr::JsonKey { .. }, _))
        ));
        assert!(matches!(
            parse_path_strict("created__yaer__gte"),
            Err(QueryError::UnknownTransform { .. })
        ));
        assert!(matches!(
            parse_path_strict("title__iexcat"),
            Err(QueryError::UnknownLookup { .. })
        ));
    }
}

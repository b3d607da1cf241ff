//! The compiler: pure functions from the AST to [`Compiled`] SQL for one dialect.

mod expr;
mod insert;
mod select;
mod write;

pub(crate) use expr::{write_cond, write_expr, write_operand, PREC_ATOM, PREC_CMP};
pub use insert::{
    compile_bulk_update, compile_insert, compile_insert_batches, compile_insert_values,
};
pub(crate) use select::write_select;
pub use select::{compile_count, compile_exists, compile_select};
pub use write::{compile_delete, compile_update};

use crate::ast::{Cond, Expr};
use crate::dialect::Dialect;
use crate::error::Result;
use crate::writer::{Compiled, SqlWriter};

/// Compile a condition on its own (the text that would follow WHERE); for debugging and tests.
///
/// # Errors
/// Unknown lookups or transforms, invalid values, bad identifiers.
pub fn compile_condition(cond: &Cond, d: &dyn Dialect) -> Result<Compiled> {
    let mut w = SqlWriter::new(d);
    write_cond(&mut w, cond)?;
    Ok(w.finish())
}

/// Compile an expression on its own (the text of a SELECT item); for debugging and tests.
///
/// # Errors
/// Unknown transforms, wrong function arity, bad identifiers.
pub fn compile_expr(expr: &Expr, d: &dyn Dialect) -> Result<Compiled> {
    let mut w = SqlWriter::new(d);
    write_expr(&mut w, expr)?;
    Ok(w.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{AggFunc, Func};
    use crate::dialect::{escape_like, mysql, postgres, sqlite};
    use crate::error::QueryError;
    use crate::value::Value;

    fn sql(e: &Expr) -> String {
        compile_expr(e, sqlite()).unwrap().sql
    }

    fn v(i: i64) -> Expr {
        Expr::value(i)
    }

    #[test]
    fn parentheses_follow_precedence() {
        let (a, b, c) = (Expr::col("a"), Expr::col("b"), Expr::col("c"));
        assert_eq!(
            sql(&(a.clone() + b.clone() * c.clone())),
            r#""a" + "b" * "c""#
        );
        assert_eq!(
            sql(&((a.clone() + b.clone()) * c.clone())),
            r#"("a" + "b") * "c""#
        );
        assert_eq!(
            sql(&(a.clone() - (b.clone() - c.clone()))),
            r#""a" - ("b" - "c")"#
        );
        assert_eq!(
            sql(&(a.clone() - b.clone() - c.clone())),
            r#""a" - "b" - "c""#
        );
        assert_eq!(
            sql(&(a.clone() / (b.clone() * c.clone()))),
            r#""a" / ("b" * "c")"#
        );
        assert_eq!(
            sql(&(a.clone() * b.clone() / c.clone())),
            r#""a" * "b" / "c""#
        );
        assert_eq!(sql(&(a.clone() + -b.clone())), r#""a" + -"b""#);
        // A minus before a minus would start a `--` comment; the inner one is parenthesised.
        assert_eq!(sql(&-(-a.clone())), r#"-(-"a")"#);
        assert_eq!(sql(&-(a.clone() * b.clone())), r#"-("a" * "b")"#);
        assert_eq!(sql(&(Expr::raw("x OR y", vec![]) + v(1))), "(x OR y) + ?");
        assert_eq!(
            sql(&Expr::func(Func::Abs, vec![a.clone() - b.clone()])),
            r#"ABS("a" - "b")"#
        );
        assert_eq!(
            sql(&Expr::func(Func::Concat, vec![a.clone() + b, c])),
            r#"(("a" + "b") || "c")"#
        );
    }

    #[test]
    fn conditions_parenthesise_only_mixed_junctions() {
        let c = |n: &str| Cond::lookup(Expr::col(n), "exact", v(1));
        let s = |cond: &Cond| compile_condition(cond, sqlite()).unwrap().sql;
        assert_eq!(
            s(&c("a").and(c("b")).and(c("c"))),
            r#""a" = ? AND "b" = ? AND "c" = ?"#
        );
        assert_eq!(
            s(&c("a").or(c("b")).and(c("c"))),
            r#"("a" = ? OR "b" = ?) AND "c" = ?"#
        );
        assert_eq!(
            s(&c("a").and(c("b")).or(c("c"))),
            r#"("a" = ? AND "b" = ?) OR "c" = ?"#
        );
        assert_eq!(s(&c("a").not()), r#"NOT ("a" = ?)"#);
        assert_eq!(s(&c("a").not().not()), r#""a" = ?"#);
        assert_eq!(s(&Cond::And(vec![])), "1 = 1");
        assert_eq!(s(&Cond::Or(vec![])), "1 = 0");
    }

    #[test]
    fn identifiers_are_quoted_with_doubled_quotes() {
        let e = Expr::qualified("my\"table", "co`l\"");
        assert_eq!(
            compile_expr(&e, postgres()).unwrap().sql,
            r#""my""table"."co`l""""#
        );
        assert_eq!(
            compile_expr(&e, mysql()).unwrap().sql,
            "`my\"table`.`co``l\"`"
        );
        assert_eq!(
            compile_expr(&Expr::col("s.t.c"), postgres()).unwrap().sql,
            r#""s"."t"."c""#
        );
        assert_eq!(
            compile_expr(&Expr::col("t.*"), mysql()).unwrap().sql,
            "`t`.*"
        );
        assert_eq!(
            compile_expr(&Expr::col(""), postgres()),
            Err(QueryError::InvalidIdentifier(String::new()))
        );
        let err = compile_expr(&Expr::col("a\0b"), postgres()).unwrap_err();
        assert!(err.to_string().contains("must not contain NUL"), "{err}");
    }

    #[test]
    fn like_escaping_covers_the_escape_character_and_wildcards() {
        assert_eq!(escape_like("100%_done!"), "100!%!_done!!");
        assert_eq!(escape_like("plain"), "plain");
        let cond = Cond::lookup(Expr::col("t"), "icontains", Expr::value("a!%_b"));
        let out = compile_condition(&cond, mysql()).unwrap();
        assert_eq!(out.sql, "UPPER(`t`) LIKE UPPER(?) ESCAPE '!'");
        assert_eq!(out.params, vec![Value::Text("%a!!!%!_b%".into())]);
    }

    #[test]
    fn placeholders_are_numbered_in_text_order_on_postgres() {
        let q = crate::ast::Query::new("t")
            .add_column(
                Expr::raw("? + ?", vec![Value::Int(1), Value::Int(2)]),
                Some("x"),
            )
            .filter(Cond::lookup(
                Expr::col("a"),
                "in",
                Expr::Value(Value::List(vec![Value::Int(3), Value::Int(4)])),
            ))
            .limit(Some(5));
        let out = compile_select(&q, postgres()).unwrap();
        // Same-typed keys are one array parameter on PostgreSQL.
        assert_eq!(
            out.sql,
            r#"SELECT $1 + $2 AS "x" FROM "t" WHERE "a" = ANY($3) LIMIT $4"#
        );
        assert_eq!(out.params.len(), 4);
        assert_eq!(
            out.params[2],
            Value::List(vec![Value::Int(3), Value::Int(4)])
        );
        // Mixed types are written out one parameter each.
        let mixed = crate::ast::Query::new("t").filter(Cond::lookup(
            Expr::col("a"),
            "in",
            Expr::Value(Value::List(vec![Value::Int(3), Value::Text("x".into())])),
        ));
        assert_eq!(
            compile_select(&mixed, postgres()).unwrap().sql,
            r#"SELECT "t".* FROM "t" WHERE "a" IN ($1, $2)"#
        );
    }

    #[test]
    fn error_messages_say_what_to_do() {
        let range = Cond::lookup(
            Expr::col("a"),
            "range",
            Expr::Value(Value::List(vec![Value::Int(1)])),
        );
        let msg = compile_condition(&range, sqlite()).unwrap_err().to_string();
        assert!(msg.contains("range needs exactly 2 values"), "{msg}");
        let msg = compile_condition(&Cond::lookup(Expr::col("a"), "bogus", v(1)), sqlite())
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("unknown lookup 'bogus'") && msg.contains("register_lookup"),
            "{msg}"
        );
        let msg = compile_expr(
            &Expr::Agg {
                func: AggFunc::Max,
                arg: None,
                distinct: false,
            },
            sqlite(),
        )
        .unwrap_err()
        .to_string();
        assert!(msg.contains("MAX needs an argument"), "{msg}");
        let msg = compile_delete(&crate::ast::Query::new("t").limit(Some(1)), None, sqlite())
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("primary key column") && msg.contains("pk=\"id\""),
            "{msg}"
        );
        let cb = Cond::lookup(
            Expr::col("d"),
            "contained_by",
            Expr::value(Value::Json("{}".into())),
        );
        let err = compile_condition(&cb, sqlite()).unwrap_err();
        assert_eq!(
            err,
            QueryError::NotSupported {
                feature: "the JSON contained_by lookup".into(),
                backend: "sqlite".into()
            }
        );
    }

    #[test]
    fn values_never_appear_in_sql_text() {
        let hostile = "'; DROP TABLE t; --";
        let cond = Cond::all([
            Cond::lookup(Expr::col("a"), "exact", Expr::value(hostile)),
            Cond::lookup(Expr::col("a"), "icontains", Expr::value(hostile)),
            Cond::lookup(
                Expr::json_key(Expr::col("d"), vec![hostile.into()]),
                "exact",
                Expr::value(hostile),
            ),
            Cond::lookup(Expr::col("d"), "has_key", Expr::value(hostile)),
        ]);
        for d in [postgres(), mysql(), sqlite()] {
            let out = compile_condition(&cond, d).unwrap();
            assert!(!out.sql.contains("DROP"), "{}: {}", d.name(), out.sql);
        }
    }
}

//! Writing expressions and conditions, with parentheses decided by precedence rather than everywhere.

use crate::ast::{AggFunc, Cond, Expr, Func};
use crate::dialect::{Emit, FuncSyntax};
use crate::error::{QueryError, Result};
use crate::lookups::{unknown_transform, write_lookup, Transform};
use crate::value::Value;
use crate::writer::SqlWriter;

/// Raw SQL: its precedence is unknown, so it is parenthesised wherever an operand is expected.
const PREC_RAW: u8 = 0;
/// The minimum precedence of a comparison operand: arithmetic binds tighter than `=`/`LIKE`/`IN`.
pub(crate) const PREC_CMP: u8 = 1;
/// Unary minus.
const PREC_NEG: u8 = 3;
/// Columns, parameters, function calls: never need parentheses.
pub(crate) const PREC_ATOM: u8 = 4;

fn precedence(e: &Expr) -> u8 {
    match e {
        Expr::Raw { .. } => PREC_RAW,
        Expr::Binary { op, .. } => op.precedence(),
        Expr::Neg(_) => PREC_NEG,
        _ => PREC_ATOM,
    }
}

/// Write `e`, parenthesised when it binds less tightly than `min`.
pub(crate) fn write_operand(w: &mut SqlWriter<'_>, e: &Expr, min: u8) -> Result<()> {
    if precedence(e) < min {
        w.push("(");
        write_expr(w, e)?;
        w.push(")");
        Ok(())
    } else {
        write_expr(w, e)
    }
}

/// Write an expression.
pub(crate) fn write_expr(w: &mut SqlWriter<'_>, e: &Expr) -> Result<()> {
    match e {
        Expr::Column { table, name } => write_column(w, table.as_deref(), name),
        Expr::Value(Value::List(items)) => {
            if items.is_empty() {
                return Err(QueryError::Invalid(
                    "an empty list cannot be written as a value".into(),
                ));
            }
            w.push("(");
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    w.push(", ");
                }
                w.param(v.clone());
            }
            w.push(")");
            Ok(())
        }
        Expr::Value(v) => {
            w.param(v.clone());
            Ok(())
        }
        Expr::Raw { sql, params } => w.raw(sql, params),
        Expr::Agg {
            func,
            arg,
            distinct,
        } => write_agg(w, *func, arg.as_deref(), *distinct),
        Expr::Binary { op, left, right } => {
            let p = op.precedence();
            write_operand(w, left, p)?;
            w.push(" ");
            w.push(op.symbol());
            w.push(" ");
            // Left-associative: a right operand of equal precedence needs parentheses (a - (b - c)).
            write_operand(w, right, p + 1)
        }
        Expr::Neg(inner) => {
            // Only atoms follow the minus directly, so `--` (a comment) can never be produced.
            w.push("-");
            write_operand(w, inner, PREC_ATOM)
        }
        Expr::Transform { name, arg } => {
            let t = Transform::from_name(name).ok_or_else(|| unknown_transform(name))?;
            let template = w.dialect().transform_template(t);
            let (before, after) = template.split_once("{}").unwrap_or((template, ""));
            w.push(before);
            write_expr(w, arg)?;
            w.push(after);
            Ok(())
        }
        Expr::JsonKey { arg, path } => {
            if path.is_empty() {
                return write_expr(w, arg);
            }
            let doc = |w: &mut SqlWriter<'_>| write_operand(w, arg, PREC_ATOM);
            let target = crate::dialect::JsonTarget {
                doc: &doc,
                keys: path,
            };
            w.dialect().write_json_extract(w, &target, false)
        }
        Expr::Func { func, args } => write_func(w, *func, args),
        Expr::Subquery(q) => {
            w.push("(");
            super::write_select(w, q)?;
            w.push(")");
            Ok(())
        }
    }
}

/// `"t"."c"`, `"c"`, `"t".*`; a name `"t.c"` without a table means column `c` of table `t`.
fn write_column(w: &mut SqlWriter<'_>, table: Option<&str>, name: &str) -> Result<()> {
    let (table, name) = match (table, name.rsplit_once('.')) {
        (None, Some((t, n))) => (Some(t), n),
        _ => (table, name),
    };
    if let Some(t) = table {
        w.dotted_ident(t)?;
        w.push(".");
    }
    if name == "*" {
        w.push("*");
        Ok(())
    } else {
        w.ident(name)
    }
}

fn write_agg(
    w: &mut SqlWriter<'_>,
    func: AggFunc,
    arg: Option<&Expr>,
    distinct: bool,
) -> Result<()> {
    w.push(func.sql_name());
    w.push("(");
    match arg {
        None if func == AggFunc::Count => w.push("*"),
        None => {
            return Err(QueryError::Invalid(format!(
                "{} needs an argument (a column or expression); only COUNT can count rows with *",
                func.sql_name()
            )))
        }
        Some(arg) => {
            if distinct {
                w.push("DISTINCT ");
            }
            write_expr(w, arg)?;
        }
    }
    w.push(")");
    Ok(())
}

fn write_func(w: &mut SqlWriter<'_>, func: Func, args: &[Expr]) -> Result<()> {
    let (min, max) = func.arity();
    if args.len() < min || max.is_some_and(|m| args.len() > m) {
        let expected = match max {
            Some(m) if m == min => format!("{min}"),
            Some(m) => format!("{min} to {m}"),
            None => format!("at least {min}"),
        };
        return Err(QueryError::Invalid(format!(
            "{func:?} takes {expected} argument(s), got {}",
            args.len()
        )));
    }
    // Function arguments need no parentheses; infix operands must be atoms.
    let min = match w.dialect().func_syntax(func) {
        FuncSyntax::Infix(_) => PREC_ATOM,
        _ => PREC_RAW,
    };
    // One closure expression, so every element has the same type and fits in a Vec.
    let emits: Vec<_> = args
        .iter()
        .map(|a| move |w: &mut SqlWriter<'_>| write_operand(w, a, min))
        .collect();
    let parts: Vec<Emit<'_>> = emits.iter().map(|f| f as Emit<'_>).collect();
    match w.dialect().func_syntax(func) {
        FuncSyntax::Fixed(sql) => {
            w.push(sql);
            Ok(())
        }
        FuncSyntax::Call(name) => crate::dialect::write_call(w, name, &parts),
        FuncSyntax::Infix(op) => crate::dialect::write_infix(w, op, &parts),
    }
}

/// Where a condition appears, which decides whether it needs parentheses.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Top,
    And,
    Or,
}

/// Write a condition.
pub(crate) fn write_cond(w: &mut SqlWriter<'_>, c: &Cond) -> Result<()> {
    write_cond_in(w, c, Ctx::Top)
}

fn write_cond_in(w: &mut SqlWriter<'_>, c: &Cond, ctx: Ctx) -> Result<()> {
    match c {
        Cond::Lookup { lhs, lookup, rhs } => write_lookup(w, lhs, lookup, rhs),
        // AND binds tighter than OR, so only an OR inside an AND needs parentheses; an AND inside an OR
        // gets them anyway because `(a AND b) OR c` is how people read it.
        Cond::And(items) => {
            write_junction(w, items, " AND ", Ctx::And, ctx == Ctx::Or, "1 = 1", ctx)
        }
        Cond::Or(items) => write_junction(w, items, " OR ", Ctx::Or, ctx == Ctx::And, "1 = 0", ctx),
        Cond::Not(inner) => {
            w.push("NOT (");
            write_cond_in(w, inner, Ctx::Top)?;
            w.push(")");
            Ok(())
        }
        Cond::Raw { sql, params } => {
            let paren = ctx != Ctx::Top;
            if paren {
                w.push("(");
            }
            w.raw(sql, params)?;
            if paren {
                w.push(")");
            }
            Ok(())
        }
        Cond::Const(b) => {
            w.push(if *b { "1 = 1" } else { "1 = 0" });
            Ok(())
        }
        Cond::Exists(q) => {
            w.push("EXISTS (");
            super::write_select(w, q)?;
            w.push(")");
            Ok(())
        }
    }
}

fn write_junction(
    w: &mut SqlWriter<'_>,
    items: &[Cond],
    sep: &str,
    inner: Ctx,
    paren: bool,
    empty: &str,
    outer: Ctx,
) -> Result<()> {
    match items {
        [] => {
            w.push(empty);
            Ok(())
        }
        [only] => write_cond_in(w, only, outer),
        _ => {
            if paren {
                w.push("(");
            }
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    w.push(sep);
                }
                write_cond_in(w, item, inner)?;
            }
            if paren {
                w.push(")");
            }
            Ok(())
        }
    }
}

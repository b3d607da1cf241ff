//! Text lookups: `iexact`, `contains`/`startswith`/`endswith` and their case-insensitive forms, regexes.
//! Values are bound; LIKE patterns are escaped in Rust (`!`, `%`, `_`) before binding.

use crate::ast::Expr;
use crate::compiler::{write_operand, PREC_CMP};
use crate::dialect::{Emit, MatchKind, TextRhs};
use crate::error::{QueryError, Result};
use crate::value::Value;
use crate::writer::SqlWriter;

/// The right-hand side of a text lookup: the value's text, or the expression itself.
fn text_rhs<'a>(name: &str, rhs: &Expr, expr: Emit<'a>) -> Result<TextRhs<'a>> {
    match rhs {
        Expr::Value(Value::Null) => Err(QueryError::value(
            name,
            "None matches nothing in a text lookup; use isnull=True to find NULLs",
        )),
        Expr::Value(v) => v.to_text().map(TextRhs::Literal).ok_or_else(|| {
            QueryError::value(
                name,
                format!("expected text, got a {}; pass a str", v.type_name()),
            )
        }),
        _ => Ok(TextRhs::Expr(expr)),
    }
}

/// `contains` / `startswith` / `endswith` and the `i…` forms, through the dialect.
pub(super) fn pattern(
    w: &mut SqlWriter<'_>,
    name: &str,
    kind: MatchKind,
    case_insensitive: bool,
    lhs: Emit<'_>,
    rhs: &Expr,
) -> Result<()> {
    let expr = |w: &mut SqlWriter<'_>| write_operand(w, rhs, PREC_CMP);
    let rhs = text_rhs(name, rhs, &expr)?;
    w.dialect()
        .write_text_match(w, kind, case_insensitive, lhs, &rhs)
}

/// `UPPER(lhs) = UPPER(rhs)` on the text form of `lhs`; NULL means `plain IS NULL`, as for `exact`.
pub(super) fn iexact(
    w: &mut SqlWriter<'_>,
    plain: Emit<'_>,
    lhs: Emit<'_>,
    rhs: &Expr,
) -> Result<()> {
    if matches!(rhs, Expr::Value(Value::Null)) {
        plain(w)?;
        w.push(" IS NULL");
        return Ok(());
    }
    let expr = |w: &mut SqlWriter<'_>| write_operand(w, rhs, PREC_CMP);
    let rhs = text_rhs("iexact", rhs, &expr)?;
    w.push("UPPER(");
    lhs(w)?;
    w.push(") = UPPER(");
    match rhs {
        TextRhs::Literal(text) => w.param(Value::Text(text)),
        TextRhs::Expr(e) => e(w)?,
    }
    w.push(")");
    Ok(())
}

/// `regex` / `iregex`, through the dialect.
pub(super) fn regex(
    w: &mut SqlWriter<'_>,
    name: &str,
    case_insensitive: bool,
    lhs: Emit<'_>,
    rhs: &Expr,
) -> Result<()> {
    if !w.dialect().features().supports_regex {
        return Err(crate::dialect::unsupported(w.dialect(), "regex lookups"));
    }
    let expr = |w: &mut SqlWriter<'_>| write_operand(w, rhs, PREC_CMP);
    let rhs = text_rhs(name, rhs, &expr)?;
    w.dialect().write_regex(w, lhs, &rhs, case_insensitive)
}

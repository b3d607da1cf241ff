//! Rendering custom lookups: `{col}` becomes the left-hand side, each `?` the bound right-hand value.

use crate::ast::Expr;
use crate::compiler::{write_operand, PREC_ATOM};
use crate::error::{QueryError, Result};
use crate::raw::{scan, Lexical, Piece};
use crate::value::Value;
use crate::writer::SqlWriter;

/// Write a custom lookup from its template, parenthesised because its precedence is unknown.
pub(super) fn write(w: &mut SqlWriter<'_>, lhs: &Expr, template: &str, rhs: &Expr) -> Result<()> {
    let pieces = scan(template, Lexical::of(w.dialect()))?;
    w.push("(");
    for piece in pieces {
        match piece {
            Piece::Text(text) => write_text(w, text, lhs)?,
            Piece::Placeholder => write_value(w, rhs)?,
            Piece::LiteralQuestion => w.push("?"),
            Piece::Numbered(n) => {
                return Err(QueryError::Invalid(format!(
                "custom lookup templates use `?` for the value; replace {n} in {template:?} with ?"
            )))
            }
        }
    }
    w.push(")");
    Ok(())
}

/// Template text with every `{col}` / `{lhs}` replaced by the left-hand side.
fn write_text(w: &mut SqlWriter<'_>, mut text: &str, lhs: &Expr) -> Result<()> {
    loop {
        let next = ["{col}", "{lhs}"].iter().filter_map(|m| text.find(m)).min();
        let Some(at) = next else {
            w.push(text);
            return Ok(());
        };
        w.push(&text[..at]);
        write_operand(w, lhs, PREC_ATOM)?;
        text = &text[at + 5..];
    }
}

/// The value for one `?`: bound unchanged; a list becomes one placeholder per item (`IN (?)` works).
fn write_value(w: &mut SqlWriter<'_>, rhs: &Expr) -> Result<()> {
    match rhs {
        Expr::Value(Value::List(items)) => {
            if items.is_empty() {
                return Err(QueryError::value(
                    "custom lookup",
                    "an empty list cannot fill a `?` placeholder",
                ));
            }
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    w.push(", ");
                }
                w.param(v.clone());
            }
            Ok(())
        }
        Expr::Value(v) => {
            w.param(v.clone());
            Ok(())
        }
        other => write_operand(w, other, PREC_ATOM),
    }
}

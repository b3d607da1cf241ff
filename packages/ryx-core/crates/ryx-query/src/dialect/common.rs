//! The common SQL behind the `Dialect` default methods (quoting, LIKE, functions, upserts, row locks).

use super::{Emit, FuncSyntax, JsonTarget, MatchKind, TextRhs};
use crate::ast::{Func, Lock, OnConflict};
use crate::error::{QueryError, Result};
use crate::value::Value;
use crate::writer::SqlWriter;

/// The LIKE escape character. `!` needs no quoting games on any backend (a backslash would on MySQL).
pub const LIKE_ESCAPE: char = '!';

/// Quote `name` with `quote`, doubling embedded quote characters.
///
/// # Errors
/// [`QueryError::InvalidIdentifier`] for an empty name or one containing NUL.
pub fn write_identifier_common(out: &mut String, name: &str, quote: char) -> Result<()> {
    if name.is_empty() || name.contains('\0') {
        return Err(QueryError::InvalidIdentifier(name.to_owned()));
    }
    out.push(quote);
    for c in name.chars() {
        if c == quote {
            out.push(quote);
        }
        out.push(c);
    }
    out.push(quote);
    Ok(())
}

/// Escape the LIKE wildcards (`%`, `_`) and the escape character itself with `!`.
#[must_use]
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '!' | '%' | '_') {
            out.push(LIKE_ESCAPE);
        }
        out.push(c);
    }
    out
}

/// The bound LIKE pattern for a text lookup on a known value.
pub(crate) fn like_pattern(kind: MatchKind, text: &str) -> String {
    let escaped = escape_like(text);
    match kind {
        MatchKind::Contains => format!("%{escaped}%"),
        MatchKind::StartsWith => format!("{escaped}%"),
        MatchKind::EndsWith => format!("%{escaped}"),
    }
}

/// `lhs LIKE pattern ESCAPE '!'`, or `UPPER(lhs) LIKE UPPER(pattern) ESCAPE '!'` when case-insensitive.
pub(crate) fn write_like_match(
    w: &mut SqlWriter<'_>,
    kind: MatchKind,
    case_insensitive: bool,
    lhs: Emit<'_>,
    rhs: &TextRhs<'_>,
) -> Result<()> {
    if case_insensitive {
        w.push("UPPER(");
        lhs(w)?;
        w.push(") LIKE UPPER(");
        write_like_pattern(w, kind, rhs)?;
        w.push(")");
    } else {
        lhs(w)?;
        w.push(" ");
        w.push(w.dialect().like_operator());
        w.push(" ");
        write_like_pattern(w, kind, rhs)?;
    }
    w.push(" ESCAPE '!'");
    Ok(())
}

/// The LIKE pattern: bound when the value is known, otherwise escaped and wrapped in SQL.
fn write_like_pattern(w: &mut SqlWriter<'_>, kind: MatchKind, rhs: &TextRhs<'_>) -> Result<()> {
    match rhs {
        TextRhs::Literal(text) => {
            w.param(Value::Text(like_pattern(kind, text)));
            Ok(())
        }
        TextRhs::Expr(e) => {
            // The value is only known at run time, so escape it in SQL the same way escape_like does.
            let escaped = |w: &mut SqlWriter<'_>| -> Result<()> {
                w.push("REPLACE(REPLACE(REPLACE(");
                e(w)?;
                w.push(", '!', '!!'), '%', '!%'), '_', '!_')");
                Ok(())
            };
            let percent = |w: &mut SqlWriter<'_>| -> Result<()> {
                w.push("'%'");
                Ok(())
            };
            let parts: Vec<Emit<'_>> = match kind {
                MatchKind::Contains => vec![&percent, &escaped, &percent],
                MatchKind::StartsWith => vec![&escaped, &percent],
                MatchKind::EndsWith => vec![&percent, &escaped],
            };
            w.dialect().write_concat(w, &parts)
        }
    }
}

/// A regex pattern with flags in front (`(?i)…`): bound when known, else concatenated in SQL.
pub(crate) fn write_prefixed_pattern(
    w: &mut SqlWriter<'_>,
    prefix: &str,
    rhs: &TextRhs<'_>,
) -> Result<()> {
    match rhs {
        TextRhs::Literal(pattern) => {
            w.param(Value::Text(format!("{prefix}{pattern}")));
            Ok(())
        }
        TextRhs::Expr(e) => {
            // The prefix is a constant of ours, never user text, so it may be written as a literal.
            let literal = |w: &mut SqlWriter<'_>| -> Result<()> {
                w.push("'");
                w.push(prefix);
                w.push("'");
                Ok(())
            };
            w.dialect().write_concat(w, &[&literal, *e])
        }
    }
}

/// `(a OP b OP c)`; a single part is written bare.
pub(crate) fn write_infix(w: &mut SqlWriter<'_>, op: &str, parts: &[Emit<'_>]) -> Result<()> {
    if let [only] = parts {
        return only(w);
    }
    w.push("(");
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            w.push(op);
        }
        part(w)?;
    }
    w.push(")");
    Ok(())
}

/// `NAME(a, b, …)`.
pub(crate) fn write_call(w: &mut SqlWriter<'_>, name: &str, parts: &[Emit<'_>]) -> Result<()> {
    w.push(name);
    w.push("(");
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        part(w)?;
    }
    w.push(")");
    Ok(())
}

/// ANSI / PostgreSQL function names.
pub(crate) fn func_syntax_common(func: Func) -> FuncSyntax {
    match func {
        Func::Lower => FuncSyntax::Call("LOWER"),
        Func::Upper => FuncSyntax::Call("UPPER"),
        Func::Length => FuncSyntax::Call("LENGTH"),
        Func::Trim => FuncSyntax::Call("TRIM"),
        Func::Abs => FuncSyntax::Call("ABS"),
        Func::Round => FuncSyntax::Call("ROUND"),
        Func::Coalesce => FuncSyntax::Call("COALESCE"),
        Func::NullIf => FuncSyntax::Call("NULLIF"),
        Func::Concat => FuncSyntax::Infix(" || "),
        Func::Greatest => FuncSyntax::Call("GREATEST"),
        Func::Least => FuncSyntax::Call("LEAST"),
        Func::Now => FuncSyntax::Fixed("CURRENT_TIMESTAMP"),
    }
}

/// A comma-separated list of quoted identifiers.
pub(crate) fn write_ident_list(w: &mut SqlWriter<'_>, names: &[String]) -> Result<()> {
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        w.ident(name)?;
    }
    Ok(())
}

/// `ON CONFLICT [(target)] DO NOTHING` / `ON CONFLICT (target) DO UPDATE SET c = EXCLUDED.c`.
pub(crate) fn write_on_conflict_common(
    w: &mut SqlWriter<'_>,
    on_conflict: &OnConflict,
) -> Result<()> {
    match on_conflict {
        OnConflict::Ignore { target } => {
            w.push(" ON CONFLICT");
            if !target.is_empty() {
                w.push(" (");
                write_ident_list(w, target)?;
                w.push(")");
            }
            w.push(" DO NOTHING");
        }
        OnConflict::Update { target, update } => {
            check_upsert(w, target, update)?;
            w.push(" ON CONFLICT (");
            write_ident_list(w, target)?;
            w.push(") DO UPDATE SET ");
            for (i, col) in update.iter().enumerate() {
                if i > 0 {
                    w.push(", ");
                }
                w.ident(col)?;
                w.push(" = EXCLUDED.");
                w.ident(col)?;
            }
        }
    }
    Ok(())
}

/// Reject upserts that cannot be written: no update columns, or (where targets exist) no target.
pub(crate) fn check_upsert(w: &SqlWriter<'_>, target: &[String], update: &[String]) -> Result<()> {
    if update.is_empty() {
        return Err(QueryError::Invalid(
            "OnConflict::Update needs at least one column to update; use OnConflict::Ignore to skip conflicting rows"
                .into(),
        ));
    }
    let d = w.dialect();
    if target.is_empty() && d.features().supports_conflict_target {
        return Err(QueryError::Invalid(format!(
            "OnConflict::Update on {} needs the conflict target: the columns of the unique constraint \
             that may be violated (e.g. target: [\"email\"])",
            d.name()
        )));
    }
    Ok(())
}

/// Check a lock against the feature flags; `Ok(false)` means the backend has no row locks (leave it out).
pub(crate) fn check_lock(w: &SqlWriter<'_>, lock: &Lock) -> Result<bool> {
    let d = w.dialect();
    let f = d.features();
    if !f.supports_select_for_update {
        return Ok(false);
    }
    if lock.nowait && lock.skip_locked {
        return Err(QueryError::Invalid(
            "a row lock cannot be both nowait and skip_locked; choose one".into(),
        ));
    }
    let missing = [
        (lock.nowait && !f.supports_nowait, "FOR UPDATE NOWAIT"),
        (
            lock.skip_locked && !f.supports_skip_locked,
            "FOR UPDATE SKIP LOCKED",
        ),
        (
            !lock.of.is_empty() && !f.supports_select_for_update_of,
            "FOR UPDATE OF <tables>",
        ),
        (
            lock.share && !f.supports_select_for_share,
            "shared row locks (FOR SHARE)",
        ),
    ];
    match missing.iter().find(|(absent, _)| *absent) {
        Some((_, feature)) => Err(super::unsupported(d, feature)),
        None => Ok(true),
    }
}

/// `FOR UPDATE|FOR SHARE [OF a, b] [NOWAIT|SKIP LOCKED]`.
pub(crate) fn write_lock_common(w: &mut SqlWriter<'_>, lock: &Lock) -> Result<()> {
    write_lock_with(w, lock, " FOR SHARE")
}

/// The lock clause with a backend's spelling of the shared lock.
pub(crate) fn write_lock_with(
    w: &mut SqlWriter<'_>,
    lock: &Lock,
    share_clause: &str,
) -> Result<()> {
    if !check_lock(w, lock)? {
        return Ok(());
    }
    w.push(if lock.share {
        share_clause
    } else {
        " FOR UPDATE"
    });
    if !lock.of.is_empty() {
        w.push(" OF ");
        write_ident_list(w, &lock.of)?;
    }
    if lock.nowait {
        w.push(" NOWAIT");
    }
    if lock.skip_locked {
        w.push(" SKIP LOCKED");
    }
    Ok(())
}

/// `extract IN (value, …)` with the dialect's JSON value parameters.
pub(crate) fn write_json_in_common(
    w: &mut SqlWriter<'_>,
    target: &JsonTarget<'_>,
    values: &[String],
) -> Result<()> {
    let d = w.dialect();
    d.write_json_extract(w, target, false)?;
    w.push(" IN (");
    for (i, json) in values.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        d.write_json_value(w, json)?;
    }
    w.push(")");
    Ok(())
}

//! SQLite: `instr`/`substr` for case-sensitive text tests (its LIKE ignores case), `strftime` transforms,
//! `json_*` functions with bound paths, and `LIMIT -1` for OFFSET-only slices.

use super::common::{self, write_like_match, write_prefixed_pattern};
use super::json_path::{child_keys, write_key_sqlite, write_path_call};
use super::{Dialect, Emit, Features, FuncSyntax, JsonTarget, MatchKind, TextRhs};
use crate::ast::Func;
use crate::ddl::{AutoIncrement, TypeNames};
use crate::error::Result;
use crate::lookups::Transform;
use crate::value::Value;
use crate::writer::SqlWriter;

/// The SQLite dialect.
pub(crate) struct Sqlite {
    features: Features,
}

pub(crate) static SQLITE: Sqlite = Sqlite {
    features: Features {
        // SQLite ≥ 3.35.
        supports_returning: true,
        // Writers lock the whole database; a requested row lock is left out, as Django does.
        supports_select_for_update: false,
        supports_select_for_update_of: false,
        supports_select_for_share: false,
        supports_skip_locked: false,
        supports_nowait: false,
        supports_json_contained_by: false,
        // Only because the engine registers a regexp() function on every connection.
        supports_regex: true,
        // SQLITE_MAX_VARIABLE_NUMBER since 3.32.
        max_params: 32766,
        supports_update_with_limit: false,
        supports_limit_in_self_subquery: true,
        supports_offset_without_limit: false,
        supports_conflict_target: true,
        supports_transactional_ddl: true,
        has_native_json: false,
        // ALTER TABLE only renames, adds and drops columns; other changes rebuild the table.
        supports_alter_column: false,
        supports_alter_constraints: false,
        supports_index_if_exists: true,
        drop_index_names_table: false,
        index_schema_on_name: true,
        in_list_as_array: false,
        supports_partial_indexes: true,
        supports_drop_table_cascade: false,
        supports_deferrable_constraints: true,
        supports_fk_set_default: true,
        // A schema is an attached database file.
        supports_create_schema: false,
        supports_cross_schema_foreign_keys: false,
        rename_table_needs_schema: false,
        // No limit.
        max_identifier_length: usize::MAX,
    },
};

static TYPE_NAMES: TypeNames = TypeNames {
    boolean: "BOOLEAN",
    small_int: "SMALLINT",
    integer: "INTEGER",
    big_int: "BIGINT",
    float: "REAL",
    decimal: "DECIMAL",
    varchar: "VARCHAR",
    text: "TEXT",
    blob: "BLOB",
    date: "DATE",
    time: "TIME",
    datetime: "DATETIME",
    naive_datetime: "DATETIME",
    duration: "BIGINT",
    uuid: "CHAR(36)",
    // TEXT affinity: a declared JSON type would get NUMERIC affinity and turn '1.0' into 1.
    json: "TEXT",
};

/// Write the right-hand side of a text test (bound when known).
fn write_text_rhs(w: &mut SqlWriter<'_>, rhs: &TextRhs<'_>) -> Result<()> {
    match rhs {
        TextRhs::Literal(text) => {
            w.param(Value::Text(text.clone()));
            Ok(())
        }
        TextRhs::Expr(e) => e(w),
    }
}

impl Dialect for Sqlite {
    fn backend(&self) -> super::Backend {
        super::Backend::Sqlite
    }

    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn features(&self) -> &Features {
        &self.features
    }

    fn ddl_type_names(&self) -> &TypeNames {
        &TYPE_NAMES
    }

    fn ddl_auto_increment(&self) -> AutoIncrement {
        AutoIncrement::RowidAlias
    }

    fn write_text_match(
        &self,
        w: &mut SqlWriter<'_>,
        kind: MatchKind,
        case_insensitive: bool,
        lhs: Emit<'_>,
        rhs: &TextRhs<'_>,
    ) -> Result<()> {
        if case_insensitive {
            return write_like_match(w, kind, true, lhs, rhs);
        }
        // LIKE ignores ASCII case on SQLite, so case-sensitive tests compare substrings instead.
        match kind {
            MatchKind::Contains | MatchKind::StartsWith => {
                w.push("instr(");
                lhs(w)?;
                w.push(", ");
                write_text_rhs(w, rhs)?;
                w.push(if kind == MatchKind::Contains {
                    ") > 0"
                } else {
                    ") = 1"
                });
            }
            MatchKind::EndsWith => {
                // substr(x, -n, n) is the last n characters, and '' when n = 0 (so '' ends every string).
                w.push("substr(");
                lhs(w)?;
                w.push(", -length(");
                write_text_rhs(w, rhs)?;
                w.push("), length(");
                write_text_rhs(w, rhs)?;
                w.push(")) = ");
                write_text_rhs(w, rhs)?;
            }
        }
        Ok(())
    }

    fn write_regex(
        &self,
        w: &mut SqlWriter<'_>,
        lhs: Emit<'_>,
        rhs: &TextRhs<'_>,
        case_insensitive: bool,
    ) -> Result<()> {
        // `x REGEXP y` calls the regexp(y, x) function the engine registers.
        lhs(w)?;
        w.push(" REGEXP ");
        if case_insensitive {
            write_prefixed_pattern(w, "(?i)", rhs)
        } else {
            write_text_rhs(w, rhs)
        }
    }

    fn transform_template(&self, transform: Transform) -> &'static str {
        // strftime returns text; every extraction is cast so all backends yield an INTEGER.
        match transform {
            Transform::Date => "date({})",
            Transform::Time => "time({})",
            Transform::Year => "CAST(strftime('%Y', {}) AS INTEGER)",
            Transform::Month => "CAST(strftime('%m', {}) AS INTEGER)",
            Transform::Day => "CAST(strftime('%d', {}) AS INTEGER)",
            // %V/%G need SQLite 3.46. The Thursday of the same ISO week gives the answer on any version:
            // its year is the ISO year and its day of the year fixes the week number.
            Transform::Week => {
                "((CAST(strftime('%j', date({}, '-3 days', 'weekday 4')) AS INTEGER) - 1) / 7 + 1)"
            }
            Transform::IsoYear => {
                "CAST(strftime('%Y', date({}, '-3 days', 'weekday 4')) AS INTEGER)"
            }
            // %w is 0 = Sunday.
            Transform::WeekDay => "(CAST(strftime('%w', {}) AS INTEGER) + 1)",
            Transform::IsoWeekDay => "((CAST(strftime('%w', {}) AS INTEGER) + 6) % 7 + 1)",
            Transform::Quarter => "((CAST(strftime('%m', {}) AS INTEGER) + 2) / 3)",
            Transform::Hour => "CAST(strftime('%H', {}) AS INTEGER)",
            Transform::Minute => "CAST(strftime('%M', {}) AS INTEGER)",
            // %S is the whole seconds, so fractions are truncated as on the other backends.
            Transform::Second => "CAST(strftime('%S', {}) AS INTEGER)",
        }
    }

    fn func_syntax(&self, func: Func) -> FuncSyntax {
        match func {
            // The multi-argument forms of min()/max() are SQLite's GREATEST/LEAST.
            Func::Greatest => FuncSyntax::Call("max"),
            Func::Least => FuncSyntax::Call("min"),
            // Same text format as stored datetimes, so comparisons with columns work.
            Func::Now => FuncSyntax::Fixed("strftime('%Y-%m-%d %H:%M:%f', 'now')"),
            other => common::func_syntax_common(other),
        }
    }

    fn write_json_path_key(&self, out: &mut String, key: &str) {
        write_key_sqlite(out, key);
    }

    fn write_json_extract(
        &self,
        w: &mut SqlWriter<'_>,
        target: &JsonTarget<'_>,
        _as_text: bool,
    ) -> Result<()> {
        // json_extract already returns strings unquoted.
        write_path_call(w, "json_extract", target)
    }

    fn write_json_value(&self, w: &mut SqlWriter<'_>, json: &str) -> Result<()> {
        // Both sides come out of json_extract minified, so formatting differences do not matter.
        w.push("json_extract(");
        w.param(Value::Json(json.to_owned()));
        w.push(", '$')");
        Ok(())
    }

    fn write_json_is_null(&self, w: &mut SqlWriter<'_>, target: &JsonTarget<'_>) -> Result<()> {
        // json_extract gives SQL NULL for both JSON null and a missing key; json_type tells them apart.
        write_path_call(w, "json_type", target)?;
        w.push(" = 'null'");
        Ok(())
    }

    fn write_json_probe(&self, w: &mut SqlWriter<'_>, target: &JsonTarget<'_>) -> Result<()> {
        write_path_call(w, "json_type", target)
    }

    fn write_json_has_keys(
        &self,
        w: &mut SqlWriter<'_>,
        target: &JsonTarget<'_>,
        keys: &[String],
        all: bool,
    ) -> Result<()> {
        if keys.len() > 1 {
            w.push("(");
        }
        for (i, key) in keys.iter().enumerate() {
            if i > 0 {
                w.push(if all { " AND " } else { " OR " });
            }
            let child = child_keys(target, key);
            write_path_call(
                w,
                "json_type",
                &JsonTarget {
                    doc: target.doc,
                    keys: &child,
                },
            )?;
            w.push(" IS NOT NULL");
        }
        if keys.len() > 1 {
            w.push(")");
        }
        Ok(())
    }

    fn write_json_contains(
        &self,
        w: &mut SqlWriter<'_>,
        target: &JsonTarget<'_>,
        json: &str,
    ) -> Result<()> {
        super::sqlite_json::write_contains(w, target, json)
    }

    fn write_json_contained_by(
        &self,
        _w: &mut SqlWriter<'_>,
        _target: &JsonTarget<'_>,
        _json: &str,
    ) -> Result<()> {
        Err(super::unsupported(self, "the JSON contained_by lookup"))
    }

    fn unlimited_limit(&self) -> Option<&'static str> {
        Some("-1")
    }
}

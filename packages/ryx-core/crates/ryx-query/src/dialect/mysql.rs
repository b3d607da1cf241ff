//! MySQL 8 and MariaDB: backticks, `LIKE BINARY`, `CONCAT`, `JSON_*` functions with bound paths,
//! `INSERT IGNORE` / `ON DUPLICATE KEY UPDATE`, and a huge LIMIT for OFFSET-only slices.

use super::common::{self, write_call, write_prefixed_pattern};
use super::json_path::{child_keys, json_path, write_path_call, write_path_param};
use super::{Dialect, Emit, Features, FuncSyntax, JsonTarget, TextRhs};
use crate::ast::{Func, Lock, OnConflict, TableRef};
use crate::ddl::{AutoIncrement, ColumnDef, ColumnType, ConstraintKind, TypeNames};
use crate::error::Result;
use crate::lookups::Transform;
use crate::value::Value;
use crate::writer::SqlWriter;

/// MySQL or MariaDB; the SQL is shared, apart from regexes and shared locks.
pub(crate) struct MySql {
    mariadb: bool,
    features: Features,
}

const MYSQL_FEATURES: Features = Features {
    // MySQL 8 has no RETURNING; the engine reads LAST_INSERT_ID() instead.
    supports_returning: false,
    supports_select_for_update: true,
    supports_select_for_update_of: true,
    supports_select_for_share: true,
    supports_skip_locked: true,
    supports_nowait: true,
    supports_json_contained_by: true,
    supports_regex: true,
    max_params: 65535,
    supports_update_with_limit: true,
    // "You can't specify target table for update in FROM clause", and no LIMIT inside IN (…).
    supports_limit_in_self_subquery: false,
    supports_offset_without_limit: false,
    supports_conflict_target: false,
    supports_transactional_ddl: false,
    has_native_json: true,
    supports_alter_column: true,
    supports_alter_constraints: true,
    supports_index_if_exists: false,
    drop_index_names_table: true,
    index_schema_on_name: false,
    in_list_as_array: false,
    supports_partial_indexes: false,
    // CASCADE is parsed and ignored.
    supports_drop_table_cascade: false,
    supports_deferrable_constraints: false,
    supports_fk_set_default: false,
    // CREATE SCHEMA makes a database.
    supports_create_schema: true,
    supports_cross_schema_foreign_keys: true,
    rename_table_needs_schema: true,
    max_identifier_length: 64,
};

static TYPE_NAMES: TypeNames = TypeNames {
    // tinyint(1).
    boolean: "BOOLEAN",
    small_int: "SMALLINT",
    integer: "INTEGER",
    big_int: "BIGINT",
    float: "DOUBLE",
    decimal: "DECIMAL",
    varchar: "VARCHAR",
    text: "LONGTEXT",
    blob: "LONGBLOB",
    date: "DATE",
    time: "TIME(6)",
    // UTC wall time: connections run with time_zone '+00:00'.
    datetime: "DATETIME(6)",
    naive_datetime: "DATETIME(6)",
    duration: "BIGINT",
    uuid: "CHAR(36)",
    json: "JSON",
};

pub(crate) static MYSQL: MySql = MySql {
    mariadb: false,
    features: MYSQL_FEATURES,
};

pub(crate) static MARIADB: MySql = MySql {
    mariadb: true,
    features: Features {
        // MariaDB ≥ 10.5 has INSERT … RETURNING.
        supports_returning: true,
        supports_select_for_update_of: false,
        // MariaDB's JSON is LONGTEXT with JSON functions.
        has_native_json: false,
        supports_index_if_exists: true,
        ..MYSQL_FEATURES
    },
};

impl Dialect for MySql {
    fn backend(&self) -> super::Backend {
        super::Backend::MySql
    }

    fn name(&self) -> &'static str {
        if self.mariadb {
            "mariadb"
        } else {
            "mysql"
        }
    }

    fn features(&self) -> &Features {
        &self.features
    }

    fn quote_char(&self) -> char {
        '`'
    }

    fn ddl_type_names(&self) -> &TypeNames {
        &TYPE_NAMES
    }

    fn ddl_auto_increment(&self) -> AutoIncrement {
        AutoIncrement::Keyword("AUTO_INCREMENT")
    }

    fn ddl_table_options(&self) -> &'static str {
        " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
    }

    fn ddl_default_in_parens(&self, ty: &ColumnType) -> bool {
        // TEXT, BLOB and JSON columns take only expression defaults.
        matches!(ty, ColumnType::Text | ColumnType::Blob | ColumnType::Json)
    }

    fn ddl_utc_offset_in_literals(&self) -> bool {
        // MariaDB rejects offsets in datetime literals; the UTC wall time is what the engine stores.
        false
    }

    fn ddl_drop_constraint_clause(&self, kind: ConstraintKind) -> &'static str {
        match kind {
            // MySQL 8.0.19+ and MariaDB drop a CHECK with DROP CONSTRAINT.
            ConstraintKind::Check => "DROP CONSTRAINT",
            ConstraintKind::Unique => "DROP INDEX",
            ConstraintKind::ForeignKey => "DROP FOREIGN KEY",
        }
    }

    fn ddl_alter_column(
        &self,
        table: &TableRef,
        old: &ColumnDef,
        new: &ColumnDef,
    ) -> Result<Vec<String>> {
        crate::ddl::alter_column_modify(self, table, old, new)
    }

    fn string_backslash_escapes(&self) -> bool {
        true
    }

    fn hash_comments(&self) -> bool {
        true
    }

    fn like_operator(&self) -> &'static str {
        // Plain LIKE follows the column collation, which is usually case-insensitive.
        "LIKE BINARY"
    }

    fn write_concat(&self, w: &mut SqlWriter<'_>, parts: &[Emit<'_>]) -> Result<()> {
        // || is logical OR on MySQL unless PIPES_AS_CONCAT is set.
        write_call(w, "CONCAT", parts)
    }

    fn write_regex(
        &self,
        w: &mut SqlWriter<'_>,
        lhs: Emit<'_>,
        rhs: &TextRhs<'_>,
        case_insensitive: bool,
    ) -> Result<()> {
        if self.mariadb {
            // MariaDB has no REGEXP_LIKE; PCRE flags make the match independent of the column collation.
            lhs(w)?;
            w.push(" REGEXP ");
            return write_prefixed_pattern(w, if case_insensitive { "(?i)" } else { "(?-i)" }, rhs);
        }
        // MySQL 8 rejects REGEXP BINARY against utf8mb4 columns; REGEXP_LIKE takes an explicit match type.
        w.push("REGEXP_LIKE(");
        lhs(w)?;
        w.push(", ");
        match rhs {
            TextRhs::Literal(pattern) => w.param(Value::Text(pattern.clone())),
            TextRhs::Expr(e) => e(w)?,
        }
        w.push(if case_insensitive { ", 'i')" } else { ", 'c')" });
        Ok(())
    }

    fn transform_template(&self, transform: Transform) -> &'static str {
        match transform {
            Transform::Date => "DATE({})",
            Transform::Time => "TIME({})",
            Transform::Year => "YEAR({})",
            Transform::Month => "MONTH({})",
            Transform::Day => "DAYOFMONTH({})",
            // Mode 3: weeks start on Monday, week 1 has 4+ days in the year: ISO-8601.
            Transform::Week => "WEEK({}, 3)",
            // DAYOFWEEK is already 1 = Sunday … 7 = Saturday.
            Transform::WeekDay => "DAYOFWEEK({})",
            // WEEKDAY is 0 = Monday.
            Transform::IsoWeekDay => "(WEEKDAY({}) + 1)",
            Transform::IsoYear => "(YEARWEEK({}, 3) DIV 100)",
            Transform::Quarter => "QUARTER({})",
            Transform::Hour => "HOUR({})",
            Transform::Minute => "MINUTE({})",
            Transform::Second => "SECOND({})",
        }
    }

    fn func_syntax(&self, func: Func) -> FuncSyntax {
        match func {
            // LENGTH counts bytes on MySQL.
            Func::Length => FuncSyntax::Call("CHAR_LENGTH"),
            Func::Concat => FuncSyntax::Call("CONCAT"),
            Func::Now => FuncSyntax::Fixed("CURRENT_TIMESTAMP(6)"),
            other => common::func_syntax_common(other),
        }
    }

    fn write_json_extract(
        &self,
        w: &mut SqlWriter<'_>,
        target: &JsonTarget<'_>,
        as_text: bool,
    ) -> Result<()> {
        if as_text {
            w.push("JSON_UNQUOTE(");
            write_path_call(w, "JSON_EXTRACT", target)?;
            w.push(")");
            Ok(())
        } else {
            write_path_call(w, "JSON_EXTRACT", target)
        }
    }

    fn write_json_value(&self, w: &mut SqlWriter<'_>, json: &str) -> Result<()> {
        w.push("JSON_EXTRACT(");
        w.param(Value::Json(json.to_owned()));
        w.push(", '$')");
        Ok(())
    }

    fn write_json_equals(
        &self,
        w: &mut SqlWriter<'_>,
        target: &JsonTarget<'_>,
        json: &str,
    ) -> Result<()> {
        if !self.mariadb {
            self.write_json_extract(w, target, false)?;
            w.push(" = ");
            return self.write_json_value(w, json);
        }
        // MariaDB's JSON is text: `=` unquotes strings and converts numbers ("10" = 10) and compares
        // arrays of strings as unequal. JSON_EQUALS (MariaDB ≥ 10.7) compares as JSON; the `= 1` is needed
        // because a bare JSON_EQUALS(NULL, …) counts as true in WHERE (MariaDB 10.11), though it is NULL.
        w.push("JSON_EQUALS(");
        self.write_json_extract(w, target, false)?;
        w.push(", ");
        w.param(Value::Json(json.to_owned()));
        w.push(") = 1");
        Ok(())
    }

    fn write_json_in(
        &self,
        w: &mut SqlWriter<'_>,
        target: &JsonTarget<'_>,
        values: &[String],
    ) -> Result<()> {
        if !self.mariadb {
            return common::write_json_in_common(w, target, values);
        }
        if values.len() > 1 {
            w.push("(");
        }
        for (i, json) in values.iter().enumerate() {
            if i > 0 {
                w.push(" OR ");
            }
            self.write_json_equals(w, target, json)?;
        }
        if values.len() > 1 {
            w.push(")");
        }
        Ok(())
    }

    fn write_json_has_keys(
        &self,
        w: &mut SqlWriter<'_>,
        target: &JsonTarget<'_>,
        keys: &[String],
        all: bool,
    ) -> Result<()> {
        w.push("JSON_CONTAINS_PATH(");
        (target.doc)(w)?;
        w.push(if all && keys.len() > 1 {
            ", 'all'"
        } else {
            ", 'one'"
        });
        for key in keys {
            w.push(", ");
            write_path_param(w, &child_keys(target, key));
        }
        w.push(")");
        Ok(())
    }

    fn write_json_contains(
        &self,
        w: &mut SqlWriter<'_>,
        target: &JsonTarget<'_>,
        json: &str,
    ) -> Result<()> {
        w.push("JSON_CONTAINS(");
        (target.doc)(w)?;
        w.push(", ");
        w.param(Value::Json(json.to_owned()));
        if !target.keys.is_empty() {
            w.push(", ");
            w.param(Value::Text(json_path(self, target.keys)));
        }
        w.push(")");
        Ok(())
    }

    fn write_json_contained_by(
        &self,
        w: &mut SqlWriter<'_>,
        target: &JsonTarget<'_>,
        json: &str,
    ) -> Result<()> {
        w.push("JSON_CONTAINS(");
        w.param(Value::Json(json.to_owned()));
        w.push(", ");
        if target.keys.is_empty() {
            (target.doc)(w)?;
        } else {
            self.write_json_extract(w, target, false)?;
        }
        w.push(")");
        Ok(())
    }

    fn unlimited_limit(&self) -> Option<&'static str> {
        // The documented way to write "no limit" on MySQL: the largest unsigned BIGINT.
        Some("18446744073709551615")
    }

    fn write_insert_head(
        &self,
        w: &mut SqlWriter<'_>,
        table: &TableRef,
        ignore: bool,
    ) -> Result<()> {
        w.push(if ignore {
            "INSERT IGNORE INTO "
        } else {
            "INSERT INTO "
        });
        w.table(table, false)
    }

    fn write_default_values(&self, w: &mut SqlWriter<'_>) {
        w.push(" () VALUES ()");
    }

    fn write_on_conflict(&self, w: &mut SqlWriter<'_>, on_conflict: &OnConflict) -> Result<()> {
        match on_conflict {
            // Written as INSERT IGNORE by write_insert_head.
            OnConflict::Ignore { .. } => Ok(()),
            OnConflict::Update { target, update } => {
                // MySQL picks the violated unique key itself; the target only documents intent.
                common::check_upsert(w, target, update)?;
                w.push(" ON DUPLICATE KEY UPDATE ");
                for (i, col) in update.iter().enumerate() {
                    if i > 0 {
                        w.push(", ");
                    }
                    w.ident(col)?;
                    w.push(" = VALUES(");
                    w.ident(col)?;
                    w.push(")");
                }
                Ok(())
            }
        }
    }

    fn write_lock(&self, w: &mut SqlWriter<'_>, lock: &Lock) -> Result<()> {
        let share = if self.mariadb {
            " LOCK IN SHARE MODE"
        } else {
            " FOR SHARE"
        };
        common::write_lock_with(w, lock, share)
    }
}

//! PostgreSQL: `$n` placeholders, `::text` casts for text lookups, `EXTRACT` transforms, jsonb functions.

use super::{Dialect, Emit, Features, JsonTarget, PlaceholderStyle, TextRhs};
use crate::ddl::TypeNames;
use crate::error::{QueryError, Result};
use crate::lookups::Transform;
use crate::value::Value;
use crate::writer::SqlWriter;

/// The PostgreSQL dialect.
pub(crate) struct Postgres {
    features: Features,
}

pub(crate) static POSTGRES: Postgres = Postgres {
    features: Features {
        supports_returning: true,
        supports_select_for_update: true,
        supports_select_for_update_of: true,
        supports_select_for_share: true,
        supports_skip_locked: true,
        supports_nowait: true,
        supports_json_contained_by: true,
        supports_regex: true,
        max_params: 65535,
        supports_update_with_limit: false,
        supports_limit_in_self_subquery: true,
        supports_offset_without_limit: true,
        supports_conflict_target: true,
        supports_transactional_ddl: true,
        has_native_json: true,
        supports_alter_column: true,
        supports_alter_constraints: true,
        supports_index_if_exists: true,
        drop_index_names_table: false,
        index_schema_on_name: false,
        in_list_as_array: true,
        supports_partial_indexes: true,
        supports_drop_table_cascade: true,
        supports_deferrable_constraints: true,
        supports_fk_set_default: true,
        supports_create_schema: true,
        supports_cross_schema_foreign_keys: true,
        rename_table_needs_schema: false,
        // NAMEDATALEN - 1.
        max_identifier_length: 63,
    },
};

static TYPE_NAMES: TypeNames = TypeNames {
    boolean: "BOOLEAN",
    small_int: "SMALLINT",
    integer: "INTEGER",
    big_int: "BIGINT",
    float: "DOUBLE PRECISION",
    decimal: "NUMERIC",
    varchar: "VARCHAR",
    text: "TEXT",
    blob: "BYTEA",
    date: "DATE",
    time: "TIME",
    datetime: "TIMESTAMP WITH TIME ZONE",
    naive_datetime: "TIMESTAMP",
    // Microseconds, as on every backend (INTERVAL has months and days that a timedelta lacks).
    duration: "BIGINT",
    uuid: "UUID",
    json: "JSONB",
};

/// Bind JSON text typed as jsonb.
fn write_jsonb_param(w: &mut SqlWriter<'_>, json: String) {
    w.param(Value::Json(json));
    w.push("::jsonb");
}

/// The jsonb value at `target` (the document itself when there are no keys).
fn write_jsonb_at(w: &mut SqlWriter<'_>, target: &JsonTarget<'_>) -> Result<()> {
    if target.keys.is_empty() {
        (target.doc)(w)
    } else {
        POSTGRES.write_json_extract(w, target, false)
    }
}

impl Dialect for Postgres {
    fn backend(&self) -> super::Backend {
        super::Backend::Postgres
    }

    fn name(&self) -> &'static str {
        "postgres"
    }

    fn features(&self) -> &Features {
        &self.features
    }

    fn placeholder_style(&self) -> PlaceholderStyle {
        PlaceholderStyle::Dollar
    }

    fn ddl_type_names(&self) -> &TypeNames {
        &TYPE_NAMES
    }

    fn dollar_quoting(&self) -> bool {
        true
    }

    fn cast_text_lookups(&self) -> bool {
        true
    }

    fn write_regex(
        &self,
        w: &mut SqlWriter<'_>,
        lhs: Emit<'_>,
        rhs: &TextRhs<'_>,
        case_insensitive: bool,
    ) -> Result<()> {
        lhs(w)?;
        w.push(if case_insensitive { " ~* " } else { " ~ " });
        match rhs {
            TextRhs::Literal(pattern) => w.param(Value::Text(pattern.clone())),
            TextRhs::Expr(e) => e(w)?,
        }
        Ok(())
    }

    fn transform_template(&self, transform: Transform) -> &'static str {
        // EXTRACT returns numeric; every extraction is cast so all backends yield an INTEGER.
        match transform {
            Transform::Date => "CAST({} AS DATE)",
            Transform::Time => "CAST({} AS TIME)",
            Transform::Year => "CAST(EXTRACT(YEAR FROM {}) AS INTEGER)",
            Transform::Month => "CAST(EXTRACT(MONTH FROM {}) AS INTEGER)",
            Transform::Day => "CAST(EXTRACT(DAY FROM {}) AS INTEGER)",
            // PostgreSQL's WEEK is the ISO-8601 week.
            Transform::Week => "CAST(EXTRACT(WEEK FROM {}) AS INTEGER)",
            // DOW is 0 = Sunday; Django's week_day is 1 = Sunday.
            Transform::WeekDay => "(CAST(EXTRACT(DOW FROM {}) AS INTEGER) + 1)",
            Transform::IsoWeekDay => "CAST(EXTRACT(ISODOW FROM {}) AS INTEGER)",
            Transform::IsoYear => "CAST(EXTRACT(ISOYEAR FROM {}) AS INTEGER)",
            Transform::Quarter => "CAST(EXTRACT(QUARTER FROM {}) AS INTEGER)",
            Transform::Hour => "CAST(EXTRACT(HOUR FROM {}) AS INTEGER)",
            Transform::Minute => "CAST(EXTRACT(MINUTE FROM {}) AS INTEGER)",
            // SECOND has a fraction; CAST would round 59.9 up to 60, so truncate first.
            Transform::Second => "CAST(FLOOR(EXTRACT(SECOND FROM {})) AS INTEGER)",
        }
    }

    fn write_json_extract(
        &self,
        w: &mut SqlWriter<'_>,
        target: &JsonTarget<'_>,
        as_text: bool,
    ) -> Result<()> {
        if target.keys.is_empty() {
            return (target.doc)(w);
        }
        w.push(if as_text {
            "jsonb_extract_path_text("
        } else {
            "jsonb_extract_path("
        });
        (target.doc)(w)?;
        for key in target.keys {
            w.push(", ");
            w.param(Value::Text(key.clone()));
        }
        w.push(")");
        Ok(())
    }

    fn write_json_value(&self, w: &mut SqlWriter<'_>, json: &str) -> Result<()> {
        write_jsonb_param(w, json.to_owned());
        Ok(())
    }

    fn write_json_compare_rhs(&self, w: &mut SqlWriter<'_>, value: &Value) -> Result<()> {
        // jsonb only compares with jsonb; numbers then compare numerically, as Django does.
        let json = value.to_json_text().ok_or_else(|| {
            QueryError::value(
                "json key comparison",
                format!("a {} cannot be compared with JSON", value.type_name()),
            )
        })?;
        write_jsonb_param(w, json);
        Ok(())
    }

    fn write_json_has_keys(
        &self,
        w: &mut SqlWriter<'_>,
        target: &JsonTarget<'_>,
        keys: &[String],
        all: bool,
    ) -> Result<()> {
        // The jsonb_exists* functions back the ?, ?& and ?| operators, which would clash with placeholders.
        if let [key] = keys {
            w.push("jsonb_exists(");
            write_jsonb_at(w, target)?;
            w.push(", ");
            w.param(Value::Text(key.clone()));
            w.push(")");
            return Ok(());
        }
        w.push(if all {
            "jsonb_exists_all("
        } else {
            "jsonb_exists_any("
        });
        write_jsonb_at(w, target)?;
        w.push(", ARRAY[");
        for (i, key) in keys.iter().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            w.param(Value::Text(key.clone()));
        }
        w.push("])");
        Ok(())
    }

    fn write_json_contains(
        &self,
        w: &mut SqlWriter<'_>,
        target: &JsonTarget<'_>,
        json: &str,
    ) -> Result<()> {
        write_jsonb_at(w, target)?;
        w.push(" @> ");
        write_jsonb_param(w, json.to_owned());
        Ok(())
    }

    fn write_json_contained_by(
        &self,
        w: &mut SqlWriter<'_>,
        target: &JsonTarget<'_>,
        json: &str,
    ) -> Result<()> {
        write_jsonb_at(w, target)?;
        w.push(" <@ ");
        write_jsonb_param(w, json.to_owned());
        Ok(())
    }
}

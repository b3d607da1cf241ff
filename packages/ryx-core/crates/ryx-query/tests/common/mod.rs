//! Shared snapshot cases: each case compiles some statements for one dialect and renders them as text.
#![allow(dead_code)] // each test binary uses a subset of the cases

pub mod cases;

use ryx_query::{Compiled, QueryError};

/// `sql\n-- params: [...]`, or `ERROR: message`.
pub fn show(r: Result<Compiled, QueryError>) -> String {
    match r {
        Ok(c) => format!("{}\n-- params: {:?}", c.sql, c.params),
        Err(e) => format!("ERROR: {e}"),
    }
}

/// Several results, separated by blank lines.
pub fn show_all(items: impl IntoIterator<Item = Result<Compiled, QueryError>>) -> String {
    items.into_iter().map(show).collect::<Vec<_>>().join("\n\n")
}

/// Generate one `#[test]` per case, snapshotting its output for the given dialect.
#[macro_export]
macro_rules! snapshot_tests {
    ($dialect:expr; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                let out = common::cases::$case($dialect);
                insta::assert_snapshot!(stringify!($case), out);
            }
        )*
    };
}

/// Every case, for the per-dialect files.
#[macro_export]
macro_rules! all_cases {
    ($dialect:expr) => {
        $crate::snapshot_tests!($dialect;
            select_all, select_columns_and_aliases, select_joins, select_subqueries, select_distinct, select_group_by_having,
            select_order_limit_offset, select_offset_only, select_limit_only, select_for_update,
            select_expressions, select_raw_fragments,
            count_plain, count_sliced, count_distinct, count_grouped, count_joined,
            exists_plain, exists_sliced,
            delete_plain, delete_sliced, delete_offset_only, delete_joined, delete_errors,
            update_plain, update_expression, update_sliced, update_errors,
            insert_one, insert_many, insert_returning, insert_ignore, insert_upsert, insert_default_values,
            insert_errors, insert_batches, bulk_update, bulk_update_chunks,
            raw_rewrite,
            lookup_exact, lookup_comparisons, lookup_text, lookup_text_expression, lookup_in_range,
            lookup_isnull, lookup_regex, lookup_errors, lookup_custom, lookup_on_expressions, cond_trees,
            transform_each, transform_chained, transform_errors,
            json_key_lookups, json_key_text_lookups, json_hostile_keys, json_has_keys, json_contains,
            json_contained_by, json_select_key, json_document_exact,
        );
    };
}

//! DDL snapshots per dialect: every schema statement, generated names, hostile identifiers and defaults.
//! Snapshot files are named `ddl__<dialect>__<case>.snap`.

#[path = "common/ddl_cases.rs"]
mod cases;

/// One module per dialect with one `#[test]` per case.
macro_rules! ddl_snapshots {
    ($module:ident, $dialect:expr; $($case:ident),* $(,)?) => {
        mod $module {
            use super::cases;
            $(
                #[test]
                fn $case() {
                    let out = cases::$case($dialect);
                    insta::assert_snapshot!(stringify!($case), out);
                }
            )*
        }
    };
}

macro_rules! all_ddl_cases {
    ($module:ident, $dialect:expr) => {
        ddl_snapshots!($module, $dialect;
            create_table_every_type, create_table_auto_pk_widths, create_table_constraints,
            create_table_fk_options, create_table_schema, create_table_hostile, create_table_defaults,
            create_table_errors, long_names, create_index, drop_index, drop_table, rename_table, add_column,
            drop_and_rename_column, alter_column, constraints, column_types,
        );
    };
}

all_ddl_cases!(postgres, ryx_query::postgres());
all_ddl_cases!(mysql, ryx_query::mysql());
all_ddl_cases!(sqlite, ryx_query::sqlite());
// MariaDB writes MySQL's DDL, except that its indexes take IF [NOT] EXISTS.
ddl_snapshots!(mariadb, ryx_query::mariadb(); create_index, drop_index);

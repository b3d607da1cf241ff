//! DDL snapshot cases. Each takes a dialect and returns the statements (`;`-terminated, one block per
//! statement list) or `ERROR: message`.
#![allow(dead_code)] // each test binary uses a subset of the cases

use chrono::{NaiveDate, TimeZone, Utc};
use ryx_query::ddl::names;
use ryx_query::*;

/// The statements of one compile, each ending in `;`, or `ERROR: message`.
pub fn show(r: Result<Vec<String>, QueryError>) -> String {
    match r {
        Ok(stmts) if stmts.is_empty() => "-- (no statements)".to_owned(),
        Ok(stmts) => stmts
            .iter()
            .map(|s| format!("{s};"))
            .collect::<Vec<_>>()
            .join("\n"),
        Err(e) => format!("ERROR: {e}"),
    }
}

/// Several compiles, separated by blank lines.
pub fn show_all(d: &dyn Dialect, items: impl IntoIterator<Item = DdlStatement>) -> String {
    items
        .into_iter()
        .map(|s| show(compile_ddl(&s, d)))
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn col(name: &str, ty: ColumnType) -> ColumnDef {
    ColumnDef::new(name, ty)
}

fn t(name: &str) -> TableRef {
    TableRef::new(name)
}

fn s(items: &[&str]) -> Vec<String> {
    items.iter().map(|i| (*i).to_owned()).collect()
}

fn every_type() -> Vec<ColumnDef> {
    vec![
        ColumnDef::auto_pk("id", ColumnType::BigInt),
        col("flag", ColumnType::Boolean).not_null().default(true),
        col("small", ColumnType::SmallInt),
        col("n", ColumnType::Integer).not_null().default(0),
        col("big", ColumnType::BigInt),
        col("ratio", ColumnType::Float).default(1.5),
        col(
            "price",
            ColumnType::Decimal {
                precision: 10,
                scale: 2,
            },
        )
        .default(Value::Decimal("9.99".into())),
        col("title", ColumnType::Varchar(200))
            .not_null()
            .default("untitled"),
        col("body", ColumnType::Text).default("it's"),
        col("data", ColumnType::Blob),
        col("day", ColumnType::Date)
            .default(Value::Date(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap())),
        col("at", ColumnType::Time),
        col("created", ColumnType::DateTime).default(Value::DateTimeUtc(
            Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap(),
        )),
        col("local", ColumnType::NaiveDateTime),
        col("took", ColumnType::Duration).default(Value::Duration(1_500_000)),
        col("uid", ColumnType::Uuid).unique(),
        col("doc", ColumnType::Json).default(Value::Json(r#"{"a": [1, "x"]}"#.into())),
        col("vec", ColumnType::Raw("VARCHAR(3)".into())),
    ]
}

// ------------------------------------------------------------------------------------ CREATE TABLE

pub fn create_table_every_type(d: &dyn Dialect) -> String {
    show_all(d, [CreateTable::new("things", every_type()).into()])
}

pub fn create_table_auto_pk_widths(d: &dyn Dialect) -> String {
    show_all(
        d,
        [
            ColumnType::SmallInt,
            ColumnType::Integer,
            ColumnType::BigInt,
        ]
        .map(|ty| {
            CreateTable::new(
                "counters",
                vec![ColumnDef::auto_pk("id", ty), col("n", ColumnType::Integer)],
            )
            .into()
        }),
    )
}

pub fn create_table_constraints(d: &dyn Dialect) -> String {
    let mut composite = CreateTable::new(
        "memberships",
        vec![
            col("group_id", ColumnType::BigInt),
            col("user_id", ColumnType::BigInt),
            col("role", ColumnType::Varchar(20))
                .not_null()
                .check("role IN ('admin', 'member')"),
            col("seniority", ColumnType::Integer).unique(),
            col("boss_id", ColumnType::BigInt),
        ],
    );
    composite.primary_key = s(&["group_id", "user_id"]);
    composite.uniques = vec![
        (None, s(&["role", "seniority"])),
        (Some("memberships_named_uniq".into()), s(&["boss_id"])),
    ];
    composite.checks = vec![("seniority_positive".into(), "seniority > 0".into())];
    composite.if_not_exists = true;
    composite.foreign_keys = vec![
        ForeignKey::new("group_id", "groups", "id").on_delete(OnDelete::Cascade),
        ForeignKey::new("user_id", "users", "id")
            .on_delete(OnDelete::Restrict)
            .named("memberships_user_fk"),
        ForeignKey {
            on_update: OnDelete::Cascade,
            ..ForeignKey::new("boss_id", "users", "id").on_delete(OnDelete::SetNull)
        },
    ];
    let mut no_action = CreateTable::new(
        "notes",
        vec![
            ColumnDef::auto_pk("id", ColumnType::Integer),
            col("owner", ColumnType::BigInt),
        ],
    );
    no_action.foreign_keys = vec![ForeignKey::new("owner", "users", "id")];
    let code_pk = CreateTable::new(
        "codes",
        vec![col("code", ColumnType::Varchar(8)).primary_key().unique()],
    );
    show_all(d, [composite.into(), no_action.into(), code_pk.into()])
}

pub fn create_table_fk_options(d: &dyn Dialect) -> String {
    let table = |fk: ForeignKey| {
        let mut ct = CreateTable::new(
            "child",
            vec![
                ColumnDef::auto_pk("id", ColumnType::BigInt),
                col("parent_id", ColumnType::BigInt).default(0),
            ],
        );
        ct.foreign_keys = vec![fk];
        ct.into()
    };
    let fk = || ForeignKey::new("parent_id", "parent", "id");
    show_all(
        d,
        [
            table(fk().on_delete(OnDelete::SetDefault)),
            table(ForeignKey {
                deferrable: true,
                ..fk()
            }),
            table(ForeignKey {
                on_update: OnDelete::SetDefault,
                ..fk()
            }),
        ],
    )
}

pub fn create_table_schema(d: &dyn Dialect) -> String {
    let mut ct = CreateTable::new(
        TableRef::new("posts").schema("blog"),
        vec![
            ColumnDef::auto_pk("id", ColumnType::BigInt),
            col("author_id", ColumnType::BigInt),
            col("site_id", ColumnType::BigInt),
        ],
    );
    ct.create_schema = true;
    ct.foreign_keys = vec![
        // Same schema as the table, by default.
        ForeignKey::new("author_id", "authors", "id"),
        ForeignKey::new("site_id", TableRef::new("sites").schema("public"), "id"),
    ];
    // Without CREATE SCHEMA, and with the referenced table in the same schema only.
    let same_schema = CreateTable {
        foreign_keys: vec![ForeignKey::new("author_id", "authors", "id")],
        create_schema: false,
        ..ct.clone()
    };
    show_all(d, [ct.into(), same_schema.into()])
}

pub fn create_table_hostile(d: &dyn Dialect) -> String {
    let mut ct = CreateTable::new(
        "we\"ird`tab'le",
        vec![
            ColumnDef::auto_pk("i\"d`", ColumnType::BigInt),
            col("na`me\"", ColumnType::Varchar(100)).default(r#"it's a "q" \' \\ `x` ?"#),
            col("x'); DROP TABLE t; --", ColumnType::Varchar(30))
                .default("'); DROP TABLE t; --")
                .unique()
                .collation("C\"x`"),
        ],
    );
    ct.checks = vec![("ch\"e`ck".into(), "1 = 1".into())];
    ct.foreign_keys = vec![ForeignKey::new("na`me\"", "ot\"her`", "i\"d`")];
    show_all(d, [ct.into()])
}

pub fn create_table_defaults(d: &dyn Dialect) -> String {
    let dt = NaiveDate::from_ymd_opt(2024, 12, 31)
        .unwrap()
        .and_hms_micro_opt(23, 59, 58, 123_456)
        .unwrap();
    let one = |ty: ColumnType, v: Value| -> DdlStatement {
        CreateTable::new("d", vec![col("v", ty).default(v)]).into()
    };
    show_all(
        d,
        [
            one(ColumnType::Boolean, Value::Bool(false)),
            one(ColumnType::BigInt, Value::Int(i64::MIN)),
            one(ColumnType::Float, Value::Float(-1e-300)),
            one(
                ColumnType::Decimal {
                    precision: 30,
                    scale: 10,
                },
                Value::Decimal("-12345678901234567890.0123456789".into()),
            ),
            one(ColumnType::Text, Value::Text(r"C:\path\n'quoted'".into())),
            one(ColumnType::Varchar(5), Value::Text(String::new())),
            one(ColumnType::Time, Value::Time(dt.time())),
            one(ColumnType::NaiveDateTime, Value::DateTime(dt)),
            one(ColumnType::DateTime, Value::DateTimeUtc(dt.and_utc())),
            one(
                ColumnType::Uuid,
                Value::Uuid("12345678-1234-5678-1234-567812345678".parse().unwrap()),
            ),
            one(ColumnType::Json, Value::Json(r#"{"it's": "a\\b"}"#.into())),
            one(ColumnType::Integer, Value::Null),
            // Errors: no literal for these.
            one(ColumnType::Blob, Value::Bytes(vec![1, 2])),
            one(ColumnType::Float, Value::Float(f64::INFINITY)),
            one(ColumnType::Json, Value::Json("{oops".into())),
            one(ColumnType::Integer, Value::List(vec![Value::Int(1)])),
            one(
                ColumnType::Decimal {
                    precision: 5,
                    scale: 0,
                },
                Value::Decimal("1; DROP TABLE t".into()),
            ),
            one(ColumnType::Text, Value::Text("nul\0".into())),
        ],
    )
}

pub fn create_table_errors(d: &dyn Dialect) -> String {
    let ct = |cols: Vec<ColumnDef>| CreateTable::new("t", cols);
    let mut both_pk = ct(vec![col("a", ColumnType::Integer).primary_key()]);
    both_pk.primary_key = s(&["a"]);
    let mut composite_auto = ct(vec![
        ColumnDef::auto_pk("a", ColumnType::Integer),
        col("b", ColumnType::Integer),
    ]);
    composite_auto.primary_key = s(&["a", "b"]);
    composite_auto.columns[0].primary_key = false;
    let mut unknown_unique = ct(vec![col("a", ColumnType::Integer)]);
    unknown_unique.uniques = vec![(None, s(&["nope"]))];
    let mut fk_mismatch = ct(vec![col("a", ColumnType::Integer)]);
    fk_mismatch.foreign_keys = vec![ForeignKey {
        ref_columns: s(&["x", "y"]),
        ..ForeignKey::new("a", "p", "id")
    }];
    let mut placeholder_check = ct(vec![col("a", ColumnType::Integer)]);
    placeholder_check.checks = vec![("c".into(), "a > ?".into())];
    let mut open_quote = ct(vec![col("a", ColumnType::Integer)]);
    open_quote.checks = vec![("c".into(), "a <> 'x".into())];
    show_all(
        d,
        [
            ct(vec![]).into(),
            ct(vec![
                col("a", ColumnType::Integer),
                col("a", ColumnType::Text),
            ])
            .into(),
            both_pk.into(),
            ct(vec![ColumnDef::auto_pk("a", ColumnType::Text)]).into(),
            ct(vec![ColumnDef::auto_pk("a", ColumnType::Integer).default(1)]).into(),
            ct(vec![ColumnDef {
                auto_increment: true,
                ..col("a", ColumnType::BigInt)
            }])
            .into(),
            composite_auto.into(),
            unknown_unique.into(),
            fk_mismatch.into(),
            placeholder_check.into(),
            open_quote.into(),
            ct(vec![col("a", ColumnType::Varchar(0))]).into(),
            ct(vec![col(
                "a",
                ColumnType::Decimal {
                    precision: 2,
                    scale: 3,
                },
            )])
            .into(),
            ct(vec![col("a", ColumnType::Raw("INT; DROP TABLE x".into()))]).into(),
            ct(vec![col("", ColumnType::Integer)]).into(),
            CreateTable::new("", vec![col("a", ColumnType::Integer)]).into(),
        ],
    )
}

pub fn long_names(d: &dyn Dialect) -> String {
    let table = "a_table_with_a_really_quite_long_name_for_testing";
    let mut ct = CreateTable::new(
        table,
        vec![
            ColumnDef::auto_pk("id", ColumnType::BigInt),
            col("another_rather_long_column_name", ColumnType::BigInt).unique(),
        ],
    );
    ct.foreign_keys = vec![ForeignKey::new(
        "another_rather_long_column_name",
        "the_referenced_table_also_has_a_long_name",
        "id",
    )];
    let generated = [
        names::unique_name(d, table, &s(&["another_rather_long_column_name"])),
        names::foreign_key_name(
            d,
            table,
            &s(&["another_rather_long_column_name"]),
            "the_referenced_table_also_has_a_long_name",
            &s(&["id"]),
        ),
    ]
    .map(|n| format!("-- {n} ({} bytes)", n.len()))
    .join("\n");
    format!("{generated}\n{}", show_all(d, [ct.into()]))
}

// ------------------------------------------------------------------------------------------ indexes

pub fn create_index(d: &dyn Dialect) -> String {
    let idx = |name: &str, table: TableRef, cols: &[&str]| CreateIndex {
        name: name.to_owned(),
        table,
        columns: cols.iter().map(|c| IndexColumn::parse(c)).collect(),
        unique: false,
        if_not_exists: false,
        condition: None,
    };
    show_all(
        d,
        [
            idx("posts_title_idx", t("posts"), &["title"]).into(),
            CreateIndex {
                unique: true,
                if_not_exists: true,
                ..idx("posts_slug_day_idx", t("posts"), &["slug", "-day"])
            }
            .into(),
            idx(
                "posts_author_idx",
                TableRef::new("posts").schema("blog"),
                &["author_id"],
            )
            .into(),
            CreateIndex {
                condition: Some("deleted_at IS NULL AND title <> 'x'".into()),
                ..idx("posts_live_idx", t("posts"), &["title"])
            }
            .into(),
            idx("i\"dx`", t("t\"ab`"), &["c\"ol`", "-x"]).into(),
            idx("empty", t("posts"), &[]).into(),
            CreateIndex {
                condition: Some("a = ?".into()),
                ..idx("posts_bad_idx", t("posts"), &["a"])
            }
            .into(),
        ],
    )
}

pub fn drop_index(d: &dyn Dialect) -> String {
    let drop = |name: &str, table: TableRef, if_exists: bool| -> DdlStatement {
        DropIndex {
            name: name.to_owned(),
            table,
            if_exists,
        }
        .into()
    };
    show_all(
        d,
        [
            drop("posts_title_idx", t("posts"), true),
            drop("posts_title_idx", t("posts"), false),
            drop(
                "posts_author_idx",
                TableRef::new("posts").schema("blog"),
                true,
            ),
            drop("i\"dx`", t("t\"ab`"), false),
        ],
    )
}

// ------------------------------------------------------------------------------------------- tables

pub fn drop_table(d: &dyn Dialect) -> String {
    let drop = |table: TableRef, if_exists: bool, cascade: bool| -> DdlStatement {
        DropTable {
            table,
            if_exists,
            cascade,
        }
        .into()
    };
    show_all(
        d,
        [
            drop(t("posts"), false, false),
            drop(t("posts"), true, false),
            drop(TableRef::new("posts").schema("blog"), true, false),
            drop(t("posts"), true, true),
            drop(t("we\"ird`"), false, false),
        ],
    )
}

pub fn rename_table(d: &dyn Dialect) -> String {
    show_all(
        d,
        [
            RenameTable {
                table: t("posts"),
                new_name: "articles".into(),
            }
            .into(),
            RenameTable {
                table: TableRef::new("posts").schema("blog"),
                new_name: "articles".into(),
            }
            .into(),
            RenameTable {
                table: t("a\"b`"),
                new_name: "c\"d`".into(),
            }
            .into(),
        ],
    )
}

// ------------------------------------------------------------------------------------------ columns

pub fn add_column(d: &dyn Dialect) -> String {
    let add = |column: ColumnDef| -> DdlStatement {
        AddColumn {
            table: t("posts"),
            column,
        }
        .into()
    };
    show_all(
        d,
        [
            add(col("subtitle", ColumnType::Varchar(100))),
            add(col("views", ColumnType::BigInt).not_null().default(0)),
            add(col("body", ColumnType::Text).not_null().default("")),
            add(col("rating", ColumnType::Integer).check("rating BETWEEN 1 AND 5")),
            add(col("slug", ColumnType::Varchar(50)).unique()),
            add(ColumnDef::auto_pk("id", ColumnType::BigInt)),
            add(col("we\"ird`", ColumnType::Uuid)),
            AddColumn {
                table: TableRef::new("posts").schema("blog"),
                column: col("flag", ColumnType::Boolean).default(false),
            }
            .into(),
        ],
    )
}

pub fn drop_and_rename_column(d: &dyn Dialect) -> String {
    show_all(
        d,
        [
            DropColumn {
                table: t("posts"),
                column: "subtitle".into(),
            }
            .into(),
            DropColumn {
                table: TableRef::new("posts").schema("blog"),
                column: "we\"ird`".into(),
            }
            .into(),
            RenameColumn {
                table: t("posts"),
                old: "title".into(),
                new: "headline".into(),
            }
            .into(),
            RenameColumn {
                table: t("posts"),
                old: "a\"b`".into(),
                new: "c\"d`".into(),
            }
            .into(),
        ],
    )
}

pub fn alter_column(d: &dyn Dialect) -> String {
    let alter = |old: ColumnDef, new: ColumnDef| -> DdlStatement {
        AlterColumn {
            table: t("posts"),
            old,
            column: new,
        }
        .into()
    };
    let n = || col("n", ColumnType::Integer);
    show_all(
        d,
        [
            // type only
            alter(n(), col("n", ColumnType::BigInt)),
            // nullability
            alter(n(), n().not_null()),
            alter(n().not_null(), n()),
            // default
            alter(n(), n().default(5)),
            alter(n().default(5), n()),
            // type change with a default: dropped, converted, set again
            alter(
                n().default(5),
                col("n", ColumnType::Varchar(10)).not_null().default("5"),
            ),
            // text default (expression default on MySQL)
            alter(
                col("n", ColumnType::Text),
                col("n", ColumnType::Text).default("it's"),
            ),
            // unique added, check changed
            alter(n().check("n > 0"), n().unique().check("n > 1")),
            // unique and check removed
            alter(n().unique().check("n > 0"), n()),
            // collation
            alter(
                col("n", ColumnType::Varchar(10)),
                col("n", ColumnType::Varchar(10)).collation("C"),
            ),
            // auto increment added and removed on a primary key
            alter(
                col("n", ColumnType::BigInt).primary_key(),
                ColumnDef::auto_pk("n", ColumnType::BigInt),
            ),
            alter(
                ColumnDef::auto_pk("n", ColumnType::BigInt),
                col("n", ColumnType::BigInt).primary_key(),
            ),
            // nothing changed
            alter(n(), n()),
            // errors
            alter(n(), col("m", ColumnType::Integer)),
            alter(n(), n().primary_key()),
            alter(n(), n().default(Value::Bytes(vec![0]))),
            AlterColumn {
                table: TableRef::new("posts").schema("blog"),
                old: col("we\"ird`", ColumnType::Integer),
                column: col("we\"ird`", ColumnType::Integer).not_null(),
            }
            .into(),
        ],
    )
}

// -------------------------------------------------------------------------------------- constraints

pub fn constraints(d: &dyn Dialect) -> String {
    let posts = || t("posts");
    show_all(
        d,
        [
            AddForeignKey {
                table: posts(),
                foreign_key: ForeignKey::new("author_id", "authors", "id")
                    .on_delete(OnDelete::Cascade),
            }
            .into(),
            AddForeignKey {
                table: TableRef::new("posts").schema("blog"),
                foreign_key: ForeignKey::new("author_id", "authors", "id")
                    .named("posts_author_fk")
                    .on_delete(OnDelete::SetNull),
            }
            .into(),
            DropForeignKey {
                table: posts(),
                name: "posts_author_id_fk_authors_id".into(),
            }
            .into(),
            AddCheck {
                table: posts(),
                name: "posts_views_positive".into(),
                sql: "views >= 0".into(),
            }
            .into(),
            AddUnique {
                table: posts(),
                name: None,
                columns: s(&["author_id", "slug"]),
            }
            .into(),
            AddUnique {
                table: posts(),
                name: Some("posts_slug_uniq".into()),
                columns: s(&["slug"]),
            }
            .into(),
            DropConstraint {
                table: posts(),
                name: "posts_views_positive".into(),
                kind: ConstraintKind::Check,
            }
            .into(),
            DropConstraint {
                table: posts(),
                name: "posts_slug_uniq".into(),
                kind: ConstraintKind::Unique,
            }
            .into(),
            DropConstraint {
                table: t("we\"ird`"),
                name: "c\"o`n".into(),
                kind: ConstraintKind::ForeignKey,
            }
            .into(),
            AddUnique {
                table: posts(),
                name: None,
                columns: vec![],
            }
            .into(),
        ],
    )
}

// -------------------------------------------------------------------------------------------- types

pub fn column_types(d: &dyn Dialect) -> String {
    let types = [
        "BOOLEAN",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "DOUBLE",
        "DECIMAL(10,2)",
        "VARCHAR(200)",
        "TEXT",
        "BLOB",
        "DATE",
        "TIME",
        "DATETIME",
        "TIMESTAMP",
        "DURATION",
        "UUID",
        "JSON",
    ];
    let mut lines: Vec<String> = types
        .iter()
        .map(|name| {
            let ty: ColumnType = name.parse().expect("generic name");
            format!("{name:<14} -> {}", ty.to_sql(d).expect("valid type"))
        })
        .collect();
    lines.push(format!(
        "{:<14} -> {}",
        "raw",
        ColumnType::Raw(" vector(3) ".into()).to_sql(d).unwrap()
    ));
    lines.join("\n")
}

//! Server errors map to the right kind, with the constraint and table the server names.

use ryx_engine::executor::{self, Target};
use ryx_engine::{Backend, DbErrorKind, Error, Value};

use crate::common::{self, exec, phs, unique, Db};

struct Expect {
    kind: DbErrorKind,
    constraint: Option<String>,
    table: Option<String>,
}

async fn expect_error(target: &Target, sql: &str, params: Vec<Value>, want: Expect) {
    match executor::execute(target, sql, params).await {
        Err(Error::Database {
            kind,
            constraint,
            table,
            message,
            sqlstate,
        }) => {
            assert_eq!(kind, want.kind, "{sql}: {message}");
            assert!(sqlstate.is_some(), "{sql}: no sqlstate");
            if want.constraint.is_some() {
                assert_eq!(constraint, want.constraint, "{sql}: {message}");
            }
            if want.table.is_some() {
                assert_eq!(table, want.table, "{sql}: {message}");
            }
        }
        other => panic!("{sql}: expected a database error, got {other:?}"),
    }
}

async fn integrity(db: Db) {
    let entry = common::open(&db).await;
    let target = Target::Pool(entry.clone());
    let b = db.backend;
    let parent = unique("ryx_parent");
    let child = unique("ryx_child");
    let (uq, fk, ck) = (
        format!("uq_{child}"),
        format!("fk_{child}"),
        format!("ck_{child}"),
    );
    exec(
        &target,
        &format!("CREATE TABLE {parent} (id INTEGER PRIMARY KEY)"),
    )
    .await;
    exec(
        &target,
        &format!(
            "CREATE TABLE {child} (id INTEGER PRIMARY KEY, email VARCHAR(50) NOT NULL, \
             parent_id INTEGER, qty INTEGER, \
             CONSTRAINT {uq} UNIQUE (email), \
             CONSTRAINT {fk} FOREIGN KEY (parent_id) REFERENCES {parent} (id), \
             CONSTRAINT {ck} CHECK (qty >= 0))"
        ),
    )
    .await;
    exec(&target, &format!("INSERT INTO {parent} (id) VALUES (1)")).await;
    let insert = format!(
        "INSERT INTO {child} (id, email, parent_id, qty) VALUES ({})",
        phs(b, 4)
    );
    let row = |id: i64, email: Option<&str>, parent: i64, qty: i64| {
        vec![
            Value::Int(id),
            email.map_or(Value::Null, |e| Value::Text(e.into())),
            Value::Int(parent),
            Value::Int(qty),
        ]
    };
    executor::execute(&target, &insert, row(1, Some("a@x"), 1, 1))
        .await
        .unwrap();

    // SQLite never names UNIQUE constraints: it reports the columns, used as the name.
    let unique_name = match b {
        Backend::Sqlite => format!("{child}.email"),
        _ => uq.clone(),
    };
    let child_table = Some(child.clone());
    let cases = [
        (
            row(2, Some("a@x"), 1, 1),
            DbErrorKind::UniqueViolation,
            Some(unique_name),
            if b == Backend::MySql {
                None
            } else {
                child_table.clone()
            },
        ),
        (
            row(1, Some("b@x"), 1, 1),
            DbErrorKind::UniqueViolation,
            // The primary key: PG names it <table>_pkey, MySQL PRIMARY, SQLite <table>.id.
            Some(match b {
                Backend::Postgres => format!("{child}_pkey"),
                Backend::MySql => "PRIMARY".to_owned(),
                Backend::Sqlite => format!("{child}.id"),
            }),
            None,
        ),
        (
            row(3, Some("c@x"), 99, 1),
            DbErrorKind::ForeignKeyViolation,
            if b == Backend::Sqlite {
                None
            } else {
                Some(fk.clone())
            },
            if b == Backend::Sqlite {
                None
            } else {
                child_table.clone()
            },
        ),
        (
            row(4, None, 1, 1),
            DbErrorKind::NotNullViolation,
            None,
            None,
        ),
        (
            row(5, Some("e@x"), 1, -1),
            DbErrorKind::CheckViolation,
            Some(ck.clone()),
            None,
        ),
    ];
    for (params, kind, constraint, table) in cases {
        let want = Expect {
            kind,
            constraint,
            table,
        };
        expect_error(&target, &insert, params, want).await;
    }
    assert_eq!(common::count(&target, &child).await, 1);

    // Programming errors: bad syntax, missing table.
    for sql in [
        "SELEC 1",
        &format!("SELECT nope FROM {child}"),
        "SELECT * FROM ryx_missing_table",
    ] {
        let want = Expect {
            kind: DbErrorKind::Programming,
            constraint: None,
            table: None,
        };
        expect_error(&target, sql, Vec::new(), want).await;
    }

    // Data errors: an invalid value for the column type.
    let data_sql = match b {
        Backend::Postgres => "SELECT 'abc'::int".to_owned(),
        Backend::MySql => {
            format!("INSERT INTO {child} (id, email, qty) VALUES (9, 'z', 99999999999)")
        }
        Backend::Sqlite => format!("INSERT INTO {child} (id, email) VALUES ('not an int', 'z')"),
    };
    let want = Expect {
        kind: DbErrorKind::Data,
        constraint: None,
        table: None,
    };
    expect_error(&target, &data_sql, Vec::new(), want).await;

    exec(&target, &format!("DROP TABLE {child}")).await;
    exec(&target, &format!("DROP TABLE {parent}")).await;
    entry.close().await;
}

crate::per_backend!(integrity_errors_are_classified, integrity);

#[test]
fn error_messages_say_what_to_do() {
    let e = Error::PoolNotInitialized {
        alias: None,
        known: Vec::new(),
    };
    assert!(e.to_string().contains("ryx.setup()"), "{e}");
    let e = Error::PoolNotInitialized {
        alias: Some("replica".into()),
        known: vec!["default".into(), "other".into()],
    };
    assert!(e.to_string().contains("default, other"), "{e}");
    let e = Error::PoolTimeout {
        alias: "default".into(),
        waited: std::time::Duration::from_secs(3),
        size: 4,
    };
    let msg = e.to_string();
    assert!(
        msg.contains("max_connections") && msg.contains("'default'"),
        "{msg}"
    );
    assert!(DbErrorKind::CheckViolation.is_integrity());
    assert!(!DbErrorKind::Operational.is_integrity());
}

//! Decoding by column type with no hints, per backend, and decode errors.

use chrono::{NaiveDate, NaiveTime};
use ryx_engine::executor::{self, Target};
use ryx_engine::Hints;
use ryx_engine::{DecodeHint as H, Error, Value};
use uuid::Uuid;

use crate::common::{self, exec, rows, rows_hinted, unique, Db};

fn t(h: u32, m: u32, s: u32, us: u32) -> NaiveTime {
    NaiveTime::from_hms_micro_opt(h, m, s, us).unwrap()
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

async fn postgres_types(db: Db) {
    let entry = common::open(&db).await;
    let target = Target::Pool(entry.clone());
    let sql = "SELECT 1::int2, 2::int4, 3::int8, 0.1::float4, 2.5::float8, 1.10::numeric, \
               1e30::numeric, 'v'::varchar, 'c'::char(3), 'n'::name, true, '\\x00ff'::bytea, \
               '2024-01-02'::date, '03:04:05.000006'::time, '2024-01-02 03:04:05'::timestamp, \
               '2024-01-02 03:04:05+02'::timestamptz, interval '1 mon 2 days 3 microseconds', \
               '00000000-0000-0000-0000-000000000001'::uuid, '{\"b\": 1}'::json, \
               '{\"a\": [1]}'::jsonb, ARRAY[1, NULL, 3]::int4[], ARRAY['x', 'y'], \
               '127.0.0.1'::inet, 26::oid, '12:00:00+01'::timetz, \
               -interval '1 day 2 hours'";
    let got = &rows(&target, sql, Vec::new()).await[0];
    let expected = vec![
        Value::Int(1),
        Value::Int(2),
        Value::Int(3),
        Value::Float(0.1),
        Value::Float(2.5),
        Value::Decimal("1.10".into()),
        Value::Decimal("1000000000000000000000000000000".into()),
        Value::Text("v".into()),
        Value::Text("c  ".into()),
        Value::Text("n".into()),
        Value::Bool(true),
        Value::Bytes(vec![0, 255]),
        Value::Date(d(2024, 1, 2)),
        Value::Time(t(3, 4, 5, 6)),
        Value::DateTime(d(2024, 1, 2).and_time(t(3, 4, 5, 0))),
        Value::DateTimeUtc(d(2024, 1, 2).and_time(t(1, 4, 5, 0)).and_utc()),
        Value::Duration(32 * 86_400_000_000 + 3),
        Value::Uuid(Uuid::from_u128(1)),
        Value::Json("{\"b\": 1}".into()),
        Value::Json("{\"a\": [1]}".into()),
        Value::List(vec![Value::Int(1), Value::Null, Value::Int(3)]),
        Value::List(vec![Value::Text("x".into()), Value::Text("y".into())]),
        Value::Text("127.0.0.1".into()),
        Value::Int(26),
        Value::Time(t(11, 0, 0, 0)),
        Value::Duration(-(26 * 3_600_000_000)),
    ];
    assert_eq!(got, &expected);

    // Types without a mapping are a Decode error naming the column, never a silent NULL.
    match executor::fetch_all(
        &target,
        "SELECT point(1, 2) AS pt",
        Vec::new(),
        &Hints::default(),
    )
    .await
    {
        Err(Error::Decode { column, message }) => {
            assert_eq!(column, "pt");
            assert!(message.contains("POINT"), "{message}");
        }
        other => panic!("expected a Decode error, got {other:?}"),
    }
    // An enum decodes as its label; a domain as its base type.
    let ty = unique("ryx_mood");
    exec(
        &target,
        &format!("CREATE TYPE {ty} AS ENUM ('sad', 'happy')"),
    )
    .await;
    let got = rows(&target, &format!("SELECT 'happy'::{ty}"), Vec::new()).await;
    assert_eq!(got, vec![vec![Value::Text("happy".into())]]);
    exec(&target, &format!("DROP TYPE {ty}")).await;
    entry.close().await;
}

crate::per_backend!(postgres_column_types, postgres_types, [postgres]);

async fn mysql_types(db: Db) {
    let entry = common::open(&db).await;
    let target = Target::Pool(entry.clone());
    let table = unique("ryx_mytypes");
    exec(
        &target,
        &format!(
            "CREATE TABLE {table} (flag TINYINT(1), tiny TINYINT UNSIGNED, big BIGINT UNSIGNED, \
             fl FLOAT, yr YEAR, tx TEXT, vc VARCHAR(10), bin_tx TEXT COLLATE utf8mb4_bin, \
             en ENUM('a', 'b'), bits BIT(8), neg TIME, long_t TIME, tod TIME(6), \
             dtm DATETIME(6), tsp TIMESTAMP NULL DEFAULT NULL, dec2 DECIMAL(5,2), js JSON, \
             vb VARBINARY(4))"
        ),
    )
    .await;
    exec(
        &target,
        &format!(
            "INSERT INTO {table} VALUES (1, 200, 18446744073709551615, 0.1, 2024, 'texte', \
             'vé', 'bin', 'b', b'00000101', '-01:00:00', '25:00:00', '01:02:03.000004', \
             '2024-01-02 03:04:05.000006', '2024-01-02 03:04:05', 1.10, '{{\"a\": 1}}', \
             x'00ff')"
        ),
    )
    .await;
    let got = &rows(&target, &format!("SELECT * FROM {table}"), Vec::new()).await[0];
    let hour = 3_600_000_000;
    let mut expected = vec![
        Value::Bool(true),
        Value::Int(200),
        Value::Decimal("18446744073709551615".into()),
        Value::Float(0.1),
        Value::Int(2024),
        Value::Text("texte".into()),
        Value::Text("vé".into()),
        // sqlx cannot see the collation: a text column with a binary collation is BLOB-typed.
        Value::Bytes(b"bin".to_vec()),
        Value::Text("b".into()),
        Value::Int(5),
        Value::Duration(-hour),
        Value::Duration(25 * hour),
        Value::Time(t(1, 2, 3, 4)),
        Value::DateTime(d(2024, 1, 2).and_time(t(3, 4, 5, 6))),
        Value::DateTimeUtc(d(2024, 1, 2).and_time(t(3, 4, 5, 0)).and_utc()),
        Value::Decimal("1.10".into()),
        // MariaDB's JSON is LONGTEXT with a binary collation; MySQL 8 has a real JSON type.
        if entry.is_mariadb {
            Value::Bytes(b"{\"a\": 1}".to_vec())
        } else {
            Value::Json("{\"a\": 1}".into())
        },
        Value::Bytes(vec![0, 255]),
    ];
    assert_eq!(got, &expected);
    // With hints, the ambiguous columns read as intended.
    let hints = [
        H::Auto,
        H::Auto,
        H::Auto,
        H::Auto,
        H::Auto,
        H::Auto,
        H::Auto,
        H::Text,
    ];
    let got = &rows_hinted(
        &target,
        &format!("SELECT *, js AS js2 FROM {table}"),
        Vec::new(),
        &[hints.as_slice(), &[H::Auto; 10], &[H::Json]].concat(),
    )
    .await[0];
    expected[7] = Value::Text("bin".into());
    expected.push(Value::Json("{\"a\": 1}".into()));
    assert_eq!(got.len(), expected.len());
    assert_eq!(got[7], expected[7]);
    assert!(matches!(&got[18], Value::Json(j) if j.contains("\"a\"")));
    exec(&target, &format!("DROP TABLE {table}")).await;
    entry.close().await;
}

crate::per_backend!(mysql_column_types, mysql_types, [mysql]);

async fn sqlite_types(db: Db) {
    let entry = common::open(&db).await;
    let target = Target::Pool(entry.clone());
    let table = unique("ryx_lite");
    exec(
        &target,
        &format!(
            "CREATE TABLE {table} (flag BOOLEAN, day DATE, tod TIME, naive DATETIME, \
             aware TIMESTAMP, epoch DATETIME, num NUMERIC, js JSON, anything, loose INTEGER)"
        ),
    )
    .await;
    exec(
        &target,
        &format!(
            "INSERT INTO {table} VALUES (1, '2024-01-02', '03:04:05.5', '2024-01-02 03:04:05', \
             '2024-01-02T12:00:00+02:00', 0, '1.10', '{{\"a\":1}}', x'01', 'not a number')"
        ),
    )
    .await;
    let got = &rows(
        &target,
        &format!("SELECT *, 1 + 1 AS expr, 2.5 AS real_expr FROM {table}"),
        Vec::new(),
    )
    .await[0];
    let expected = vec![
        Value::Bool(true),
        Value::Date(d(2024, 1, 2)),
        Value::Time(t(3, 4, 5, 500_000)),
        Value::DateTime(d(2024, 1, 2).and_time(t(3, 4, 5, 0))),
        Value::DateTimeUtc(d(2024, 1, 2).and_time(t(10, 0, 0, 0)).and_utc()),
        Value::DateTimeUtc(d(1970, 1, 1).and_time(t(0, 0, 0, 0)).and_utc()),
        // NUMERIC affinity turned '1.10' into REAL 1.1; sqlx cannot see the declared type.
        Value::Float(1.1),
        Value::Text("{\"a\":1}".into()),
        Value::Bytes(vec![1]),
        Value::Text("not a number".into()),
        Value::Int(2),
        Value::Float(2.5),
    ];
    assert_eq!(got, &expected);
    // The regexp() function is registered on every connection.
    let got = rows(
        &target,
        "SELECT 'abc123' REGEXP '^[a-z]+[0-9]+$', 'abc' REGEXP '^[0-9]+$'",
        Vec::new(),
    )
    .await;
    assert_eq!(got, vec![vec![Value::Int(1), Value::Int(0)]]);
    exec(&target, &format!("DROP TABLE {table}")).await;
    entry.close().await;
}

crate::per_backend!(
    sqlite_column_types,
    sqlite_types,
    [sqlite_memory, sqlite_file]
);

async fn bad_hint_is_decode_error(db: Db) {
    let entry = common::open(&db).await;
    let target = Target::Pool(entry.clone());
    match executor::fetch_all(
        &target,
        "SELECT 'abc' AS c",
        Vec::new(),
        &Hints::positional(vec![H::Uuid]),
    )
    .await
    {
        Err(Error::Decode { column, message }) => {
            assert_eq!(column, "c");
            assert!(message.contains("UUID"), "{message}");
        }
        other => panic!("expected a Decode error, got {other:?}"),
    }
    entry.close().await;
}

crate::per_backend!(undecodable_values_are_errors, bad_hint_is_decode_error);

//! Every `Value` type through a real table and back, including NULLs and edge values.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use ryx_engine::executor::{self, Target};
use ryx_engine::Hints;
use ryx_engine::{Backend, DecodeHint as H, Value};
use uuid::Uuid;

use crate::common::{self, exec, phs, rows, rows_hinted, unique, Db};

const COLUMNS: &str = "b, i, f, d, t, y, dt, tm, ts, tz, du, u, j";

const HINTS: [H; 13] = [
    H::Bool,
    H::Int,
    H::Float,
    H::Decimal,
    H::Text,
    H::Bytes,
    H::Date,
    H::Time,
    H::DateTime,
    H::DateTimeUtc,
    H::Duration,
    H::Uuid,
    H::Json,
];

fn ddl(backend: Backend, table: &str) -> String {
    let cols = match backend {
        Backend::Postgres => {
            "k INT PRIMARY KEY, b BOOLEAN, i BIGINT, f DOUBLE PRECISION, d NUMERIC, t TEXT, \
             y BYTEA, dt DATE, tm TIME, ts TIMESTAMP, tz TIMESTAMPTZ, du INTERVAL, u UUID, j JSONB"
        }
        Backend::MySql => {
            "k INT PRIMARY KEY, b BOOLEAN, i BIGINT, f DOUBLE, d DECIMAL(40,2), t TEXT, \
             y LONGBLOB, dt DATE, tm TIME(6), ts DATETIME(6), tz TIMESTAMP(6) NULL DEFAULT NULL, \
             du TIME(6), u CHAR(36), j JSON"
        }
        Backend::Sqlite => {
            "k INTEGER PRIMARY KEY, b BOOLEAN, i INTEGER, f REAL, d TEXT, t TEXT, y BLOB, \
             dt DATE, tm TIME, ts DATETIME, tz DATETIME, du INTEGER, u UUID, j JSON"
        }
    };
    format!("CREATE TABLE {table} ({cols})")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn time(h: u32, m: u32, s: u32, us: u32) -> NaiveTime {
    NaiveTime::from_hms_micro_opt(h, m, s, us).unwrap()
}

fn dt(d: NaiveDate, t: NaiveTime) -> NaiveDateTime {
    d.and_time(t)
}

fn utc(d: NaiveDate, t: NaiveTime) -> DateTime<Utc> {
    d.and_time(t).and_utc()
}

fn sample_rows() -> Vec<Vec<Value>> {
    let all_bytes: Vec<u8> = (0..=255).collect();
    let hour = 3_600_000_000_i64;
    vec![
        vec![
            Value::Bool(true),
            Value::Int(i64::MAX),
            Value::Float(1.5),
            Value::Decimal("1.10".into()),
            Value::Text("héllo wörld ✓ 𝄞 中文".into()),
            Value::Bytes(vec![0, 1, 255, 0]),
            Value::Date(date(2024, 2, 29)),
            Value::Time(time(23, 59, 59, 999_999)),
            Value::DateTime(dt(date(2024, 2, 29), time(23, 59, 59, 1))),
            Value::DateTimeUtc(utc(date(2038, 1, 19), time(3, 14, 7, 500_000))),
            Value::Duration(-1),
            Value::Uuid(Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef)),
            Value::Json(r#"{"a": 1, "b": [true, null, "x"]}"#.into()),
        ],
        vec![
            Value::Bool(false),
            Value::Int(i64::MIN),
            Value::Float(-1e300),
            Value::Decimal("-12345678901234567890123456789012345.67".into()),
            Value::Text(String::new()),
            Value::Bytes(Vec::new()),
            Value::Date(date(1000, 1, 1)),
            Value::Time(time(0, 0, 0, 0)),
            Value::DateTime(dt(date(1970, 1, 1), time(0, 0, 0, 0))),
            Value::DateTimeUtc(utc(date(1970, 1, 1), time(0, 0, 1, 0))),
            Value::Duration(-(76 * hour + 5 * 60_000_000 + 6_000_007)),
            Value::Uuid(Uuid::nil()),
            Value::Json("[]".into()),
        ],
        vec![Value::Null; 13],
        vec![
            Value::Bool(true),
            Value::Int(0),
            Value::Float(0.0),
            Value::Decimal("0.00".into()),
            Value::Text("'; DROP TABLE x; -- \"quoted\" \\ back".into()),
            Value::Bytes(all_bytes),
            Value::Date(date(9999, 12, 31)),
            Value::Time(time(12, 0, 0, 0)),
            Value::DateTime(dt(date(9999, 12, 31), time(23, 59, 59, 999_999))),
            Value::DateTimeUtc(utc(date(2000, 1, 1), time(0, 0, 0, 0))),
            Value::Duration(838 * hour + 59 * 60_000_000 + 59_000_000),
            Value::Uuid(Uuid::max()),
            Value::Json(r#"{"nested": {"k": "ü"}, "n": 1.5}"#.into()),
        ],
    ]
}

/// JSON is compared as documents: servers normalise whitespace and key order.
fn same(expected: &Value, got: &Value) -> bool {
    match (expected, got) {
        (Value::Json(a), Value::Json(b)) => {
            serde_json::from_str::<serde_json::Value>(a).unwrap()
                == serde_json::from_str::<serde_json::Value>(b).unwrap()
        }
        _ => expected == got,
    }
}

async fn round_trip(db: Db) {
    let entry = common::open(&db).await;
    let target = Target::Pool(entry.clone());
    let table = unique("ryx_values");
    exec(&target, &ddl(db.backend, &table)).await;
    let insert = format!(
        "INSERT INTO {table} (k, {COLUMNS}) VALUES ({})",
        phs(db.backend, 14)
    );
    let samples = sample_rows();
    for (k, row) in samples.iter().enumerate() {
        let mut params = vec![Value::Int(i64::try_from(k).unwrap())];
        params.extend(row.iter().cloned());
        let done = executor::execute(&target, &insert, params).await.unwrap();
        assert_eq!(done.rows_affected, 1);
    }
    let select = format!("SELECT {COLUMNS} FROM {table} ORDER BY k");
    let got = executor::fetch_all(
        &target,
        &select,
        Vec::new(),
        &Hints::positional(HINTS.to_vec()),
    )
    .await
    .unwrap();
    assert_eq!(&*got.columns, COLUMNS.split(", ").collect::<Vec<_>>());
    assert_eq!(got.rows.len(), samples.len());
    for (expected, row) in samples.iter().zip(&got.rows) {
        for ((e, g), name) in expected.iter().zip(row).zip(COLUMNS.split(", ")) {
            assert!(
                same(e, g),
                "{}: column {name}: sent {e:?}, got {g:?}",
                db.url
            );
        }
    }
    // The same values also work as filters (each parameter bound natively, never as text).
    let filter = format!(
        "SELECT k FROM {table} WHERE i = {} AND d = {} AND dt = {} AND ts = {} AND tz = {}",
        phs(db.backend, 1),
        crate::common::ph(db.backend, 2),
        crate::common::ph(db.backend, 3),
        crate::common::ph(db.backend, 4),
        crate::common::ph(db.backend, 5),
    );
    let params = vec![
        samples[0][1].clone(),
        samples[0][3].clone(),
        samples[0][6].clone(),
        samples[0][8].clone(),
        samples[0][9].clone(),
    ];
    assert_eq!(
        rows_hinted(&target, &filter, params, &[]).await,
        vec![vec![Value::Int(0)]]
    );
    exec(&target, &format!("DROP TABLE {table}")).await;
    entry.close().await;
}

crate::per_backend!(every_type_round_trips, round_trip);

async fn nulls_ignore_hints(db: Db) {
    let entry = common::open(&db).await;
    let target = Target::Pool(entry.clone());
    let sql = match db.backend {
        Backend::Postgres => "SELECT NULL::int AS a, NULL::text AS b, NULL::jsonb AS c",
        _ => "SELECT NULL AS a, NULL AS b, NULL AS c",
    };
    let got = rows_hinted(&target, sql, Vec::new(), &[H::Bool, H::Uuid, H::Json]).await;
    assert_eq!(got, vec![vec![Value::Null; 3]]);
    entry.close().await;
}

crate::per_backend!(nulls_are_always_null, nulls_ignore_hints);

async fn param_types_do_not_leak_between_executions(db: Db) {
    // Same SQL text, different parameter types: the PostgreSQL statement cache must not reuse a
    // statement prepared for another type.
    let entry = common::open(&db).await;
    let target = Target::Pool(entry.clone());
    let sql = format!("SELECT {} AS v", common::ph(db.backend, 1));
    let cases = [
        Value::Int(5),
        Value::Float(2.5),
        Value::Text("x".into()),
        Value::Null,
        Value::Int(-7),
    ];
    let hint = |v: &Value| match v {
        Value::Int(_) => H::Int,
        Value::Float(_) => H::Float,
        _ => H::Auto,
    };
    for v in cases {
        let got = rows_hinted(&target, &sql, vec![v.clone()], &[hint(&v)]).await;
        assert_eq!(got, vec![vec![v]], "{}", db.url);
    }
    entry.close().await;
}

crate::per_backend!(
    statement_cache_is_keyed_by_param_types,
    param_types_do_not_leak_between_executions
);

async fn encode_errors(db: Db) {
    let entry = common::open(&db).await;
    let target = Target::Pool(entry.clone());
    let sql = format!("SELECT {} AS v", common::ph(db.backend, 1));
    let mut bad = vec![
        // PostgreSQL binds a list of same-typed keys as an array; a mixed list is refused everywhere.
        Value::List(vec![Value::Int(1), Value::Text("x".into())]),
        Value::List(vec![Value::Float(1.5)]),
        Value::Decimal("NaN".into()),
        Value::Decimal("Infinity".into()),
    ];
    if db.backend == Backend::MySql {
        bad.push(Value::Duration(839 * 3_600_000_000));
    }
    for v in bad {
        match executor::fetch_all(&target, &sql, vec![v.clone()], &Hints::default()).await {
            Err(ryx_engine::Error::Encode(msg)) => assert!(!msg.is_empty()),
            other => panic!("{v:?}: expected an Encode error, got {other:?}"),
        }
    }
    if db.backend == Backend::Postgres {
        let keys = |items: Vec<Value>| vec![Value::List(items)];
        let any = "SELECT 2 = ANY($1) AS v";
        let got = rows(&target, any, keys(vec![Value::Int(1), Value::Int(2)])).await;
        assert_eq!(got, vec![vec![Value::Bool(true)]]);
        let texts = "SELECT 'b' = ANY($1) AS v";
        let got = rows(&target, texts, keys(vec![Value::Text("a".into())])).await;
        assert_eq!(got, vec![vec![Value::Bool(false)]]);
    } else {
        let one = vec![Value::List(vec![Value::Int(1)])];
        assert!(matches!(
            executor::fetch_all(&target, &sql, one, &Hints::default()).await,
            Err(ryx_engine::Error::Encode(_))
        ));
    }
    entry.close().await;
}

crate::per_backend!(bad_params_are_encode_errors, encode_errors);

async fn statement_cache_disabled(db: Db) {
    let options = ryx_engine::PoolOptions {
        statement_cache_capacity: 0,
        ..common::options()
    };
    let entry = common::open_with(&db, options).await;
    let target = Target::Pool(entry.clone());
    let sql = format!("SELECT {} AS v", common::ph(db.backend, 1));
    for i in 0..3 {
        let got = rows_hinted(&target, &sql, vec![Value::Int(i)], &[H::Int]).await;
        assert_eq!(got, vec![vec![Value::Int(i)]]);
    }
    entry.close().await;
}

crate::per_backend!(works_without_statement_cache, statement_cache_disabled);

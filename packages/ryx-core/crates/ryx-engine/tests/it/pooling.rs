//! Pool behaviour: exhaustion and recovery, connections killed by the server, stats.

use ryx_engine::Hints;
use std::time::Duration;

use ryx_engine::executor::{self, Target};
use ryx_engine::{Backend, DbErrorKind, Error, PoolOptions, Transaction, Value};

use crate::common::{self, rows, Db};

async fn exhaustion(db: Db) {
    let options = PoolOptions {
        max_connections: 1,
        acquire_timeout: Duration::from_millis(300),
        ..common::options()
    };
    let entry = common::open_with(&db, options).await;
    let pool = Target::Pool(entry.clone());
    // A transaction holds the only connection.
    let tx = Transaction::begin_on(entry.clone(), None, false)
        .await
        .unwrap();
    let stats = ryx_engine_stats(&entry);
    assert_eq!(
        (stats.0, stats.1),
        (1, 0),
        "size/idle while the transaction is open"
    );
    match executor::fetch_all(&pool, "SELECT 1", Vec::new(), &Hints::default()).await {
        Err(Error::PoolTimeout {
            alias,
            waited,
            size,
        }) => {
            assert_eq!(alias, entry.alias);
            assert_eq!(size, 1);
            assert_eq!(waited, Duration::from_millis(300));
        }
        other => panic!("expected PoolTimeout, got {other:?}"),
    }
    // The transaction still works, and once it ends the pool serves again.
    rows(&Target::Tx(tx.clone()), "SELECT 1", Vec::new()).await;
    tx.commit().await.unwrap();
    assert_eq!(
        rows(&pool, "SELECT 1", Vec::new()).await,
        vec![vec![Value::Int(1)]]
    );
    entry.close().await;
}

fn ryx_engine_stats(entry: &ryx_engine::PoolEntry) -> (u32, usize) {
    (entry.pool.size(), entry.pool.num_idle())
}

crate::per_backend!(exhausted_pool_times_out_then_recovers, exhaustion);

async fn killed_connection(db: Db) {
    let options = PoolOptions {
        max_connections: 1,
        ..common::options()
    };
    let entry = common::open_with(&db, options).await;
    let pool = Target::Pool(entry.clone());
    let (pid_sql, sleep_sql) = match db.backend {
        Backend::Postgres => ("SELECT pg_backend_pid()::int8", "SELECT pg_sleep(10)"),
        _ => ("SELECT CONNECTION_ID()", "SELECT SLEEP(10)"),
    };
    let pid = match &rows(&pool, pid_sql, Vec::new()).await[0][0] {
        Value::Int(p) => *p,
        Value::Decimal(p) => p.parse().unwrap(),
        other => panic!("{other:?}"),
    };
    let target = pool.clone();
    let in_flight = tokio::spawn(async move {
        executor::fetch_all(&target, sleep_sql, Vec::new(), &Hints::default()).await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;

    let admin = common::open(&db).await;
    let kill = match db.backend {
        Backend::Postgres => format!("SELECT pg_terminate_backend({pid})"),
        _ => format!("KILL {pid}"),
    };
    executor::execute(&Target::Pool(admin.clone()), &kill, Vec::new())
        .await
        .unwrap();
    let err = tokio::time::timeout(Duration::from_secs(5), in_flight)
        .await
        .expect("the killed query must fail promptly")
        .unwrap()
        .unwrap_err();
    let lost =
        matches!(err, Error::Connection(_)) || err.db_kind() == Some(DbErrorKind::Operational);
    assert!(lost, "expected a Connection/Operational error, got {err:?}");

    // The pool replaces the dead connection by itself.
    let mut recovered = false;
    for _ in 0..3 {
        if executor::fetch_all(&pool, "SELECT 1", Vec::new(), &Hints::default())
            .await
            .is_ok()
        {
            recovered = true;
            break;
        }
    }
    assert!(recovered, "the pool did not recover");
    let got = rows(&pool, pid_sql, Vec::new()).await;
    assert_ne!(
        got[0][0],
        Value::Int(pid),
        "a new server connection is in use"
    );
    admin.close().await;
    entry.close().await;
}

crate::per_backend!(
    server_killed_connections_are_replaced,
    killed_connection,
    [postgres, mysql]
);

async fn stats_and_warm_up(db: Db) {
    let options = PoolOptions {
        max_connections: 4,
        min_connections: 2,
        ..common::options()
    };
    let entry = common::open_with(&db, options).await;
    // setup() opened min_connections eagerly.
    assert!(entry.pool.size() >= 2, "size {}", entry.pool.size());
    assert!(!entry.server_version.is_empty());
    if db.backend == Backend::MySql {
        assert_eq!(entry.is_mariadb, entry.server_version.contains("MariaDB"));
    }
    entry.close().await;
    assert!(entry.pool.is_closed());
    match executor::fetch_all(
        &Target::Pool(entry.clone()),
        "SELECT 1",
        Vec::new(),
        &Hints::default(),
    )
    .await
    {
        Err(Error::PoolNotInitialized { alias, .. }) => {
            assert_eq!(alias.as_deref(), Some(entry.alias.as_str()));
        }
        other => panic!("expected PoolNotInitialized, got {other:?}"),
    }
}

crate::per_backend!(pools_warm_up_and_close, stats_and_warm_up);

async fn session_setup(db: Db) {
    let entry = common::open(&db).await;
    let pool = Target::Pool(entry.clone());
    match db.backend {
        Backend::Postgres => {
            let got = rows(&pool, "SELECT current_setting('TimeZone')", Vec::new()).await;
            assert_eq!(got, vec![vec![Value::Text("UTC".into())]]);
        }
        Backend::MySql => {
            let got = rows(
                &pool,
                "SELECT @@session.time_zone, @@session.sql_mode",
                Vec::new(),
            )
            .await;
            assert_eq!(got[0][0], Value::Text("+00:00".into()));
            let Value::Text(mode) = &got[0][1] else {
                panic!("{:?}", got[0][1])
            };
            assert!(mode.contains("STRICT_TRANS_TABLES"), "{mode}");
        }
        Backend::Sqlite => {
            let got = rows(&pool, "PRAGMA foreign_keys", Vec::new()).await;
            assert_eq!(got, vec![vec![Value::Int(1)]]);
            let got = rows(&pool, "PRAGMA busy_timeout", Vec::new()).await;
            assert_eq!(got, vec![vec![Value::Int(5000)]]);
        }
    }
    entry.close().await;
}

crate::per_backend!(connections_get_session_settings, session_setup);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_memory_is_one_shared_database() {
    let db = common::sqlite_memory();
    let entry = common::open(&db).await;
    let pool = Target::Pool(entry.clone());
    common::exec(&pool, "CREATE TABLE shared (x INTEGER)").await;
    // Hold connections so the next statements must use other ones.
    let a = Transaction::begin_on(entry.clone(), None, true)
        .await
        .unwrap();
    let b = Transaction::begin_on(entry.clone(), None, true)
        .await
        .unwrap();
    for tx in [&a, &b] {
        let got = rows(
            &Target::Tx(tx.clone()),
            "SELECT count(*) FROM shared",
            Vec::new(),
        )
        .await;
        assert_eq!(got, vec![vec![Value::Int(0)]]);
    }
    a.rollback().await.unwrap();
    b.rollback().await.unwrap();
    // Another memory URL is another database.
    let other = common::open(&common::sqlite_memory()).await;
    let err = executor::fetch_all(
        &Target::Pool(other.clone()),
        "SELECT * FROM shared",
        Vec::new(),
        &Hints::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::Programming));
    other.close().await;
    entry.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_journal_mode_and_missing_files() {
    let db = common::sqlite_file();
    let options = PoolOptions {
        sqlite_journal_mode: Some("wal".into()),
        ..common::options()
    };
    let entry = common::open_with(&db, options).await;
    let got = rows(
        &Target::Pool(entry.clone()),
        "PRAGMA journal_mode",
        Vec::new(),
    )
    .await;
    assert_eq!(got, vec![vec![Value::Text("wal".into())]]);
    entry.close().await;

    // With an explicit mode, a missing file is not created.
    let missing = std::env::temp_dir().join(common::unique("ryx_missing"));
    let url = format!("sqlite://{}?mode=rw", missing.display());
    let err = ryx_engine::pool::open("x", &url, common::options())
        .await
        .unwrap_err();
    assert!(!missing.exists());
    assert!(
        matches!(err, Error::Database { .. } | Error::Connection(_)),
        "{err:?}"
    );
}

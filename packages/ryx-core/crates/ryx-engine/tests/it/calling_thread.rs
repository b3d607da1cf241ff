//! SQLite reads answered on the calling thread (`executor::fetch_now`), through the pool's lane.

use std::time::Duration;

use ryx_engine::executor::{self, Target};
use ryx_engine::{DbErrorKind, Error, Hints, PoolOptions, Transaction, Value};

use crate::common::{self, exec, rows, Db};

async fn now(target: &Target, sql: &str, params: &[Value]) -> Option<Vec<Vec<Value>>> {
    executor::fetch_now(target, sql, params, &Hints::default(), None)
        .await
        .map(|r| r.unwrap_or_else(|e| panic!("{sql}: {e}")).rows)
}

async fn table(target: &Target, name: &str) {
    exec(
        target,
        &format!("CREATE TABLE {name} (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"),
    )
    .await;
    exec(
        target,
        &format!("INSERT INTO {name} (name) VALUES ('a'), ('b'), ('c')"),
    )
    .await;
}

async fn answers_reads_and_sees_only_committed_writes(db: Db) {
    let entry = common::open(&db).await;
    let pool = Target::Pool(entry.clone());
    let t = common::unique("lane_reads");
    table(&pool, &t).await;
    let by_id = format!("SELECT name FROM {t} WHERE id = ?");
    let one = [Value::Int(1)];
    assert_eq!(
        now(&pool, &by_id, &one).await,
        Some(vec![vec![Value::Text("a".into())]])
    );

    let tx = Transaction::begin_on(entry.clone(), None, false)
        .await
        .unwrap();
    exec(
        &Target::Tx(tx.clone()),
        &format!("UPDATE {t} SET name = 'z' WHERE id = 1"),
    )
    .await;
    // Not committed: either the old row, or "not now" when the writer's lock is in the way.
    if let Some(seen) = now(&pool, &by_id, &one).await {
        assert_eq!(seen, vec![vec![Value::Text("a".into())]]);
    }
    tx.commit().await.unwrap();
    assert_eq!(
        now(&pool, &by_id, &one).await,
        Some(vec![vec![Value::Text("z".into())]])
    );
    entry.close().await;
}

crate::per_backend!(
    lane_reads_see_committed_writes_only,
    answers_reads_and_sees_only_committed_writes,
    [sqlite_memory, sqlite_file]
);

async fn refuses_writes(db: Db) {
    let entry = common::open(&db).await;
    let pool = Target::Pool(entry.clone());
    let t = common::unique("lane_writes");
    table(&pool, &t).await;
    let update = format!("UPDATE {t} SET name = 'x' RETURNING id");
    assert!(
        executor::fetch_now(&pool, &update, &[], &Hints::default(), None)
            .await
            .is_none()
    );
    assert!(now(&pool, "SELECT 1; SELECT 2", &[]).await.is_none());
    assert_eq!(
        rows(
            &pool,
            &format!("SELECT COUNT(*) FROM {t} WHERE name = 'x'"),
            Vec::new()
        )
        .await,
        vec![vec![Value::Int(0)]]
    );
    entry.close().await;
}

crate::per_backend!(
    lane_refuses_writes_and_scripts,
    refuses_writes,
    [sqlite_memory, sqlite_file]
);

async fn follows_schema_changes(db: Db) {
    let entry = common::open(&db).await;
    let pool = Target::Pool(entry.clone());
    let t = common::unique("lane_schema");
    table(&pool, &t).await;
    let all = format!("SELECT * FROM {t} WHERE id = 1");
    let before = executor::fetch_now(&pool, &all, &[], &Hints::default(), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&*before.columns, ["id", "name"]);
    exec(
        &pool,
        &format!("ALTER TABLE {t} ADD COLUMN extra INTEGER NOT NULL DEFAULT 7"),
    )
    .await;
    // The lane's cached statement is re-prepared by SQLite for the new schema.
    let after = executor::fetch_now(&pool, &all, &[], &Hints::default(), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&*after.columns, ["id", "name", "extra"]);
    assert_eq!(
        after.rows,
        vec![vec![Value::Int(1), Value::Text("a".into()), Value::Int(7)]]
    );
    entry.close().await;
}

crate::per_backend!(
    lane_follows_schema_changes,
    follows_schema_changes,
    [sqlite_memory, sqlite_file]
);

async fn first_row_releases_the_read_lock(db: Db) {
    // Rollback journal: a reader left on a row would keep its SHARED lock and block writers.
    let options = PoolOptions {
        sqlite_journal_mode: Some("delete".into()),
        sqlite_busy_timeout: Duration::from_millis(50),
        ..common::options()
    };
    let entry = common::open_with(&db, options).await;
    let pool = Target::Pool(entry.clone());
    let t = common::unique("lane_lock");
    table(&pool, &t).await;
    let first = executor::fetch_now(
        &pool,
        &format!("SELECT id FROM {t} ORDER BY id"),
        &[],
        &Hints::default(),
        Some(1),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(first.rows, vec![vec![Value::Int(1)]]);
    exec(&pool, &format!("UPDATE {t} SET name = 'w'")).await;
    assert_eq!(
        rows(
            &pool,
            &format!("SELECT COUNT(*) FROM {t} WHERE name = 'w'"),
            Vec::new()
        )
        .await,
        vec![vec![Value::Int(3)]]
    );
    entry.close().await;
}

crate::per_backend!(
    lane_first_row_releases_the_read_lock,
    first_row_releases_the_read_lock,
    [sqlite_file]
);

async fn reports_errors(db: Db) {
    let entry = common::open(&db).await;
    let pool = Target::Pool(entry.clone());
    let missing = executor::fetch_now(
        &pool,
        "SELECT * FROM no_such_table_here",
        &[],
        &Hints::default(),
        None,
    )
    .await;
    assert!(
        matches!(missing, Some(Err(Error::Database { .. }))),
        "{missing:?}"
    );
    let t = common::unique("lane_errors");
    table(&pool, &t).await;
    let wrong = executor::fetch_now(
        &pool,
        &format!("SELECT name FROM {t} WHERE id = ?"),
        &[],
        &Hints::default(),
        None,
    )
    .await;
    assert!(
        matches!(
            wrong,
            Some(Err(Error::Database {
                kind: DbErrorKind::Programming,
                ..
            }))
        ),
        "{wrong:?}"
    );
    // The failed call left the lane usable.
    assert_eq!(
        now(
            &pool,
            &format!("SELECT name FROM {t} WHERE id = ?"),
            &[Value::Int(2)]
        )
        .await,
        Some(vec![vec![Value::Text("b".into())]])
    );
    entry.close().await;
}

crate::per_backend!(
    lane_reports_errors_and_stays_usable,
    reports_errors,
    [sqlite_memory, sqlite_file]
);

/// The open file descriptors of this process that point at `path`.
#[cfg(target_os = "linux")]
fn open_fds(path: &std::path::Path) -> usize {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return 0;
    };
    dir.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|target| target == path)
        .count()
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_pool_closes_the_lane() {
    let db = common::sqlite_file();
    let path = std::path::PathBuf::from(db.url.trim_start_matches("sqlite://"));
    let entry = common::open(&db).await;
    let pool = Target::Pool(entry.clone());
    assert_eq!(
        now(&pool, "SELECT 1", &[]).await,
        Some(vec![vec![Value::Int(1)]])
    );
    assert!(open_fds(&path) > 0);
    entry.close().await;
    drop(pool);
    assert_eq!(
        open_fds(&path),
        0,
        "a connection to {} is still open",
        path.display()
    );
}

//! Single statements: counts and generated ids, first-row fetches, scripts, and cancellation of
//! a statement running on a pooled connection.

use ryx_engine::Hints;
use std::time::Duration;

use ryx_engine::executor::{self, Target};
use ryx_engine::{Backend, PoolOptions, Transaction, Value};

use crate::common::{self, count, exec, ph, rows, serial_pk, unique, Db};

async fn counts_ids_and_first_rows(db: Db) {
    let entry = common::open(&db).await;
    let pool = Target::Pool(entry.clone());
    let table = unique("ryx_stmt");
    exec(
        &pool,
        &format!(
            "CREATE TABLE {table} ({}, n INTEGER)",
            serial_pk(db.backend)
        ),
    )
    .await;
    let insert = format!("INSERT INTO {table} (n) VALUES ({})", ph(db.backend, 1));
    let first = executor::execute(&pool, &insert, vec![Value::Int(10)])
        .await
        .unwrap();
    let second = executor::execute(&pool, &insert, vec![Value::Int(20)])
        .await
        .unwrap();
    assert_eq!((first.rows_affected, second.rows_affected), (1, 1));
    match db.backend {
        Backend::Postgres => assert_eq!(second.last_insert_id, None),
        _ => assert_eq!(
            (first.last_insert_id, second.last_insert_id),
            (Some(1), Some(2))
        ),
    }
    let update = format!(
        "UPDATE {table} SET n = n + 1 WHERE n >= {}",
        ph(db.backend, 1)
    );
    let done = executor::execute(&pool, &update, vec![Value::Int(0)])
        .await
        .unwrap();
    assert_eq!(done.rows_affected, 2);

    let select = format!("SELECT id, n FROM {table} ORDER BY id");
    let (columns, row) = executor::fetch_optional(&pool, &select, Vec::new(), &Hints::default())
        .await
        .unwrap();
    assert_eq!(&*columns, ["id", "n"]);
    assert_eq!(row, Some(vec![Value::Int(1), Value::Int(11)]));
    let none = format!("SELECT id FROM {table} WHERE n < 0");
    let (columns, row) = executor::fetch_optional(&pool, &none, Vec::new(), &Hints::default())
        .await
        .unwrap();
    assert!(columns.is_empty() && row.is_none());
    // The connection is clean after a partly read result.
    assert_eq!(count(&pool, &table).await, 2);
    exec(&pool, &format!("DROP TABLE {table}")).await;
    entry.close().await;
}

crate::per_backend!(counts_ids_and_first_rows_work, counts_ids_and_first_rows);

async fn scripts(db: Db) {
    let entry = common::open(&db).await;
    let pool = Target::Pool(entry.clone());
    let table = unique("ryx_script");
    executor::execute_script(
        &pool,
        &format!(
            "CREATE TABLE {table} (n INTEGER); INSERT INTO {table} VALUES (1); \
             INSERT INTO {table} VALUES (2);"
        ),
    )
    .await
    .unwrap();
    assert_eq!(count(&pool, &table).await, 2);
    let tx = Transaction::begin_on(entry.clone(), None, false)
        .await
        .unwrap();
    let in_tx = Target::Tx(tx.clone());
    executor::execute_script(
        &in_tx,
        &format!("DELETE FROM {table}; INSERT INTO {table} VALUES (3)"),
    )
    .await
    .unwrap();
    assert_eq!(count(&in_tx, &table).await, 1);
    tx.rollback().await.unwrap();
    assert_eq!(count(&pool, &table).await, 2);
    let err = executor::execute_script(&pool, "CREATE TABLE (oops")
        .await
        .unwrap_err();
    assert!(err.db_kind().is_some(), "{err:?}");
    exec(&pool, &format!("DROP TABLE {table}")).await;
    entry.close().await;
}

crate::per_backend!(scripts_run_several_statements, scripts);

async fn cancelled_pool_statement(db: Db) {
    let options = PoolOptions {
        max_connections: 1,
        ..common::options()
    };
    let entry = common::open_with(&db, options).await;
    let pool = Target::Pool(entry.clone());
    let slow = match db.backend {
        Backend::Postgres => "SELECT pg_sleep(5)",
        Backend::MySql => "SELECT SLEEP(5)",
        Backend::Sqlite => {
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) \
             SELECT count(*) FROM c"
        }
    };
    let target = pool.clone();
    let task = tokio::spawn(async move {
        executor::fetch_all(&target, slow, Vec::new(), &Hints::default()).await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    // The next statement gets a clean connection promptly (a server connection abandoned
    // mid-query is closed rather than drained), and its own result, not the old one's.
    let started = std::time::Instant::now();
    let got = rows(&pool, "SELECT 42", Vec::new()).await;
    assert_eq!(got, vec![vec![Value::Int(42)]]);
    if db.backend != Backend::Sqlite {
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
    }
    entry.close().await;
}

crate::per_backend!(
    cancelled_pool_statements_leave_the_pool_clean,
    cancelled_pool_statement
);

async fn schema_changes_under_cached_statements(db: Db) {
    // Cached prepared statements must survive the schema changing under them (tests and
    // migrations recreate tables while pools stay up).
    let options = PoolOptions {
        max_connections: 1,
        ..common::options()
    };
    let entry = common::open_with(&db, options).await;
    let pool = Target::Pool(entry.clone());
    let table = unique("ryx_schema");
    let select = format!("SELECT * FROM {table}");
    exec(&pool, &format!("CREATE TABLE {table} (a INTEGER)")).await;
    exec(&pool, &format!("INSERT INTO {table} VALUES (1)")).await;
    assert_eq!(
        rows(&pool, &select, Vec::new()).await,
        vec![vec![Value::Int(1)]]
    );
    exec(&pool, &format!("DROP TABLE {table}")).await;
    exec(
        &pool,
        &format!("CREATE TABLE {table} (a INTEGER, b VARCHAR(5))"),
    )
    .await;
    exec(&pool, &format!("INSERT INTO {table} VALUES (2, 'x')")).await;
    assert_eq!(
        rows(&pool, &select, Vec::new()).await,
        vec![vec![Value::Int(2), Value::Text("x".into())]]
    );
    // An explicit column whose type changes: PostgreSQL refuses the cached plan once, the
    // engine clears the cache and runs the statement again.
    let select_a = format!("SELECT a FROM {table}");
    assert_eq!(
        rows(&pool, &select_a, Vec::new()).await,
        vec![vec![Value::Int(2)]]
    );
    let retype = match db.backend {
        Backend::Postgres => Some(format!(
            "ALTER TABLE {table} ALTER COLUMN a TYPE VARCHAR(9)"
        )),
        Backend::MySql => Some(format!("ALTER TABLE {table} MODIFY a VARCHAR(9)")),
        Backend::Sqlite => None,
    };
    if let Some(retype) = retype {
        exec(&pool, &retype).await;
        assert_eq!(
            rows(&pool, &select_a, Vec::new()).await,
            vec![vec![Value::Text("2".into())]]
        );
    }
    exec(&pool, &format!("ALTER TABLE {table} ADD COLUMN c INTEGER")).await;
    let tx = Transaction::begin_on(entry.clone(), None, false)
        .await
        .unwrap();
    let got = rows(&Target::Tx(tx.clone()), &select, Vec::new()).await;
    let a = if db.backend == Backend::Sqlite {
        Value::Int(2)
    } else {
        Value::Text("2".into())
    };
    assert_eq!(got, vec![vec![a, Value::Text("x".into()), Value::Null]]);
    tx.commit().await.unwrap();
    exec(&pool, &format!("DROP TABLE {table}")).await;
    entry.close().await;
}

crate::per_backend!(
    cached_statements_survive_schema_changes,
    schema_changes_under_cached_statements
);

/// The SQLite direct row path: placeholder counts are checked, a multi-statement text still runs
/// every statement, a long read is handed back to sqlx mid-way and gives the same rows, and
/// `INSERT ... RETURNING` reports its rows and count.
async fn sqlite_direct_path(db: Db) {
    let entry = common::open(&db).await;
    let pool = Target::Pool(entry.clone());
    let table = unique("ryx_direct");
    exec(
        &pool,
        &format!(
            "CREATE TABLE {table} (id INTEGER PRIMARY KEY, n INTEGER, flag BOOLEAN, at DATETIME)"
        ),
    )
    .await;
    let hints = Hints::default();
    let err = executor::fetch_all(&pool, "SELECT ?, ?", vec![Value::Int(1)], &hints)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("2 placeholder(s) but 1 parameter(s)"),
        "{err}"
    );
    let inserted = executor::fetch_all(
        &pool,
        &format!("INSERT INTO {table} (n, flag, at) VALUES (?, ?, ?), (?, ?, NULL) RETURNING id, flag, at"),
        vec![
            Value::Int(1),
            Value::Bool(true),
            Value::Text("2024-05-06 07:08:09".into()),
            Value::Int(2),
            Value::Bool(false),
        ],
        &hints,
    )
    .await
    .unwrap();
    assert_eq!(inserted.rows.len(), 2);
    assert_eq!(inserted.rows[0][1], Value::Bool(true));
    assert!(
        matches!(inserted.rows[0][2], Value::DateTime(_)),
        "{:?}",
        inserted.rows[0][2]
    );
    assert_eq!(inserted.rows[1][2], Value::Null);
    // Two statements in one text: both run (sqlx's path).
    exec(
        &pool,
        &format!("INSERT INTO {table} (n) VALUES (3); INSERT INTO {table} (n) VALUES (4)"),
    )
    .await;
    assert_eq!(count(&pool, &table).await, 4);
    // A read longer than the inline budget: interrupted, re-run through sqlx, same answer.
    let slow = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000) \
                SELECT count(*), max(x) FROM c";
    let got = rows(&pool, slow, Vec::new()).await;
    assert_eq!(
        got,
        vec![vec![Value::Int(2_000_000), Value::Int(2_000_000)]]
    );
    // The connection is still usable afterwards, with no progress handler left behind.
    let got = rows(
        &pool,
        &format!("SELECT n FROM {table} ORDER BY n"),
        Vec::new(),
    )
    .await;
    assert_eq!(got.len(), 4);
}

crate::per_backend!(
    sqlite_direct,
    sqlite_direct_path,
    [sqlite_memory, sqlite_file]
);

//! Transactions: commit/rollback, nested savepoints, misuse, PostgreSQL aborts, isolation,
//! read-only, cancellation and the rollback-on-drop guarantee.

use ryx_engine::Hints;
use std::sync::Arc;
use std::time::Duration;

use ryx_engine::executor::{self, Target};
use ryx_engine::{Backend, DbErrorKind, Error, IsolationLevel, Transaction, TxStatus, Value};

use crate::common::{self, count, exec, ph, rows, unique, Db};

async fn setup_table(target: &Target) -> String {
    let table = unique("ryx_tx");
    exec(
        target,
        &format!("CREATE TABLE {table} (id INTEGER PRIMARY KEY, v VARCHAR(20))"),
    )
    .await;
    table
}

async fn insert(target: &Target, backend: Backend, table: &str, id: i64) -> ryx_engine::Result<()> {
    let sql = format!(
        "INSERT INTO {table} (id, v) VALUES ({}, {})",
        ph(backend, 1),
        ph(backend, 2)
    );
    executor::execute(
        target,
        &sql,
        vec![Value::Int(id), Value::Text(format!("v{id}"))],
    )
    .await
    .map(|_| ())
}

async fn ids(target: &Target, table: &str) -> Vec<i64> {
    rows(
        target,
        &format!("SELECT id FROM {table} ORDER BY id"),
        Vec::new(),
    )
    .await
    .into_iter()
    .map(|r| match r[0] {
        Value::Int(i) => i,
        ref other => panic!("{other:?}"),
    })
    .collect()
}

async fn commit_and_rollback(db: Db) {
    let entry = common::open(&db).await;
    let pool = Target::Pool(entry.clone());
    let table = setup_table(&pool).await;

    let tx = Transaction::begin_on(entry.clone(), None, false)
        .await
        .unwrap();
    let in_tx = Target::Tx(tx.clone());
    insert(&in_tx, db.backend, &table, 1).await.unwrap();
    assert_eq!(count(&in_tx, &table).await, 1);
    tx.commit().await.unwrap();
    assert_eq!(tx.status(), TxStatus::Committed);
    assert!(!tx.is_active());
    assert_eq!(ids(&pool, &table).await, vec![1]);

    let tx = Transaction::begin_on(entry.clone(), None, false)
        .await
        .unwrap();
    insert(&Target::Tx(tx.clone()), db.backend, &table, 2)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(tx.status(), TxStatus::RolledBack);
    assert_eq!(ids(&pool, &table).await, vec![1]);

    exec(&pool, &format!("DROP TABLE {table}")).await;
    entry.close().await;
}

crate::per_backend!(commit_and_rollback_work, commit_and_rollback);

async fn savepoints(db: Db) {
    let entry = common::open(&db).await;
    let pool = Target::Pool(entry.clone());
    let table = setup_table(&pool).await;
    let tx = Transaction::begin_on(entry.clone(), None, false)
        .await
        .unwrap();
    let t = Target::Tx(tx.clone());

    insert(&t, db.backend, &table, 1).await.unwrap();
    tx.savepoint("outer").await.unwrap();
    insert(&t, db.backend, &table, 2).await.unwrap();
    tx.savepoint("inner").await.unwrap();
    insert(&t, db.backend, &table, 3).await.unwrap();
    tx.rollback_to("inner").await.unwrap();
    assert_eq!(ids(&t, &table).await, vec![1, 2]);
    // Rolling back to a savepoint keeps it: it can be used again.
    insert(&t, db.backend, &table, 4).await.unwrap();
    tx.rollback_to("inner").await.unwrap();
    tx.release_savepoint("outer").await.unwrap();
    // Releasing "outer" released "inner" too.
    match tx.rollback_to("inner").await {
        Err(Error::Transaction(msg)) => assert!(msg.contains("unknown savepoint"), "{msg}"),
        other => panic!("expected a Transaction error, got {other:?}"),
    }
    for bad in ["", "1abc", "a b", "x\"; DROP TABLE t; --", &"a".repeat(64)] {
        match tx.savepoint(bad).await {
            Err(Error::Transaction(msg)) => assert!(msg.contains("savepoint name"), "{msg}"),
            other => panic!("{bad:?}: expected a Transaction error, got {other:?}"),
        }
    }
    assert!(tx.is_active(), "misuse must not poison the transaction");
    tx.savepoint("_Sp_9").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(ids(&pool, &table).await, vec![1, 2]);
    exec(&pool, &format!("DROP TABLE {table}")).await;
    entry.close().await;
}

crate::per_backend!(nested_savepoints, savepoints);

async fn finished_transactions(db: Db) {
    let entry = common::open(&db).await;
    let pool = Target::Pool(entry.clone());
    let table = setup_table(&pool).await;

    let tx = Transaction::begin_on(entry.clone(), None, false)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    tx.commit().await.unwrap(); // idempotent
    assert!(matches!(tx.rollback().await, Err(Error::Transaction(_))));
    match insert(&Target::Tx(tx.clone()), db.backend, &table, 1).await {
        Err(Error::Transaction(msg)) => assert!(msg.contains("committed"), "{msg}"),
        other => panic!("expected a Transaction error, got {other:?}"),
    }
    assert!(matches!(
        tx.savepoint("a").await,
        Err(Error::Transaction(_))
    ));

    let tx = Transaction::begin_on(entry.clone(), None, false)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    tx.rollback().await.unwrap(); // idempotent
    match tx.commit().await {
        Err(Error::Transaction(msg)) => assert!(msg.contains("rolled back"), "{msg}"),
        other => panic!("expected a Transaction error, got {other:?}"),
    }
    // A transaction on one alias refuses queries explicitly routed to another.
    let tx = Transaction::begin_on(entry.clone(), None, false)
        .await
        .unwrap();
    assert!(matches!(
        Target::resolve(Some("elsewhere"), Some(tx.clone())),
        Err(Error::Transaction(_))
    ));
    assert!(matches!(
        Target::resolve(Some(tx.alias()), Some(tx.clone())),
        Ok(Target::Tx(_))
    ));
    tx.rollback().await.unwrap();
    exec(&pool, &format!("DROP TABLE {table}")).await;
    entry.close().await;
}

crate::per_backend!(finished_transactions_refuse_work, finished_transactions);

async fn failed_statement_in_transaction(db: Db) {
    let entry = common::open(&db).await;
    let pool = Target::Pool(entry.clone());
    let table = setup_table(&pool).await;

    // An expected error recovered with a savepoint: the transaction commits.
    let tx = Transaction::begin_on(entry.clone(), None, false)
        .await
        .unwrap();
    let t = Target::Tx(tx.clone());
    insert(&t, db.backend, &table, 1).await.unwrap();
    tx.savepoint("attempt").await.unwrap();
    let dup = insert(&t, db.backend, &table, 1).await.unwrap_err();
    assert_eq!(dup.db_kind(), Some(DbErrorKind::UniqueViolation));
    tx.rollback_to("attempt").await.unwrap();
    insert(&t, db.backend, &table, 2).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(ids(&pool, &table).await, vec![1, 2]);

    // Without the savepoint, PostgreSQL aborts the transaction: commit must not report success.
    let tx = Transaction::begin_on(entry.clone(), None, false)
        .await
        .unwrap();
    let t = Target::Tx(tx.clone());
    insert(&t, db.backend, &table, 3).await.unwrap();
    insert(&t, db.backend, &table, 1).await.unwrap_err();
    if db.backend == Backend::Postgres {
        // Later statements fail with PostgreSQL's own "transaction is aborted" error.
        let err = insert(&t, db.backend, &table, 4).await.unwrap_err();
        assert!(err.to_string().contains("aborted"), "{err}");
        match tx.commit().await {
            Err(Error::Transaction(msg)) => assert!(msg.contains("rolled back"), "{msg}"),
            other => panic!("expected a Transaction error, got {other:?}"),
        }
        assert_eq!(tx.status(), TxStatus::RolledBack);
        assert_eq!(ids(&pool, &table).await, vec![1, 2]);
    } else {
        // MySQL and SQLite only undo the failed statement.
        tx.commit().await.unwrap();
        assert_eq!(ids(&pool, &table).await, vec![1, 2, 3]);
    }
    exec(&pool, &format!("DROP TABLE {table}")).await;
    entry.close().await;
}

crate::per_backend!(
    failed_statements_inside_transactions,
    failed_statement_in_transaction
);

async fn isolation_and_read_only(db: Db) {
    // One connection, so the read-only reset is checked on the very connection that had it.
    let options = ryx_engine::PoolOptions {
        max_connections: 1,
        ..common::options()
    };
    let entry = common::open_with(&db, options).await;
    let pool = Target::Pool(entry.clone());
    let table = setup_table(&pool).await;
    for level in [
        IsolationLevel::ReadUncommitted,
        IsolationLevel::ReadCommitted,
        IsolationLevel::RepeatableRead,
        IsolationLevel::Serializable,
    ] {
        let result = Transaction::begin_on(entry.clone(), Some(level), false).await;
        match (db.backend, level) {
            (Backend::Sqlite, l) if l != IsolationLevel::Serializable => {
                assert!(
                    matches!(result, Err(Error::NotSupported { .. })),
                    "{level:?}"
                );
            }
            _ => {
                let tx = result.unwrap_or_else(|e| panic!("{level:?}: {e}"));
                insert(&Target::Tx(tx.clone()), db.backend, &table, 1)
                    .await
                    .unwrap();
                tx.rollback().await.unwrap();
            }
        }
    }
    // Read-only transactions with an isolation level run on the same, still pooled connection.
    let conn_id = match db.backend {
        Backend::Postgres => "SELECT pg_backend_pid()",
        Backend::MySql => "SELECT CONNECTION_ID()",
        Backend::Sqlite => "SELECT 1",
    };
    let before = rows(&pool, conn_id, Vec::new()).await;
    let level = (db.backend != Backend::Sqlite).then_some(IsolationLevel::RepeatableRead);
    let tx = Transaction::begin_on(entry.clone(), level, true)
        .await
        .unwrap();
    assert_eq!(count(&Target::Tx(tx.clone()), &table).await, 0);
    tx.commit().await.unwrap();
    assert_eq!(
        rows(&pool, conn_id, Vec::new()).await,
        before,
        "connection was replaced"
    );

    let tx = Transaction::begin_on(entry.clone(), None, true)
        .await
        .unwrap();
    let err = insert(&Target::Tx(tx.clone()), db.backend, &table, 1)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Database { .. }), "{err:?}");
    tx.rollback().await.unwrap();
    // The connection is writable again once the read-only transaction is over.
    insert(&pool, db.backend, &table, 1).await.unwrap();
    exec(&pool, &format!("DROP TABLE {table}")).await;
    entry.close().await;
}

crate::per_backend!(isolation_levels_and_read_only, isolation_and_read_only);

/// The statement that keeps a connection busy for about two seconds.
fn slow_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "SELECT pg_sleep(2)",
        Backend::MySql => "SELECT SLEEP(2)",
        Backend::Sqlite => {
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) \
             SELECT count(*) FROM c"
        }
    }
}

async fn cancelled_statement(db: Db) {
    let entry = common::open(&db).await;
    let pool = Target::Pool(entry.clone());
    let table = setup_table(&pool).await;
    let tx = Transaction::begin_on(entry.clone(), None, false)
        .await
        .unwrap();
    insert(&Target::Tx(tx.clone()), db.backend, &table, 1)
        .await
        .unwrap();
    // Drop the statement's future mid-flight, as a Python cancellation would.
    let target = Target::Tx(tx.clone());
    let slow = slow_sql(db.backend);
    let task = tokio::spawn(async move {
        executor::fetch_all(&target, slow, Vec::new(), &Hints::default()).await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert_eq!(tx.status(), TxStatus::Failed);
    match insert(&Target::Tx(tx.clone()), db.backend, &table, 2).await {
        Err(Error::Transaction(msg)) => assert!(msg.contains("cancelled"), "{msg}"),
        other => panic!("expected a Transaction error, got {other:?}"),
    }
    assert!(matches!(tx.commit().await, Err(Error::Transaction(_))));
    let started = std::time::Instant::now();
    tx.rollback().await.unwrap();
    if db.backend != Backend::Sqlite {
        // The busy server connection is closed, not waited for.
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }
    assert_eq!(tx.status(), TxStatus::RolledBack);
    assert_eq!(count(&pool, &table).await, 0);
    exec(&pool, &format!("DROP TABLE {table}")).await;
    entry.close().await;
}

crate::per_backend!(
    cancelled_statements_poison_the_transaction,
    cancelled_statement
);

async fn dropped_transaction(db: Db) {
    let mut db = db;
    let app = unique("ryx_drop");
    if db.backend == Backend::Postgres {
        let sep = if db.url.contains('?') { '&' } else { '?' };
        db.url = format!("{}{sep}application_name={app}", db.url);
    }
    let options = ryx_engine::PoolOptions {
        max_connections: 1,
        ..common::options()
    };
    let entry = common::open_with(&db, options).await;
    let pool = Target::Pool(entry.clone());
    let table = setup_table(&pool).await;

    let tx = Transaction::begin_on(entry.clone(), None, false)
        .await
        .unwrap();
    insert(&Target::Tx(tx.clone()), db.backend, &table, 1)
        .await
        .unwrap();
    drop(tx); // forgotten by its owner: rolls back in the background

    // The single connection comes back, rolled back.
    assert_eq!(count(&pool, &table).await, 0);
    insert(&pool, db.backend, &table, 2).await.unwrap();
    assert_eq!(ids(&pool, &table).await, vec![2]);

    // Dropped from a thread with no runtime (e.g. Python's garbage collector).
    let tx = Transaction::begin_on(entry.clone(), None, false)
        .await
        .unwrap();
    insert(&Target::Tx(tx.clone()), db.backend, &table, 3)
        .await
        .unwrap();
    std::thread::spawn(move || drop(tx)).join().unwrap();
    assert_eq!(ids(&pool, &table).await, vec![2]);

    if db.backend == Backend::Postgres {
        let other = common::open(&db).await;
        let stuck = rows(
            &Target::Pool(other.clone()),
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 \
             AND state LIKE 'idle in transaction%'",
            vec![Value::Text(app.clone())],
        )
        .await;
        assert_eq!(stuck, vec![vec![Value::Int(0)]]);
        other.close().await;
    }
    exec(&pool, &format!("DROP TABLE {table}")).await;
    entry.close().await;
}

crate::per_backend!(dropped_transactions_roll_back, dropped_transaction);

async fn concurrent_statements(db: Db) {
    // Statements sharing one transaction are serialised, not interleaved on the wire.
    let entry = common::open(&db).await;
    let pool = Target::Pool(entry.clone());
    let table = setup_table(&pool).await;
    let tx = Transaction::begin_on(entry.clone(), None, false)
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for id in 0..20 {
        let target = Target::Tx(Arc::clone(&tx));
        let table = table.clone();
        let backend = db.backend;
        tasks.push(tokio::spawn(async move {
            insert(&target, backend, &table, id).await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    tx.commit().await.unwrap();
    assert_eq!(count(&pool, &table).await, 20);
    exec(&pool, &format!("DROP TABLE {table}")).await;
    entry.close().await;
}

crate::per_backend!(
    statements_in_one_transaction_are_serialised,
    concurrent_statements
);

async fn concurrent_writers(db: Db) {
    // Two write transactions at once: with BEGIN IMMEDIATE the second SQLite writer waits on the
    // busy timeout instead of failing when it upgrades from reader to writer.
    let entry = common::open(&db).await;
    let pool = Target::Pool(entry.clone());
    let table = setup_table(&pool).await;
    let mut tasks = Vec::new();
    for worker in 0..3_i64 {
        let entry = entry.clone();
        let table = table.clone();
        let backend = db.backend;
        tasks.push(tokio::spawn(async move {
            let tx = Transaction::begin_on(entry, None, false).await?;
            let t = Target::Tx(tx.clone());
            // Read first, then write: the pattern that deadlocks with deferred transactions.
            executor::fetch_all(
                &t,
                &format!("SELECT count(*) FROM {table}"),
                Vec::new(),
                &Hints::default(),
            )
            .await?;
            insert(&t, backend, &table, worker * 10).await?;
            tokio::time::sleep(Duration::from_millis(100)).await;
            insert(&t, backend, &table, worker * 10 + 1).await?;
            tx.commit().await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(count(&pool, &table).await, 6);
    exec(&pool, &format!("DROP TABLE {table}")).await;
    entry.close().await;
}

crate::per_backend!(concurrent_write_transactions_queue, concurrent_writers);

async fn sqlite_memory_survives_failed_rollback(db: Db) {
    // A ROLLBACK that fails on SQLite (here: the transaction was ended behind the engine's
    // back) must not close the connection: it may be the last one of the in-memory database.
    let options = ryx_engine::PoolOptions {
        max_connections: 1,
        ..common::options()
    };
    let entry = common::open_with(&db, options).await;
    let pool = Target::Pool(entry.clone());
    let table = setup_table(&pool).await;
    insert(&pool, db.backend, &table, 1).await.unwrap();
    for read_only in [false, true] {
        let tx = Transaction::begin_on(entry.clone(), None, read_only)
            .await
            .unwrap();
        executor::execute_script(&Target::Tx(tx.clone()), "COMMIT")
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(
            ids(&pool, &table).await,
            vec![1],
            "the database is still there"
        );
    }
    // And the connection is writable again (query_only was reset).
    insert(&pool, db.backend, &table, 2).await.unwrap();
    exec(&pool, &format!("DROP TABLE {table}")).await;
    entry.close().await;
}

crate::per_backend!(
    sqlite_memory_database_survives_failed_rollbacks,
    sqlite_memory_survives_failed_rollback,
    [sqlite_memory]
);

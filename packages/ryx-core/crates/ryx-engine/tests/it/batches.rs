//! execute_batches: atomic on the pool and inside transactions, RETURNING rows, MySQL ids.

use ryx_engine::executor::{self, Target};
use ryx_engine::Hints;
use ryx_engine::{Backend, DbErrorKind, Transaction, Value};

use crate::common::{self, count, exec, ph, rows, serial_pk, unique, Db};

fn insert_sql(backend: Backend, table: &str, returning: bool) -> String {
    let mut sql = format!("INSERT INTO {table} (name) VALUES ({})", ph(backend, 1));
    if returning {
        sql.push_str(" RETURNING id, name");
    }
    sql
}

async fn atomic_on_pool(db: Db) {
    let entry = common::open(&db).await;
    let pool = Target::Pool(entry.clone());
    let table = unique("ryx_batch");
    exec(
        &pool,
        &format!(
            "CREATE TABLE {table} ({}, name VARCHAR(20) UNIQUE)",
            serial_pk(db.backend)
        ),
    )
    .await;
    let sql = insert_sql(db.backend, &table, false);
    let batch = |name: &str| (sql.clone(), vec![Value::Text(name.into())]);

    // A later failing batch undoes the earlier ones.
    let err = executor::execute_batches(
        &pool,
        vec![batch("a"), batch("b"), batch("a")],
        false,
        &Hints::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::UniqueViolation));
    assert_eq!(count(&pool, &table).await, 0);

    let (total, returned, results) = executor::execute_batches(
        &pool,
        vec![batch("a"), batch("b"), batch("c")],
        false,
        &Hints::default(),
    )
    .await
    .unwrap();
    assert_eq!(total, 3);
    assert!(returned.rows.is_empty());
    assert_eq!(results.len(), 3);
    let ids: Vec<Value> = rows(
        &pool,
        &format!("SELECT id FROM {table} ORDER BY id"),
        Vec::new(),
    )
    .await
    .into_iter()
    .map(|mut r| r.remove(0))
    .collect();
    if db.backend != Backend::Postgres {
        // Per-batch generated ids (MySQL LAST_INSERT_ID, SQLite last_insert_rowid).
        let got: Vec<Value> = results
            .iter()
            .map(|r| Value::Int(r.last_insert_id.unwrap()))
            .collect();
        assert_eq!(got, ids);
    }

    let supports_returning = db.backend != Backend::MySql || entry.is_mariadb;
    if supports_returning {
        let sql = insert_sql(db.backend, &table, true);
        let (total, returned, _) = executor::execute_batches(
            &pool,
            vec![
                (sql.clone(), vec![Value::Text("d".into())]),
                (sql, vec![Value::Text("e".into())]),
            ],
            true,
            &Hints::default(),
        )
        .await
        .unwrap();
        assert_eq!(total, 2);
        assert_eq!(&*returned.columns, ["id", "name"]);
        let names: Vec<&Value> = returned.rows.iter().map(|r| &r[1]).collect();
        assert_eq!(names, [&Value::Text("d".into()), &Value::Text("e".into())]);
    }
    exec(&pool, &format!("DROP TABLE {table}")).await;
    entry.close().await;
}

crate::per_backend!(batches_are_atomic_on_the_pool, atomic_on_pool);

async fn atomic_in_transaction(db: Db) {
    let entry = common::open(&db).await;
    let pool = Target::Pool(entry.clone());
    let table = unique("ryx_batch_tx");
    exec(
        &pool,
        &format!(
            "CREATE TABLE {table} ({}, name VARCHAR(20) UNIQUE)",
            serial_pk(db.backend)
        ),
    )
    .await;
    let sql = insert_sql(db.backend, &table, false);
    let batch = |name: &str| (sql.clone(), vec![Value::Text(name.into())]);

    let tx = Transaction::begin_on(entry.clone(), None, false)
        .await
        .unwrap();
    let in_tx = Target::Tx(tx.clone());
    executor::execute(&in_tx, &sql, vec![Value::Text("kept".into())])
        .await
        .unwrap();
    let err = executor::execute_batches(
        &in_tx,
        vec![batch("x"), batch("y"), batch("kept")],
        false,
        &Hints::default(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.db_kind(), Some(DbErrorKind::UniqueViolation));
    // The failed batches left nothing behind, and the transaction is still usable (even on
    // PostgreSQL, thanks to the savepoint).
    assert!(tx.is_active());
    assert_eq!(count(&in_tx, &table).await, 1);
    executor::execute_batches(
        &in_tx,
        vec![batch("x"), batch("y")],
        false,
        &Hints::default(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(count(&pool, &table).await, 3);
    exec(&pool, &format!("DROP TABLE {table}")).await;
    entry.close().await;
}

crate::per_backend!(
    batches_are_atomic_inside_transactions,
    atomic_in_transaction
);

//! Streaming: chunks in order, backpressure, early drop frees the connection, errors, and
//! streams inside a transaction.

use ryx_engine::Hints;
use std::time::Duration;

use ryx_engine::executor::{self, Target};
use ryx_engine::{Backend, PoolOptions, Transaction, Value};

use crate::common::{self, count, eventually, exec, phs, unique, Db};

async fn filled_table(target: &Target, backend: Backend, n: i64) -> String {
    let table = unique("ryx_stream");
    exec(
        target,
        &format!("CREATE TABLE {table} (id INTEGER PRIMARY KEY, label VARCHAR(20))"),
    )
    .await;
    // Chunked multi-row inserts keep parameter counts well under every backend's limit.
    let ids: Vec<i64> = (0..n).collect();
    let batches = ids
        .chunks(100)
        .map(|chunk| {
            let values = vec![format!("({})", phs(backend, 2)); chunk.len()];
            let mut sql = format!(
                "INSERT INTO {table} (id, label) VALUES {}",
                values.join(", ")
            );
            if backend == Backend::Postgres {
                // Postgres numbers placeholders across the whole statement.
                let mut k = 0;
                sql = format!(
                    "INSERT INTO {table} (id, label) VALUES {}",
                    chunk
                        .iter()
                        .map(|_| {
                            k += 2;
                            format!("(${}, ${})", k - 1, k)
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            let params = chunk
                .iter()
                .flat_map(|i| [Value::Int(*i), Value::Text(format!("row {i}"))])
                .collect();
            (sql, params)
        })
        .collect();
    executor::execute_batches(target, batches, false, &Hints::default())
        .await
        .unwrap();
    table
}

async fn full_stream(db: Db) {
    let entry = common::open(&db).await;
    let pool = Target::Pool(entry.clone());
    let table = filled_table(&pool, db.backend, 1000).await;
    let mut rx = executor::stream(
        pool.clone(),
        format!("SELECT id, label FROM {table} ORDER BY id"),
        Vec::new(),
        Hints::default(),
        64,
    );
    let mut seen = 0_i64;
    let mut chunks = 0;
    while let Some(chunk) = rx.recv().await {
        let chunk = chunk.unwrap();
        assert_eq!(&*chunk.columns, ["id", "label"]);
        assert!(chunk.rows.len() <= 64);
        for row in chunk.rows {
            assert_eq!(row[0], Value::Int(seen));
            seen += 1;
        }
        chunks += 1;
    }
    assert_eq!((seen, chunks), (1000, 16));
    exec(&pool, &format!("DROP TABLE {table}")).await;
    entry.close().await;
}

crate::per_backend!(streams_deliver_every_row_in_chunks, full_stream);

async fn backpressure_and_early_drop(db: Db) {
    let options = PoolOptions {
        max_connections: 2,
        ..common::options()
    };
    let entry = common::open_with(&db, options).await;
    let pool = Target::Pool(entry.clone());
    let table = filled_table(&pool, db.backend, 2000).await;
    let mut rx = executor::stream(
        pool.clone(),
        format!("SELECT id, label FROM {table} ORDER BY id"),
        Vec::new(),
        Hints::default(),
        10,
    );
    let first = rx.recv().await.unwrap().unwrap();
    assert_eq!(first.rows.len(), 10);
    // The consumer stalls: the producer blocks on the bounded channel, holding its connection
    // instead of reading the whole result into memory.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let in_use = entry.pool.size() - u32::try_from(entry.pool.num_idle()).unwrap();
    assert_eq!(in_use, 1, "the stream holds one connection while paused");
    // Counted in place: draining them here would let the producer refill the channel meanwhile.
    let buffered = rx.len();
    assert!(
        buffered <= 3,
        "only a few chunks may be buffered, got {buffered} chunks"
    );
    // Dropping the receiver stops the stream and frees (or closes) the connection.
    drop(rx);
    eventually(5, "the stream's connection to be released", async || {
        entry.pool.size() == u32::try_from(entry.pool.num_idle()).unwrap()
    })
    .await;
    assert_eq!(count(&pool, &table).await, 2000, "the pool serves again");
    exec(&pool, &format!("DROP TABLE {table}")).await;
    entry.close().await;
}

crate::per_backend!(
    streams_apply_backpressure_and_stop_on_drop,
    backpressure_and_early_drop
);

async fn stream_errors_and_transactions(db: Db) {
    let entry = common::open(&db).await;
    let pool = Target::Pool(entry.clone());
    let mut rx = executor::stream(
        pool.clone(),
        "SELECT * FROM ryx_no_such_table".into(),
        Vec::new(),
        Hints::default(),
        10,
    );
    let err = rx.recv().await.unwrap().unwrap_err();
    assert!(err.db_kind().is_some(), "{err:?}");
    assert!(rx.recv().await.is_none());

    let table = filled_table(&pool, db.backend, 50).await;
    let tx = Transaction::begin_on(entry.clone(), None, false)
        .await
        .unwrap();
    let in_tx = Target::Tx(tx.clone());
    exec(&in_tx, &format!("DELETE FROM {table} WHERE id >= 25")).await;
    let mut rx = executor::stream(
        in_tx.clone(),
        format!("SELECT id FROM {table}"),
        Vec::new(),
        Hints::default(),
        7,
    );
    let mut n = 0;
    while let Some(chunk) = rx.recv().await {
        n += chunk.unwrap().rows.len();
    }
    assert_eq!(n, 25, "the stream sees the transaction's own changes");
    // Abandon a stream inside the transaction: the transaction stays usable.
    let mut rx = executor::stream(
        in_tx.clone(),
        format!("SELECT id FROM {table}"),
        Vec::new(),
        Hints::default(),
        1,
    );
    rx.recv().await.unwrap().unwrap();
    drop(rx);
    assert_eq!(count(&in_tx, &table).await, 25);
    tx.rollback().await.unwrap();
    assert_eq!(count(&pool, &table).await, 50);
    exec(&pool, &format!("DROP TABLE {table}")).await;
    entry.close().await;
}

crate::per_backend!(
    stream_errors_and_streams_in_transactions,
    stream_errors_and_transactions
);

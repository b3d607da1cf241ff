//! The global alias registry: setup (twice, failing), defaults, lookups, close. These tests
//! share process-global state, so they take a lock.

use std::time::Duration;

use ryx_engine::executor::{self, Target};
use ryx_engine::{pool, transaction, Backend, Error, PoolOptions, Value};

use crate::common::{self, rows};

static REGISTRY_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn cfg(alias: &str, url: &str) -> (String, String, PoolOptions) {
    (alias.to_owned(), url.to_owned(), common::options())
}

fn not_initialized(
    result: ryx_engine::Result<impl std::fmt::Debug>,
) -> (Option<String>, Vec<String>, String) {
    match result {
        Err(e @ Error::PoolNotInitialized { .. }) => {
            let msg = e.to_string();
            let Error::PoolNotInitialized { alias, known } = e else {
                unreachable!()
            };
            (alias, known, msg)
        }
        other => panic!("expected PoolNotInitialized, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_replace_close_and_errors() {
    let _lock = REGISTRY_LOCK.lock().await;
    pool::close(None).await.unwrap();
    let (alias, known, msg) = not_initialized(pool::get(None));
    assert_eq!((alias, known.len()), (None, 0));
    assert!(msg.contains("ryx.setup()"), "{msg}");
    assert!(!pool::is_connected(None));

    let file = common::sqlite_file();
    pool::setup(vec![cfg("a", "sqlite::memory:"), cfg("b", &file.url)])
        .await
        .unwrap();
    assert_eq!(pool::list_aliases(), ["a", "b"]);
    assert_eq!(
        pool::default_alias().as_deref(),
        Some("a"),
        "first alias without 'default'"
    );
    assert!(pool::is_connected(None) && pool::is_connected(Some("b")));
    let stats = pool::stats(Some("b")).unwrap();
    assert_eq!(
        (stats.alias.as_str(), stats.backend),
        ("b", Backend::Sqlite)
    );
    assert_eq!(stats.in_use, stats.size - stats.idle);
    assert_eq!((stats.max_connections, stats.min_connections), (5, 1));
    let old_a = pool::get(Some("a")).unwrap();

    // A second setup replaces everything and closes the old pools.
    pool::setup(vec![
        cfg("x", "sqlite::memory:"),
        cfg("default", "sqlite::memory:"),
    ])
    .await
    .unwrap();
    assert_eq!(pool::list_aliases(), ["x", "default"]);
    assert_eq!(pool::default_alias().as_deref(), Some("default"));
    assert!(old_a.pool.is_closed());
    let (alias, known, msg) = not_initialized(pool::get(Some("a")));
    assert_eq!(alias.as_deref(), Some("a"));
    assert_eq!(known, ["x", "default"]);
    assert!(msg.contains("x, default"), "{msg}");

    // Failed setups change nothing.
    let missing = std::env::temp_dir().join(common::unique("ryx_missing"));
    let unreachable = format!("sqlite://{}?mode=rw", missing.display());
    assert!(
        pool::setup(vec![cfg("y", "sqlite::memory:"), cfg("z", &unreachable)])
            .await
            .is_err()
    );
    for bad in [
        vec![cfg("y", "sqlite::memory:"), cfg("z", "nosuchdb://here")],
        vec![cfg("y", "sqlite::memory:"), cfg("y", "sqlite::memory:")],
        vec![cfg("", "sqlite::memory:")],
        vec![(
            "y".to_owned(),
            "sqlite::memory:".to_owned(),
            PoolOptions {
                max_connections: 0,
                ..PoolOptions::default()
            },
        )],
        Vec::new(),
    ] {
        assert!(matches!(pool::setup(bad).await, Err(Error::Config(_))));
    }
    assert_eq!(pool::list_aliases(), ["x", "default"]);
    assert_eq!(pool::default_alias().as_deref(), Some("default"));

    // Statements and transactions find their pool through the registry.
    let target = Target::resolve(None, None).unwrap();
    assert_eq!(target.alias(), "default");
    common::exec(&target, "CREATE TABLE t (v INTEGER)").await;
    let tx = transaction::begin(None, None, false).await.unwrap();
    assert_eq!(tx.alias(), "default");
    executor::execute(
        &Target::resolve(None, Some(tx.clone())).unwrap(),
        "INSERT INTO t VALUES (1)",
        Vec::new(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        rows(&target, "SELECT v FROM t", Vec::new()).await,
        vec![vec![Value::Int(1)]]
    );
    let (_, known, _) = not_initialized(transaction::begin(Some("nope"), None, false).await);
    assert_eq!(known, ["x", "default"]);

    // Closing the default alias leaves no default rather than picking another database.
    pool::close(Some("default")).await.unwrap();
    assert_eq!(pool::default_alias(), None);
    let (alias, known, msg) = not_initialized(pool::get(None));
    assert_eq!((alias, known), (None, vec!["x".to_owned()]));
    assert!(msg.contains('x'), "{msg}");
    assert!(pool::is_connected(Some("x")));
    not_initialized(pool::close(Some("nope")).await);
    pool::close(None).await.unwrap();
    assert!(pool::list_aliases().is_empty());
    assert!(!pool::is_connected(Some("x")));
    not_initialized(pool::stats(None));
    pool::close(None).await.unwrap(); // closing nothing is fine
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_with_servers() {
    let servers: Vec<_> = [common::postgres(), common::mysql()]
        .into_iter()
        .flatten()
        .collect();
    if servers.is_empty() {
        return;
    }
    let _lock = REGISTRY_LOCK.lock().await;
    let mut configs = vec![cfg("default", "sqlite::memory:")];
    for (i, db) in servers.iter().enumerate() {
        configs.push(cfg(&format!("server{i}"), &db.url));
    }
    pool::setup(configs.clone()).await.unwrap();
    for (i, db) in servers.iter().enumerate() {
        let entry = pool::get(Some(&format!("server{i}"))).unwrap();
        assert_eq!(entry.backend, db.backend);
        let got = rows(&Target::Pool(entry), "SELECT 1 + 1", Vec::new()).await;
        assert!(matches!(got[0][0], Value::Int(2) | Value::Decimal(_)));
    }
    // An unreachable server makes the whole setup fail, leaving the old configuration.
    let mut broken = configs.clone();
    broken.push((
        "down".to_owned(),
        "postgres://postgres@127.0.0.1:1/test".to_owned(),
        PoolOptions {
            acquire_timeout: Duration::from_secs(1),
            ..common::options()
        },
    ));
    let err = pool::setup(broken).await.unwrap_err();
    assert!(matches!(err, Error::Connection(_)), "{err:?}");
    assert!(err.to_string().contains("'down'"), "{err}");
    assert_eq!(pool::list_aliases().len(), configs.len());
    assert!(pool::is_connected(Some("server0")));
    pool::close(None).await.unwrap();
}

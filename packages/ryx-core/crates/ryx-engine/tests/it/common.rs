//! Shared helpers: which databases to test, unique names, short query helpers.

use ryx_engine::Hints;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Once};
use std::time::Duration;

use ryx_engine::executor::{self, Target};
use ryx_engine::{pool, Backend, DecodeHint, PoolEntry, PoolOptions, Value};

/// A database to run a test against. SQLite files are deleted on drop.
pub struct Db {
    pub backend: Backend,
    pub url: String,
    file: Option<PathBuf>,
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some(path) = &self.file {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut p = path.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A name no other test (or test run) uses: `prefix_<pid>_<n>`.
pub fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}_{}_{n}", std::process::id())
}

pub fn sqlite_memory() -> Db {
    Db {
        backend: Backend::Sqlite,
        url: "sqlite::memory:".to_owned(),
        file: None,
    }
}

pub fn sqlite_file() -> Db {
    let path = std::env::temp_dir().join(format!("{}.db", unique("ryx_it")));
    Db {
        backend: Backend::Sqlite,
        url: format!("sqlite://{}", path.display()),
        file: Some(path),
    }
}

fn from_env(var: &str, backend: Backend, once: &'static Once) -> Option<Db> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(Db {
            backend,
            url,
            file: None,
        }),
        _ => {
            // Straight to the process's stderr: libtest captures `eprintln!` of passing tests.
            once.call_once(|| {
                let _ = writeln!(
                    std::io::stderr(),
                    "note: {var} is not set; skipping {backend} tests"
                );
            });
            None
        }
    }
}

pub fn postgres() -> Option<Db> {
    static ONCE: Once = Once::new();
    from_env("RYX_TEST_POSTGRES_URL", Backend::Postgres, &ONCE)
}

pub fn mysql() -> Option<Db> {
    static ONCE: Once = Once::new();
    from_env("RYX_TEST_MYSQL_URL", Backend::MySql, &ONCE)
}

/// Generate one test per backend (`sqlite_memory`, `sqlite_file`, `postgres`, `mysql`) running
/// `$body(Db)`; server backends are skipped when their URL variable is unset.
#[macro_export]
macro_rules! per_backend {
    ($name:ident, $body:ident) => {
        $crate::per_backend!($name, $body, [sqlite_memory, sqlite_file, postgres, mysql]);
    };
    ($name:ident, $body:ident, [$($backend:ident),*]) => {
        mod $name {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $backend() {
                    if let Some(db) = $crate::common::maybe($crate::common::$backend()) {
                        super::$body(db).await;
                    }
                }
            )*
        }
    };
}

/// Normalise the constructors above to `Option<Db>`.
pub fn maybe(db: impl Into<Option<Db>>) -> Option<Db> {
    db.into()
}

pub fn options() -> PoolOptions {
    PoolOptions {
        max_connections: 5,
        min_connections: 1,
        acquire_timeout: Duration::from_secs(10),
        ..PoolOptions::default()
    }
}

pub async fn open(db: &Db) -> Arc<PoolEntry> {
    open_with(db, options()).await
}

pub async fn open_with(db: &Db, options: PoolOptions) -> Arc<PoolEntry> {
    pool::open(&unique("alias"), &db.url, options)
        .await
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", db.url))
}

/// The placeholder for parameter `n` (1-based).
pub fn ph(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

/// A comma-separated placeholder list for `count` parameters.
pub fn phs(backend: Backend, count: usize) -> String {
    (1..=count)
        .map(|n| ph(backend, n))
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn exec(target: &Target, sql: &str) {
    executor::execute(target, sql, Vec::new())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

pub async fn rows(target: &Target, sql: &str, params: Vec<Value>) -> Vec<Vec<Value>> {
    rows_hinted(target, sql, params, &[]).await
}

pub async fn rows_hinted(
    target: &Target,
    sql: &str,
    params: Vec<Value>,
    hints: &[DecodeHint],
) -> Vec<Vec<Value>> {
    executor::fetch_all(target, sql, params, &Hints::positional(hints.to_vec()))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .rows
}

pub async fn count(target: &Target, table: &str) -> i64 {
    match &rows(target, &format!("SELECT COUNT(*) FROM {table}"), Vec::new()).await[0][0] {
        Value::Int(n) => *n,
        other => panic!("count returned {other:?}"),
    }
}

/// The integer primary key column DDL of each backend.
pub fn serial_pk(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "id BIGSERIAL PRIMARY KEY",
        Backend::MySql => "id BIGINT AUTO_INCREMENT PRIMARY KEY",
        Backend::Sqlite => "id INTEGER PRIMARY KEY AUTOINCREMENT",
    }
}

/// Poll `check` until it holds (or fail after `secs` seconds).
pub async fn eventually(secs: u64, what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

//! URL parsing: every accepted form, normalisation, and clear errors for the rest.

use ryx_engine::{parse_url, Backend, Error, PoolOptions};

#[test]
fn accepted_forms() {
    let cases = [
        (
            "postgres://u:p@localhost:5432/db",
            Backend::Postgres,
            "postgres://u:p@localhost:5432/db",
        ),
        (
            "postgresql://u@h/db?sslmode=disable",
            Backend::Postgres,
            "postgres://u@h/db?sslmode=disable",
        ),
        (
            "mysql://root@127.0.0.1:3306/test",
            Backend::MySql,
            "mysql://root@127.0.0.1:3306/test",
        ),
        (
            "mariadb://root:pw@db/test",
            Backend::MySql,
            "mysql://root:pw@db/test",
        ),
        (
            "sqlite://relative/path.db",
            Backend::Sqlite,
            "sqlite://relative/path.db",
        ),
        (
            "sqlite:///abs/path.db",
            Backend::Sqlite,
            "sqlite:///abs/path.db",
        ),
        (
            "sqlite:///abs/path.db?mode=ro",
            Backend::Sqlite,
            "sqlite:///abs/path.db?mode=ro",
        ),
        ("sqlite::memory:", Backend::Sqlite, "sqlite::memory:"),
        ("sqlite://:memory:", Backend::Sqlite, "sqlite::memory:"),
        ("  SQLITE::memory:  ", Backend::Sqlite, "sqlite::memory:"),
    ];
    for (url, backend, normalised) in cases {
        let (b, n) = parse_url(url).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!((b, n.as_str()), (backend, normalised), "{url}");
    }
}

#[test]
fn malformed_urls_name_the_accepted_forms() {
    for url in [
        "",
        "localhost:5432",
        "redis://localhost",
        "postgres://",
        "postgres://u@h:notaport/db",
        "mysql:/nohost",
        "sqlite://",
        "sqlite://a.db?mode=bogus",
        "sqlite://a.db?nonsense=1",
    ] {
        match parse_url(url) {
            Err(Error::Config(msg)) => {
                assert!(msg.contains("accepted forms"), "{url}: {msg}");
                assert!(msg.contains("sqlite::memory:"), "{url}: {msg}");
            }
            other => panic!("{url}: expected a Config error, got {other:?}"),
        }
    }
}

#[test]
fn url_errors_hide_passwords() {
    let Err(Error::Config(msg)) = parse_url("postgres://u:hunter2@h:bad/db") else {
        panic!("expected a Config error");
    };
    assert!(!msg.contains("hunter2"), "{msg}");
    assert!(msg.contains("u:***@"), "{msg}");
}

#[test]
fn options_are_validated() {
    let bad = [
        PoolOptions {
            max_connections: 0,
            ..PoolOptions::default()
        },
        PoolOptions {
            min_connections: 11,
            ..PoolOptions::default()
        },
        PoolOptions {
            acquire_timeout: std::time::Duration::ZERO,
            ..PoolOptions::default()
        },
        PoolOptions {
            sqlite_journal_mode: Some("fast".to_owned()),
            ..PoolOptions::default()
        },
    ];
    for options in bad {
        assert!(
            matches!(options.validate(), Err(Error::Config(_))),
            "{options:?} should be rejected"
        );
    }
    let good = PoolOptions {
        sqlite_journal_mode: Some("WAL".to_owned()),
        ..PoolOptions::default()
    };
    good.validate().unwrap();
    let d = PoolOptions::default();
    assert_eq!((d.max_connections, d.min_connections), (10, 1));
    assert_eq!(d.statement_cache_capacity, 100);
    assert!(d.sqlite_immediate_transactions);
}

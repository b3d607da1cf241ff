//! ryx-engine: pools, executor, row decoding and transactions on sqlx + tokio; no Python.

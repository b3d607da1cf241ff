//! ryx-engine integration tests against real databases: SQLite always (memory and temp file),
//! PostgreSQL and MySQL/MariaDB when `RYX_TEST_POSTGRES_URL` / `RYX_TEST_MYSQL_URL` are set.
#![allow(clippy::print_stderr)]

mod common;

mod batches;
mod calling_thread;
mod decoding;
mod errors;
mod pooling;
mod registry;
mod statements;
mod streams;
mod transactions;
mod urls;
mod values;

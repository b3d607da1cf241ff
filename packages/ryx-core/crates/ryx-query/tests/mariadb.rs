//! SQL snapshots where MariaDB differs from MySQL 8: RETURNING, regexes, JSON string equality, shared locks.

#[macro_use]
mod common;

snapshot_tests!(ryx_query::mariadb(); insert_returning, insert_upsert, lookup_regex, json_key_lookups, select_for_update);

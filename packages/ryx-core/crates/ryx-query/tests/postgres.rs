//! SQL snapshots for the postgres dialect: every statement form, lookup, transform and JSON path.

#[macro_use]
mod common;

all_cases!(ryx_query::postgres());

//! SQL snapshots for the sqlite dialect: every statement form, lookup, transform and JSON path.

#[macro_use]
mod common;

all_cases!(ryx_query::sqlite());

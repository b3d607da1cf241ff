//! SQL snapshots for the mysql dialect: every statement form, lookup, transform and JSON path.

#[macro_use]
mod common;

all_cases!(ryx_query::mysql());

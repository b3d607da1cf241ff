//! Conversions between Python objects and `ryx_query::Value`.

pub mod to_py;
pub mod to_value;

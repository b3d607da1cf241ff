//! ryx-query: the pure query layer of Ryx (AST, lookups, dialects, SQL writer); no I/O and no Python.

pub mod value;

pub use value::Value;

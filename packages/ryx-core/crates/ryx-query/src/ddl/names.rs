//! Deterministic constraint names, shortened with a stable hash to the dialect's identifier limit.

use crate::dialect::Dialect;

/// `{table}_{cols}_uniq`.
#[must_use]
pub fn unique_name<D: Dialect + ?Sized>(d: &D, table: &str, columns: &[String]) -> String {
    fit(d, format!("{table}_{}_uniq", columns.join("_")))
}

/// `{table}_{cols}_fk_{ref}_{refcols}`.
#[must_use]
pub fn foreign_key_name<D: Dialect + ?Sized>(
    d: &D,
    table: &str,
    columns: &[String],
    ref_table: &str,
    ref_columns: &[String],
) -> String {
    fit(
        d,
        format!(
            "{table}_{}_fk_{ref_table}_{}",
            columns.join("_"),
            ref_columns.join("_")
        ),
    )
}

/// `{table}_{column}_check`: the CHECK constraint of a column.
#[must_use]
pub fn check_name<D: Dialect + ?Sized>(d: &D, table: &str, column: &str) -> String {
    fit(d, format!("{table}_{column}_check"))
}

/// `name` if it fits the dialect's identifier limit, else a prefix of it plus `_` and an 8-hex-digit hash
/// of the whole name (so two long names that share a prefix still differ).
#[must_use]
pub fn fit<D: Dialect + ?Sized>(d: &D, name: String) -> String {
    truncate_name(name, d.features().max_identifier_length)
}

/// Shorten `name` to at most `max` bytes (see [`fit`]).
#[must_use]
pub fn truncate_name(name: String, max: usize) -> String {
    const HASH_LEN: usize = 9; // "_" + 8 hex digits
    if name.len() <= max {
        return name;
    }
    let hash = fnv1a(name.as_bytes());
    let mut cut = max.saturating_sub(HASH_LEN);
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    // 32 bits of the 64-bit hash; the format is part of the schema, so it must never change.
    format!("{}_{:08x}", &name[..cut], hash >> 32)
}

/// 64-bit FNV-1a: tiny, and stable across Rust versions and platforms (unlike `DefaultHasher`).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_kept() {
        assert_eq!(truncate_name("t_a_uniq".into(), 63), "t_a_uniq");
    }

    #[test]
    fn long_names_are_cut_with_a_stable_hash() {
        let long = format!("{}_x_uniq", "a".repeat(80));
        let cut = truncate_name(long.clone(), 63);
        assert_eq!(cut.len(), 63);
        assert_eq!(cut, truncate_name(long.clone(), 63));
        assert_eq!(&cut[..54], &"a".repeat(54));
        // Pinned: the hash is part of the schema, so changing it would orphan existing constraints.
        assert_eq!(&cut[54..], "_1da8003f");
        let other = truncate_name(format!("{}_y_uniq", "a".repeat(80)), 63);
        assert_ne!(cut, other);
        assert_eq!(truncate_name(long, 64).len(), 64);
    }

    #[test]
    fn cuts_on_char_boundaries() {
        let cut = truncate_name("é".repeat(40), 63);
        assert!(cut.len() <= 63);
        assert!(cut.ends_with(|c: char| c.is_ascii_hexdigit()));
    }
}

//! Translates each driver's server errors (SQLSTATE, MySQL error numbers, SQLite result codes)
//! into `Error::Database` with a kind, constraint and table.

use sqlx::error::DatabaseError;
use sqlx::mysql::MySqlDatabaseError;
use sqlx::postgres::PgDatabaseError;
use sqlx::sqlite::SqliteError;

use crate::error::{DbErrorKind, Error};

/// Map a server error of any backend to [`Error::Database`].
pub(crate) fn classify(db: &dyn DatabaseError) -> Error {
    if let Some(pg) = db.try_downcast_ref::<PgDatabaseError>() {
        return postgres(pg);
    }
    if let Some(my) = db.try_downcast_ref::<MySqlDatabaseError>() {
        return mysql(my);
    }
    if let Some(lite) = db.try_downcast_ref::<SqliteError>() {
        return sqlite(lite);
    }
    Error::Database {
        kind: DbErrorKind::Other,
        sqlstate: db.code().map(|c| c.into_owned()),
        constraint: db.constraint().map(str::to_owned),
        table: db.table().map(str::to_owned),
        message: db.message().to_owned(),
    }
}

fn postgres(err: &PgDatabaseError) -> Error {
    let code = err.code();
    let mut message = err.message().to_owned();
    if let Some(detail) = err.detail() {
        // The detail names the offending key/value ("Key (email)=(a@b) already exists."),
        // which is what a user needs to find the row.
        message.push_str(": ");
        message.push_str(detail);
    }
    Error::Database {
        kind: pg_kind(code),
        sqlstate: Some(code.to_owned()),
        constraint: err.constraint().map(str::to_owned),
        table: err.table().map(str::to_owned),
        message,
    }
}

/// Classify a PostgreSQL SQLSTATE (also used as the MySQL fallback, whose SQLSTATEs follow the
/// same class scheme).
pub(crate) fn pg_kind(code: &str) -> DbErrorKind {
    match code {
        "23505" => DbErrorKind::UniqueViolation,
        "23503" => DbErrorKind::ForeignKeyViolation,
        "23502" => DbErrorKind::NotNullViolation,
        "23514" => DbErrorKind::CheckViolation,
        _ => match code.get(..2).unwrap_or("") {
            "23" => DbErrorKind::Integrity,
            "22" => DbErrorKind::Data,
            "42" | "0A" | "20" | "21" | "26" | "2F" | "34" | "3F" | "44" | "54" => {
                DbErrorKind::Programming
            }
            "08" | "28" | "3D" | "40" | "53" | "55" | "57" | "58" | "HY" => {
                DbErrorKind::Operational
            }
            _ => DbErrorKind::Other,
        },
    }
}

fn mysql(err: &MySqlDatabaseError) -> Error {
    let message = err.message().to_owned();
    let number = err.number();
    let kind = mysql_kind(number, err.code());
    let (constraint, table) = match kind {
        DbErrorKind::UniqueViolation => (mysql_unique_key(&message), None),
        DbErrorKind::ForeignKeyViolation | DbErrorKind::CheckViolation => {
            (mysql_constraint(&message), mysql_fk_table(&message))
        }
        _ => (None, None),
    };
    Error::Database {
        kind,
        sqlstate: err.code().map(str::to_owned),
        constraint,
        table,
        message,
    }
}

fn mysql_kind(number: u16, sqlstate: Option<&str>) -> DbErrorKind {
    match number {
        1062 | 1586 | 1022 | 1169 => DbErrorKind::UniqueViolation,
        1451 | 1452 | 1216 | 1217 => DbErrorKind::ForeignKeyViolation,
        1048 | 1364 => DbErrorKind::NotNullViolation,
        // 3819: MySQL 8 CHECK; 4025: MariaDB ER_CONSTRAINT_FAILED.
        3819 | 4025 => DbErrorKind::CheckViolation,
        1264 | 1265 | 1292 | 1365 | 1366 | 1367 | 1406 | 1411 | 1690 | 3140 | 4038 => {
            DbErrorKind::Data
        }
        1064 | 1054 | 1146 | 1050 | 1051 | 1052 | 1060 | 1061 | 1091 | 1110 | 1136 | 1149
        | 1166 | 1210 | 1248 | 1295 | 1305 | 1318 | 1630 | 1142 | 1143 | 1193 => {
            DbErrorKind::Programming
        }
        1205 | 1213 | 1040 | 1043 | 1044 | 1045 | 1049 | 1053 | 1152 | 1153 | 1154 | 1158
        | 1159 | 1160 | 1161 | 1317 | 1792 | 1836 | 1927 | 1969 | 3024 => DbErrorKind::Operational,
        _ => sqlstate.map_or(DbErrorKind::Other, |s| match pg_kind(s) {
            // MySQL uses 23000 for every integrity error; the number above already picked the
            // specific ones.
            DbErrorKind::UniqueViolation => DbErrorKind::Integrity,
            kind => kind,
        }),
    }
}

/// `Duplicate entry 'x' for key 'name'` (MariaDB) / `... for key 'table.name'` (MySQL 8).
fn mysql_unique_key(message: &str) -> Option<String> {
    let rest = &message[message.rfind("for key '")? + "for key '".len()..];
    let key = rest.strip_suffix('\'').unwrap_or(rest);
    let key = key.split_once('.').map_or(key, |(_, name)| name);
    (!key.is_empty()).then(|| key.to_owned())
}

/// ``CONSTRAINT `name` `` in FK messages and MariaDB CHECK messages; `Check constraint 'name'` in
/// MySQL 8 CHECK messages.
fn mysql_constraint(message: &str) -> Option<String> {
    if let Some(start) = message.find("CONSTRAINT `") {
        let rest = &message[start + "CONSTRAINT `".len()..];
        return rest.find('`').map(|end| rest[..end].to_owned());
    }
    let rest = &message[message.find("onstraint '")? + "onstraint '".len()..];
    rest.find('\'').map(|end| rest[..end].to_owned())
}

/// The child table of an FK message, ``(`db`.`child`, CONSTRAINT ...``, or the table of a
/// MariaDB CHECK message, ``failed for `db`.`table` ``.
fn mysql_fk_table(message: &str) -> Option<String> {
    let anchor = message
        .find("fails (`")
        .map(|i| i + "fails (".len())
        .or_else(|| {
            message
                .find("failed for `")
                .map(|i| i + "failed for ".len())
        })?;
    let quoted = &message[anchor..];
    // `db`.`table` -> take the last backquoted name before a comma or the end.
    let end = quoted.find([',', ' ']).unwrap_or(quoted.len());
    let last = quoted[..end].rsplit('.').next()?;
    let name = last.trim_matches('`');
    (!name.is_empty()).then(|| name.to_owned())
}

fn sqlite(err: &SqliteError) -> Error {
    let code: i32 = err.code().and_then(|c| c.parse().ok()).unwrap_or(1);
    sqlite_error(code, err.message().to_owned())
}

/// An SQLite failure from its extended result code and message.
pub(crate) fn sqlite_error(code: i32, message: String) -> Error {
    let kind = sqlite_kind_of(code, &message);
    let (constraint, table) = match kind {
        DbErrorKind::UniqueViolation => {
            let cols = sqlite_detail(&message, "constraint failed: ");
            let table = cols.as_deref().and_then(sqlite_table);
            (cols, table)
        }
        DbErrorKind::NotNullViolation => (
            None,
            sqlite_detail(&message, "constraint failed: ")
                .as_deref()
                .and_then(sqlite_table),
        ),
        DbErrorKind::CheckViolation => (sqlite_detail(&message, "constraint failed: "), None),
        _ => (None, None),
    };
    Error::Database {
        kind,
        sqlstate: Some(code.to_string()),
        constraint,
        table,
        message,
    }
}

/// Classify an SQLite error: `ON DELETE RESTRICT` reports SQLITE_CONSTRAINT_TRIGGER (1811) with the
/// foreign-key message, which is a foreign-key violation like 787.
fn sqlite_kind_of(code: i32, message: &str) -> DbErrorKind {
    if code == 1811 && message.contains("FOREIGN KEY constraint failed") {
        return DbErrorKind::ForeignKeyViolation;
    }
    sqlite_kind(code)
}

/// Classify an SQLite extended result code.
fn sqlite_kind(code: i32) -> DbErrorKind {
    match code {
        2067 | 1555 => DbErrorKind::UniqueViolation,
        787 => DbErrorKind::ForeignKeyViolation,
        1299 => DbErrorKind::NotNullViolation,
        275 => DbErrorKind::CheckViolation,
        _ => match code & 0xff {
            19 => DbErrorKind::Integrity,
            // SQLITE_ERROR (syntax, no such table/column), SQLITE_RANGE, SQLITE_MISUSE.
            1 | 21 | 25 => DbErrorKind::Programming,
            // SQLITE_TOOBIG, SQLITE_MISMATCH.
            18 | 20 => DbErrorKind::Data,
            // PERM, ABORT, BUSY, LOCKED, NOMEM, READONLY, INTERRUPT, IOERR, CORRUPT, FULL,
            // CANTOPEN, PROTOCOL, NOTADB.
            3..=15 | 26 => DbErrorKind::Operational,
            _ => DbErrorKind::Other,
        },
    }
}

/// The text after `marker`, e.g. `t.a, t.b` in `UNIQUE constraint failed: t.a, t.b`.
fn sqlite_detail(message: &str, marker: &str) -> Option<String> {
    let start = message.find(marker)? + marker.len();
    let detail = message[start..].trim();
    (!detail.is_empty()).then(|| detail.to_owned())
}

/// The table of `t.c` (the first column when several are listed).
fn sqlite_table(columns: &str) -> Option<String> {
    let first = columns.split(',').next()?.trim();
    first.rsplit_once('.').map(|(table, _)| table.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mysql_unique_key_strips_table_prefix() {
        let maria = "Duplicate entry 'a' for key 'uq_email'";
        let mysql8 = "Duplicate entry 'a' for key 'users.uq_email'";
        assert_eq!(mysql_unique_key(maria).as_deref(), Some("uq_email"));
        assert_eq!(mysql_unique_key(mysql8).as_deref(), Some("uq_email"));
        assert_eq!(mysql_unique_key("Duplicate entry").as_deref(), None);
    }

    #[test]
    fn mysql_fk_message_gives_constraint_and_table() {
        let msg = "Cannot add or update a child row: a foreign key constraint fails (`test`.\
                   `child`, CONSTRAINT `fk_parent` FOREIGN KEY (`parent_id`) REFERENCES \
                   `parent` (`id`))";
        assert_eq!(mysql_constraint(msg).as_deref(), Some("fk_parent"));
        assert_eq!(mysql_fk_table(msg).as_deref(), Some("child"));
    }

    #[test]
    fn mysql_check_messages() {
        let maria = "CONSTRAINT `ck_pos` failed for `test`.`t`";
        assert_eq!(mysql_constraint(maria).as_deref(), Some("ck_pos"));
        assert_eq!(mysql_fk_table(maria).as_deref(), Some("t"));
        let mysql8 = "Check constraint 'ck_pos' is violated.";
        assert_eq!(mysql_constraint(mysql8).as_deref(), Some("ck_pos"));
    }

    #[test]
    fn mysql_kinds() {
        assert_eq!(
            mysql_kind(1062, Some("23000")),
            DbErrorKind::UniqueViolation
        );
        assert_eq!(
            mysql_kind(1452, Some("23000")),
            DbErrorKind::ForeignKeyViolation
        );
        assert_eq!(
            mysql_kind(1048, Some("23000")),
            DbErrorKind::NotNullViolation
        );
        assert_eq!(mysql_kind(4025, Some("23000")), DbErrorKind::CheckViolation);
        assert_eq!(mysql_kind(1213, Some("40001")), DbErrorKind::Operational);
        assert_eq!(mysql_kind(1146, Some("42S02")), DbErrorKind::Programming);
        assert_eq!(mysql_kind(9999, Some("23000")), DbErrorKind::Integrity);
        assert_eq!(mysql_kind(9999, Some("22007")), DbErrorKind::Data);
        assert_eq!(mysql_kind(9999, None), DbErrorKind::Other);
    }

    #[test]
    fn pg_kinds() {
        assert_eq!(pg_kind("23505"), DbErrorKind::UniqueViolation);
        assert_eq!(pg_kind("23P01"), DbErrorKind::Integrity);
        assert_eq!(pg_kind("42P01"), DbErrorKind::Programming);
        assert_eq!(pg_kind("22003"), DbErrorKind::Data);
        assert_eq!(pg_kind("40P01"), DbErrorKind::Operational);
        assert_eq!(pg_kind("57P01"), DbErrorKind::Operational);
        assert_eq!(pg_kind("XX000"), DbErrorKind::Other);
    }

    #[test]
    fn sqlite_kinds_and_details() {
        assert_eq!(sqlite_kind(2067), DbErrorKind::UniqueViolation);
        assert_eq!(sqlite_kind(1555), DbErrorKind::UniqueViolation);
        assert_eq!(sqlite_kind(787), DbErrorKind::ForeignKeyViolation);
        assert_eq!(
            sqlite_kind_of(1811, "FOREIGN KEY constraint failed"),
            DbErrorKind::ForeignKeyViolation
        );
        assert_eq!(
            sqlite_kind_of(1811, "raised by a trigger"),
            DbErrorKind::Integrity
        );
        assert_eq!(sqlite_kind(1299), DbErrorKind::NotNullViolation);
        assert_eq!(sqlite_kind(275), DbErrorKind::CheckViolation);
        assert_eq!(sqlite_kind(5), DbErrorKind::Operational);
        assert_eq!(sqlite_kind(517), DbErrorKind::Operational);
        assert_eq!(sqlite_kind(1), DbErrorKind::Programming);
        let cols = sqlite_detail("UNIQUE constraint failed: t.a, t.b", "constraint failed: ");
        assert_eq!(cols.as_deref(), Some("t.a, t.b"));
        assert_eq!(sqlite_table("t.a, t.b").as_deref(), Some("t"));
    }
}

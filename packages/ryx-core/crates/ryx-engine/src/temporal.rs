//! Text forms of dates, times and datetimes (SQLite storage, text columns and decode hints).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

/// A datetime read from text: with or without a UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParsedDateTime {
    Naive(NaiveDateTime),
    Aware(DateTime<Utc>),
}

// The formatters write digits straight into one buffer: every datetime bound on SQLite goes through
// them (a bulk insert formats thousands), and chrono's strftime parsing and the intermediate strings
// cost several times the work. Years outside 0..=9999 and leap seconds keep chrono's forms.

/// `YYYY-MM-DD`.
pub(crate) fn format_date(d: NaiveDate) -> String {
    let mut s = String::with_capacity(10);
    push_date(&mut s, d);
    s
}

/// `HH:MM:SS[.ffffff]` (microseconds only when non-zero, so whole seconds stay short).
pub(crate) fn format_time(t: NaiveTime) -> String {
    let mut s = String::with_capacity(15);
    push_time(&mut s, t);
    s
}

/// `YYYY-MM-DD HH:MM:SS[.ffffff]`.
pub(crate) fn format_datetime(dt: NaiveDateTime) -> String {
    let mut s = String::with_capacity(32);
    push_date(&mut s, dt.date());
    s.push(' ');
    push_time(&mut s, dt.time());
    s
}

/// `YYYY-MM-DD HH:MM:SS[.ffffff]+00:00`.
pub(crate) fn format_datetime_utc(dt: DateTime<Utc>) -> String {
    let mut s = format_datetime(dt.naive_utc());
    s.push_str("+00:00");
    s
}

fn push_date(s: &mut String, d: NaiveDate) {
    match u32::try_from(d.year()) {
        Ok(year) if year <= 9999 => {
            push_digits(s, year, 4);
            s.push('-');
            push_digits(s, d.month(), 2);
            s.push('-');
            push_digits(s, d.day(), 2);
        }
        // chrono writes a sign and as many digits as needed.
        _ => s.push_str(&d.format("%Y-%m-%d").to_string()),
    }
}

fn push_time(s: &mut String, t: NaiveTime) {
    let nanos = t.nanosecond();
    if nanos >= 1_000_000_000 {
        // A leap second: chrono writes second 60.
        let micros = nanos / 1_000;
        s.push_str(&format!("{}.{micros:06}", t.format("%H:%M:%S")));
        return;
    }
    push_digits(s, t.hour(), 2);
    s.push(':');
    push_digits(s, t.minute(), 2);
    s.push(':');
    push_digits(s, t.second(), 2);
    let micros = nanos / 1_000;
    if micros != 0 {
        s.push('.');
        push_digits(s, micros, 6);
    }
}

/// `value` in exactly `width` decimal digits, zero-padded (`value` must fit).
fn push_digits(s: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = (value / 10u32.pow(place)) % 10;
        s.push(char::from(b'0' + digit as u8));
    }
}

/// Parse `YYYY-MM-DD`.
pub(crate) fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|e| format!("'{s}' is not a date (YYYY-MM-DD): {e}"))
}

/// Parse `HH:MM[:SS[.f]]`.
pub(crate) fn parse_time(s: &str) -> Result<NaiveTime, String> {
    let t = s.trim();
    NaiveTime::parse_from_str(t, "%H:%M:%S%.f")
        .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M"))
        .map_err(|e| format!("'{s}' is not a time (HH:MM:SS[.ffffff]): {e}"))
}

/// Parse `YYYY-MM-DD[ T]HH:MM[:SS[.f]][Z|±HH[:MM]]`; a bare date reads as midnight.
pub(crate) fn parse_datetime(s: &str) -> Result<ParsedDateTime, String> {
    if let Some(parsed) = fast_datetime(s.as_bytes()) {
        return Ok(parsed);
    }
    let t = s.trim();
    let bad =
        |why: String| format!("'{s}' is not a datetime (YYYY-MM-DD HH:MM:SS[.f][+HH:MM]): {why}");
    if t.len() == 10 {
        let d = parse_date(t).map_err(bad)?;
        return Ok(ParsedDateTime::Naive(d.and_time(NaiveTime::MIN)));
    }
    let (body, offset) = split_offset(t).map_err(bad)?;
    let body = body.replacen('T', " ", 1);
    let naive = NaiveDateTime::parse_from_str(&body, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(&body, "%Y-%m-%d %H:%M"))
        .map_err(|e| bad(e.to_string()))?;
    Ok(match offset {
        None => ParsedDateTime::Naive(naive),
        Some(off) => {
            let aware = naive
                .and_local_timezone(off)
                .single()
                .ok_or_else(|| bad("ambiguous offset".to_owned()))?;
            ParsedDateTime::Aware(aware.with_timezone(&Utc))
        }
    })
}

/// `n` ASCII digits at `b[at..]` as a number.
fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let mut v = 0u32;
    for &c in b.get(at..at + n)? {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// The canonical text forms the engine itself writes (`YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM]`, also with
/// `T` or `Z`), parsed without chrono's format machinery: rows of timestamps are decoded on the hot path.
/// Anything else returns None and goes through the general parser.
fn fast_datetime(b: &[u8]) -> Option<ParsedDateTime> {
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b' ' | b'T')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(digits(b, 0, 4)?).ok()?,
        digits(b, 5, 2)?,
        digits(b, 8, 2)?,
    )?;
    let (h, mi, sec) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    let mut i = 19;
    let mut nanos = 0u32;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let n = i - start;
        if n == 0 || n > 9 {
            return None;
        }
        nanos = digits(b, start, n)? * 10u32.pow(u32::try_from(9 - n).ok()?);
    }
    let naive = date.and_hms_nano_opt(h, mi, sec, nanos)?;
    let rest = &b[i..];
    let offset_secs = match rest {
        [] => return Some(ParsedDateTime::Naive(naive)),
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] | [sign @ (b'+' | b'-'), _, _, _, _] => {
            let hh = digits(rest, 1, 2)?;
            let mm = digits(rest, rest.len() - 2, 2)?;
            let secs = i32::try_from(hh * 3600 + mm * 60).ok()?;
            if *sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        [sign @ (b'+' | b'-'), _, _] => {
            let secs = i32::try_from(digits(rest, 1, 2)? * 3600).ok()?;
            if *sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return None,
    };
    let offset = FixedOffset::east_opt(offset_secs)?;
    let aware = naive.and_local_timezone(offset).single()?;
    Some(ParsedDateTime::Aware(aware.with_timezone(&Utc)))
}

/// Split a trailing `Z` / `±HH[:MM]` offset from the time part.
fn split_offset(t: &str) -> Result<(&str, Option<FixedOffset>), String> {
    if let Some(body) = t.strip_suffix(['Z', 'z']) {
        return Ok((body, Some(FixedOffset::east_opt(0).expect("zero offset"))));
    }
    // The offset sign can only appear after the date part (which has its own '-').
    let Some(pos) = t
        .get(10..)
        .and_then(|rest| rest.rfind(['+', '-']))
        .map(|p| p + 10)
    else {
        return Ok((t, None));
    };
    let (body, off) = t.split_at(pos);
    let sign = if off.starts_with('-') { -1 } else { 1 };
    let digits: String = off[1..].chars().filter(|c| *c != ':').collect();
    let (hh, mm) = match digits.len() {
        2 => (&digits[..2], "00"),
        4 => (&digits[..2], &digits[2..]),
        _ => return Err(format!("bad UTC offset '{off}'")),
    };
    let hours: i32 = hh.parse().map_err(|_| format!("bad UTC offset '{off}'"))?;
    let minutes: i32 = mm.parse().map_err(|_| format!("bad UTC offset '{off}'"))?;
    let secs = sign * (hours * 3600 + minutes * 60);
    let offset = FixedOffset::east_opt(secs).ok_or_else(|| format!("bad UTC offset '{off}'"))?;
    Ok((body.trim_end(), Some(offset)))
}

/// Microseconds since midnight of a time of day.
pub(crate) fn time_to_micros(t: NaiveTime) -> i64 {
    i64::from(t.num_seconds_from_midnight()) * 1_000_000 + i64::from(t.nanosecond() / 1_000)
}

/// The time of day `micros` after midnight, if `0 <= micros < 24h`.
pub(crate) fn micros_to_time(micros: i64) -> Option<NaiveTime> {
    if !(0..86_400_000_000).contains(&micros) {
        return None;
    }
    let secs = u32::try_from(micros / 1_000_000).ok()?;
    let nanos = u32::try_from(micros % 1_000_000).ok()? * 1_000;
    NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    #[test]
    fn formats_like_chrono() {
        let chrono_time = |t: NaiveTime| {
            let micros = t.nanosecond() / 1_000;
            if micros == 0 {
                t.format("%H:%M:%S").to_string()
            } else {
                format!("{}.{micros:06}", t.format("%H:%M:%S"))
            }
        };
        let dates = [
            (1, 1, 1),
            (999, 12, 31),
            (2024, 2, 29),
            (9999, 12, 31),
            (0, 1, 1),
            (-44, 3, 15),
            (10_000, 1, 1),
        ];
        let times = [
            (0, 0, 0, 0),
            (9, 5, 7, 1_000),
            (23, 59, 59, 999_999_000),
            (12, 30, 0, 500),
            (23, 59, 59, 1_000_001_000),
        ];
        for (y, m, d) in dates {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(format_date(date), date.format("%Y-%m-%d").to_string());
            for (h, mi, se, ns) in times {
                let time = NaiveTime::from_hms_nano_opt(h, mi, se, ns).unwrap();
                assert_eq!(format_time(time), chrono_time(time));
                let dt = NaiveDateTime::new(date, time);
                let expected = format!("{} {}", date.format("%Y-%m-%d"), chrono_time(time));
                assert_eq!(format_datetime(dt), expected);
                assert_eq!(
                    format_datetime_utc(dt.and_utc()),
                    format!("{expected}+00:00")
                );
            }
        }
    }

    #[test]
    fn formats_with_optional_micros() {
        let dt = naive("2024-02-29 23:59:59.000001");
        assert_eq!(format_datetime(dt), "2024-02-29 23:59:59.000001");
        assert_eq!(
            format_datetime(naive("2024-01-01 00:00:00")),
            "2024-01-01 00:00:00"
        );
        assert_eq!(
            format_datetime_utc(dt.and_utc()),
            "2024-02-29 23:59:59.000001+00:00"
        );
    }

    #[test]
    fn parses_naive_and_aware() {
        let n = naive("2024-01-02 03:04:05.5");
        assert_eq!(
            parse_datetime("2024-01-02 03:04:05.5"),
            Ok(ParsedDateTime::Naive(n))
        );
        assert_eq!(
            parse_datetime("2024-01-02T03:04:05.5"),
            Ok(ParsedDateTime::Naive(n))
        );
        assert_eq!(
            parse_datetime("2024-01-02 05:04:05.5+02:00"),
            Ok(ParsedDateTime::Aware(n.and_utc()))
        );
        assert_eq!(
            parse_datetime("2024-01-02T01:04:05.5-0200"),
            Ok(ParsedDateTime::Aware(n.and_utc()))
        );
        assert_eq!(
            parse_datetime("2024-01-02 03:04:05.5Z"),
            Ok(ParsedDateTime::Aware(n.and_utc()))
        );
        assert_eq!(
            parse_datetime("2024-01-02"),
            Ok(ParsedDateTime::Naive(naive("2024-01-02 00:00:00")))
        );
        assert!(parse_datetime("yesterday").is_err());
        assert!(parse_datetime("2024-01-02 03:04:05+2").is_err());
    }

    #[test]
    fn fast_path_agrees_with_the_general_parser() {
        for text in [
            "2024-01-02 03:04:05",
            "2024-01-02T03:04:05.123456",
            "2024-01-02 03:04:05.1",
            "2024-01-02 03:04:05.123456789",
            "2024-01-02 03:04:05+05:30",
            "2024-01-02 03:04:05.25-0800",
            "2024-01-02 03:04:05Z",
            "2024-01-02 03:04:05+02",
            "0001-01-01 00:00:00",
            "9999-12-31 23:59:59.999999",
        ] {
            let fast = fast_datetime(text.as_bytes())
                .unwrap_or_else(|| panic!("fast path refused {text}"));
            let t = text.trim();
            let (body, offset) = split_offset(t).unwrap();
            let naive =
                NaiveDateTime::parse_from_str(&body.replacen('T', " ", 1), "%Y-%m-%d %H:%M:%S%.f")
                    .unwrap();
            let slow = match offset {
                None => ParsedDateTime::Naive(naive),
                Some(off) => ParsedDateTime::Aware(
                    naive.and_local_timezone(off).unwrap().with_timezone(&Utc),
                ),
            };
            assert_eq!(fast, slow, "{text}");
        }
        for odd in [
            "2024-1-02 03:04:05",
            "2024-01-02 03:04",
            "2024-02-30 00:00:00",
            "2024-01-02 03:04:05.",
            "x",
        ] {
            assert!(fast_datetime(odd.as_bytes()).is_none(), "{odd}");
        }
    }

    #[test]
    fn time_micros_round_trip() {
        let t = parse_time("13:14:15.123456").unwrap();
        assert_eq!(micros_to_time(time_to_micros(t)), Some(t));
        assert_eq!(micros_to_time(-1), None);
        assert_eq!(micros_to_time(86_400_000_000), None);
        assert_eq!(format_time(t), "13:14:15.123456");
    }
}

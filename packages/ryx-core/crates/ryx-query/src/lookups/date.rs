//! Date/time transforms (`year`, `week_day`, …): names, aliases, and the closed enum the dialects render.

/// A transform that wraps an expression before the final lookup (`created__year__gte`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transform {
    /// The date part of a datetime.
    Date,
    /// Year, as an integer.
    Year,
    /// Month 1–12.
    Month,
    /// Day of the month 1–31.
    Day,
    /// ISO-8601 week number 1–53.
    Week,
    /// Day of the week, 1 = Sunday … 7 = Saturday (Django's `week_day`).
    WeekDay,
    /// ISO day of the week, 1 = Monday … 7 = Sunday.
    IsoWeekDay,
    /// The ISO-8601 week-numbering year.
    IsoYear,
    /// Quarter 1–4.
    Quarter,
    /// Hour 0–23.
    Hour,
    /// Minute 0–59.
    Minute,
    /// Whole seconds 0–59 (fractions truncated).
    Second,
    /// The time part of a datetime.
    Time,
}

/// Canonical names, in declaration order.
const TRANSFORMS: &[(&str, Transform)] = &[
    ("date", Transform::Date),
    ("year", Transform::Year),
    ("month", Transform::Month),
    ("day", Transform::Day),
    ("week", Transform::Week),
    ("week_day", Transform::WeekDay),
    ("iso_week_day", Transform::IsoWeekDay),
    ("iso_year", Transform::IsoYear),
    ("quarter", Transform::Quarter),
    ("hour", Transform::Hour),
    ("minute", Transform::Minute),
    ("second", Transform::Second),
    ("time", Transform::Time),
];

/// Names kept for compatibility with the original Ryx.
const ALIASES: &[(&str, Transform)] = &[
    ("dow", Transform::WeekDay),
    ("iso_week", Transform::Week),
    ("iso_dow", Transform::IsoWeekDay),
];

impl Transform {
    /// Look a transform up by canonical name or alias.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        TRANSFORMS
            .iter()
            .chain(ALIASES)
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
    }

    /// The canonical name.
    #[must_use]
    pub fn name(self) -> &'static str {
        TRANSFORMS
            .iter()
            .find(|(_, t)| *t == self)
            .map_or("date", |(n, _)| n)
    }
}

/// Every transform name: canonical names in declaration order, then the compatibility aliases.
#[must_use]
pub fn available_transforms() -> Vec<&'static str> {
    TRANSFORMS.iter().chain(ALIASES).map(|(n, _)| *n).collect()
}

/// Whether `name` is a transform (canonical or alias).
#[must_use]
pub fn is_transform(name: &str) -> bool {
    Transform::from_name(name).is_some()
}

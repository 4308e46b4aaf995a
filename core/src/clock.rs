//! The one clock of the core. Business days are Asia/Shanghai calendar days (UTC+8, no DST).
//! A sandbox database honours `ONECARD_NOW` so a test can play yesterday and settle it today; a
//! production database refuses it, so nobody can backdate real money movements.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Offset, Utc};

use crate::error::{Error, Result};

/// Microseconds since the Unix epoch, from the system clock (for bookkeeping outside the ledger).
pub fn system_micros() -> i64 {
    Utc::now().timestamp_micros()
}

/// Asia/Shanghai: China has used UTC+8 all year since 1991.
pub fn shanghai() -> FixedOffset {
    // 8 * 3600 is within east_opt's +-86,400 s range, so this never falls back.
    FixedOffset::east_opt(8 * 3600).unwrap_or(Utc.fix())
}

/// The core's clock: the system clock, or a fixed instant in a sandbox.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    fixed: Option<i64>,
}

impl Clock {
    /// The system clock, or `now` (RFC 3339, from `ONECARD_NOW`), which only a sandbox database
    /// accepts.
    pub fn new(now: Option<&str>, sandbox: bool) -> Result<Clock> {
        match now {
            Some(v) => {
                if !sandbox {
                    return Err(Error::new(
                        "clock_override_refused",
                        "ONECARD_NOW is set but this is a production database; unset it \
                         (only `init --sandbox` databases accept a fixed clock)",
                    ));
                }
                let t = DateTime::parse_from_rfc3339(v)
                    .map_err(|e| Error::new("invalid_time", format!("ONECARD_NOW must be RFC 3339: {e}")))?;
                Ok(Clock { fixed: Some(t.timestamp_micros()) })
            }
            None => Ok(Clock { fixed: None }),
        }
    }

    /// A clock fixed at `micros` (tests).
    pub fn fixed(micros: i64) -> Clock {
        Clock { fixed: Some(micros) }
    }

    /// Now, in microseconds since the epoch.
    pub fn now_micros(&self) -> i64 {
        self.fixed.unwrap_or_else(system_micros)
    }

    /// Today's business day in Asia/Shanghai.
    pub fn today(&self) -> NaiveDate {
        business_day(self.now_micros())
    }
}

/// The Asia/Shanghai calendar day of an instant.
pub fn business_day(micros: i64) -> NaiveDate {
    let utc = DateTime::<Utc>::from_timestamp_micros(micros).unwrap_or_default();
    utc.with_timezone(&shanghai()).date_naive()
}

/// The first microsecond of a business day (00:00 Asia/Shanghai).
pub fn day_start_micros(day: NaiveDate) -> i64 {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    midnight.and_utc().timestamp_micros() - 8 * 3600 * 1_000_000
}

/// An instant as RFC 3339 in Asia/Shanghai time (what people read).
pub fn format_micros(micros: i64) -> String {
    let utc = DateTime::<Utc>::from_timestamp_micros(micros).unwrap_or_default();
    utc.with_timezone(&shanghai()).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// `date` plus `months` calendar months, clamped to the month's last day (Aug 31 + 6 = Feb 28).
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(chrono::Months::new(months)).unwrap_or(date)
}

/// `date` plus `years`, Feb 29 becoming Feb 28.
pub fn add_years(date: NaiveDate, years: u32) -> NaiveDate {
    add_months(date, years.saturating_mul(12))
}

/// Parses 'YYYY-MM-DD' strictly.
pub fn parse_date(s: &str) -> Result<NaiveDate> {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| Error::new("invalid_date", format!("expected a date YYYY-MM-DD, got {s:?}")))?;
    if d.year() < 1900 || s.len() != 10 {
        return Err(Error::new("invalid_date", format!("expected a date YYYY-MM-DD, got {s:?}")));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_day_is_shanghai() {
        // 2026-01-01T16:30:00Z is 2026-01-02 00:30 in Shanghai.
        let t = DateTime::parse_from_rfc3339("2026-01-01T16:30:00Z").unwrap().timestamp_micros();
        assert_eq!(business_day(t).to_string(), "2026-01-02");
    }

    #[test]
    fn day_start_is_shanghai_midnight() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 2).unwrap();
        let t = DateTime::parse_from_rfc3339("2026-01-01T16:00:00Z").unwrap().timestamp_micros();
        assert_eq!(day_start_micros(d), t);
        assert_eq!(business_day(day_start_micros(d)), d);
        assert_eq!(business_day(day_start_micros(d) - 1).to_string(), "2026-01-01");
    }

    #[test]
    fn months_clamp() {
        let d = NaiveDate::from_ymd_opt(2026, 8, 31).unwrap();
        assert_eq!(add_months(d, 6).to_string(), "2027-02-28");
        let leap = NaiveDate::from_ymd_opt(2028, 2, 29).unwrap();
        assert_eq!(add_years(leap, 3).to_string(), "2031-02-28");
    }
}

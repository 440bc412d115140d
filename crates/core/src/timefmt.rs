//! UTC calendar formatting without a clock: timestamps come from the runtime seam as unix
//! milliseconds and are only formatted here (ISO-8601 for envelopes, `YYYY/MM/DD` for DLQ
//! paths). Days-to-civil conversion after Howard Hinnant's public-domain algorithm.

/// `(year, month 1–12, day 1–31)` of a unix-milliseconds instant, UTC.
pub fn civil_date(unix_ms: u64) -> (i64, u32, u32) {
    let days = i64::try_from(unix_ms / 86_400_000).unwrap_or(i64::MAX / 2);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, u32::try_from(month).unwrap_or(1), u32::try_from(day).unwrap_or(1))
}

/// `2026-01-01T00:00:00.000Z`, as JavaScript's `Date.prototype.toISOString` writes it.
pub fn iso8601_ms(unix_ms: u64) -> String {
    let (year, month, day) = civil_date(unix_ms);
    let ms_of_day = unix_ms % 86_400_000;
    let (hours, minutes) = (ms_of_day / 3_600_000, ms_of_day / 60_000 % 60);
    let (seconds, millis) = (ms_of_day / 1_000 % 60, ms_of_day % 1_000);
    format!("{year:04}-{month:02}-{day:02}T{hours:02}:{minutes:02}:{seconds:02}.{millis:03}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_to_iso_string() {
        assert_eq!(iso8601_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601_ms(1_767_225_600_000), "2026-01-01T00:00:00.000Z");
        assert_eq!(iso8601_ms(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(iso8601_ms(1_767_225_599_999), "2025-12-31T23:59:59.999Z");
        assert_eq!(civil_date(4_107_542_400_000), (2100, 3, 1));
    }
}

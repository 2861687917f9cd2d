//! The parameters of Open311 calls, as GeoReport v2 defines them: a query
//! string or a form body where an empty parameter is the same as an absent
//! one, comma lists, W3C date-times, the 90-day window and paging.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, SecondsFormat, TimeDelta, Utc};

/// The widest `start_date`..`end_date` window, and the default one.
pub const WINDOW_DAYS: i64 = 90;
/// The most requests one answer holds (and the default `page_size`).
pub const MAX_RESULTS: i64 = 1000;
/// GeoReport's limit on a request's description.
pub const DESCRIPTION_MAX: usize = 4000;

/// `name=value` pairs in the order they came, repeated names kept.
#[derive(Debug, Clone, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// An `application/x-www-form-urlencoded` body or query string.
    pub fn parse(encoded: &[u8]) -> Self {
        Self(
            url::form_urlencoded::parse(encoded)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first non-blank value of `name`, trimmed: an empty parameter
    /// counts as absent ("Optional Arguments" in the spec).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .find(|v| !v.is_empty())
    }

    /// Every non-blank value of `name`, each split at commas: `a,b&name=c`
    /// is `[a, b, c]`, without repeats.
    pub fn list(&self, name: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (_, v) in self.0.iter().filter(|(k, _)| k == name) {
            for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                if !out.iter().any(|o| o == part) {
                    out.push(part.to_string());
                }
            }
        }
        out
    }

    /// Every pair, for the attribute parameters.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// Adds a pair after the others (so a value already there wins).
    pub fn push(&mut self, name: &str, value: &str) {
        self.0.push((name.to_string(), value.to_string()));
    }
}

/// A problem with one parameter: its name and what is wrong, in English
/// message keys the caller words (see `locales/en/open311.ftl`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    pub param: String,
    pub key: String,
}

impl ParamError {
    pub fn new(param: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            param: param.into(),
            key: key.into(),
        }
    }
}

/// A W3C date-time with its offset (`1994-11-05T08:15:30-05:00`,
/// `1994-11-05T13:15:30Z`), with or without seconds and fractional seconds.
/// A `+` offset that arrived unencoded in a query string has become a space;
/// it is read as the `+` it was.
pub fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    let s = text.trim();
    let date_time = s.get(..11)?;
    if !date_time.ends_with(['T', 't']) {
        return None;
    }
    let mut fixed = s.to_string();
    // "…T10:00:00 01:00": the space stands where a '+' was.
    if fixed.len() > 6 && fixed.as_bytes()[fixed.len() - 6] == b' ' {
        let at = fixed.len() - 6;
        fixed.replace_range(at..=at, "+");
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(&fixed) {
        return Some(d.with_timezone(&Utc));
    }
    // Without seconds: hh:mm and the offset.
    let (stamp, offset) = split_offset(&fixed)?;
    if stamp.len() == 16 {
        return DateTime::parse_from_rfc3339(&format!("{stamp}:00{offset}"))
            .ok()
            .map(|d| d.with_timezone(&Utc));
    }
    None
}

/// `("1994-11-05T08:15", "-05:00")` or `(…, "Z")`.
fn split_offset(s: &str) -> Option<(&str, &str)> {
    if let Some(stamp) = s.strip_suffix(['Z', 'z']) {
        return Some((stamp, "Z"));
    }
    let at = s.len().checked_sub(6)?;
    let offset = s.get(at..)?;
    (offset.starts_with(['+', '-']) && offset.as_bytes()[3] == b':').then(|| (&s[..at], offset))
}

/// An instant as GeoReport writes it: seconds, with the zone's offset.
pub fn format_datetime(at: DateTime<Utc>, zone: chrono_tz::Tz) -> String {
    let local: DateTime<FixedOffset> = at.with_timezone(&zone).fixed_offset();
    local.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// The requested-time window of `GET requests` (and the updated-time window
/// of `GET servicerequestupdates`): at most 90 days. Without dates it is the
/// last 90 days; with one date it is the 90 days after `start_date` or
/// before `end_date`.
pub fn window(
    start: Option<&str>,
    end: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), Vec<ParamError>> {
    let span = TimeDelta::days(WINDOW_DAYS);
    let mut errors = Vec::new();
    let mut read = |name: &str, v: Option<&str>| match v {
        None => None,
        Some(text) => {
            let parsed = parse_datetime(text);
            if parsed.is_none() {
                errors.push(ParamError::new(name, "open311-error-date"));
            }
            parsed
        }
    };
    let start_at = read("start_date", start);
    let end_at = read("end_date", end);
    if !errors.is_empty() {
        return Err(errors);
    }
    let (from, to) = match (start_at, end_at) {
        (None, None) => (now - span, now),
        (Some(s), None) => (s, s + span),
        (None, Some(e)) => (e - span, e),
        (Some(s), Some(e)) => (s, e),
    };
    if from > to {
        return Err(vec![ParamError::new(
            "end_date",
            "open311-error-date-order",
        )]);
    }
    if to - from > span {
        return Err(vec![ParamError::new("end_date", "open311-error-date-span")]);
    }
    Ok((from, to))
}

/// The `status` filter: which of open and closed to include.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusFilter {
    pub open: bool,
    pub closed: bool,
}

impl StatusFilter {
    pub fn parse(values: &[String]) -> Result<Self, ParamError> {
        if values.is_empty() {
            return Ok(Self {
                open: true,
                closed: true,
            });
        }
        let mut f = Self {
            open: false,
            closed: false,
        };
        for v in values {
            match v.to_ascii_lowercase().as_str() {
                "open" => f.open = true,
                "closed" => f.closed = true,
                _ => return Err(ParamError::new("status", "open311-error-status")),
            }
        }
        Ok(f)
    }
}

/// `page` (from 1) and `page_size` (1 to 1,000, default 1,000): the paging
/// extension most GeoReport servers offer.
pub fn paging(page: Option<&str>, page_size: Option<&str>) -> Result<(i64, i64), Vec<ParamError>> {
    let mut errors = Vec::new();
    let page = match page.map(str::parse::<i64>) {
        None => 1,
        Some(Ok(n)) if (1..=1_000_000).contains(&n) => n,
        Some(_) => {
            errors.push(ParamError::new("page", "open311-error-page"));
            1
        }
    };
    let size = match page_size.map(str::parse::<i64>) {
        None => MAX_RESULTS,
        Some(Ok(n)) if (1..=MAX_RESULTS).contains(&n) => n,
        Some(_) => {
            errors.push(ParamError::new("page_size", "open311-error-page-size"));
            MAX_RESULTS
        }
    };
    if errors.is_empty() {
        Ok((page, size))
    } else {
        Err(errors)
    }
}

/// `attribute[CODE]=v` and `attribute[CODE][]=v` pairs as code → values
/// (both forms may repeat; a multi-value list takes every value).
pub fn attributes(params: &Params) -> Result<BTreeMap<String, Vec<String>>, ParamError> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in params.pairs() {
        let Some(rest) = name.strip_prefix("attribute[") else {
            continue;
        };
        let code = rest
            .strip_suffix("][]")
            .or_else(|| rest.strip_suffix(']'))
            .filter(|c| !c.is_empty() && !c.contains(['[', ']']))
            .ok_or_else(|| ParamError::new(name.clone(), "open311-error-attribute-name"))?;
        out.entry(code.to_string())
            .or_default()
            .push(value.trim().to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    #[test]
    fn w3c_date_times_with_an_offset() {
        let t = utc(1994, 11, 5, 13, 15, 30);
        for ok in [
            "1994-11-05T08:15:30-05:00",
            "1994-11-05T13:15:30Z",
            "1994-11-05T13:15:30z",
            "1994-11-05T13:15:30.000Z",
            "1994-11-05T14:15:30+01:00",
            "1994-11-05T14:15:30 01:00",
            " 1994-11-05T13:15:30Z ",
        ] {
            assert_eq!(parse_datetime(ok), Some(t), "{ok}");
        }
        assert_eq!(
            parse_datetime("1994-11-05T13:15:30.25Z").unwrap(),
            t + TimeDelta::milliseconds(250)
        );
        assert_eq!(
            parse_datetime("1994-11-05T13:15Z"),
            Some(utc(1994, 11, 5, 13, 15, 0))
        );
        assert_eq!(
            parse_datetime("1994-11-05T14:15+01:00"),
            Some(utc(1994, 11, 5, 13, 15, 0))
        );
        for bad in [
            "",
            "1994-11-05",
            "1994-11-05T13:15:30",
            "1994-11-05 13:15:30Z",
            "yesterday",
            "1994-13-05T13:15:30Z",
            "1994-11-05T25:15:30Z",
            "1994-11-05T13:15:30+0100",
            "1994-11-05T13:15:30+01:00 trailing",
            "é994-11-05T13:15:30Z",
        ] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
    }

    #[test]
    fn output_is_in_the_council_zone_with_its_offset() {
        let t = utc(2026, 7, 1, 9, 30, 15) + TimeDelta::microseconds(123);
        assert_eq!(
            format_datetime(t, chrono_tz::Europe::London),
            "2026-07-01T10:30:15+01:00"
        );
        assert_eq!(
            format_datetime(t, chrono_tz::UTC),
            "2026-07-01T09:30:15+00:00"
        );
    }

    #[test]
    fn the_window_defaults_to_the_last_90_days_and_never_spans_more() {
        let now = utc(2026, 12, 3, 12, 0, 0);
        assert_eq!(
            window(None, None, now).unwrap(),
            (now - TimeDelta::days(90), now)
        );
        let start = "2026-01-01T00:00:00Z";
        assert_eq!(
            window(Some(start), None, now).unwrap(),
            (utc(2026, 1, 1, 0, 0, 0), utc(2026, 4, 1, 0, 0, 0))
        );
        assert_eq!(
            window(None, Some(start), now).unwrap(),
            (utc(2025, 10, 3, 0, 0, 0), utc(2026, 1, 1, 0, 0, 0))
        );
        assert!(window(Some(start), Some("2026-04-01T00:00:00Z"), now).is_ok());
        assert_eq!(
            window(Some(start), Some("2026-04-01T00:00:01Z"), now).unwrap_err()[0].key,
            "open311-error-date-span"
        );
        assert_eq!(
            window(Some("2026-02-01T00:00:00Z"), Some(start), now).unwrap_err()[0].key,
            "open311-error-date-order"
        );
        let both = window(Some("soon"), Some("later"), now).unwrap_err();
        assert_eq!(
            both,
            vec![
                ParamError::new("start_date", "open311-error-date"),
                ParamError::new("end_date", "open311-error-date")
            ]
        );
    }

    #[test]
    fn empty_parameters_are_absent_and_lists_split_at_commas() {
        let p = Params::parse(b"a=&a=+x+&b=1,%202,,1&b=3&c=");
        assert_eq!(p.get("a"), Some("x"));
        assert_eq!(p.get("c"), None);
        assert_eq!(p.get("missing"), None);
        assert_eq!(p.list("b"), ["1", "2", "3"]);
        assert!(p.list("c").is_empty());
    }

    #[test]
    fn statuses_and_paging() {
        let all = StatusFilter::parse(&[]).unwrap();
        assert!(all.open && all.closed);
        let open = StatusFilter::parse(&["open".into()]).unwrap();
        assert!(open.open && !open.closed);
        assert!(
            StatusFilter::parse(&["open".into(), "CLOSED".into()])
                .unwrap()
                .closed
        );
        assert!(StatusFilter::parse(&["pending".into()]).is_err());
        assert_eq!(paging(None, None).unwrap(), (1, 1000));
        assert_eq!(paging(Some("3"), Some("20")).unwrap(), (3, 20));
        for (page, size) in [
            ("0", "1"),
            ("x", "1"),
            ("1", "0"),
            ("1", "1001"),
            ("1", "-5"),
        ] {
            assert!(paging(Some(page), Some(size)).is_err(), "{page} {size}");
        }
    }

    #[test]
    fn attributes_in_both_forms() {
        let p = Params::parse(
            b"attribute[size]=large&attribute[kinds][]=a&attribute[kinds][]=b&attribute%5Bx%5D=1&other=2",
        );
        let a = attributes(&p).unwrap();
        assert_eq!(a["size"], ["large"]);
        assert_eq!(a["kinds"], ["a", "b"]);
        assert_eq!(a["x"], ["1"]);
        assert_eq!(a.len(), 3);
        for bad in ["attribute[]=1", "attribute[a=1", "attribute[a][b]=1"] {
            assert!(attributes(&Params::parse(bad.as_bytes())).is_err(), "{bad}");
        }
    }
}

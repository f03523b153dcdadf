//! The query parameters every page understands: time window, department, topic, bucket width,
//! inbox status and page.

use chrono::NaiveDate;
use hearken_proto::prost_types::Timestamp;
use hearken_proto::v1 as pb;

use crate::DashboardError;
use crate::html::url_encode;

/// What the address asks for; empty strings and `None` mean "not asked".
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Filters {
    /// First day shown, inclusive.
    pub from: Option<NaiveDate>,
    /// Last day shown, inclusive.
    pub to: Option<NaiveDate>,
    pub department: String,
    pub topic: String,
    pub bucket: Option<pb::BucketWidth>,
    pub status: Option<pb::InboxStatus>,
    pub page_token: String,
}

impl Filters {
    /// Parses a query string; unknown parameters are ignored, bad values are refused.
    pub(crate) fn parse(query: Option<&str>) -> Result<Self, DashboardError> {
        let mut filters = Filters::default();
        let pairs = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes());
        for (name, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match name.as_ref() {
                "from" => filters.from = Some(date("from", value)?),
                "to" => filters.to = Some(date("to", value)?),
                "department" => filters.department = value.to_owned(),
                "topic" => filters.topic = value.to_owned(),
                "bucket" => filters.bucket = Some(bucket(value)?),
                "status" => filters.status = Some(status("status", value)?),
                "page" => filters.page_token = value.to_owned(),
                _ => {}
            }
        }
        if let (Some(from), Some(to)) = (filters.from, filters.to)
            && from > to
        {
            return Err(DashboardError::BadParameter {
                name: "to",
                reason: format!("{to} is before from={from}"),
            });
        }
        Ok(filters)
    }

    /// The window and department as a query string for links between pages ("" or "?…").
    pub(crate) fn carried(&self) -> String {
        let mut pairs = Vec::new();
        if let Some(from) = self.from {
            pairs.push(format!("from={from}"));
        }
        if let Some(to) = self.to {
            pairs.push(format!("to={to}"));
        }
        if !self.department.is_empty() {
            pairs.push(format!("department={}", url_encode(&self.department)));
        }
        match pairs.is_empty() {
            true => String::new(),
            false => format!("?{}", pairs.join("&")),
        }
    }
}

fn date(name: &'static str, value: &str) -> Result<NaiveDate, DashboardError> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| DashboardError::BadParameter {
        name,
        reason: format!("{value:?} is not a date like 2015-02-24"),
    })
}

fn bucket(value: &str) -> Result<pb::BucketWidth, DashboardError> {
    match value {
        "hour" => Ok(pb::BucketWidth::Hour),
        "day" => Ok(pb::BucketWidth::Day),
        "week" => Ok(pb::BucketWidth::Week),
        _ => Err(DashboardError::BadParameter {
            name: "bucket",
            reason: format!("{value:?} is not one of hour, day, week"),
        }),
    }
}

/// An inbox status as the pages and the JSON API spell it.
pub(crate) fn status(name: &'static str, value: &str) -> Result<pb::InboxStatus, DashboardError> {
    match value {
        "open" => Ok(pb::InboxStatus::Open),
        "assigned" => Ok(pb::InboxStatus::Assigned),
        "done" => Ok(pb::InboxStatus::Done),
        _ => Err(DashboardError::BadParameter {
            name,
            reason: format!("{value:?} is not one of open, assigned, done"),
        }),
    }
}

pub(crate) fn status_name(status: pb::InboxStatus) -> &'static str {
    match status {
        pb::InboxStatus::Open => "open",
        pb::InboxStatus::Assigned => "assigned",
        pb::InboxStatus::Done => "done",
        pb::InboxStatus::Unspecified => "",
    }
}

pub(crate) fn bucket_name(bucket: pb::BucketWidth) -> &'static str {
    match bucket {
        pb::BucketWidth::Hour => "hour",
        pb::BucketWidth::Day => "day",
        pb::BucketWidth::Week => "week",
        pb::BucketWidth::Unspecified => "",
    }
}

const DAY: i64 = 86_400;

/// The time a page reports on: whole days, `end` exclusive, in seconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Window {
    pub start: i64,
    pub end: i64,
    pub bucket: pb::BucketWidth,
}

impl Window {
    /// The asked days, with what is not asked taken from the data's first and last day
    /// (`data`, `None` when the store is empty), and a bucket that gives a readable number
    /// of points unless one was asked for.
    pub(crate) fn resolve(filters: &Filters, data: Option<(i64, i64)>) -> Option<Window> {
        let day_start = |date: NaiveDate| date.and_time(chrono::NaiveTime::MIN).and_utc();
        let start = match (filters.from, data) {
            (Some(from), _) => day_start(from).timestamp(),
            (None, Some((first, _))) => first.div_euclid(DAY) * DAY,
            (None, None) => return None,
        };
        let end = match (filters.to, data) {
            (Some(to), _) => day_start(to).timestamp() + DAY,
            (None, Some((_, last))) => last.div_euclid(DAY) * DAY + DAY,
            (None, None) => return None,
        };
        let end = end.max(start + DAY);
        let days = (end - start) / DAY;
        let bucket = filters.bucket.unwrap_or(match days {
            ..=3 => pb::BucketWidth::Hour,
            4..=90 => pb::BucketWidth::Day,
            _ => pb::BucketWidth::Week,
        });
        Some(Window { start, end, bucket })
    }

    pub(crate) fn time_range(&self) -> pb::TimeRange {
        pb::TimeRange {
            start_time: Some(Timestamp {
                seconds: self.start,
                nanos: 0,
            }),
            end_time: Some(Timestamp {
                seconds: self.end,
                nanos: 0,
            }),
        }
    }

    /// "2015-02-16 – 2015-02-24", both days inclusive.
    pub(crate) fn describe(&self) -> String {
        format!("{} – {}", self.first_day(), self.last_day())
    }

    pub(crate) fn first_day(&self) -> String {
        iso_day(self.start)
    }

    pub(crate) fn last_day(&self) -> String {
        iso_day(self.end - DAY)
    }
}

fn iso_day(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_parameter() {
        let filters = Filters::parse(Some(
            "from=2015-02-17&to=2015-02-20&department=customer_service&topic=%23fail&bucket=hour&status=open&page=abc&other=1",
        ))
        .unwrap();
        assert_eq!(filters.from, NaiveDate::from_ymd_opt(2015, 2, 17));
        assert_eq!(filters.to, NaiveDate::from_ymd_opt(2015, 2, 20));
        assert_eq!(filters.department, "customer_service");
        assert_eq!(filters.topic, "#fail");
        assert_eq!(filters.bucket, Some(pb::BucketWidth::Hour));
        assert_eq!(filters.status, Some(pb::InboxStatus::Open));
        assert_eq!(filters.page_token, "abc");
        assert_eq!(
            filters.carried(),
            "?from=2015-02-17&to=2015-02-20&department=customer_service"
        );
        assert_eq!(Filters::parse(None).unwrap(), Filters::default());
        assert_eq!(
            Filters::parse(Some("from=&department=")).unwrap(),
            Filters::default()
        );
    }

    #[test]
    fn refuses_bad_values_naming_the_parameter() {
        for (query, name) in [
            ("from=yesterday", "from"),
            ("to=2015-13-01", "to"),
            ("bucket=minute", "bucket"),
            ("status=closed", "status"),
            ("from=2015-02-20&to=2015-02-17", "to"),
        ] {
            match Filters::parse(Some(query)) {
                Err(DashboardError::BadParameter { name: got, .. }) => assert_eq!(got, name),
                other => panic!("{query}: {other:?}"),
            }
        }
    }

    #[test]
    fn window_defaults_to_the_data_range() {
        // 2015-02-16 11:35 to 2015-02-24 11:53, the airline tweets.
        let data = Some((1_424_086_500, 1_424_778_780));
        let window = Window::resolve(&Filters::default(), data).unwrap();
        assert_eq!(window.describe(), "2015-02-16 – 2015-02-24");
        assert_eq!(window.bucket, pb::BucketWidth::Day);
        assert_eq!((window.end - window.start) / DAY, 9);

        let one_day = Filters::parse(Some("from=2015-02-20&to=2015-02-20")).unwrap();
        let window = Window::resolve(&one_day, data).unwrap();
        assert_eq!(window.describe(), "2015-02-20 – 2015-02-20");
        assert_eq!(window.bucket, pb::BucketWidth::Hour);

        assert_eq!(Window::resolve(&Filters::default(), None), None);
        let asked = Filters::parse(Some("from=2015-02-20&to=2015-03-01&bucket=week")).unwrap();
        assert_eq!(
            Window::resolve(&asked, None).unwrap().bucket,
            pb::BucketWidth::Week
        );
    }
}

//! CSV with a header row. Columns are matched to mention fields through an alias table, so
//! both Hearken's own column names and common exports (the airline-tweets data set) read.

use hearken_proto::v1::{Author, EngagementMetrics, Location, Mention};

use crate::{FormatError, RecordError, json::FieldError, time};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Source,
    ExternalId,
    Url,
    AuthorHandle,
    AuthorDisplayName,
    AuthorFollowers,
    AuthorFollowing,
    AuthorPosts,
    AuthorVerified,
    AuthorProfileLocation,
    AuthorTimeZone,
    Text,
    Language,
    CreateTime,
    PlaceName,
    CountryCode,
    Latitude,
    Longitude,
    /// `"[lat, lon]"` in one cell, as the airline-tweets export writes `tweet_coord`.
    Coordinates,
    Likes,
    Reposts,
    Replies,
    Quotes,
    Views,
    ReplyToExternalId,
    ReplyToHandle,
    QuotedExternalId,
    RepostedExternalId,
    MentionedHandles,
    Hashtags,
}

/// Header aliases, compared after lowercasing and turning spaces, dashes and dots into `_`.
/// The flag marks names only Twitter exports use, which imply `source = "twitter"`.
const ALIASES: &[(&str, Column, bool)] = &[
    ("source", Column::Source, false),
    ("platform", Column::Source, false),
    ("external_id", Column::ExternalId, false),
    ("id", Column::ExternalId, false),
    ("post_id", Column::ExternalId, false),
    ("status_id", Column::ExternalId, false),
    ("tweet_id", Column::ExternalId, true),
    ("url", Column::Url, false),
    ("link", Column::Url, false),
    ("permalink", Column::Url, false),
    ("author_handle", Column::AuthorHandle, false),
    ("handle", Column::AuthorHandle, false),
    ("author", Column::AuthorHandle, false),
    ("username", Column::AuthorHandle, false),
    ("screen_name", Column::AuthorHandle, true),
    ("user_screen_name", Column::AuthorHandle, true),
    // The airline-tweets export calls the author's screen name `name`.
    ("name", Column::AuthorHandle, false),
    ("author_display_name", Column::AuthorDisplayName, false),
    ("display_name", Column::AuthorDisplayName, false),
    ("user_name", Column::AuthorDisplayName, false),
    ("author_followers_count", Column::AuthorFollowers, false),
    ("followers_count", Column::AuthorFollowers, false),
    ("user_followers_count", Column::AuthorFollowers, false),
    ("author_following_count", Column::AuthorFollowing, false),
    ("following_count", Column::AuthorFollowing, false),
    ("friends_count", Column::AuthorFollowing, true),
    ("author_post_count", Column::AuthorPosts, false),
    ("post_count", Column::AuthorPosts, false),
    ("statuses_count", Column::AuthorPosts, false),
    ("author_verified", Column::AuthorVerified, false),
    ("verified", Column::AuthorVerified, false),
    (
        "author_profile_location",
        Column::AuthorProfileLocation,
        false,
    ),
    ("profile_location", Column::AuthorProfileLocation, false),
    ("user_location", Column::AuthorProfileLocation, false),
    // The airline-tweets export's `tweet_location` is the free text of the user's profile.
    ("tweet_location", Column::AuthorProfileLocation, true),
    ("author_time_zone", Column::AuthorTimeZone, false),
    ("time_zone", Column::AuthorTimeZone, false),
    ("timezone", Column::AuthorTimeZone, false),
    ("user_timezone", Column::AuthorTimeZone, true),
    ("text", Column::Text, false),
    ("full_text", Column::Text, true),
    ("body", Column::Text, false),
    ("content", Column::Text, false),
    ("message", Column::Text, false),
    ("language", Column::Language, false),
    ("lang", Column::Language, false),
    ("create_time", Column::CreateTime, false),
    ("created_at", Column::CreateTime, false),
    ("tweet_created", Column::CreateTime, true),
    ("created_utc", Column::CreateTime, false),
    ("date", Column::CreateTime, false),
    ("timestamp", Column::CreateTime, false),
    ("published", Column::CreateTime, false),
    ("location_place_name", Column::PlaceName, false),
    ("place_name", Column::PlaceName, false),
    ("place", Column::PlaceName, false),
    ("location_country_code", Column::CountryCode, false),
    ("country_code", Column::CountryCode, false),
    ("location_latitude", Column::Latitude, false),
    ("latitude", Column::Latitude, false),
    ("lat", Column::Latitude, false),
    ("location_longitude", Column::Longitude, false),
    ("longitude", Column::Longitude, false),
    ("lon", Column::Longitude, false),
    ("lng", Column::Longitude, false),
    ("tweet_coord", Column::Coordinates, true),
    ("coordinates", Column::Coordinates, false),
    ("metrics_like_count", Column::Likes, false),
    ("like_count", Column::Likes, false),
    ("likes", Column::Likes, false),
    ("favorite_count", Column::Likes, true),
    ("metrics_repost_count", Column::Reposts, false),
    ("repost_count", Column::Reposts, false),
    ("reposts", Column::Reposts, false),
    ("retweet_count", Column::Reposts, true),
    ("metrics_reply_count", Column::Replies, false),
    ("reply_count", Column::Replies, false),
    ("replies", Column::Replies, false),
    ("metrics_quote_count", Column::Quotes, false),
    ("quote_count", Column::Quotes, false),
    ("metrics_view_count", Column::Views, false),
    ("view_count", Column::Views, false),
    ("views", Column::Views, false),
    ("reply_to_external_id", Column::ReplyToExternalId, false),
    ("in_reply_to_status_id", Column::ReplyToExternalId, true),
    ("reply_to_handle", Column::ReplyToHandle, false),
    ("in_reply_to_screen_name", Column::ReplyToHandle, true),
    ("quoted_external_id", Column::QuotedExternalId, false),
    ("quoted_status_id", Column::QuotedExternalId, true),
    ("reposted_external_id", Column::RepostedExternalId, false),
    ("retweeted_status_id", Column::RepostedExternalId, true),
    ("mentioned_handles", Column::MentionedHandles, false),
    ("mentions", Column::MentionedHandles, false),
    ("hashtags", Column::Hashtags, false),
];

/// How one file's header maps to columns: `(column index, header as written, column)`.
struct Mapping {
    columns: Vec<(usize, String, Column)>,
    implied_source: Option<&'static str>,
}

impl Mapping {
    fn from_header(header: &csv::ByteRecord) -> Self {
        let mut columns: Vec<(usize, String, Column)> = Vec::new();
        let mut twitter = false;
        for (index, raw) in header.iter().enumerate() {
            let written = String::from_utf8_lossy(raw)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_owned();
            let normal: String = written
                .to_lowercase()
                .chars()
                .map(|c| if matches!(c, ' ' | '-' | '.') { '_' } else { c })
                .collect();
            let Some(&(_, column, twitter_only)) =
                ALIASES.iter().find(|(alias, ..)| *alias == normal)
            else {
                continue;
            };
            // The first column mapped to a field wins, so a canonical name beats a later alias.
            if columns.iter().any(|(.., taken)| *taken == column) {
                continue;
            }
            twitter |= twitter_only;
            columns.push((index, written, column));
        }
        let has_source = columns.iter().any(|(.., column)| *column == Column::Source);
        let implied_source = (twitter && !has_source).then_some("twitter");
        Self {
            columns,
            implied_source,
        }
    }
}

pub(crate) fn parse(bytes: &[u8]) -> Result<Vec<Result<Mention, RecordError>>, FormatError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header = reader
        .byte_headers()
        .map_err(|error| FormatError::CsvHeader(error.to_string()))?
        .clone();
    let mapping = Mapping::from_header(&header);
    if mapping.columns.is_empty() {
        return Err(FormatError::CsvHeader(
            "no column matches a mention field".to_owned(),
        ));
    }
    let mut records = Vec::new();
    let mut row = csv::ByteRecord::new();
    loop {
        let index = records.len();
        match reader.read_byte_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {
                let line = row.position().map(|position| position.line() as usize);
                records.push(read_row(&row, &mapping).map_err(|error| error.at(index, line)));
            }
            Err(error) => {
                let line = error.position().map(|position| position.line() as usize);
                records.push(Err(RecordError {
                    index,
                    line,
                    field: String::new(),
                    reason: error.to_string(),
                }));
                if !matches!(
                    error.kind(),
                    csv::ErrorKind::UnequalLengths { .. } | csv::ErrorKind::Utf8 { .. }
                ) {
                    break;
                }
            }
        }
    }
    Ok(records)
}

fn read_row(row: &csv::ByteRecord, mapping: &Mapping) -> Result<Mention, FieldError> {
    let mut mention = Mention {
        source: mapping.implied_source.unwrap_or_default().to_owned(),
        ..Mention::default()
    };
    let mut author = Author::default();
    let mut location = Location::default();
    let mut metrics = EngagementMetrics::default();
    for (index, header, column) in &mapping.columns {
        let raw = row.get(*index).unwrap_or_default();
        let cell =
            std::str::from_utf8(raw).map_err(|_| FieldError::new(header, "invalid UTF-8"))?;
        if cell.trim().is_empty() {
            continue;
        }
        let count = || parse_count(header, cell);
        let float = || {
            cell.trim()
                .parse::<f64>()
                .map_err(|_| FieldError::new(header, format!("expected a number, found {cell:?}")))
        };
        let owned = cell.to_owned();
        match column {
            Column::Source => mention.source = owned,
            Column::ExternalId => mention.external_id = owned.trim().to_owned(),
            Column::Url => mention.url = owned,
            Column::AuthorHandle => author.handle = owned.trim().trim_start_matches('@').to_owned(),
            Column::AuthorDisplayName => author.display_name = owned,
            Column::AuthorFollowers => author.followers_count = count()?,
            Column::AuthorFollowing => author.following_count = count()?,
            Column::AuthorPosts => author.post_count = count()?,
            Column::AuthorVerified => author.verified = parse_bool(header, cell)?,
            Column::AuthorProfileLocation => author.profile_location = owned,
            Column::AuthorTimeZone => author.time_zone = owned,
            Column::Text => mention.text = owned,
            Column::Language => mention.language = owned,
            Column::CreateTime => {
                let time = time::parse(cell).ok_or_else(|| {
                    FieldError::new(header, format!("unreadable timestamp {cell:?}"))
                })?;
                mention.create_time = Some(time);
            }
            Column::PlaceName => location.place_name = owned,
            Column::CountryCode => location.country_code = owned,
            Column::Latitude => location.latitude = Some(float()?),
            Column::Longitude => location.longitude = Some(float()?),
            Column::Coordinates => {
                if let Some((latitude, longitude)) = parse_coordinates(header, cell)? {
                    location.latitude = Some(latitude);
                    location.longitude = Some(longitude);
                }
            }
            Column::Likes => metrics.like_count = count()?,
            Column::Reposts => metrics.repost_count = count()?,
            Column::Replies => metrics.reply_count = count()?,
            Column::Quotes => metrics.quote_count = count()?,
            Column::Views => metrics.view_count = count()?,
            Column::ReplyToExternalId => mention.reply_to_external_id = owned,
            Column::ReplyToHandle => {
                mention.reply_to_handle = owned.trim_start_matches('@').to_owned()
            }
            Column::QuotedExternalId => mention.quoted_external_id = owned,
            Column::RepostedExternalId => mention.reposted_external_id = owned,
            Column::MentionedHandles => {
                mention.mentioned_handles = crate::json::handles(split_list(cell))
            }
            Column::Hashtags => mention.hashtags = crate::json::hashtags(split_list(cell)),
        }
    }
    if author != Author::default() {
        mention.author = Some(author);
    }
    if location != Location::default() {
        mention.location = Some(location);
    }
    if metrics != EngagementMetrics::default() {
        mention.metrics = Some(metrics);
    }
    Ok(mention)
}

fn parse_count(header: &str, cell: &str) -> Result<i64, FieldError> {
    let trimmed = cell.trim();
    trimmed
        .parse::<i64>()
        .ok()
        .or_else(|| {
            trimmed
                .parse::<f64>()
                .ok()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18)
                .map(|f| f as i64)
        })
        .ok_or_else(|| FieldError::new(header, format!("expected an integer, found {cell:?}")))
}

fn parse_bool(header: &str, cell: &str) -> Result<bool, FieldError> {
    match cell.trim().to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" => Ok(true),
        "false" | "f" | "no" | "n" | "0" => Ok(false),
        _ => Err(FieldError::new(
            header,
            format!("expected true or false, found {cell:?}"),
        )),
    }
}

/// `"[40.64, -73.78]"` as latitude then longitude. `[0.0, 0.0]` is the export's placeholder for
/// "no coordinates", not a point in the Gulf of Guinea.
fn parse_coordinates(header: &str, cell: &str) -> Result<Option<(f64, f64)>, FieldError> {
    let inner = cell.trim().trim_start_matches('[').trim_end_matches(']');
    let parts: Vec<Option<f64>> = inner
        .split(',')
        .map(|part| part.trim().parse::<f64>().ok())
        .collect();
    match parts.as_slice() {
        [Some(latitude), Some(longitude)] if latitude.is_finite() && longitude.is_finite() => {
            Ok((*latitude != 0.0 || *longitude != 0.0).then_some((*latitude, *longitude)))
        }
        _ => Err(FieldError::new(
            header,
            format!("expected \"[latitude, longitude]\", found {cell:?}"),
        )),
    }
}

fn split_list(cell: &str) -> Vec<String> {
    cell.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '|'))
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect()
}

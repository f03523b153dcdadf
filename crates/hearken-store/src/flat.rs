//! A validated mention flattened into the `mentions` table's columns, for both dialects.

use hearken_core::mention::NewMention;

use crate::model::{joined, micros};

/// The columns written for a new mention, in [`INSERT_COLUMNS`] order.
macro_rules! insert_columns {
    () => {
        "source, external_id, url, author_handle, author_display_name, author_followers, \
         author_following, author_posts, author_verified, author_location, author_time_zone, \
         text, language, created_at, ingested_at, place_name, latitude, longitude, like_count, \
         repost_count, reply_count, quote_count, view_count, reply_to_external_id, \
         reply_to_handle, quoted_external_id, reposted_external_id, mentioned_handles, hashtags"
    };
}
pub(crate) use insert_columns;

/// Every column of a stored mention, in [`crate::StoredMention`] field order.
macro_rules! select_columns {
    () => {
        concat!(
            "id, ",
            $crate::flat::insert_columns!(),
            ", status, attempts, last_error, ",
            $crate::enrich::enrichment_columns!()
        )
    };
}
pub(crate) use select_columns;

#[derive(Debug)]
pub(crate) struct FlatMention<'a> {
    pub(crate) source: &'a str,
    pub(crate) external_id: &'a str,
    pub(crate) url: Option<&'a str>,
    pub(crate) author_handle: &'a str,
    pub(crate) author_display_name: Option<&'a str>,
    pub(crate) author_followers: i64,
    pub(crate) author_following: i64,
    pub(crate) author_posts: i64,
    pub(crate) author_verified: bool,
    pub(crate) author_location: Option<&'a str>,
    pub(crate) author_time_zone: Option<&'a str>,
    pub(crate) text: &'a str,
    pub(crate) language: Option<&'a str>,
    pub(crate) created_at: i64,
    pub(crate) ingested_at: i64,
    pub(crate) place_name: Option<&'a str>,
    pub(crate) latitude: Option<f64>,
    pub(crate) longitude: Option<f64>,
    pub(crate) like_count: i64,
    pub(crate) repost_count: i64,
    pub(crate) reply_count: i64,
    pub(crate) quote_count: i64,
    pub(crate) view_count: i64,
    pub(crate) reply_to_external_id: Option<&'a str>,
    pub(crate) reply_to_handle: Option<&'a str>,
    pub(crate) quoted_external_id: Option<&'a str>,
    pub(crate) reposted_external_id: Option<&'a str>,
    pub(crate) mentioned_handles: String,
    pub(crate) hashtags: String,
}

/// Counts are validated to be far below `i64::MAX`, so the conversion never saturates in practice.
fn signed(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

impl<'a> FlatMention<'a> {
    pub(crate) fn new(m: &'a NewMention, ingested_at: i64) -> Self {
        Self {
            source: m.source.as_str(),
            external_id: m.external_id.as_str(),
            url: m.url.as_ref().map(|u| u.as_str()),
            author_handle: m.author.handle.as_str(),
            author_display_name: m.author.display_name.as_deref(),
            author_followers: signed(m.author.followers_count),
            author_following: signed(m.author.following_count),
            author_posts: signed(m.author.post_count),
            author_verified: m.author.verified,
            author_location: m.author.profile_location.as_deref(),
            author_time_zone: m.author.time_zone.as_deref(),
            text: &m.text,
            language: m.language.as_ref().map(|l| l.as_str()),
            created_at: micros(m.created_at),
            ingested_at,
            place_name: m.place.place_name.as_deref(),
            latitude: m.place.coordinates.map(|(lat, _)| lat),
            longitude: m.place.coordinates.map(|(_, lon)| lon),
            like_count: signed(m.metrics.like_count),
            repost_count: signed(m.metrics.repost_count),
            reply_count: signed(m.metrics.reply_count),
            quote_count: signed(m.metrics.quote_count),
            view_count: signed(m.metrics.view_count),
            reply_to_external_id: m.reply_to_external_id.as_ref().map(|e| e.as_str()),
            reply_to_handle: m.reply_to_handle.as_ref().map(|h| h.as_str()),
            quoted_external_id: m.quoted_external_id.as_ref().map(|e| e.as_str()),
            reposted_external_id: m.reposted_external_id.as_ref().map(|e| e.as_str()),
            mentioned_handles: joined(&m.mentioned_handles),
            hashtags: joined(&m.hashtags),
        }
    }
}

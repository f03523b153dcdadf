//! Twitter/X API v1.1 tweet objects and API v2 responses.

use std::collections::HashMap;

use hearken_proto::v1::{Author, EngagementMetrics, Location, Mention};
use serde_json::Value;

use crate::{
    Format, FormatError, RecordError,
    html::decode_entities,
    json::{Document, FieldError, Obj, handles, hashtags},
};

pub(crate) fn parse(document: Document) -> Result<Vec<Result<Mention, RecordError>>, FormatError> {
    let shape_error = |reason: &str| FormatError::Shape {
        format: Format::Twitter,
        reason: reason.to_owned(),
    };
    match &document.value {
        Value::Array(tweets) => Ok(document.records(tweets, tweet_v1)),
        Value::Object(map) => {
            if let Some(data) = map.get("data") {
                let includes = Includes::read(map.get("includes"));
                let tweets: Vec<&Value> = match data {
                    Value::Array(items) => items.iter().collect(),
                    single => vec![single],
                };
                return Ok(document.records(tweets, |tweet| tweet_v2(tweet, &includes)));
            }
            match map.get("statuses") {
                Some(Value::Array(tweets)) => Ok(document.records(tweets, tweet_v1)),
                Some(_) => Err(shape_error("\"statuses\" is not an array")),
                None if map.contains_key("id_str") || map.contains_key("user") => {
                    Ok(document.records([&document.value], tweet_v1))
                }
                None => Err(shape_error(
                    "expected an array of tweets, \"statuses\" or \"data\"",
                )),
            }
        }
        _ => Err(shape_error("expected an array or an object")),
    }
}

/// One API v1.1 tweet. Text is entity-decoded because v1.1 escapes `&`, `<` and `>`.
fn tweet_v1(value: &Value) -> Result<Mention, FieldError> {
    let tweet = Obj::new(value, "")?;
    let external_id = tweet.id("id_str")?.or(tweet.id("id")?).unwrap_or_default();
    let user = tweet.nested("user")?;
    let author = match &user {
        None => None,
        Some(nested) => {
            let user = nested.obj();
            Some(Author {
                handle: user.string("screen_name")?,
                display_name: user.string("name")?,
                followers_count: user.count0("followers_count")?,
                following_count: user.count0("friends_count")?,
                post_count: user.count0("statuses_count")?,
                verified: user.bool("verified")?,
                profile_location: user.string("location")?,
                time_zone: user.string("time_zone")?,
                observe_time: None,
            })
        }
    };
    let extended_text = match tweet.nested("extended_tweet")? {
        Some(extended) => extended.obj().str("full_text")?.map(str::to_owned),
        None => None,
    };
    let text = match extended_text {
        Some(text) => text,
        None => tweet
            .str("full_text")?
            .or(tweet.str("text")?)
            .unwrap_or_default()
            .to_owned(),
    };
    let url = match &author {
        Some(author) if !author.handle.is_empty() && !external_id.is_empty() => {
            format!("https://twitter.com/{}/status/{external_id}", author.handle)
        }
        _ => String::new(),
    };
    let (mentioned, tags) = match tweet.nested("entities")? {
        Some(entities) => {
            let entities = entities.obj();
            (
                entities.strings_in("user_mentions", "screen_name")?,
                entities.strings_in("hashtags", "text")?,
            )
        }
        None => (Vec::new(), Vec::new()),
    };
    let reposted_external_id = match tweet.nested("retweeted_status")? {
        Some(retweeted) => {
            let retweeted = retweeted.obj();
            retweeted
                .id("id_str")?
                .or(retweeted.id("id")?)
                .unwrap_or_default()
        }
        None => String::new(),
    };
    Ok(Mention {
        source: "twitter".to_owned(),
        external_id,
        url,
        author,
        text: decode_entities(&text),
        language: language(tweet.string("lang")?),
        create_time: tweet.time("created_at")?,
        location: location_v1(&tweet)?,
        metrics: Some(EngagementMetrics {
            like_count: tweet.count0("favorite_count")?,
            repost_count: tweet.count0("retweet_count")?,
            reply_count: tweet.count0("reply_count")?,
            quote_count: tweet.count0("quote_count")?,
            view_count: 0,
        }),
        reply_to_external_id: tweet
            .id("in_reply_to_status_id_str")?
            .or(tweet.id("in_reply_to_status_id")?)
            .unwrap_or_default(),
        reply_to_handle: tweet.string("in_reply_to_screen_name")?,
        quoted_external_id: tweet
            .id("quoted_status_id_str")?
            .or(tweet.id("quoted_status_id")?)
            .unwrap_or_default(),
        reposted_external_id,
        mentioned_handles: handles(mentioned),
        hashtags: hashtags(tags),
        ..Mention::default()
    })
}

/// "und" is Twitter's "undetermined"; the mention leaves unknown languages empty.
fn language(lang: String) -> String {
    if lang == "und" { String::new() } else { lang }
}

/// GeoJSON `coordinates` are `[longitude, latitude]`; the legacy `geo` is `[latitude, longitude]`.
fn location_v1(tweet: &Obj<'_>) -> Result<Option<Location>, FieldError> {
    let mut location = Location::default();
    if let Some(point) = geo_point(tweet, "coordinates")? {
        (location.longitude, location.latitude) = (Some(point[0]), Some(point[1]));
    } else if let Some(point) = geo_point(tweet, "geo")? {
        (location.latitude, location.longitude) = (Some(point[0]), Some(point[1]));
    }
    if let Some(place) = tweet.nested("place")? {
        let place = place.obj();
        location.place_name = place.string("full_name")?;
        location.country_code = place.string("country_code")?;
    }
    Ok((location != Location::default()).then_some(location))
}

/// The two numbers of a GeoJSON-like `{"coordinates": [a, b]}` under `key`.
fn geo_point(parent: &Obj<'_>, key: &str) -> Result<Option<[f64; 2]>, FieldError> {
    let Some(nested) = parent.nested(key)? else {
        return Ok(None);
    };
    let point = nested.obj();
    match point.array("coordinates")? {
        [] => Ok(None),
        [Value::Number(a), Value::Number(b)] => match (a.as_f64(), b.as_f64()) {
            (Some(a), Some(b)) => Ok(Some([a, b])),
            _ => Err(FieldError::new(
                &point.field("coordinates"),
                "expected two numbers",
            )),
        },
        _ => Err(FieldError::new(
            &point.field("coordinates"),
            "expected two numbers",
        )),
    }
}

/// The `includes` of an API v2 response, indexed by id.
#[derive(Debug, Default)]
struct Includes<'a> {
    users: HashMap<&'a str, &'a Value>,
    places: HashMap<&'a str, &'a Value>,
}

impl<'a> Includes<'a> {
    fn read(includes: Option<&'a Value>) -> Self {
        let index = |key: &str| -> HashMap<&'a str, &'a Value> {
            includes
                .and_then(|includes| includes.get(key))
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|item| Some((item.get("id")?.as_str()?, item)))
                        .collect()
                })
                .unwrap_or_default()
        };
        Self {
            users: index("users"),
            places: index("places"),
        }
    }
}

fn tweet_v2(value: &Value, includes: &Includes<'_>) -> Result<Mention, FieldError> {
    let tweet = Obj::new(value, "")?;
    let external_id = tweet.id("id")?.unwrap_or_default();
    let author_id = tweet.id("author_id")?.unwrap_or_default();
    let author = match includes.users.get(author_id.as_str()) {
        Some(user) => Some(user_v2(user)?),
        None if !author_id.is_empty() => Some(Author {
            handle: author_id.clone(),
            ..Author::default()
        }),
        None => None,
    };
    let mut mention = Mention {
        source: "twitter".to_owned(),
        url: match &author {
            Some(author) if !external_id.is_empty() => {
                format!("https://twitter.com/{}/status/{external_id}", author.handle)
            }
            _ => String::new(),
        },
        external_id,
        author,
        language: language(tweet.string("lang")?),
        create_time: tweet.time("created_at")?,
        ..Mention::default()
    };
    // Posts longer than 280 characters keep their full text in `note_tweet`.
    let note = match tweet.nested("note_tweet")? {
        Some(note) => note.obj().str("text")?.map(str::to_owned),
        None => None,
    };
    // Like v1.1, v2 escapes `&`, `<` and `>` in text.
    mention.text = decode_entities(&match note {
        Some(text) => text,
        None => tweet.string("text")?,
    });
    if let Some(metrics) = tweet.nested("public_metrics")? {
        let metrics = metrics.obj();
        mention.metrics = Some(EngagementMetrics {
            like_count: metrics.count0("like_count")?,
            repost_count: metrics.count0("retweet_count")?,
            reply_count: metrics.count0("reply_count")?,
            quote_count: metrics.count0("quote_count")?,
            view_count: metrics.count0("impression_count")?,
        });
    }
    for (index, reference) in tweet.array("referenced_tweets")?.iter().enumerate() {
        let path = format!("referenced_tweets[{index}]");
        let reference = Obj::new(reference, &path)?;
        let id = reference.id("id")?.unwrap_or_default();
        match reference.str("type")? {
            Some("replied_to") => mention.reply_to_external_id = id,
            Some("quoted") => mention.quoted_external_id = id,
            Some("retweeted") => mention.reposted_external_id = id,
            _ => {}
        }
    }
    if let Some(reply_user) = tweet.id("in_reply_to_user_id")? {
        mention.reply_to_handle = match includes.users.get(reply_user.as_str()) {
            Some(user) => Obj::new(user, "includes.users")?.string("username")?,
            None => String::new(),
        };
    }
    if let Some(entities) = tweet.nested("entities")? {
        let entities = entities.obj();
        mention.mentioned_handles = handles(entities.strings_in("mentions", "username")?);
        mention.hashtags = hashtags(entities.strings_in("hashtags", "tag")?);
    }
    mention.location = location_v2(&tweet, includes)?;
    Ok(mention)
}

fn user_v2(value: &Value) -> Result<Author, FieldError> {
    let user = Obj::new(value, "includes.users")?;
    let mut author = Author {
        handle: user.string("username")?,
        display_name: user.string("name")?,
        verified: user.bool("verified")?,
        profile_location: user.string("location")?,
        ..Author::default()
    };
    if let Some(metrics) = user.nested("public_metrics")? {
        let metrics = metrics.obj();
        author.followers_count = metrics.count0("followers_count")?;
        author.following_count = metrics.count0("following_count")?;
        author.post_count = metrics.count0("tweet_count")?;
    }
    Ok(author)
}

fn location_v2(tweet: &Obj<'_>, includes: &Includes<'_>) -> Result<Option<Location>, FieldError> {
    let Some(geo) = tweet.nested("geo")? else {
        return Ok(None);
    };
    let geo = geo.obj();
    let mut location = Location::default();
    if let Some(point) = geo_point(&geo, "coordinates")? {
        (location.longitude, location.latitude) = (Some(point[0]), Some(point[1]));
    }
    if let Some(place_id) = geo.id("place_id")?
        && let Some(place) = includes.places.get(place_id.as_str())
    {
        let place = Obj::new(place, "includes.places")?;
        location.place_name = place.string("full_name")?;
        location.country_code = place.string("country_code")?;
    }
    Ok((location != Location::default()).then_some(location))
}

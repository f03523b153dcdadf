use hearken_formats::Format;
use hearken_proto::v1 as pb;
use hearken_proto::v1::ingest_service_client::IngestServiceClient;
use tonic::Code;
use tonic_types::StatusExt;

use crate::helpers::{TempDir, TestApp, config, mention, postgres_url, shared_data, within};

/// Streams the real airline tweets, then streams them again.
async fn streams_real_tweets_once(database_url: &str) {
    let mut app = TestApp::spawn(config(database_url)).await;
    let path = shared_data("twitter-us-airline-sentiment/Tweets.csv");
    let bytes = std::fs::read(&path).unwrap();

    let mut client = IngestServiceClient::new(
        within(hearken::client::connect(&app.url(), None, None))
            .await
            .unwrap(),
    );
    let first = within(hearken::import::import(
        &mut client,
        &bytes,
        Format::Auto,
        Some(&path),
        false,
    ))
    .await
    .unwrap();
    assert_eq!(first.format, Format::Csv);
    assert_eq!(first.records, 12_584);
    // The real sample repeats 120 tweet ids, and the Kaggle preparation's "late" replacement
    // put spaces into 5 screen names ("Late Flightncy"): those rows are refused, by field.
    assert_eq!(
        (first.accepted, first.duplicates, first.rejected.len()),
        (12_459, 120, 5),
        "{}",
        first.render()
    );
    for rejection in &first.rejected {
        assert_eq!(rejection.field, "author.handle", "{}", first.render());
        assert!(
            rejection.reason.contains("white space"),
            "{}",
            first.render()
        );
    }

    let stored = app
        .all_mentions(pb::ListMentionsRequest {
            page_size: 1000,
            ..Default::default()
        })
        .await;
    assert_eq!(stored.len(), 12_459);
    let cairdin = stored
        .iter()
        .find(|m| m.external_id == "570306133677760513")
        .unwrap();
    assert_eq!(cairdin.text, "@VirginAmerica What @dhepburn said.");
    assert_eq!(cairdin.author.as_ref().unwrap().handle, "cairdin");
    assert_eq!(
        cairdin.create_time.unwrap().seconds,
        1_424_806_552,
        "2015-02-24 11:35:52 -0800"
    );
    assert_eq!(cairdin.status, pb::MentionStatus::Pending as i32);

    let again = within(hearken::import::import(
        &mut client,
        &bytes,
        Format::Csv,
        None,
        false,
    ))
    .await
    .unwrap();
    assert_eq!(
        (again.accepted, again.duplicates, again.rejected.len()),
        (0, 12_579, 5)
    );
    let stored = app
        .all_mentions(pb::ListMentionsRequest {
            page_size: 1000,
            ..Default::default()
        })
        .await;
    assert_eq!(stored.len(), 12_459, "re-sending stores nothing new");
    app.stop().await;
}

#[tokio::test]
async fn streams_real_tweets_once_on_sqlite() {
    let dir = TempDir::new();
    streams_real_tweets_once(&dir.sqlite_url()).await;
}

#[tokio::test]
async fn streams_real_tweets_once_on_postgres() {
    if let Some(url) = postgres_url().await {
        streams_real_tweets_once(&url).await;
    }
}

#[tokio::test]
async fn bad_records_are_reported_and_good_ones_kept() {
    let dir = TempDir::new();
    let mut app = TestApp::spawn(config(&dir.sqlite_url())).await;
    let far_future = chrono::Utc::now() + chrono::TimeDelta::days(30);
    let mut no_author = mention("bad-1", "who said this?");
    no_author.author = None;
    let mut future = mention("bad-2", "from the future");
    future.create_time = Some(hearken_proto::prost_types::Timestamp {
        seconds: far_future.timestamp(),
        nanos: 0,
    });
    let mut bad_url = mention("bad-3", "link");
    bad_url.url = "ftp://example.com/x".into();
    let mut negative = mention("bad-4", "counts");
    negative.metrics = Some(pb::EngagementMetrics {
        like_count: -3,
        ..Default::default()
    });
    let mut language = mention("bad-5", "hola");
    language.language = "spanish".into();
    let too_long = mention("bad-6", &"a".repeat(10_001));
    let mut composed = mention("good-2", "  cafe\u{301}   is\t open  ");
    composed.language = "EN".into();
    let batch = vec![
        mention("good-1", "@united lost my bag again"),
        no_author,
        future,
        bad_url,
        composed,
        negative,
        language,
        too_long,
        mention("good-1", "the same id again in one batch"),
    ];
    let summary = within(
        app.ingest
            .ingest_batch(pb::IngestBatchRequest { mentions: batch }),
    )
    .await
    .unwrap()
    .into_inner()
    .summary
    .unwrap();
    assert_eq!(
        (
            summary.accepted_count,
            summary.duplicate_count,
            summary.rejected_count
        ),
        (2, 1, 6)
    );
    let errors: Vec<(i64, &str, &str)> = summary
        .errors
        .iter()
        .map(|e| (e.index, e.field.as_str(), e.external_id.as_str()))
        .collect();
    assert_eq!(
        errors,
        [
            (1, "author", "bad-1"),
            (2, "create_time", "bad-2"),
            (3, "url", "bad-3"),
            (5, "metrics.like_count", "bad-4"),
            (6, "language", "bad-5"),
            (7, "text", "bad-6"),
        ]
    );
    assert_eq!(summary.errors[0].reason, "is required");
    assert!(
        summary.errors[1].reason.contains("in the future"),
        "{}",
        summary.errors[1].reason
    );
    assert_eq!(
        summary.errors[5].reason,
        "is 10001 characters long; at most 10000 are allowed"
    );

    let stored = app.all_mentions(pb::ListMentionsRequest::default()).await;
    let mut ids: Vec<&str> = stored.iter().map(|m| m.external_id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["good-1", "good-2"]);
    let normalised = stored.iter().find(|m| m.external_id == "good-2").unwrap();
    assert_eq!(normalised.text, "café is open", "NFC and tidy white space");
    assert_eq!(normalised.language, "en");
    assert_eq!(
        normalised.author.as_ref().unwrap().handle,
        "jnardino",
        "leading @ dropped"
    );
    app.stop().await;
}

#[tokio::test]
async fn stream_indexes_count_across_messages() {
    let dir = TempDir::new();
    let mut app = TestApp::spawn(config(&dir.sqlite_url())).await;
    let mut bad = mention("s-3", "no source");
    bad.source = String::new();
    let messages = vec![
        pb::IngestRequest {
            mentions: vec![mention("s-0", "one"), mention("s-1", "two")],
        },
        pb::IngestRequest { mentions: vec![] },
        pb::IngestRequest {
            mentions: vec![mention("s-2", "three"), bad],
        },
    ];
    let summary = within(app.ingest.ingest(tokio_stream::iter(messages)))
        .await
        .unwrap()
        .into_inner()
        .summary
        .unwrap();
    assert_eq!((summary.accepted_count, summary.rejected_count), (3, 1));
    assert_eq!(
        (summary.errors[0].index, summary.errors[0].field.as_str()),
        (3, "source")
    );
    app.stop().await;
}

#[tokio::test]
async fn limits_refuse_oversized_calls() {
    let dir = TempDir::new();
    let mut app = TestApp::spawn(config(&dir.sqlite_url())).await;
    let batch: Vec<pb::Mention> = (0..2_001)
        .map(|i| mention(&format!("b-{i}"), "hello"))
        .collect();
    let status = within(
        app.ingest
            .ingest_batch(pb::IngestBatchRequest { mentions: batch }),
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let details = status.get_error_details();
    let violation = &details.bad_request().unwrap().field_violations[0];
    assert_eq!(violation.field, "mentions");
    assert!(
        violation.description.contains("at most 2000"),
        "{}",
        violation.description
    );

    // Over the 4 MiB message limit of the test server.
    let huge: Vec<pb::Mention> = (0..600)
        .map(|i| mention(&format!("h-{i}"), &"é".repeat(5_000)))
        .collect();
    let status = within(
        app.ingest
            .ingest_batch(pb::IngestBatchRequest { mentions: huge }),
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::OutOfRange, "{status:?}");
    assert!(
        app.all_mentions(pb::ListMentionsRequest::default())
            .await
            .is_empty()
    );
    app.stop().await;
}

#[tokio::test]
async fn restart_on_the_same_file_loses_nothing() {
    let dir = TempDir::new();
    let mut app = TestApp::spawn(config(&dir.sqlite_url())).await;
    let batch: Vec<pb::Mention> = (0..250)
        .map(|i| mention(&format!("r-{i}"), "we're still here"))
        .collect();
    let first = within(app.ingest.ingest_batch(pb::IngestBatchRequest {
        mentions: batch.clone(),
    }))
    .await
    .unwrap()
    .into_inner();
    assert_eq!(first.summary.unwrap().accepted_count, 250);
    let before = app.all_mentions(pb::ListMentionsRequest::default()).await;
    app.stop().await;

    let mut app = TestApp::spawn(config(&dir.sqlite_url())).await;
    let after = app.all_mentions(pb::ListMentionsRequest::default()).await;
    assert_eq!(after, before);
    let again = within(
        app.ingest
            .ingest_batch(pb::IngestBatchRequest { mentions: batch }),
    )
    .await
    .unwrap()
    .into_inner();
    assert_eq!(again.summary.unwrap().duplicate_count, 250);
    app.stop().await;
}

#[tokio::test]
async fn lists_pages_and_filters() {
    let dir = TempDir::new();
    let mut app = TestApp::spawn(config(&dir.sqlite_url())).await;
    let batch: Vec<pb::Mention> = (0..30)
        .map(|i| {
            let mut m = mention(&format!("p-{i:02}"), "page me");
            m.create_time.as_mut().unwrap().seconds -= i64::from(i) * 60;
            if i % 3 == 0 {
                m.source = "reddit".into();
            }
            m
        })
        .collect();
    within(
        app.ingest
            .ingest_batch(pb::IngestBatchRequest { mentions: batch }),
    )
    .await
    .unwrap();

    let reddit = app
        .all_mentions(pb::ListMentionsRequest {
            source: "Reddit".into(),
            page_size: 4,
            ..Default::default()
        })
        .await;
    let ids: Vec<&str> = reddit.iter().map(|m| m.external_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "p-00", "p-03", "p-06", "p-09", "p-12", "p-15", "p-18", "p-21", "p-24", "p-27"
        ]
    );

    let got = within(
        app.ingest
            .get_mention(pb::GetMentionRequest { id: reddit[0].id }),
    )
    .await
    .unwrap()
    .into_inner();
    assert_eq!(got.mention.unwrap(), reddit[0]);
    let missing = within(
        app.ingest
            .get_mention(pb::GetMentionRequest { id: 999_999 }),
    )
    .await
    .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);

    let bad_token = pb::ListMentionsRequest {
        page_token: "not-a-token".into(),
        ..Default::default()
    };
    let status = within(app.ingest.list_mentions(bad_token))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let bad_status = pb::ListMentionsRequest {
        status: 42,
        ..Default::default()
    };
    assert_eq!(
        within(app.ingest.list_mentions(bad_status))
            .await
            .unwrap_err()
            .code(),
        Code::InvalidArgument
    );
    app.stop().await;
}

/// A client that goes away mid-stream keeps the chunks the server committed; nothing of the
/// unfinished stream is half-written, and the server goes on serving.
#[tokio::test]
async fn a_client_that_disconnects_keeps_what_it_sent() {
    let dir = TempDir::new();
    let mut app = TestApp::spawn(config(&dir.sqlite_url())).await;
    let (chunks, receiver) = tokio::sync::mpsc::channel(4);
    let mut client = app.ingest.clone();
    let call = tokio::spawn(async move {
        client
            .ingest(tokio_stream::wrappers::ReceiverStream::new(receiver))
            .await
    });
    for chunk in 0..3 {
        let mentions = (0..100)
            .map(|i| mention(&format!("d-{chunk}-{i}"), "still streaming"))
            .collect();
        chunks.send(pb::IngestRequest { mentions }).await.unwrap();
    }
    // Each chunk is committed as it arrives: wait for all three, then vanish mid-stream.
    within(async {
        while app
            .all_mentions(pb::ListMentionsRequest::default())
            .await
            .len()
            < 300
        {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await;
    call.abort();
    drop(chunks);
    assert!(call.await.unwrap_err().is_cancelled());

    let stored = app.all_mentions(pb::ListMentionsRequest::default()).await;
    assert_eq!(stored.len(), 300);
    let again = within(app.ingest.ingest_batch(pb::IngestBatchRequest {
        mentions: vec![mention("d-0-0", "again"), mention("d-after", "new")],
    }))
    .await
    .unwrap()
    .into_inner()
    .summary
    .unwrap();
    assert_eq!((again.accepted_count, again.duplicate_count), (1, 1));
    app.stop().await;
}

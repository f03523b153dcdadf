//! Who may call what: every RPC against every scope over real gRPC, department-limited
//! inboxes (and the dashboard's inbox index) and exports, the per-token ingest rate, and the
//! refusal to serve other machines without tokens.

use hearken::auth::{RPC_SCOPES, Scope, entry, mint};
use hearken::config::ServeConfig;
use hearken_dashboard::Bearer;
use hearken_proto::v1 as pb;
use hearken_proto::v1::ingest_service_client::IngestServiceClient;
use hearken_proto::v1::report_service_client::ReportServiceClient;
use hearken_store::Store;
use tonic::Code;
use tonic::codegen::http::uri::PathAndQuery;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;
use tonic_types::StatusExt;

use crate::dashboard::exchange;
use crate::helpers::{
    TempDir, TestApp, airline_tweets, config, drained, enriching, mention, within,
};

/// The secrets of one server's tokens, by what they may do.
struct Secrets {
    ingest: String,
    read: String,
    admin: String,
    /// Read, limited to the customer service department.
    support: String,
    /// Ingest and read: what the enrich worker needs of classify and influence.
    peer: String,
}

impl Secrets {
    fn new() -> Self {
        Self {
            ingest: mint().unwrap(),
            read: mint().unwrap(),
            admin: mint().unwrap(),
            support: mint().unwrap(),
            peer: mint().unwrap(),
        }
    }

    /// The tokens file a server accepting them reads.
    fn file(&self) -> String {
        [
            entry("ingester", &self.ingest, &[Scope::Ingest], &[]),
            entry("reader", &self.read, &[Scope::Read], &[]),
            entry("admin", &self.admin, &[Scope::Admin], &[]),
            entry(
                "support",
                &self.support,
                &[Scope::Read],
                &["customer_service".to_owned()],
            ),
            entry("enrich", &self.peer, &[Scope::Ingest, Scope::Read], &[]),
        ]
        .join("\n")
    }

    fn of(&self, scope: Scope) -> &str {
        match scope {
            Scope::Ingest => &self.ingest,
            Scope::Read => &self.read,
            Scope::Admin => &self.admin,
        }
    }

    fn protect(&self, config: &mut ServeConfig) {
        config.access.tokens = Some(self.file());
        config.access.peer_token = Some(self.peer.clone());
    }
}

/// A channel that sends `token` as the bearer of every call.
async fn channel(app: &TestApp, token: &str) -> InterceptedService<Channel, Bearer> {
    let channel = within(Channel::from_shared(app.url()).unwrap().connect())
        .await
        .unwrap();
    InterceptedService::new(channel, Bearer::new(Some(token)))
}

/// The code of one call to `path` with an empty message (every request message parses from
/// no bytes), and `authorization` as sent.
async fn call(channel: &Channel, path: &'static str, authorization: Option<&str>) -> Code {
    let mut grpc = tonic::client::Grpc::new(channel.clone());
    within(grpc.ready()).await.unwrap();
    let mut request = tonic::Request::new(());
    if let Some(value) = authorization {
        request
            .metadata_mut()
            .insert("authorization", value.parse().unwrap());
    }
    let codec = tonic_prost::ProstCodec::<(), ()>::default();
    let answer = within(grpc.unary(request, PathAndQuery::from_static(path), codec)).await;
    match answer {
        Ok(_) => Code::Ok,
        Err(status) => status.code(),
    }
}

#[tokio::test]
async fn every_rpc_needs_its_scope() {
    let dir = TempDir::new();
    let secrets = Secrets::new();
    let mut config = config(&dir.sqlite_url());
    secrets.protect(&mut config);
    let app = TestApp::spawn(config).await;
    let channel = within(Channel::from_shared(app.url()).unwrap().connect())
        .await
        .unwrap();
    let auth_errors = [Code::Unauthenticated, Code::PermissionDenied];
    for (path, needed) in RPC_SCOPES {
        let refused = [
            (None, "no token"),
            (Some("Bearer hk_0123".to_owned()), "an unknown token"),
            (Some(secrets.read.clone()), "a token without `Bearer`"),
        ];
        for (authorization, what) in refused {
            let code = call(&channel, path, authorization.as_deref()).await;
            assert_eq!(code, Code::Unauthenticated, "{path} with {what}");
        }
        for scope in Scope::ALL {
            let bearer = format!("Bearer {}", secrets.of(scope));
            let code = call(&channel, path, Some(&bearer)).await;
            match scope == needed {
                true => assert!(
                    !auth_errors.contains(&code),
                    "{path} refused its own scope {scope}: {code:?}"
                ),
                false => assert_eq!(
                    code,
                    Code::PermissionDenied,
                    "{path} needs {needed}, not {scope}"
                ),
            }
        }
    }
    // Health and reflection stay open.
    for path in [
        "/grpc.health.v1.Health/Check",
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    ] {
        assert!(
            !auth_errors.contains(&call(&channel, path, None).await),
            "{path}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn a_department_token_sees_only_its_inbox_and_export() {
    let dir = TempDir::new();
    let secrets = Secrets::new();
    let mut config = enriching(&dir.sqlite_url());
    secrets.protect(&mut config);
    let app = TestApp::spawn(config).await;
    // The enrich worker reaches classify and influence with its peer token.
    let mut ingest = IngestServiceClient::new(channel(&app, &secrets.ingest).await);
    let tweets = airline_tweets(300);
    let summary = within(ingest.ingest_batch(pb::IngestBatchRequest { mentions: tweets }))
        .await
        .unwrap()
        .into_inner()
        .summary
        .unwrap();
    assert_eq!(summary.accepted_count, 300);
    let store = Store::connect(&dir.sqlite_url()).await.unwrap();
    let stats = drained(&store).await;
    assert_eq!(stats.dead_lettered, 0, "enrichment failed: {stats:?}");

    let mut support = ReportServiceClient::new(channel(&app, &secrets.support).await);
    let mut reader = ReportServiceClient::new(channel(&app, &secrets.read).await);
    let inbox = |department: &str| pb::InboxRequest {
        department: department.into(),
        page_size: 500,
        ..Default::default()
    };
    let own = within(support.inbox(inbox("customer_service")))
        .await
        .unwrap()
        .into_inner()
        .items;
    assert!(!own.is_empty());
    for department in ["", "pr"] {
        let refused = within(support.inbox(inbox(department))).await.unwrap_err();
        assert_eq!(refused.code(), Code::PermissionDenied, "{department:?}");
        assert!(
            refused.message().contains("customer_service"),
            "{refused:?}"
        );
    }

    // The inbox index, in the API and on the dashboard, lists only the token's departments.
    let own_inboxes = within(support.list_inboxes(pb::ListInboxesRequest {}))
        .await
        .unwrap()
        .into_inner()
        .departments;
    assert_eq!(own_inboxes, ["customer_service"]);
    let every_inbox = within(reader.list_inboxes(pb::ListInboxesRequest {}))
        .await
        .unwrap()
        .into_inner()
        .departments;
    assert!(
        every_inbox.len() > 1 && every_inbox.contains(&own_inboxes[0]),
        "{every_inbox:?}"
    );
    for (secret, inboxes) in [
        (&secrets.support, &own_inboxes),
        (&secrets.read, &every_inbox),
    ] {
        let bearer = format!("Authorization: Bearer {secret}\r\n");
        let page = within(exchange(app.http_addr, "GET", "/inbox", &bearer, "")).await;
        let linked: Vec<&str> = page
            .split(r#"href="/inbox/"#)
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        assert_eq!(&linked, inboxes, "{page}");
    }

    // An item that does not concern customer service cannot be changed with the token.
    let everything = within(reader.inbox(inbox("")))
        .await
        .unwrap()
        .into_inner()
        .items;
    let concerns = |item: &pb::InboxItem| {
        item.owner_department == "customer_service"
            || item
                .other_departments
                .iter()
                .any(|d| d == "customer_service")
    };
    let foreign = everything.iter().find(|item| !concerns(item)).unwrap();
    let update = |item: &pb::InboxItem| pb::UpdateInboxItemRequest {
        mention_id: item.mention.as_ref().unwrap().id,
        actor: "support".into(),
        note: "seen".into(),
        ..Default::default()
    };
    let refused = within(support.update_inbox_item(update(foreign)))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    within(support.update_inbox_item(update(&own[0])))
        .await
        .unwrap();

    // The export holds only mentions that concern customer service.
    let mut stream = within(support.export(pb::ExportRequest {
        filter: None,
        format: pb::ExportFormat::JsonLines.into(),
    }))
    .await
    .unwrap()
    .into_inner();
    let mut bytes = Vec::new();
    while let Some(piece) = within(stream.message()).await.unwrap() {
        bytes.extend(piece.data);
    }
    let lines: Vec<serde_json::Value> = String::from_utf8(bytes)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let concerned = everything.iter().filter(|item| concerns(item)).count();
    assert_eq!(lines.len(), concerned);
    for line in &lines {
        assert!(
            line["departments"].to_string().contains("customer_service"),
            "{line}"
        );
    }

    // Listing mentions would show every department's, and so would fetching one by id.
    let mut mentions = IngestServiceClient::new(channel(&app, &secrets.support).await);
    let listing = within(mentions.list_mentions(pb::ListMentionsRequest::default()))
        .await
        .unwrap_err();
    let foreign_id = foreign.mention.as_ref().unwrap().id;
    let fetching = within(mentions.get_mention(pb::GetMentionRequest { id: foreign_id }))
        .await
        .unwrap_err();
    for refused in [listing, fetching] {
        assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
    }
    let mut reader_mentions = IngestServiceClient::new(channel(&app, &secrets.read).await);
    within(reader_mentions.get_mention(pb::GetMentionRequest { id: foreign_id }))
        .await
        .unwrap();
    app.stop().await;
}

#[tokio::test]
async fn ingest_beyond_the_rate_is_told_when_to_retry() {
    let dir = TempDir::new();
    let secrets = Secrets::new();
    let mut config = config(&dir.sqlite_url());
    secrets.protect(&mut config);
    config.limits.ingest_rate = 1.0;
    config.limits.ingest_burst = 5;
    let app = TestApp::spawn(config).await;
    let batch = |from: usize| pb::IngestBatchRequest {
        mentions: (from..from + 5)
            .map(|i| mention(&format!("rate-{i}"), "a mention"))
            .collect(),
    };
    let mut ingester = IngestServiceClient::new(channel(&app, &secrets.ingest).await);
    within(ingester.ingest_batch(batch(0))).await.unwrap();
    let refused = within(ingester.ingest_batch(batch(5))).await.unwrap_err();
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
    let retry = refused.get_details_retry_info().expect("a RetryInfo");
    let delay = retry.retry_delay.expect("a retry delay");
    assert!(!delay.is_zero() && delay.as_secs() <= 5, "{delay:?}");
    // Another token has its own allowance.
    let mut peer = IngestServiceClient::new(channel(&app, &secrets.peer).await);
    within(peer.ingest_batch(batch(10))).await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn other_machines_are_not_served_without_tokens() {
    let dir = TempDir::new();
    let mut config = config(&dir.sqlite_url());
    config.grpc.addr = ([0, 0, 0, 0], 0).into();
    let error = within(hearken::App::bind(config)).await.unwrap_err();
    let message = format!("{error:#}");
    assert!(
        message.contains("0.0.0.0") && message.contains("--tokens-file"),
        "{message}"
    );
}

/// `hearken import` and `hearken status` present `--token` (`HEARKEN_TOKEN`); without it a
/// protected server refuses the import and status says why instead of the queue.
#[tokio::test]
async fn client_commands_present_their_token() {
    let dir = TempDir::new();
    let secrets = Secrets::new();
    let mut config = config(&dir.sqlite_url());
    secrets.protect(&mut config);
    let app = TestApp::spawn(config).await;
    let file = br#"{"source":"twitter","external_id":"t-1","text":"hello","author":{"handle":"a"},"create_time":"2024-06-10T14:03:22Z"}"#;
    let import = |token: Option<String>| {
        let url = app.url();
        async move {
            let connection = hearken::client::connect(&url, None, token.as_deref()).await?;
            let mut client = IngestServiceClient::new(connection);
            hearken::import::import(
                &mut client,
                file,
                hearken_formats::Format::Jsonl,
                None,
                false,
            )
            .await
        }
    };
    let refused = within(import(None)).await.unwrap_err();
    assert_eq!(
        refused
            .downcast_ref::<tonic::Status>()
            .map(tonic::Status::code),
        Some(Code::Unauthenticated),
        "{refused:#}"
    );
    let report = within(import(Some(secrets.ingest.clone()))).await.unwrap();
    assert_eq!(report.accepted, 1);

    let timeout = std::time::Duration::from_secs(5);
    let url = [app.url()];
    let without = within(hearken::status::collect(&url, None, None, timeout)).await;
    let ingest = without.iter().find(|l| l.role == "ingest").unwrap();
    assert!(!ingest.detail.starts_with("queue"), "{ingest:?}");
    let with = within(hearken::status::collect(
        &url,
        None,
        Some(&secrets.read),
        timeout,
    ))
    .await;
    let ingest = with.iter().find(|l| l.role == "ingest").unwrap();
    assert!(ingest.detail.starts_with("queue 1 pending"), "{ingest:?}");
    app.stop().await;
}

//! Request ids: a caller's `x-request-id` comes back with the answer, and the enrich worker
//! sends one per batch on its calls to other roles, read here on the callee's side.

use std::sync::{Arc, Mutex};

use hearken_classify::grpc::{ClassifyState, Limits};
use hearken_proto::v1 as pb;
use hearken_proto::v1::classify_service_client::ClassifyServiceClient;
use hearken_store::Store;
use tokio_util::sync::CancellationToken;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;

use crate::helpers::{TempDir, TestApp, airline_tweets, drained, enriching, ingest, within};

#[tokio::test]
async fn the_enrich_worker_sends_a_request_id_per_batch() {
    // A real classify service that notes the request id of each call it gets.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let noted = Arc::clone(&seen);
    let note = move |request: tonic::Request<()>| {
        let id = request
            .metadata()
            .get("x-request-id")
            .map(|id| id.to_str().unwrap().to_owned());
        noted.lock().unwrap().push(id);
        Ok(request)
    };
    let model = hearken::classify::load_model(None).unwrap();
    let state = Arc::new(ClassifyState::new(model, Limits::default()));
    let classify = InterceptedService::new(hearken_classify::grpc::grpc_service(state), note);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let classify_url = format!("http://{}", listener.local_addr().unwrap());
    let stop = CancellationToken::new();
    tokio::spawn(
        Server::builder()
            .add_service(classify)
            .serve_with_incoming_shutdown(
                TcpIncoming::from(listener),
                stop.clone().cancelled_owned(),
            ),
    );

    let dir = TempDir::new();
    let mut config = enriching(&dir.sqlite_url());
    config.enrich.classify_url = Some(classify_url);
    let mut app = TestApp::spawn(config).await;
    assert_eq!(ingest(&mut app, airline_tweets(250)).await, 250);
    drained(&Store::connect(&dir.sqlite_url()).await.unwrap()).await;

    let seen = seen.lock().unwrap().clone();
    assert!(seen.len() >= 3, "batches of 100: {seen:?}");
    let ids: Vec<String> = seen
        .into_iter()
        .map(|id| id.expect("a request id"))
        .collect();
    assert!(ids.iter().all(|id| id.len() == 32), "{ids:?}");
    let distinct: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len(), "one id per batch: {ids:?}");

    // A caller's id comes back with the answer; without one the server makes one up.
    let mut client = ClassifyServiceClient::connect(app.url()).await.unwrap();
    let mut request = tonic::Request::new(pb::GetModelRequest {});
    request
        .metadata_mut()
        .insert("x-request-id", "trace-7".parse().unwrap());
    let answer = within(client.get_model(request)).await.unwrap();
    assert_eq!(answer.metadata().get("x-request-id").unwrap(), "trace-7");
    let answer = within(client.get_model(pb::GetModelRequest {}))
        .await
        .unwrap();
    assert_eq!(answer.metadata().get("x-request-id").unwrap().len(), 32);
    app.stop().await;
    stop.cancel();
}

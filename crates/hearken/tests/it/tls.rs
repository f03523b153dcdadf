//! TLS between roles, with certificates made here: a classify server requiring client
//! certificates (mutual TLS), and an ingest server whose enrich worker reaches it, and its own
//! influence service, over TLS.

use std::path::{Path, PathBuf};

use hearken::config::Role;
use hearken::tls::client_endpoint;
use hearken::{App, ServeConfig};
use hearken_proto::v1 as pb;
use hearken_proto::v1::classify_service_client::ClassifyServiceClient;
use hearken_proto::v1::ingest_service_client::IngestServiceClient;
use hearken_store::Store;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use tokio_util::sync::CancellationToken;
use tonic_health::pb::health_check_response::ServingStatus;

use crate::helpers::{TempDir, airline_tweets, drained, enriching, within};

/// PEM files of a CA, a server certificate for loopback, and a client certificate.
struct Pki {
    ca: PathBuf,
    server: (PathBuf, PathBuf),
    client: (PathBuf, PathBuf),
}

impl Pki {
    fn create(dir: &Path) -> Self {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let write = |name: &str, pem: String| {
            let path = dir.join(name);
            std::fs::write(&path, pem).unwrap();
            path
        };
        let leaf = |name: &str, names: Vec<String>| {
            let key = KeyPair::generate().unwrap();
            let cert = CertificateParams::new(names)
                .unwrap()
                .signed_by(&key, &issuer)
                .unwrap();
            (
                write(&format!("{name}.pem"), cert.pem()),
                write(&format!("{name}.key"), key.serialize_pem()),
            )
        };
        let server = leaf("server", vec!["localhost".into(), "127.0.0.1".into()]);
        let client = leaf("client", vec!["enrich".into()]);
        Self {
            ca: write("ca.pem", ca.pem()),
            server,
            client,
        }
    }

    /// Serve over TLS, trusting the CA for calls to other roles and presenting the client
    /// certificate to them.
    fn apply(&self, config: &mut ServeConfig) {
        config.tls.tls_cert = Some(self.server.0.clone());
        config.tls.tls_key = Some(self.server.1.clone());
        config.tls.peer_ca = Some(self.ca.clone());
        config.tls.peer_cert = Some(self.client.0.clone());
        config.tls.peer_key = Some(self.client.1.clone());
    }
}

async fn spawn(config: ServeConfig) -> (String, CancellationToken) {
    let app = within(App::bind(config)).await.unwrap();
    let url = format!("https://{}", app.local_addr().unwrap());
    let shutdown = CancellationToken::new();
    tokio::spawn(app.run(shutdown.clone()));
    (url, shutdown)
}

#[tokio::test]
async fn roles_enrich_over_mutual_tls() {
    let dir = TempDir::new();
    let pki = Pki::create(dir.path());

    let mut classify = enriching(&dir.sqlite_url());
    classify.role = Role::Classify;
    pki.apply(&mut classify);
    classify.tls.tls_client_ca = Some(pki.ca.clone());
    let (classify_url, stop_classify) = spawn(classify).await;

    let mut all = enriching(&dir.sqlite_url());
    pki.apply(&mut all);
    all.enrich.classify_url = Some(classify_url.clone());
    let (url, stop_all) = spawn(all).await;

    let health = within(hearken::healthcheck::check(
        &url,
        Some(&pki.ca),
        std::time::Duration::from_secs(5),
    ))
    .await
    .unwrap();
    assert_eq!(health, ServingStatus::Serving);

    let channel = within(client_endpoint(&url, Some(&pki.ca)).unwrap().connect())
        .await
        .unwrap();
    let summary = within(
        IngestServiceClient::new(channel).ingest_batch(pb::IngestBatchRequest {
            mentions: airline_tweets(100),
        }),
    )
    .await
    .unwrap()
    .into_inner()
    .summary
    .unwrap();
    assert_eq!(summary.accepted_count, 100);
    let store = Store::connect(&dir.sqlite_url()).await.unwrap();
    let stats = drained(&store).await;
    assert_eq!((stats.enriched, stats.dead_lettered), (100, 0));

    // The classifier wants a client certificate: the CA alone is not enough.
    let anonymous = client_endpoint(&classify_url, Some(&pki.ca)).unwrap();
    let refused = match within(anonymous.connect()).await {
        Err(_) => true,
        Ok(channel) => ClassifyServiceClient::new(channel)
            .get_model(pb::GetModelRequest {})
            .await
            .is_err(),
    };
    assert!(refused, "mutual TLS let a client without a certificate in");
    // Nor does plain HTTP reach a TLS listener.
    let plain = classify_url.replace("https://", "http://");
    let plain = within(hearken::healthcheck::check(
        &plain,
        None,
        std::time::Duration::from_secs(2),
    ))
    .await;
    assert!(plain.is_err());

    stop_all.cancel();
    stop_classify.cancel();
}

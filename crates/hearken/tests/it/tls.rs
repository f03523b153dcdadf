//! TLS between roles, with certificates made here: a classify server requiring client
//! certificates (mutual TLS), and an ingest server whose enrich worker reaches it, and its own
//! influence service, over TLS; and the HTTP port (health, metrics, dashboard) over https.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hearken::config::Role;
use hearken::tls::client_endpoint;
use hearken::{App, ServeConfig};
use hearken_proto::v1 as pb;
use hearken_proto::v1::classify_service_client::ClassifyServiceClient;
use hearken_proto::v1::ingest_service_client::IngestServiceClient;
use hearken_store::Store;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use tokio_rustls::rustls;
use tokio_util::sync::CancellationToken;
use tonic_health::pb::health_check_response::ServingStatus;

use crate::helpers::{TempDir, airline_tweets, config, drained, enriching, within};

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

type HttpsClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// An https (and http) client that trusts only the CA in `ca`.
fn https_client(ca: &Path) -> HttpsClient {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject as _;

    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(ca).unwrap())
        .unwrap();
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .build();
    Client::builder(TokioExecutor::new()).build(connector)
}

/// One exchange: the status, the `Set-Cookie` headers and the body.
async fn exchange(
    client: &HttpsClient,
    request: hyper::Request<Full<Bytes>>,
) -> Result<(u16, Vec<String>, String), hyper_util::client::legacy::Error> {
    let response = within(client.request(request)).await?;
    let status = response.status().as_u16();
    let cookies = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect();
    let body = within(response.into_body().collect()).await.unwrap();
    let body = String::from_utf8(body.to_bytes().to_vec()).unwrap();
    Ok((status, cookies, body))
}

fn get(url: &str) -> hyper::Request<Full<Bytes>> {
    hyper::Request::get(url).body(Full::default()).unwrap()
}

/// With a certificate, the HTTP port speaks only https: health, metrics and the dashboard
/// answer a client that trusts the CA, plain http gets no page, and the dashboard's cookies
/// are `Secure`.
#[tokio::test]
async fn the_http_port_speaks_https() {
    let dir = TempDir::new();
    let pki = Pki::create(dir.path());
    let mut config = config(&dir.sqlite_url());
    pki.apply(&mut config);
    let app = within(App::bind(config)).await.unwrap();
    let port = app.http_addr().unwrap().port();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run(shutdown.clone()));
    let client = https_client(&pki.ca);

    let plain = exchange(&client, get(&format!("http://127.0.0.1:{port}/healthz"))).await;
    assert!(plain.is_err(), "plain http got a page: {plain:?}");

    // The failed handshake did not stop the port.
    let https = format!("https://127.0.0.1:{port}");
    let (status, _, body) = exchange(&client, get(&format!("{https}/healthz")))
        .await
        .unwrap();
    assert_eq!((status, body.as_str()), (200, "SERVING\n"));

    let (status, cookies, body) = exchange(&client, get(&format!("{https}/login")))
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Sign in"), "{body}");
    let csrf_cookie = cookies
        .iter()
        .find(|cookie| cookie.starts_with("hearken_csrf="))
        .unwrap();
    assert!(csrf_cookie.ends_with("; Secure"), "{csrf_cookie}");
    let csrf = csrf_cookie["hearken_csrf=".len()..]
        .split(';')
        .next()
        .unwrap();

    // Signing in reaches the report service over the server's own TLS listener; without
    // tokens required, any token passes.
    let sign_in = hyper::Request::post(format!("{https}/login"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(COOKIE, format!("hearken_csrf={csrf}"))
        .body(Full::from(format!("csrf={csrf}&token=hk_anyone")))
        .unwrap();
    let (status, cookies, body) = exchange(&client, sign_in).await.unwrap();
    assert_eq!(status, 303, "{body}");
    assert_eq!(
        cookies,
        ["hearken_token=hk_anyone; Path=/; HttpOnly; SameSite=Strict; Secure"]
    );

    let (status, _, metrics) = exchange(&client, get(&format!("{https}/metrics")))
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert!(
        metrics.contains("# TYPE hearken_grpc_requests_total counter"),
        "{metrics}"
    );

    shutdown.cancel();
    within(server).await.unwrap().unwrap();
}

//! Webhook delivery over https to a local server whose certificate comes from a CA made in
//! the test, trusted only through the client's extra CA file.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use hearken_report::webhook::{WebhookClient, WebhookError};
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

const DEADLINE: Duration = Duration::from_secs(20);

async fn within<F: std::future::Future>(future: F) -> F::Output {
    tokio::time::timeout(DEADLINE, future)
        .await
        .expect("the test took too long")
}

/// A CA, written to a PEM file, and a certificate it issued for 127.0.0.1 and localhost.
struct TestCa {
    pem_file: PathBuf,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: PrivateKeyDer<'static>,
}

impl TestCa {
    fn new() -> Self {
        static FILES: AtomicUsize = AtomicUsize::new(0);
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "Hearken test CA");
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let server_key = KeyPair::generate().unwrap();
        let server_cert =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                .unwrap()
                .signed_by(&server_key, &issuer)
                .unwrap();
        let pem_file = std::env::temp_dir().join(format!(
            "hearken-webhook-ca-{}-{}.pem",
            std::process::id(),
            FILES.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&pem_file, ca_cert.pem()).unwrap();
        Self {
            pem_file,
            server_chain: vec![server_cert.der().clone()],
            server_key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
        }
    }
}

impl Drop for TestCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.pem_file);
    }
}

/// An https server on a free port that answers 204 and keeps the bodies it was sent.
struct HttpsHook {
    url: String,
    bodies: Arc<Mutex<Vec<String>>>,
}

impl HttpsHook {
    async fn start(ca: &TestCa) -> Self {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(ca.server_chain.clone(), ca.server_key.clone_key())
            .unwrap();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("https://{}/hook", listener.local_addr().unwrap());
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&bodies);
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let (acceptor, kept) = (acceptor.clone(), Arc::clone(&kept));
                tokio::spawn(async move {
                    // A client that refuses the certificate ends the handshake.
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let service =
                        service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                            let kept = Arc::clone(&kept);
                            async move {
                                let body = request.into_body().collect().await?.to_bytes();
                                kept.lock()
                                    .unwrap()
                                    .push(String::from_utf8_lossy(&body).into_owned());
                                let response = hyper::Response::builder()
                                    .status(204)
                                    .body(Full::new(Bytes::new()))
                                    .unwrap();
                                Ok::<_, hyper::Error>(response)
                            }
                        });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        Self { url, bodies }
    }

    fn bodies(&self) -> Vec<String> {
        self.bodies.lock().unwrap().clone()
    }
}

#[tokio::test]
async fn delivers_over_https_to_a_server_trusted_through_the_extra_ca() {
    let ca = TestCa::new();
    let hook = HttpsHook::start(&ca).await;
    let client = WebhookClient::new(Duration::from_secs(10), Some(&ca.pem_file)).unwrap();
    let status = within(client.post_json(&hook.url, r#"{"rule":"cs-spike"}"#.into())).await;
    assert_eq!(status, Ok(204));
    assert_eq!(hook.bodies(), [r#"{"rule":"cs-spike"}"#]);
}

#[tokio::test]
async fn refuses_a_server_whose_certificate_is_not_trusted() {
    let ca = TestCa::new();
    let hook = HttpsHook::start(&ca).await;
    let client = WebhookClient::new(Duration::from_secs(10), None).unwrap();
    let error = within(client.post_json(&hook.url, "{}".into()))
        .await
        .unwrap_err();
    assert!(error.contains("certificate"), "{error}");
    assert!(hook.bodies().is_empty());
}

#[tokio::test]
async fn a_webhook_that_never_answers_times_out() {
    // Accepts connections and never says anything, not even a TLS handshake.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}/hook", listener.local_addr().unwrap());
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((tcp, _)) = listener.accept().await {
            held.push(tcp);
        }
    });
    let client = WebhookClient::new(Duration::from_millis(300), None).unwrap();
    let error = within(client.post_json(&url, "{}".into()))
        .await
        .unwrap_err();
    assert!(error.contains("did not answer within"), "{error}");
    silent.abort();
}

#[test]
fn an_extra_ca_file_without_certificates_is_refused_by_name() {
    let path = std::env::temp_dir().join(format!("hearken-not-a-ca-{}.pem", std::process::id()));
    std::fs::write(&path, "not a certificate\n").unwrap();
    let error = WebhookClient::new(Duration::from_secs(1), Some(&path)).unwrap_err();
    let _ = std::fs::remove_file(&path);
    assert!(
        matches!(&error, WebhookError::NoCertificate { path: named } if *named == path),
        "{error}"
    );
    let missing = std::env::temp_dir().join("hearken-no-such-ca.pem");
    let error = WebhookClient::new(Duration::from_secs(1), Some(&missing)).unwrap_err();
    assert!(matches!(error, WebhookError::CaFile { .. }), "{error}");
}

//! Posting to webhooks over http or https.
//!
//! TLS is rustls with the ring provider. Servers are trusted through the Mozilla roots compiled
//! into the binary (webpki-roots) rather than the system's store: the report role then runs the
//! same in a minimal container without a CA bundle, and nothing is read from disk at start
//! unless an extra CA file is given for webhooks behind a private CA.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::error::chain;

/// Why the webhook client could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("cannot read the webhook CA file {path}: {reason}")]
    CaFile { path: PathBuf, reason: String },
    #[error("the webhook CA file {path} holds no PEM certificate")]
    NoCertificate { path: PathBuf },
    #[error("the webhook CA file {path} holds a certificate that cannot be trusted: {reason}")]
    BadCertificate { path: PathBuf, reason: String },
    #[error("cannot set up TLS: {0}")]
    Tls(#[from] rustls::Error),
}

/// An HTTP/1.1 client for http and https webhooks with a deadline on every call.
#[derive(Debug, Clone)]
pub struct WebhookClient {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
}

impl WebhookClient {
    /// A client that gives up on a call after `timeout`, connection and TLS handshake
    /// included, and trusts the certificates in the PEM file `extra_ca` besides the usual roots.
    pub fn new(timeout: Duration, extra_ca: Option<&Path>) -> Result<Self, WebhookError> {
        let mut roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        if let Some(path) = extra_ca {
            for certificate in read_certificates(path)? {
                roots
                    .add(certificate)
                    .map_err(|error| WebhookError::BadCertificate {
                        path: path.to_owned(),
                        reason: error.to_string(),
                    })?;
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.set_connect_timeout(Some(timeout));
        // The TLS layer takes https URLs over this connector.
        http.enforce_http(false);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        Ok(Self {
            client: Client::builder(TokioExecutor::new()).build(connector),
            timeout,
        })
    }

    /// POSTs a JSON body; the HTTP status, or why there was none.
    pub async fn post_json(&self, url: &str, body: String) -> Result<u16, String> {
        let request = hyper::Request::post(url)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header(hyper::header::USER_AGENT, "hearken-alerts")
            .body(Full::new(Bytes::from(body)))
            .map_err(|error| format!("cannot build the request: {error}"))?;
        match tokio::time::timeout(self.timeout, self.client.request(request)).await {
            Ok(Ok(response)) => Ok(response.status().as_u16()),
            Ok(Err(error)) => Err(format!("cannot reach the webhook: {}", chain(&error))),
            Err(_) => Err(format!(
                "the webhook did not answer within {:?}",
                self.timeout
            )),
        }
    }
}

/// Every certificate in a PEM file; at least one.
fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, WebhookError> {
    let unreadable = |error: rustls::pki_types::pem::Error| WebhookError::CaFile {
        path: path.to_owned(),
        reason: error.to_string(),
    };
    let certificates = CertificateDer::pem_file_iter(path)
        .map_err(unreadable)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(unreadable)?;
    if certificates.is_empty() {
        return Err(WebhookError::NoCertificate {
            path: path.to_owned(),
        });
    }
    Ok(certificates)
}

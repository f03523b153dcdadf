//! TLS (rustls, ring provider) for the listeners and for calls between roles: the flags, read
//! once into tonic's configurations and, for the HTTP port, rustls's.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity, ServerTlsConfig};

/// Certificates for serving and for calling other roles.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TlsArgs {
    /// PEM certificate chain the gRPC listener and the HTTP port present; with `--tls-key` both
    /// speak only TLS. Calls the server makes to itself (the dashboard, and the enrich worker of
    /// `--role all`) go to the listener's IP address, which the certificate must name.
    #[arg(long, env = "HEARKEN_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's PEM private key.
    #[arg(long, env = "HEARKEN_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// PEM CA certificates: gRPC clients must present a certificate one of them signed (mutual
    /// TLS). The HTTP port asks for none.
    #[arg(long, env = "HEARKEN_TLS_CLIENT_CA", requires = "tls_cert")]
    pub tls_client_ca: Option<PathBuf>,
    /// PEM CA certificates that sign the other roles' certificates, for `https://` peer URLs
    /// (and the server's calls to itself under TLS).
    #[arg(long, env = "HEARKEN_PEER_CA")]
    pub peer_ca: Option<PathBuf>,
    /// A PEM client certificate presented to other roles that require mutual TLS.
    #[arg(long, env = "HEARKEN_PEER_CERT", requires = "peer_key")]
    pub peer_cert: Option<PathBuf>,
    /// Its PEM private key.
    #[arg(long, env = "HEARKEN_PEER_KEY", requires = "peer_cert")]
    pub peer_key: Option<PathBuf>,
}

impl TlsArgs {
    /// The listener's TLS, when a certificate is given.
    pub fn server(&self) -> anyhow::Result<Option<ServerTlsConfig>> {
        let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) else {
            return Ok(None);
        };
        let mut config = ServerTlsConfig::new().identity(identity(cert, key)?);
        if let Some(ca) = &self.tls_client_ca {
            config = config.client_ca_root(certificate(ca, "--tls-client-ca")?);
        }
        Ok(Some(config))
    }

    /// The HTTP port's TLS, when a certificate is given: the gRPC listener's certificate, but
    /// no client certificates even with `--tls-client-ca`, since browsers and probes present
    /// none (the dashboard signs people in with tokens instead).
    pub fn http(&self) -> anyhow::Result<Option<Arc<ServerConfig>>> {
        let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) else {
            return Ok(None);
        };
        let chain = CertificateDer::pem_file_iter(cert)
            .and_then(|certificates| certificates.collect::<Result<Vec<_>, _>>())
            .with_context(|| format!("cannot read --tls-cert {}", cert.display()))?;
        let key = PrivateKeyDer::from_pem_file(key)
            .with_context(|| format!("cannot read --tls-key {}", key.display()))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .context("--tls-cert and --tls-key are not a certificate and its key")?;
        // The HTTP port speaks HTTP/1.1 only.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Some(Arc::new(config)))
    }

    /// How to reach other roles over TLS, when a peer CA is given.
    pub fn peers(&self) -> anyhow::Result<Option<PeerTls>> {
        let Some(ca) = &self.peer_ca else {
            return Ok(None);
        };
        let identity = match (&self.peer_cert, &self.peer_key) {
            (Some(cert), Some(key)) => Some(identity(cert, key)?),
            _ => None,
        };
        Ok(Some(PeerTls {
            ca: certificate(ca, "--peer-ca")?,
            identity,
        }))
    }
}

/// The trust root and optional client identity of calls to other roles.
#[derive(Debug, Clone)]
pub struct PeerTls {
    ca: Certificate,
    identity: Option<Identity>,
}

impl PeerTls {
    /// Only the CA: what the client commands (`--ca`) use.
    pub fn from_ca(path: &Path) -> anyhow::Result<Self> {
        Ok(Self {
            ca: certificate(path, "--ca")?,
            identity: None,
        })
    }

    /// The client configuration for a server whose certificate names `host` (a DNS name or
    /// an IP address).
    pub fn client(&self, host: &str) -> ClientTlsConfig {
        let config = ClientTlsConfig::new()
            .ca_certificate(self.ca.clone())
            .domain_name(host);
        match &self.identity {
            Some(identity) => config.identity(identity.clone()),
            None => config,
        }
    }
}

fn identity(cert: &Path, key: &Path) -> anyhow::Result<Identity> {
    let read = |path: &Path| {
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
    };
    Ok(Identity::from_pem(read(cert)?, read(key)?))
}

fn certificate(path: &Path, flag: &str) -> anyhow::Result<Certificate> {
    let pem =
        std::fs::read(path).with_context(|| format!("cannot read {flag} {}", path.display()))?;
    Ok(Certificate::from_pem(pem))
}

/// A client endpoint for a server URL given on the command line: `https` URLs are checked
/// against the CA certificates in `ca` (the client commands' `--ca`).
pub fn client_endpoint(server: &str, ca: Option<&Path>) -> anyhow::Result<Endpoint> {
    let endpoint = Endpoint::from_shared(server.to_owned())
        .with_context(|| format!("{server} is not a server URL such as http://127.0.0.1:50051"))?;
    if endpoint.uri().scheme_str() != Some("https") {
        return Ok(endpoint);
    }
    let ca =
        ca.with_context(|| format!("{server} is https: give --ca to trust its certificate"))?;
    let host = endpoint
        .uri()
        .host()
        .unwrap_or_default()
        .trim_matches(['[', ']']);
    let tls = PeerTls::from_ca(ca)?.client(host);
    endpoint
        .tls_config(tls)
        .with_context(|| format!("cannot set up TLS to {server}"))
}

//! HTTPS terminated by Cellpath itself: the certificate chain and private
//! key read from PEM files, rustls on the `ring` provider (named here, so
//! no process-wide provider is needed and none other is ever chosen), and
//! the same router and graceful shutdown as plain HTTP.

use crate::{AppState, router};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// A handshake not finished in this time is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The server's TLS settings from a PEM certificate chain (leaf first) and
/// a PEM private key (PKCS#8, PKCS#1 or SEC1). Errors say which file.
pub fn server_config(
    cert_chain: &Path,
    private_key: &Path,
) -> io::Result<Arc<rustls::ServerConfig>> {
    let invalid = |path: &Path, what: String| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: {what}", path.display()),
        )
    };
    let certs = CertificateDer::pem_file_iter(cert_chain)
        .map_err(|e| invalid(cert_chain, e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(cert_chain, e.to_string()))?;
    if certs.is_empty() {
        return Err(invalid(cert_chain, "no PEM certificate in the file".into()));
    }
    let key = PrivateKeyDer::from_pem_file(private_key)
        .map_err(|e| invalid(private_key, format!("no PEM private key ({e})")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| io::Error::other(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| invalid(private_key, format!("does not fit the certificate ({e})")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Serves the application over HTTPS on `listener` until `shutdown`
/// completes, then stops accepting and lets open requests finish.
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    tls: Arc<rustls::ServerConfig>,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    let app = router(state);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let tcp = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _peer)) => tcp,
                Err(err) => {
                    // Out of file descriptors and the like: wait, as axum::serve does.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let acceptor = acceptor.clone();
        let service = TowerToHyperService::new(app.clone());
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let stream = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => stream,
                // A client that speaks plain HTTP or gives up: nothing to serve.
                Ok(Err(err)) => {
                    tracing::debug!(error = %err, "TLS handshake failed");
                    return;
                }
                Err(_) => return,
            };
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(Duration::from_secs(30))
                .serve_connection(TokioIo::new(stream), service);
            if let Err(err) = watcher.watch(connection).await {
                tracing::debug!(error = %err, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

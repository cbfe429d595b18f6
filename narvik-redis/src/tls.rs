//! The TLS settings of a builder (feature `tls`): roots to trust and a client
//! certificate, applied to every client it opens.

use redis::{Client, IntoConnectionInfo, RedisResult};

/// Certificates given to a builder; without the `tls` feature, or with none
/// given, clients are opened from their URL alone (`rediss://` then trusts the
/// system's roots).
#[derive(Clone, Default)]
pub(crate) struct TlsSettings {
    #[cfg(feature = "tls")]
    root_certificates: Option<Vec<u8>>,
    #[cfg(feature = "tls")]
    client_certificate: Option<redis::ClientTlsConfig>,
}

impl TlsSettings {
    /// Trusts the CAs in `pem` instead of the system's.
    #[cfg(feature = "tls")]
    pub(crate) fn set_root_certificates(&mut self, pem: Vec<u8>) {
        self.root_certificates = Some(pem);
    }

    /// Presents `certificate_pem` with its private key `key_pem`.
    #[cfg(feature = "tls")]
    pub(crate) fn set_client_certificate(&mut self, certificate_pem: Vec<u8>, key_pem: Vec<u8>) {
        self.client_certificate = Some(redis::ClientTlsConfig {
            client_cert: certificate_pem,
            client_key: key_pem,
        });
    }

    /// A client for `info` with these certificates: one that refuses a
    /// non-TLS address when any are given.
    pub(crate) fn open(&self, info: impl IntoConnectionInfo) -> RedisResult<Client> {
        #[cfg(feature = "tls")]
        if self.root_certificates.is_some() || self.client_certificate.is_some() {
            let certificates = redis::TlsCertificates {
                client_tls: self.client_certificate.clone(),
                root_cert: self.root_certificates.clone(),
            };
            return Client::build_with_tls(info, certificates);
        }
        Client::open(info)
    }

    /// The certificates given, if any (for the cluster client, which takes
    /// them whole).
    #[cfg(all(feature = "tls", feature = "cluster"))]
    pub(crate) fn certificates(&self) -> Option<redis::TlsCertificates> {
        (self.root_certificates.is_some() || self.client_certificate.is_some()).then(|| {
            redis::TlsCertificates {
                client_tls: self.client_certificate.clone(),
                root_cert: self.root_certificates.clone(),
            }
        })
    }

    /// Which certificates are given, for `Debug` (never their bytes).
    pub(crate) fn describe(&self) -> &'static str {
        #[cfg(feature = "tls")]
        match (&self.root_certificates, &self.client_certificate) {
            (None, None) => {}
            (Some(_), None) => return "root certificates",
            (None, Some(_)) => return "client certificate",
            (Some(_), Some(_)) => return "root and client certificates",
        }
        "none"
    }
}

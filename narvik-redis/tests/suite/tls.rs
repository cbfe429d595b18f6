//! The `tls` feature against a `redis-server` of the test's own that listens for
//! TLS only, with a CA and certificates the test makes (`rcgen`): the conformance
//! suite over `rediss://`, a server whose certificate another CA signed refused
//! with an error (never a hang), and client certificates.

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use narvik::testing::{self, TestData};
use narvik_redis::{redis, RedisStore};
use narvik_tests::servers::unique_name;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};

use crate::app::{create, narvik_over, validate, AppData};
use crate::own_server::{Launch, OwnServer};
use crate::server::TEST_TIMEOUT;

/// How long connecting may take before a refusal counts as a hang.
const REFUSAL_BOUND: Duration = Duration::from_secs(10);

/// A CA of the test's own and a certificate it signed, as PEM.
pub(crate) struct Authority {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// A certificate and its private key, as PEM.
pub(crate) struct Leaf {
    pub(crate) certificate: String,
    pub(crate) key: String,
}

impl Authority {
    /// A new CA, self-signed.
    pub(crate) fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let key = KeyPair::generate().expect("a CA key");
        let issuer = CertifiedIssuer::self_signed(params, key).expect("a CA certificate");
        Self { issuer }
    }

    /// The CA's certificate, to trust.
    pub(crate) fn certificate(&self) -> String {
        self.issuer.pem()
    }

    /// A certificate for `names` (DNS names or IP addresses), signed by this CA.
    pub(crate) fn sign(&self, names: &[&str]) -> Leaf {
        let names: Vec<String> = names.iter().map(|&name| name.to_owned()).collect();
        let params = CertificateParams::new(names).expect("certificate parameters");
        let key = KeyPair::generate().expect("a key");
        let certificate = params
            .signed_by(&key, &self.issuer)
            .expect("a certificate signed by the CA");
        Leaf {
            certificate: certificate.pem(),
            key: key.serialize_pem(),
        }
    }
}

/// A `redis-server` listening for TLS only on 127.0.0.1, with a certificate for
/// `127.0.0.1` and `localhost` signed by its CA.
pub(crate) struct TlsServer {
    pub(crate) server: OwnServer,
    pub(crate) authority: Authority,
}

impl TlsServer {
    /// A builder for a store on this server that trusts its CA.
    fn builder(&self) -> narvik_redis::RedisStoreBuilder<AppData> {
        RedisStore::<AppData>::builder(&self.server.url)
            .tls_root_certificates(self.authority.certificate())
    }
}

/// A CA, a certificate it signed for `127.0.0.1` and `localhost`, and their
/// files, for servers of the test's own that listen for TLS only.
pub(crate) struct TlsFiles {
    pub(crate) authority: Authority,
    /// What a client of the test's own presents and trusts.
    pub(crate) client: redis::TlsCertificates,
    settings: Vec<String>,
    /// Holds the files until the servers stop.
    _folder: Folder,
}

impl TlsFiles {
    /// New files, for servers that ask clients for a certificate when
    /// `client_certificates`.
    pub(crate) fn new(client_certificates: bool) -> Self {
        let authority = Authority::new("narvik test CA");
        let folder = Folder::new();
        let server_leaf = authority.sign(&["127.0.0.1", "localhost"]);
        let ca_file = folder.write("ca.crt", &authority.certificate());
        let certificate_file = folder.write("server.crt", &server_leaf.certificate);
        let key_file = folder.write("server.key", &server_leaf.key);
        let client_leaf = authority.sign(&["narvik test client"]);
        let client = redis::TlsCertificates {
            client_tls: client_certificates.then(|| redis::ClientTlsConfig {
                client_cert: client_leaf.certificate.into_bytes(),
                client_key: client_leaf.key.into_bytes(),
            }),
            root_cert: Some(authority.certificate().into_bytes()),
        };
        let mut settings = Vec::new();
        for (name, file) in [
            ("--tls-cert-file", &certificate_file),
            ("--tls-key-file", &key_file),
            ("--tls-ca-cert-file", &ca_file),
        ] {
            settings.push(name.to_owned());
            settings.push(file.display().to_string());
        }
        settings.push("--tls-auth-clients".to_owned());
        settings.push(if client_certificates { "yes" } else { "no" }.to_owned());
        Self {
            authority,
            client,
            settings,
            _folder: folder,
        }
    }

    /// The CA certificate's file, for `redis-cli --cacert`.
    #[cfg_attr(
        not(feature = "cluster"),
        allow(dead_code, reason = "used by the cluster tests only")
    )]
    pub(crate) fn ca_file(&self) -> &str {
        self.settings
            .iter()
            .skip_while(|setting| *setting != "--tls-ca-cert-file")
            .nth(1)
            .expect("the CA file is among the settings")
    }

    /// How to start a server that listens for TLS only with these files, and
    /// `settings` besides.
    pub(crate) fn launch(&self, settings: &[&str]) -> Launch {
        let mut launch = Launch::settings(settings);
        launch.settings.extend(self.settings.iter().cloned());
        launch.tls = Some(self.client.clone());
        launch
    }
}

/// Runs `test` against a new TLS server (asking clients for a certificate when
/// `client_certificates`), within [`TEST_TIMEOUT`]; skips (or fails under
/// `CI=true`) when `redis-server` is not installed.
pub(crate) async fn with_tls_server<F, Fut>(client_certificates: bool, test: F)
where
    F: FnOnce(TlsServer) -> Fut,
    Fut: Future<Output = ()>,
{
    let files = TlsFiles::new(client_certificates);
    let Some(server) = OwnServer::launch(&files.launch(&[])).await else {
        return;
    };
    let TlsFiles {
        authority,
        _folder: folder,
        ..
    } = files;
    tokio::time::timeout(TEST_TIMEOUT, test(TlsServer { server, authority }))
        .await
        .expect("the test hung");
    drop(folder);
}

/// The conformance suite over `rediss://`: the server listens for nothing else.
pub(crate) async fn redis_store_passes_the_conformance_suite_over_tls(server: TlsServer) {
    let stores_made = AtomicUsize::new(0);
    testing::run_conformance(|| {
        let prefix = format!("tls{}:", stores_made.fetch_add(1, Ordering::Relaxed));
        let builder = RedisStore::<TestData>::builder(&server.server.url)
            .tls_root_certificates(server.authority.certificate());
        async move {
            builder
                .connect()
                .await
                .expect("connect over TLS")
                .with_key_prefix(prefix)
        }
    })
    .await;
}

/// A server whose certificate another CA signed is refused at connect, with an
/// error and within [`REFUSAL_BOUND`]; so is the right server over `redis://`
/// (a TLS port, spoken to in plain text) and certificates with a `redis://` URL.
pub(crate) async fn a_server_signed_by_another_ca_is_refused_with_an_error(server: TlsServer) {
    let stranger = Authority::new("another CA");
    let refused = RedisStore::<AppData>::builder(&server.server.url)
        .tls_root_certificates(stranger.certificate())
        .connect();
    assert_refused(refused, "a server signed by another CA").await;

    // No certificates given: the system's roots, which do not hold the test's CA.
    assert_refused(
        RedisStore::<AppData>::connect(&server.server.url),
        "a server signed by a CA the system does not trust",
    )
    .await;

    let plain_url = server.server.url.replacen("rediss://", "redis://", 1);
    assert_refused(
        RedisStore::<AppData>::connect(&plain_url),
        "plain text to a TLS port",
    )
    .await;
    let no_tls = RedisStore::<AppData>::builder(&plain_url)
        .tls_root_certificates(server.authority.certificate())
        .connect();
    assert_refused(no_tls, "certificates with a redis:// URL").await;

    let not_pem = server
        .builder()
        .tls_root_certificates("not a certificate")
        .connect();
    assert_refused(not_pem, "root certificates that are not PEM").await;

    // The right CA still connects, and the store works.
    let store = server.builder().connect().await.expect("connect over TLS");
    let (narvik, _clock) = narvik_over(store);
    let created = create(&narvik, "user-1").await;
    validate(&narvik, &created).await;
}

/// A server that asks clients for a certificate (`tls-auth-clients yes`) takes a
/// store presenting one its CA signed, and refuses one presenting none.
pub(crate) async fn a_client_certificate_is_presented_when_the_server_asks(server: TlsServer) {
    let client = server.authority.sign(&["narvik app"]);
    let store = server
        .builder()
        .tls_client_certificate(client.certificate, client.key)
        .connect()
        .await
        .expect("connect with a client certificate");
    let (narvik, _clock) = narvik_over(store);
    let created = create(&narvik, "user-1").await;
    validate(&narvik, &created).await;

    assert_refused(server.builder().connect(), "no client certificate").await;
}

/// `connect` fails, within [`REFUSAL_BOUND`], with a store error.
async fn assert_refused(
    connect: impl Future<Output = narvik::Result<RedisStore<AppData>>>,
    case: &str,
) {
    let outcome = tokio::time::timeout(REFUSAL_BOUND, connect)
        .await
        .unwrap_or_else(|_| panic!("{case}: connect hung instead of failing"));
    match outcome {
        Err(narvik::Error::Store { .. }) => {}
        Err(other) => panic!("{case}: expected a store error, got {other}"),
        Ok(_) => panic!("{case}: connected"),
    }
}

/// A folder of the test's own for certificate files; removed when dropped.
struct Folder(PathBuf);

impl Folder {
    fn new() -> Self {
        let path = std::env::temp_dir().join(unique_name("narvik_redis_tls"));
        std::fs::create_dir_all(&path).expect("create the certificates' folder");
        Self(path)
    }

    /// Writes `contents` to `name` in the folder; its path.
    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).expect("write a certificate file");
        path
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

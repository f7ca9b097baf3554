//! AutoMTLS: the per-process server certificate, the verifier that admits only the host's
//! client certificate, and the rustls crypto provider set-up.
//!
//! Where the randomness comes from: the server key, the certificate's signature and every
//! handshake (ECDHE keys, signatures, nonces) use ring, which reads the operating system's
//! generator (`getrandom(2)` on Linux) for each request. aws-lc, the AWS SDK's library, is used
//! only to verify the host's signature (go-plugin's key is P-521, which ring cannot verify), and
//! verifying draws no randomness: aws-lc's own generator, which seeds from CPU-jitter entropy on
//! first use (30-50 ms), is never started on the way to the handshake line.

use std::sync::Arc;

use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, KeyUsagePurpose,
    PublicKeyData, SignatureAlgorithm, SigningKey, PKCS_ECDSA_P256_SHA256,
};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_ASN1_SIGNING};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName as TlsName, ServerConfig};
use rustls::{Error as TlsError, SignatureScheme};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use time::{Duration, OffsetDateTime};

use super::PluginError;

/// Installs ring as the process-wide rustls provider.
///
/// Call once at start-up, before anything builds a TLS config: with both ring and aws-lc-rs
/// compiled in, rustls picks no default itself. If another provider got there first, that one
/// is kept: our own configs never rely on the process default (nor does the AWS SDK, which
/// names its own), so either way nothing panics.
pub fn install_crypto_provider() {
    // Err only means a default already exists, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The provider every config in this module is built with, independent of the process default:
/// ring for everything that draws randomness.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// What the client-certificate check accepts: aws-lc-rs's set, which has the ECDSA P-521
/// go-plugin signs with (ring's has not). Verification is deterministic, so this never touches
/// aws-lc's random generator.
fn client_signature_algorithms() -> WebPkiSupportedAlgorithms {
    rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms
}

/// The server's P-256 key, held by ring: the key and every signature made with it take their
/// randomness from the OS. rcgen signs the certificate through [`SigningKey`], so its own
/// crypto backend (aws-lc-rs, chosen by feature) is not involved.
struct ServerKey {
    pair: EcdsaKeyPair,
    rng: SystemRandom,
    pkcs8: Vec<u8>,
}

impl ServerKey {
    fn generate() -> Result<Self, PluginError> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .map_err(|_| PluginError::ServerKey)?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .map_err(|_| PluginError::ServerKey)?;
        Ok(Self {
            pair,
            rng,
            pkcs8: pkcs8.as_ref().to_vec(),
        })
    }
}

impl PublicKeyData for ServerKey {
    fn der_bytes(&self) -> &[u8] {
        self.pair.public_key().as_ref()
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &PKCS_ECDSA_P256_SHA256
    }
}

impl SigningKey for ServerKey {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        self.pair
            .sign(&self.rng, msg)
            .map(|sig| sig.as_ref().to_vec())
            .map_err(|_| rcgen::Error::RemoteKeyError)
    }
}

/// A freshly generated server identity: certificate (DER) and its private key.
pub(crate) struct ServerIdentity {
    pub(crate) cert: CertificateDer<'static>,
    pub(crate) key: PrivateKeyDer<'static>,
}

/// Generates a self-signed P-256 certificate for `localhost`, valid from 30 s ago (clock skew
/// between host and plugin is zero, but go-plugin does the same) for about 30 years.
///
/// The key comes from the OS generator through ring (see the module comment), in microseconds.
pub(crate) fn generate_server_identity() -> Result<ServerIdentity, PluginError> {
    let key = ServerKey::generate()?;
    let mut params = CertificateParams::new(vec!["localhost".to_owned()])?;
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "localhost");
    name.push(
        DnType::OrganizationName,
        "terraform-provider-servicecatalog",
    );
    params.distinguished_name = name;
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::seconds(30);
    params.not_after = now + Duration::days(365 * 30);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.self_signed(&key)?;
    Ok(ServerIdentity {
        cert: cert.der().clone(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.pkcs8)),
    })
}

/// Builds the server config: TLS 1.2+, ALPN `h2`, client certificate required and pinned.
pub(crate) fn server_config(
    identity: &ServerIdentity,
    client_certs: &[CertificateDer<'static>],
) -> Result<ServerConfig, PluginError> {
    let provider = provider();
    let verifier = PinnedClientCerts::new(client_certs.to_vec(), client_signature_algorithms());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(vec![identity.cert.clone()], identity.key.clone_key())?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

/// Accepts exactly the client certificates the host put in `PLUGIN_CLIENT_CERT`.
///
/// go-plugin's client certificate is self-signed and flagged as a CA, which webpki refuses as an
/// end-entity certificate; and a chain check adds nothing here anyway, since the host hands us
/// the exact certificate it will present. So identity is byte-equality with one of those
/// certificates, and possession of its key is proven by the handshake signature check.
#[derive(Debug)]
pub(crate) struct PinnedClientCerts {
    allowed: Vec<CertificateDer<'static>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedClientCerts {
    pub(crate) fn new(
        allowed: Vec<CertificateDer<'static>>,
        algorithms: WebPkiSupportedAlgorithms,
    ) -> Self {
        Self {
            allowed,
            algorithms,
        }
    }
}

impl ClientCertVerifier for PinnedClientCerts {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[TlsName] {
        // No hints: Go's TLS client then always sends its one certificate.
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, TlsError> {
        if self
            .allowed
            .iter()
            .any(|allowed| allowed.as_ref() == end_entity.as_ref())
        {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(TlsError::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{KeyPair, PKCS_ECDSA_P521_SHA512};
    use rustls::{ClientConfig, ClientConnection, Connection, RootCertStore, ServerConnection};

    /// A self-signed `localhost` certificate and its PKCS#8 key; go-plugin's host uses P-521.
    fn self_signed_with(
        alg: &'static SignatureAlgorithm,
    ) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
        let key = KeyPair::generate_for(alg).unwrap();
        let cert = CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        (cert.der().clone(), der)
    }

    fn self_signed() -> CertificateDer<'static> {
        self_signed_with(&PKCS_ECDSA_P256_SHA256).0
    }

    /// Runs a TLS handshake in memory between a client that trusts only `server_cert` and
    /// presents `client`, and the server `config`; returns the server's verdict.
    fn handshake(
        config: ServerConfig,
        server_cert: &CertificateDer<'static>,
        client: (CertificateDer<'static>, PrivateKeyDer<'static>),
    ) -> Result<(), TlsError> {
        let mut roots = RootCertStore::empty();
        roots.add(server_cert.clone()).unwrap();
        let client_config = ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(vec![client.0], client.1)
        .unwrap();
        let name = "localhost".try_into().unwrap();
        let mut client = Connection::from(ClientConnection::new(Arc::new(client_config), name)?);
        let mut server = Connection::from(ServerConnection::new(Arc::new(config))?);
        for _ in 0..10 {
            send(&mut client, &mut server)?;
            send(&mut server, &mut client)?;
            if !client.is_handshaking() && !server.is_handshaking() {
                return Ok(());
            }
        }
        panic!("handshake did not finish");
    }

    /// Moves everything `from` has to send into `to`; returns `to`'s verdict on it.
    fn send(from: &mut Connection, to: &mut Connection) -> Result<(), TlsError> {
        let mut wire = Vec::new();
        while from.wants_write() {
            from.write_tls(&mut wire).unwrap();
        }
        let mut rest = wire.as_slice();
        while !rest.is_empty() {
            to.read_tls(&mut rest).unwrap();
            to.process_new_packets()?;
        }
        Ok(())
    }

    #[test]
    fn verifier_accepts_only_pinned_certs_and_is_mandatory() {
        let pinned = self_signed();
        let other = self_signed();
        let v = PinnedClientCerts::new(vec![pinned.clone()], client_signature_algorithms());
        assert!(v.offer_client_auth());
        assert!(v.client_auth_mandatory());
        assert!(v.verify_client_cert(&pinned, &[], UnixTime::now()).is_ok());
        let err = v
            .verify_client_cert(&other, &[], UnixTime::now())
            .unwrap_err();
        assert!(matches!(err, TlsError::InvalidCertificate(_)), "{err:?}");
        // A Go client sends no certificate when its key's scheme is not offered.
        assert!(v
            .supported_verify_schemes()
            .contains(&SignatureScheme::ECDSA_NISTP521_SHA512));
    }

    #[test]
    fn server_config_advertises_h2_and_builds_without_a_default_provider() {
        let identity = generate_server_identity().unwrap();
        let config = server_config(&identity, &[self_signed()]).unwrap();
        assert_eq!(config.alpn_protocols, vec![b"h2".to_vec()]);
    }

    #[test]
    fn handshake_completes_with_the_pinned_p521_client_and_refuses_another() {
        let identity = generate_server_identity().unwrap();
        let host = self_signed_with(&PKCS_ECDSA_P521_SHA512);
        let config = || server_config(&identity, std::slice::from_ref(&host.0)).unwrap();

        // The client checks our certificate's signature and our handshake signature (ring's),
        // we check its P-521 signature (aws-lc-rs's verifier).
        let host_again = (host.0.clone(), host.1.clone_key());
        handshake(config(), &identity.cert, host_again).unwrap();

        let stranger = self_signed_with(&PKCS_ECDSA_P521_SHA512);
        let err = handshake(config(), &identity.cert, stranger).unwrap_err();
        assert!(
            matches!(
                err,
                TlsError::InvalidCertificate(CertificateError::ApplicationVerificationFailure)
            ),
            "{err:?}"
        );
    }
}

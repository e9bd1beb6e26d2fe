/// TLS for the public listener: where the certificate and key are, and where TLS listens.
///
/// The protocol policy is the shim's (es_tls.h): Mozilla's intermediate or modern profile
/// (`profile`), key exchange over X25519, P-256 or P-384, AEAD ciphers with ephemeral key
/// exchange, no renegotiation or compression, ALPN `h2` then `http/1.1`.
public struct TLSConfiguration: Sendable {
    /// PEM certificate chain, leaf first.
    public var certificatePath: String
    /// PEM private key for the leaf certificate.
    public var privateKeyPath: String
    /// A separate TLS port, so that cleartext and TLS are served side by side; `nil` serves
    /// TLS only, on the main port. 0 picks an ephemeral port.
    public var port: Int?
    /// Offer HTTP/2 through ALPN.
    public var offerHTTP2 = true
    /// Which TLS versions and ciphers the listener takes.
    public var profile = TLSProfile.intermediate

    /// TLS with the certificate chain and key at these paths, on `port` or the main port.
    public init(certificatePath: String, privateKeyPath: String, port: Int? = nil) {
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
        self.port = port
    }
}

/// Mozilla's server-side TLS profiles (version 6 of the guidelines).
public enum TLSProfile: String, Sendable, CaseIterable {
    /// TLS 1.2 and 1.3; TLS 1.2 with ECDHE and AEAD ciphers only. For general-purpose servers.
    case intermediate
    /// TLS 1.3 only, for clients known to speak it.
    case modern
}

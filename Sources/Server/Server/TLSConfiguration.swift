/// TLS for the public listener: where the certificate and key are, and where TLS listens.
///
/// The protocol policy is fixed in the shim (es_tls.h): TLS 1.2 and 1.3, AEAD ciphers with
/// ephemeral key exchange, no renegotiation or compression, ALPN `h2` then `http/1.1`.
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

    public init(certificatePath: String, privateKeyPath: String, port: Int? = nil) {
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
        self.port = port
    }
}

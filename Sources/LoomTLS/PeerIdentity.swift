/// Who is on the other end of a TLS connection, taken from its verified certificate.
///
/// Chosen in this order (DESIGN.md, "Security"): the first URI subjectAltName (a
/// SPIFFE id such as `spiffe://loom.dev/operator`), else the first DNS subjectAltName,
/// else the subject common name. Only certificates that passed verification produce
/// an identity; a peer without a certificate has none (`nil`).
public struct PeerIdentity: Sendable, Hashable, CustomStringConvertible {
    /// Which certificate field the identity came from.
    public enum Source: String, Sendable, Hashable, CaseIterable {
        /// A URI subjectAltName (SPIFFE id).
        case uri
        /// A DNS subjectAltName.
        case dns
        /// The subject's common name (CN).
        case commonName
    }

    /// The identity string, e.g. `spiffe://loom.dev/operator` or `worker-1.internal`.
    public let value: String
    /// The certificate field ``value`` was read from.
    public let source: Source

    /// Creates an identity.
    /// - Parameters:
    ///   - value: The identity string.
    ///   - source: Where it came from.
    public init(value: String, source: Source) {
        self.value = value
        self.source = source
    }

    /// The SPIFFE id, when the identity is a `spiffe://` URI.
    public var spiffeID: String? {
        source == .uri && value.hasPrefix("spiffe://") ? value : nil
    }

    /// Applies the URI → DNS → CN preference to a certificate's names.
    /// - Parameters:
    ///   - uriNames: URI subjectAltNames in certificate order.
    ///   - dnsNames: DNS subjectAltNames in certificate order.
    ///   - commonName: The subject CN, if any.
    /// - Returns: The identity, or `nil` when every field is absent or empty.
    public static func select(uriNames: [String], dnsNames: [String], commonName: String?) -> PeerIdentity? {
        if let uri = uriNames.first(where: { !$0.isEmpty }) {
            return PeerIdentity(value: uri, source: .uri)
        }
        if let dns = dnsNames.first(where: { !$0.isEmpty }) {
            return PeerIdentity(value: dns, source: .dns)
        }
        if let commonName, !commonName.isEmpty {
            return PeerIdentity(value: commonName, source: .commonName)
        }
        return nil
    }

    /// `"uri:spiffe://loom.dev/operator"`, `"dns:host"` or `"cn:name"`.
    public var description: String {
        switch source {
        case .uri: "uri:\(value)"
        case .dns: "dns:\(value)"
        case .commonName: "cn:\(value)"
        }
    }
}

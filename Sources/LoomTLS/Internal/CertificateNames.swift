import COpenSSL
import NIOCore

/// The names in one X.509 certificate that identities are made of.
struct CertificateNames {
    var uriNames: [String] = []
    var dnsNames: [String] = []
    var commonName: String?

    /// Reads the subjectAltName extension and subject CN of `certificate` (borrowed, not freed).
    init(_ certificate: OpaquePointer) {
        if let names = loom_X509_get_subject_alt_names(certificate) {
            defer { loom_GENERAL_NAMES_free(names) }
            for index in 0..<loom_GENERAL_NAMES_count(names) {
                var data: UnsafePointer<UInt8>?
                var length: Int32 = 0
                let type = loom_GENERAL_NAMES_entry(names, index, &data, &length)
                guard let data, length > 0 else { continue }
                let text = String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
                if type == loom_GEN_URI() {
                    uriNames.append(text)
                } else if type == loom_GEN_DNS() {
                    dnsNames.append(text)
                }
            }
        }
        commonName = Self.commonName(of: certificate)
    }

    /// The identity by Loom's URI → DNS → CN rule.
    var identity: PeerIdentity? {
        PeerIdentity.select(uriNames: uriNames, dnsNames: dnsNames, commonName: commonName)
    }

    private static func commonName(of certificate: OpaquePointer) -> String? {
        guard let subject = X509_get_subject_name(certificate) else { return nil }
        let index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(subject, index),
            let value = X509_NAME_ENTRY_get_data(entry)
        else { return nil }
        var utf8: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&utf8, value)
        guard length >= 0, let utf8 else { return nil }
        defer { loom_OPENSSL_free(utf8) }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }
}

/// Recognises IP address literals (which are verified as IP SANs and never sent as SNI).
enum IPAddressText {
    /// Whether `text` is an IPv4 or IPv6 address literal.
    static func isIPAddress(_ text: String) -> Bool {
        (try? SocketAddress(ipAddress: text, port: 0)) != nil
    }
}

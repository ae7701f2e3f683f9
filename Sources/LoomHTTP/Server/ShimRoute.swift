import NIOHTTP1

/// The routes the shim serves, with their path parameters already extracted and percent-decoded.
public enum ShimRoute: Sendable, Hashable {
    /// `POST /registry/announce`.
    case announce
    /// `POST /migrations/{id}/candidates`.
    case submitCandidates(migrationId: String)
    /// `POST /event/{id}`.
    case event(callbackId: String)
    /// `POST /event/{id}/pr-opened`: an event with `phase` forced to `open`.
    case prOpened(callbackId: String)
    /// `GET /healthz`.
    case health
    /// `GET /readyz`.
    case ready
    /// `GET /metrics`.
    case metrics

    /// A low-cardinality name for metrics and logs (`/event/{id}`), never containing ids.
    public var template: String {
        switch self {
        case .announce: "/registry/announce"
        case .submitCandidates: "/migrations/{id}/candidates"
        case .event: "/event/{id}"
        case .prOpened: "/event/{id}/pr-opened"
        case .health: "/healthz"
        case .ready: "/readyz"
        case .metrics: "/metrics"
        }
    }

    /// The only method the route accepts.
    public var method: HTTPMethod {
        switch self {
        case .announce, .submitCandidates, .event, .prOpened: .POST
        case .health, .ready, .metrics: .GET
        }
    }

    /// The result of matching a request line against the route table.
    public enum Match: Sendable, Equatable {
        /// The path and method match a route.
        case matched(ShimRoute)
        /// The path matches a route but the method does not; `allow` is the method to advertise.
        case methodNotAllowed(allow: HTTPMethod, template: String)
        /// No route has this path.
        case notFound
    }

    /// Matches a method and a path (no query) against the route table.
    ///
    /// Path parameters must be non-empty single segments; they are percent-decoded, and a parameter that does not
    /// decode to valid UTF-8 does not match.
    public static func match(method: HTTPMethod, path: Substring) -> Match {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        // A valid path starts with "/", so the first segment is empty.
        guard segments.first?.isEmpty == true, segments.count >= 2 else { return .notFound }
        let parts = segments.dropFirst()
        let route: ShimRoute?
        switch parts.count {
        case 1:
            switch parts.first! {
            case "healthz": route = .health
            case "readyz": route = .ready
            case "metrics": route = .metrics
            default: route = nil
            }
        case 2 where parts.first == "registry":
            route = parts.last == "announce" ? .announce : nil
        case 3 where parts.first == "migrations":
            let p = Array(parts)
            route = p[2] == "candidates" ? decode(p[1]).map { .submitCandidates(migrationId: $0) } : nil
        case 2... where parts.first == "event":
            // The callback id is a run id, `{migration}__{candidate}`; candidate ids may contain `/`
            // (`org/repo`). Loom sends it escaped (`%2F`), but a migrator that builds the URL from
            // the raw id sends the slashes as they are: every segment after `event` belongs to the
            // id, except a final `pr-opened`.
            let p = Array(parts.dropFirst())
            if p.count >= 2, p.last == "pr-opened" {
                route = decode(p.dropLast()).map { .prOpened(callbackId: $0) }
            } else {
                route = decode(p[...]).map { .event(callbackId: $0) }
            }
        default:
            route = nil
        }
        guard let route else { return .notFound }
        guard route.method == method else { return .methodNotAllowed(allow: route.method, template: route.template) }
        return .matched(route)
    }

    /// Percent-decodes consecutive path segments joined by `/`; `nil` when any is empty or does not decode.
    static func decode(_ segments: ArraySlice<Substring>) -> String? {
        var decoded: [String] = []
        for segment in segments {
            guard let text = decode(segment) else { return nil }
            decoded.append(text)
        }
        return decoded.isEmpty ? nil : decoded.joined(separator: "/")
    }

    /// Percent-decodes one path segment; `nil` for an empty segment, a bad escape or invalid UTF-8.
    static func decode(_ segment: Substring) -> String? {
        guard !segment.isEmpty else { return nil }
        guard segment.contains("%") else { return String(segment) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(segment.utf8.count)
        var iterator = segment.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let hi = iterator.next().flatMap(hexValue), let lo = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(hi << 4 | lo)
            } else {
                bytes.append(byte)
            }
        }
        guard !bytes.isEmpty, let decoded = String(validating: bytes, as: UTF8.self) else { return nil }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

import COpenSSL

/// Access to OpenSSL's per-thread error queue. Every libssl call site clears the
/// queue before the call and drains it after a failure, so an error never picks
/// up stale entries from an unrelated earlier failure on the same thread.
enum OpenSSLErrorQueue {
    /// Discards every queued entry.
    static func clear() {
        ERR_clear_error()
    }

    /// Removes and renders every queued entry, oldest first (at most 16 are kept), and finds the alert the peer
    /// sent if an entry reports one.
    static func drain() -> (entries: [String], peerAlert: TLSError.Alert?) {
        var entries: [String] = []
        var peerAlert: TLSError.Alert?
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: 256)
        defer { buffer.deallocate() }
        while true {
            var data: UnsafePointer<CChar>?
            var flags: Int32 = 0
            let code = ERR_get_error_all(nil, nil, nil, &data, &flags)
            if code == 0 { break }
            let alert = loom_ERR_peer_alert(code)
            if alert >= 0, peerAlert == nil { peerAlert = TLSError.Alert(rawValue: UInt8(alert)) }
            guard entries.count < 16 else { continue }
            ERR_error_string_n(code, buffer, 256)
            var entry = String(cString: buffer)
            if let data, flags & ERR_TXT_STRING != 0 {
                let extra = String(cString: data)
                if !extra.isEmpty { entry += " (\(extra))" }
            }
            entries.append(entry)
        }
        return (entries, peerAlert)
    }

    /// A ``TLSError`` whose ``TLSError/openSSLErrors`` is the drained queue.
    static func error(_ code: TLSError.Code, _ reason: String) -> TLSError {
        let (entries, alert) = drain()
        return TLSError(code: code, reason: alert.map { "\(reason): the peer sent alert \($0)" } ?? reason, openSSLErrors: entries, peerAlert: alert)
    }
}

import COpenSSL

/// Access to OpenSSL's per-thread error queue. Every libssl call site clears the
/// queue before the call and drains it after a failure, so an error never picks
/// up stale entries from an unrelated earlier failure on the same thread.
enum OpenSSLErrorQueue {
    /// Discards every queued entry.
    static func clear() {
        ERR_clear_error()
    }

    /// Removes and renders every queued entry, oldest first (at most 16 are kept).
    static func drain() -> [String] {
        var entries: [String] = []
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: 256)
        defer { buffer.deallocate() }
        while true {
            var data: UnsafePointer<CChar>?
            var flags: Int32 = 0
            let code = ERR_get_error_all(nil, nil, nil, &data, &flags)
            if code == 0 { break }
            guard entries.count < 16 else { continue }
            ERR_error_string_n(code, buffer, 256)
            var entry = String(cString: buffer)
            if let data, flags & ERR_TXT_STRING != 0 {
                let extra = String(cString: data)
                if !extra.isEmpty { entry += " (\(extra))" }
            }
            entries.append(entry)
        }
        return entries
    }

    /// A ``TLSError`` whose ``TLSError/openSSLErrors`` is the drained queue.
    static func error(_ code: TLSError.Code, _ reason: String) -> TLSError {
        TLSError(code: code, reason: reason, openSSLErrors: drain())
    }
}

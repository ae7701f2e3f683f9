/// The console's static files, served by Loom itself (no CDN; works air-gapped): the stylesheet and
/// the script. Their text is in ``ConsoleStylesheet`` and ``ConsoleScript``.
enum ConsoleAssets {
    /// A static file.
    struct Asset {
        let contentType: String
        let body: String
    }

    /// The asset called `name`, or `nil`.
    static func named(_ name: String) -> Asset? {
        switch name {
        case "console.css": Asset(contentType: "text/css; charset=utf-8", body: ConsoleStylesheet.text)
        case "console.js": Asset(contentType: "text/javascript; charset=utf-8", body: ConsoleScript.text)
        default: nil
        }
    }
}

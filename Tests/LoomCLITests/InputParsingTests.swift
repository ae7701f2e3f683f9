import Foundation
import LoomProto
import Testing

@testable import LoomCLI

@Suite("Input parsing", .timeLimit(.minutes(1)))
struct InputParsingTests {
    @Test("--input pairs become a map; values may be empty or contain =")
    func inputs() throws {
        #expect(try InputParsing.inputs(["repo=billing", "empty=", "expr=a=b"]) == ["repo": "billing", "empty": "", "expr": "a=b"])
        #expect(try InputParsing.inputs([]) == [:])
    }

    @Test("malformed --input pairs are usage errors", arguments: [
        (["novalue"], "--input \"novalue\" is not key=value"),
        (["=x"], "--input \"=x\" has an empty key"),
        (["a=1", "a=2"], "--input a is given more than once"),
    ])
    func badInputs(pairs: [String], message: String) {
        #expect(throws: CLIError.usage(message)) { try InputParsing.inputs(pairs) }
    }

    @Test("server addresses: host:port, [ipv6]:port, bare hosts default to 7443")
    func serverAddresses() throws {
        #expect(try InputParsing.serverAddress("loom.internal:8443") == .init(host: "loom.internal", port: 8443))
        #expect(try InputParsing.serverAddress("[::1]:7000") == .init(host: "::1", port: 7000))
        #expect(try InputParsing.serverAddress("::1") == .init(host: "::1", port: 7443))
        #expect(try InputParsing.serverAddress("loom") == .init(host: "loom", port: 7443))
    }

    @Test("bad server addresses are usage errors", arguments: ["", ":80", "h:0", "h:70000", "h:x", "[::1", "[::1]x", "a b:1"])
    func badServerAddresses(text: String) {
        #expect(throws: CLIError.self) { try InputParsing.serverAddress(text) }
    }

    @Test("environment fallbacks apply after flags; --insecure ignores the TLS variables")
    func environmentFallbacks() throws {
        var options = try GlobalOptions.parse([])
        let environment = ["LOOM_SERVER": "env-host:9000", "LOOM_CA": "ca.pem", "LOOM_CERT": "c.pem", "LOOM_KEY": "k.pem"]
        let fromEnvironment = try ConnectionSettings.resolve(options, environment: environment)
        #expect(fromEnvironment.address == .init(host: "env-host", port: 9000))
        #expect(fromEnvironment.caPath == "ca.pem" && fromEnvironment.certificatePath == "c.pem" && fromEnvironment.keyPath == "k.pem")

        options = try GlobalOptions.parse(["--server", "flag:1", "--cert", "mine.pem", "--key", "mine.key"])
        let fromFlags = try ConnectionSettings.resolve(options, environment: environment)
        #expect(fromFlags.address == .init(host: "flag", port: 1))
        #expect(fromFlags.certificatePath == "mine.pem" && fromFlags.caPath == "ca.pem")

        let insecure = try ConnectionSettings.resolve(try GlobalOptions.parse(["--insecure"]), environment: environment)
        #expect(insecure.insecure && insecure.caPath == nil && insecure.certificatePath == nil)

        let defaults = try ConnectionSettings.resolve(try GlobalOptions.parse([]), environment: [:])
        #expect(defaults.address == .init(host: "127.0.0.1", port: 7443) && defaults.timeout == 30 && !defaults.json)
    }

    @Test("a certificate without a key, a bad timeout and --insecure with TLS flags are rejected")
    func badGlobalOptions() throws {
        #expect(throws: CLIError.usage("--cert (LOOM_CERT) needs --key (LOOM_KEY)")) {
            try ConnectionSettings.resolve(try GlobalOptions.parse([]), environment: ["LOOM_CERT": "c.pem"])
        }
        #expect(throws: (any Error).self) { try GlobalOptions.parse(["--timeout", "0"]) }
        #expect(throws: (any Error).self) { try GlobalOptions.parse(["--insecure", "--ca", "x"]) }
    }

    @Test("announcements decode from the reference camelCase shape")
    func announcement() throws {
        let json = """
            {"id": "m1", "name": "Chart", "migratorUrl": "https://mig", "unknown": 1,
             "requiredInputs": [{"name": "repo", "label": "Repository"}],
             "steps": [{"name": "s1", "migratorApp": "app", "type": "swap", "config": {"k": "v"}}],
             "candidates": [{"id": "c1", "kind": "app", "files": [{"name": "prod", "repo": "r", "files": [{"path": "a.yaml"}]}]}]}
            """
        let migration = try JSONInput.migration(from: Data(json.utf8))
        #expect(migration.id == "m1" && migration.migratorURL == "https://mig" && migration.description.isEmpty)
        #expect(migration.requiredInputs == [InputDefinition(name: "repo", label: "Repository")])
        #expect(migration.steps == [StepDefinition(name: "s1", migratorApp: "app", type: "swap", config: ["k": "v"])])
        #expect(migration.candidates.first?.files.first?.files == [FileRef(path: "a.yaml")])
    }

    @Test("invalid JSON files give a usage error naming the problem", arguments: [
        ("{\"name\": \"x\", \"steps\": [], \"migratorUrl\": \"u\"}", "invalid migration announcement JSON: missing property \"id\""),
        ("{\"id\": 1, \"name\": \"x\", \"steps\": [], \"migratorUrl\": \"u\"}", "invalid migration announcement JSON: id: expected a string"),
        ("{\"id\": \"m\", \"name\": \"x\", \"steps\": [{\"name\": \"s\"}], \"migratorUrl\": \"u\"}",
         "invalid migration announcement JSON: missing property \"migratorApp\" in steps[0]"),
        ("not json", "invalid migration announcement JSON: not valid JSON"),
    ])
    func invalidAnnouncement(json: String, message: String) {
        #expect(throws: CLIError.usage(message)) { try JSONInput.migration(from: Data(json.utf8)) }
    }

    @Test("candidate lists decode from an object or a bare array")
    func candidates() throws {
        let wrapped = try JSONInput.candidates(from: Data(#"{"candidates": [{"id": "a", "kind": "k", "status": "running"}]}"#.utf8))
        let bare = try JSONInput.candidates(from: Data(#"[{"id": "a", "kind": "k"}]"#.utf8))
        #expect(wrapped == [Candidate(id: "a", kind: "k")])
        #expect(bare == wrapped)
        #expect(throws: CLIError.self) { try JSONInput.candidates(from: Data(#"{"candidates": [{"id": "a"}]}"#.utf8)) }
    }

    @Test("an unreadable file is a usage error")
    func unreadableFile() {
        #expect(throws: CLIError.usage("cannot read /nonexistent/loomctl.json")) { try JSONInput.read(path: "/nonexistent/loomctl.json") }
    }
}

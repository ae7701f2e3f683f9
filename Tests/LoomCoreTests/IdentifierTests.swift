import LoomCore
import Testing

@Suite("Identifiers and run ids")
struct IdentifierTests {
    @Test("valid identifiers are accepted", arguments: ["a", "app-chart-migration", "billing_api", "v1.2", "A-Z_0.9", String(repeating: "x", count: 128)])
    func valid(value: String) {
        #expect(Identifier.isValid(value))
    }

    @Test("invalid identifiers are rejected", arguments: ["", "a__b", "a:b", "a b", "a/b", "é", "a\u{0}", String(repeating: "x", count: 129), "__", "_\u{200B}"])
    func invalid(value: String) {
        #expect(!Identifier.isValid(value))
    }

    @Test("a run id is {migrationId}__{candidateId} and parses back unambiguously")
    func runID() throws {
        let id = try RunID(migrationId: "m_1", candidateId: "c.2")
        #expect(id.description == "m_1__c.2")
        #expect(try RunID(parsing: "m_1__c.2") == id)
        #expect(throws: LoomError.self) { try RunID(parsing: "no-separator") }
        #expect(throws: LoomError.self) { try RunID(parsing: "a__b__c") }
        #expect(throws: LoomError.self) { try RunID(parsing: "__c") }
    }

    @Test("error messages quote hostile input safely and briefly")
    func quoting() {
        let error = LoomError.migrationNotFound(String(repeating: "\"\n", count: 100))
        #expect(!error.message.contains("\n"))
        #expect(error.message.count < 100)
    }
}

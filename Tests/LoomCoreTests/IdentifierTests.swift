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
        // A migration id cannot contain `__`, so a run id splits at its first one; candidate ids may contain it.
        #expect(try RunID(parsing: "a__b__c") == RunID(migrationId: "a", candidateId: "b__c"))
        #expect(try RunID(parsing: "m__org/repo") == RunID(migrationId: "m", candidateId: "org/repo"))
        #expect(throws: LoomError.self) { try RunID(parsing: "m__") }
        #expect(throws: LoomError.self) { try RunID(parsing: "__c") }
    }

    @Test("error messages quote hostile input safely and briefly")
    func quoting() {
        let error = LoomError.migrationNotFound(String(repeating: "\"\n", count: 100))
        #expect(!error.message.contains("\n"))
        #expect(error.message.count < 100)
    }

    @Test("candidate ids name things as fleets do", arguments: ["org/repo", "group/sub/repo", "a:b", "svc@prod", "lib+extras", "k=v~1", "a__b", "x", String(repeating: "r", count: 256)])
    func candidateIDs(value: String) throws {
        #expect(CandidateID.isValid(value))
        let id = try RunID(migrationId: "m", candidateId: value)
        #expect(try RunID(parsing: id.description) == id)
    }

    @Test("candidate ids outside the alphabet or too long are refused", arguments: ["", "a b", "a|b", "a\u{0}b", "ü", "a?b", "a#b", "a%b", String(repeating: "r", count: 257)])
    func badCandidateIDs(value: String) {
        #expect(!CandidateID.isValid(value))
        #expect(throws: LoomError.self) { try RunID(migrationId: "m", candidateId: value) }
    }

    @Test("key escaping leaves plain ids unchanged and escapes everything else, so no two ids share a key")
    func escaping() {
        #expect(CandidateID.escapedForKey("billing-api_v1.2") == "billing-api_v1.2")
        #expect(CandidateID.escapedForKey("org/repo") == "org%2Frepo")
        #expect(CandidateID.escapedForKey("a:b@c+d=e~f") == "a%3Ab%40c%2Bd%3De%7Ef")
        // `x:history` must not collide with the history key of candidate `x`.
        #expect(CandidateID.escapedForKey("x:history") != "x" + ":history")
    }
}

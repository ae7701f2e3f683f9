import LoomHTTP
import LoomMigratorKit
import Testing

@Suite("Reference JSON bodies")
struct ReferenceJSONTests {
    @Test("the reference migrator's announcement decodes with every field")
    func announcementDecodes() throws {
        let announcement = try JSONCoding.decode(ReferenceJSON.MigrationAnnouncement.self, from: Array(ReferenceBodies.announce.utf8))
        #expect(announcement.id == "app-chart-migration")
        #expect(announcement.requiredInputs == [ReferenceJSON.InputDefinition(name: "repoName", label: "Repository")])
        #expect(announcement.candidates == [])
        #expect(announcement.steps.count == 3)
        #expect(announcement.steps[1].config == ["instructions": "Check ECR"])
        #expect(announcement.steps[2].description == "Swap the chart in dev")
        #expect(announcement.steps[0].config == nil)
        #expect(announcement.migratorUrl == "http://app-chart-migrator:3001")
    }

    @Test("a dispatch body encodes exactly as the reference example (golden), omitting Loom's unset fields")
    func dispatchGolden() {
        let body = ReferenceJSON.DispatchStepRequest(
            migrationId: "app-chart-migration",
            stepName: "swap-chart-dev",
            candidate: .init(
                id: "billing-api",
                kind: "application",
                metadata: ["repoName": "billing-api"],
                files: [.init(name: "dev", repo: "gitops", files: [
                    .init(path: "src/team/sys/dev/app.yaml", url: "https://github.com/acme/gitops/blob/main/src/team/sys/dev/app.yaml"),
                ])],
                status: .notStarted
            ),
            config: ["env": "dev"],
            callbackId: "app-chart-migration__billing-api",
            eventName: "step-completed:swap-chart-dev:billing-api",
            migratorApp: "app-chart-migrator",
            migratorUrl: "http://app-chart-migrator:3001",
            type: "swap-chart"
        )
        let golden = #"{"callbackId":"app-chart-migration__billing-api","candidate":{"files":[{"files":[{"path":"src/team/sys/dev/app.yaml","url":"https://github.com/acme/gitops/blob/main/src/team/sys/dev/app.yaml"}],"name":"dev","repo":"gitops"}],"id":"billing-api","kind":"application","metadata":{"repoName":"billing-api"},"status":"not_started"},"config":{"env":"dev"},"eventName":"step-completed:swap-chart-dev:billing-api","migrationId":"app-chart-migration","migratorApp":"app-chart-migrator","migratorUrl":"http://app-chart-migrator:3001","stepName":"swap-chart-dev","type":"swap-chart"}"#
        #expect(String(decoding: JSONCoding.encode(body), as: UTF8.self) == golden)
    }

    @Test("Loom's additions to the dispatch body are plain optional fields (golden)")
    func dispatchWithAdditionsGolden() {
        let body = ReferenceJSON.DispatchStepRequest(
            migrationId: "m",
            stepName: "s",
            candidate: .init(id: "c", kind: "application"),
            config: nil,
            callbackId: "m__c",
            eventName: "step-completed:s:c",
            migratorApp: "app",
            migratorUrl: "http://x:1",
            type: nil,
            idempotencyKey: "m__c/s/2",
            attempt: 2,
            callbackToken: "tok",
            callbackUrl: "http://loom:8080/event/m__c"
        )
        let golden = #"{"attempt":2,"callbackId":"m__c","callbackToken":"tok","callbackUrl":"http://loom:8080/event/m__c","candidate":{"id":"c","kind":"application"},"eventName":"step-completed:s:c","idempotencyKey":"m__c/s/2","migrationId":"m","migratorApp":"app","migratorUrl":"http://x:1","stepName":"s"}"#
        #expect(String(decoding: JSONCoding.encode(body), as: UTF8.self) == golden)
    }

    @Test("a dry-run body always carries steps, as [] when there are none (golden)")
    func dryRunGolden() {
        let body = ReferenceJSON.DryRunRequest(migrationId: "m", candidate: .init(id: "c", kind: "k", metadata: [:]), steps: [])
        #expect(String(decoding: JSONCoding.encode(body), as: UTF8.self) == #"{"candidate":{"id":"c","kind":"k","metadata":{}},"migrationId":"m","steps":[]}"#)
    }

    @Test("a migrator's DryRunResult decodes, unknown fields ignored")
    func dryRunResultDecodes() throws {
        let json = #"{"steps":[{"stepName":"a","skipped":true},{"stepName":"b","skipped":false,"files":[{"path":"p","repo":"r","before":"","after":"x","status":"new","extra":1}]},{"stepName":"c","skipped":false,"error":"boom"}],"other":true}"#
        let result = try JSONCoding.decode(ReferenceJSON.DryRunResult.self, from: Array(json.utf8))
        #expect(result.steps.count == 3)
        #expect(result.steps[1].files?.first?.status == .new)
        #expect(result.steps[2].error == "boom")
    }

    @Test("decode errors name the field without echoing input", arguments: [
        (#"{"stepName":"s","candidateId":"c"}"#, "missing required field \"success\""),
        (#"{"stepName":"s","candidateId":"c","success":"yes"}"#, "wrong type for field \"success\""),
        (#"{"stepName":"s","candidateId":"c","success":true,"metadata":{"a":1}}"#, "wrong type for field \"metadata.a\""),
        (#"{"stepName":"s","#, "malformed JSON"),
        (#"[1,2]"#, "wrong type for the request body"),
    ])
    func decodeErrors(json: String, message: String) {
        #expect(throws: JSONBodyError(message: message)) {
            try JSONCoding.decode(ReferenceJSON.StepCompletedEvent.self, from: Array(json.utf8))
        }
    }

    @Test("an unknown candidate status is rejected")
    func unknownStatus() {
        #expect(throws: JSONBodyError.self) {
            try JSONCoding.decode(ReferenceJSON.Candidate.self, from: Array(#"{"id":"c","kind":"k","status":"failed"}"#.utf8))
        }
    }
}

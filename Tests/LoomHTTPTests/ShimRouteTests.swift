@testable import LoomHTTP
import NIOHTTP1
import Testing

@Suite("Shim route table")
struct ShimRouteTests {
    @Test("every served path matches its route", arguments: [
        (HTTPMethod.POST, "/registry/announce", ShimRoute.announce),
        (.POST, "/migrations/app-chart/candidates", .submitCandidates(migrationId: "app-chart")),
        (.POST, "/event/m__c", .event(callbackId: "m__c")),
        (.POST, "/event/m__c/pr-opened", .prOpened(callbackId: "m__c")),
        (.POST, "/event/a%20b", .event(callbackId: "a b")),
        // Repository-style candidate ids: escaped as Loom sends them, or with raw slashes.
        (.POST, "/event/m__org%2Frepo", .event(callbackId: "m__org/repo")),
        (.POST, "/event/m__org/repo", .event(callbackId: "m__org/repo")),
        (.POST, "/event/m__group/sub/repo/pr-opened", .prOpened(callbackId: "m__group/sub/repo")),
        (.POST, "/event/m__team:app@prod", .event(callbackId: "m__team:app@prod")),
        (.GET, "/healthz", .health),
        (.GET, "/readyz", .ready),
        (.GET, "/metrics", .metrics),
    ])
    func matches(method: HTTPMethod, path: String, route: ShimRoute) {
        #expect(ShimRoute.match(method: method, path: Substring(path)) == .matched(route))
    }

    @Test("unknown paths do not match", arguments: [
        "/", "", "/event", "/event/", "/event//pr-opened", "/migrations/m", "/migrations//candidates",
        "/registry/announce/x", "/event/%zz", "/event/m__org//repo", "/event/m__org/%zz", "/event/%ff", "healthz", "/healthz/", "/migrations/m/candidates/x",
    ])
    func notFound(path: String) {
        #expect(ShimRoute.match(method: .POST, path: Substring(path)) == .notFound)
    }

    @Test("a known path with another method is 405 with the allowed method")
    func methodNotAllowed() {
        #expect(ShimRoute.match(method: .GET, path: "/event/x") == .methodNotAllowed(allow: .POST, template: "/event/{id}"))
        #expect(ShimRoute.match(method: .POST, path: "/healthz") == .methodNotAllowed(allow: .GET, template: "/healthz"))
        #expect(ShimRoute.match(method: .DELETE, path: "/registry/announce") == .methodNotAllowed(allow: .POST, template: "/registry/announce"))
    }
}

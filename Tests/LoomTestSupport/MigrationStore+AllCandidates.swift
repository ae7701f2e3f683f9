import LoomCore

extension MigrationStore {
    /// Every candidate of the migration, by id, read page by page (tests only: fleets page).
    public func allCandidates(of migrationId: String, filter: CandidateFilter = CandidateFilter()) async throws -> [Candidate] {
        var result: [Candidate] = []
        var after: String?
        repeat {
            let scan = try await candidatePage(migrationId: migrationId, filter: filter, after: after, limit: 1000, scanLimit: 5000)
            result += scan.candidates
            after = scan.resumeAfter
        } while after != nil
        return result
    }
}

extension Service {
    /// Every candidate of the migration, by id, read page by page through the service.
    public func allCandidates(of migrationId: String, filter: CandidateFilter = CandidateFilter()) async throws -> [Candidate] {
        var result: [Candidate] = []
        var token = ""
        repeat {
            let page = try await listCandidates(migrationId: migrationId, filter: filter, pageSize: 1000, pageToken: token)
            result += page.candidates
            token = page.nextPageToken
        } while !token.isEmpty
        return result
    }
}

extension Run {
    /// The run without its version: what a refused event must leave unchanged (recording the
    /// refusal in the history moves the version, nothing else).
    public var state: Run {
        var copy = self
        copy.version = 0
        return copy
    }
}

import Synchronization

extension Service {
    /// Streams a campaign: first as it is, then whenever its record or counts changed (looked
    /// for every `pollInterval`), until it is completed or cancelled — the final state is always
    /// sent, then the stream ends — or the consumer stops.
    ///
    /// The stream is pulled: nothing is read while the consumer has not taken the previous
    /// message, so a slow consumer gets fewer messages, each the campaign as it is then.
    /// - Parameter scope: The campaigns the caller may read (``CallerScope``); another's is
    ///   refused (eagerly) with ``LoomError/ownedByAnother(_:)``.
    /// - Throws: `notFound` (eagerly) when the campaign does not exist.
    public func watchCampaign(
        id: String, pollInterval: Duration = .seconds(1), scope: CallerScope = .unrestricted
    ) async throws -> AsyncThrowingStream<Campaign, any Error> {
        let first = try await campaign(id: id, scope: scope)
        let cursor = CampaignWatchCursor(first)
        let reads = self.reads
        let clock = self.clock
        return AsyncThrowingStream(unfolding: {
            if let first = cursor.takeFirst() { return first }
            while !Task.isCancelled, !cursor.ended {
                try await clock.sleep(until: clock.now() + pollInterval)
                if let changed = cursor.take(try await reads.campaign(id: id)) { return changed }
            }
            return nil
        })
    }
}

/// What a campaign watch has sent: the last campaign, and whether it was the final one.
final class CampaignWatchCursor: Sendable {
    private struct State {
        var last: Campaign
        var sentFirst = false
        var ended = false
    }

    private let state: Mutex<State>

    init(_ first: Campaign) {
        state = Mutex(State(last: first))
    }

    /// Whether the last campaign sent was completed or cancelled: nothing follows it.
    var ended: Bool { state.withLock { $0.ended } }

    /// The first campaign, the first time only.
    func takeFirst() -> Campaign? {
        state.withLock { state in
            guard !state.sentFirst else { return nil }
            state.sentFirst = true
            state.ended = !state.last.state.isOpen
            return state.last
        }
    }

    /// `campaign` when it differs from the last one sent (then remembered), else `nil`.
    func take(_ campaign: Campaign) -> Campaign? {
        state.withLock { state in
            guard campaign != state.last else { return nil }
            state.last = campaign
            state.ended = !campaign.state.isOpen
            return campaign
        }
    }
}

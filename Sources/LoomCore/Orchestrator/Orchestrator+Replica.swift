import Logging

extension Orchestrator {
    /// How long a registration lives without heartbeats before the store drops it: a few
    /// silences, so it outlives short store outages yet cleans itself up.
    var registrationTTL: Duration { configuration.replicaSilence * 3 }

    /// Registers this incarnation as the live one of its replica.
    ///
    /// When another incarnation is registered, waits (polling every heartbeat) until it has not
    /// beaten for ``Configuration/replicaSilence`` — it died — and replaces it; if it beats
    /// meanwhile, or yet another incarnation registers, a live process uses the same replica id
    /// and this throws. Store failures are logged once per change and retried.
    /// - Returns: `false` when the task was cancelled before registering.
    func registerReplica() async throws -> Bool {
        var observed: (registration: ReplicaRegistration, since: Timestamp)?
        var failing = false
        while !Task.isCancelled {
            do {
                let current = try await store.replicaRegistration(leaseHolder.replica, now: clock.now())
                if failing {
                    failing = false
                    logger.notice("replica registration: the store answers again", metadata: ["replica": "\(leaseHolder.replica)"])
                }
                if let current, current.incarnation != leaseHolder.incarnation {
                    if let seen = observed {
                        guard seen.registration == current else {
                            // It beat (or another process registered): a live process has this id.
                            throw ReplicaConflict(replica: leaseHolder.replica, otherIncarnation: current.incarnation, atStart: true)
                        }
                        if clock.now() - seen.since >= configuration.replicaSilence {
                            if try await store.registerReplica(leaseHolder, replacing: current, now: clock.now(), ttl: registrationTTL) {
                                logger.info(
                                    "replica registered; its earlier incarnation fell silent",
                                    metadata: ["replica": "\(leaseHolder.replica)", "incarnation": "\(leaseHolder.incarnation)", "earlier": "\(current.incarnation)"])
                                return true
                            }
                            continue  // it changed under us: look again
                        }
                    } else {
                        observed = (current, clock.now())
                        logger.info(
                            "replica id registered by an earlier incarnation; waiting for its heartbeat to stop",
                            metadata: ["replica": "\(leaseHolder.replica)", "earlier": "\(current.incarnation)", "silence": "\(configuration.replicaSilence)"])
                    }
                } else if try await store.registerReplica(leaseHolder, replacing: current, now: clock.now(), ttl: registrationTTL) {
                    logger.info("replica registered", metadata: ["replica": "\(leaseHolder.replica)", "incarnation": "\(leaseHolder.incarnation)"])
                    return true
                } else {
                    continue  // another process registered between the read and the write
                }
            } catch let conflict as ReplicaConflict {
                throw conflict
            } catch {
                if !failing {
                    failing = true
                    logger.warning(
                        "replica registration: the store is not reachable; retrying (no timers are claimed meanwhile)",
                        metadata: ["replica": "\(leaseHolder.replica)", "error": "\(error)"])
                }
            }
            do {
                try await clock.sleep(until: clock.now() + configuration.replicaHeartbeat)
            } catch {
                return false
            }
        }
        return false
    }

    /// Renews the registration every heartbeat until the task is cancelled.
    /// - Throws: ``ReplicaConflict`` when another incarnation holds the replica id.
    func heartbeat() async throws {
        var failing = false
        while true {
            do {
                try await clock.sleep(until: clock.now() + configuration.replicaHeartbeat)
            } catch {
                return
            }
            do {
                if try await store.renewReplica(leaseHolder, now: clock.now(), ttl: registrationTTL) {
                    if failing {
                        failing = false
                        logger.notice("replica heartbeat: the store answers again", metadata: ["replica": "\(leaseHolder.replica)"])
                    }
                    continue
                }
                let other = try? await store.replicaRegistration(leaseHolder.replica, now: clock.now())
                throw ReplicaConflict(replica: leaseHolder.replica, otherIncarnation: other?.incarnation ?? "unknown", atStart: false)
            } catch let conflict as ReplicaConflict {
                throw conflict
            } catch {
                if !failing {
                    failing = true
                    logger.warning(
                        "replica heartbeat: the store is not reachable; retrying",
                        metadata: ["replica": "\(leaseHolder.replica)", "error": "\(error)"])
                }
            }
        }
    }

    /// Takes back, in every partition, the leases of earlier incarnations of this replica and
    /// starts work on their runs at once (dispatches they left in flight are re-sent). Waits
    /// for the token signer first; store failures are retried every tick until cancelled.
    func takeOverEarlierLeases() async {
        while !(signer?.isReady ?? true) {
            do {
                try await clock.sleep(until: clock.now() + configuration.tickInterval)
            } catch {
                return
            }
        }
        var pending = Array(0..<store.timerPartitionCount)
        var taken = 0
        var failing = false
        while !pending.isEmpty && !Task.isCancelled {
            var failed: [Int] = []
            for partition in pending {
                let now = clock.now()
                do {
                    let timers = try await store.takeOverLeases(
                        partition: partition, of: leaseHolder.replica, for: leaseHolder, now: now, lease: configuration.timerLease)
                    for timer in timers { await schedule(timer.runID, takenOverAt: now) }
                    taken += timers.count
                } catch {
                    failed.append(partition)
                    if !failing {
                        failing = true
                        logger.warning("taking back the earlier incarnation's leases failed; retrying", metadata: ["error": "\(error)"])
                    }
                }
            }
            pending = failed
            if !pending.isEmpty {
                do {
                    try await clock.sleep(until: clock.now() + configuration.tickInterval)
                } catch {
                    return
                }
            }
        }
        if taken > 0 {
            logger.notice(
                "took back the timer leases of this replica's earlier incarnation",
                metadata: ["replica": "\(leaseHolder.replica)", "leases": "\(taken)"])
        }
    }
}

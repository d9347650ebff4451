import Foundation
import TideAllocation

/// Answers one allocation request: the contract's snapshot JSON in, the
/// decision JSON out, exactly as `cmd allocate` does.
///
/// Pure apart from its metrics: the allocator keeps no state between
/// requests (policy state travels in the snapshot), so any replica can
/// answer any request, and a request answered twice gets the same bytes.
public struct AllocationHandler: Sendable {
    public let metrics: AllocatorMetrics

    public init(metrics: AllocatorMetrics) {
        self.metrics = metrics
    }

    /// The decision for `body`, or an `AllocationRequestError` naming what is wrong with it.
    public func respond(to body: Data) throws -> Data {
        let start = ContinuousClock.now
        let snapshot: AllocationSnapshot
        do {
            snapshot = try AllocationCoding.decodeSnapshot(body)
        } catch let error as AllocationInputError {
            metrics.recordError(kind: .invalidRequest)
            throw AllocationRequestError(input: error)
        } catch {
            // Not JSON at all: Foundation's own error, not a DecodingError.
            metrics.recordError(kind: .invalidRequest)
            throw AllocationRequestError(field: "(document)", message: "not a JSON snapshot: \(error.localizedDescription)")
        }
        do {
            let decision = try Allocator.allocate(snapshot)
            let reply = try AllocationCoding.encode(decision)
            metrics.recordRound(policy: snapshot.policy, jobs: snapshot.jobs.count, duration: .now - start)
            return reply
        } catch let error as AllocationInputError {
            metrics.recordError(kind: .invalidRequest)
            throw AllocationRequestError(input: error)
        } catch {
            metrics.recordError(kind: .internalError)
            throw AllocationRequestError(field: "(allocator)", message: "could not encode the decision: \(error)")
        }
    }
}

/// A request the allocator refuses; its description is the RPC error reply.
public struct AllocationRequestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A JSON path such as `jobs[2].speedup.4`, or `(document)`.
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    init(input: AllocationInputError) {
        self.init(field: input.field, message: input.message)
    }

    public var description: String { "invalid allocation request: \(field): \(message)" }
}

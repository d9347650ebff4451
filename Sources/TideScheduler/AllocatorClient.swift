import Foundation
import TideAllocation
import TideBroker

/// Asks the allocator for one round's decision.
public protocol AllocatorCalling: Sendable {
    func allocate(_ snapshot: AllocationSnapshot) async throws -> AllocationDecision
}

/// The allocator over its RabbitMQ RPC queue.
public struct RPCAllocator: AllocatorCalling {
    let client: RPCClient
    let queue: String
    let timeout: Duration

    public init(client: RPCClient, queue: String = BrokerNames.allocatorQueue, timeout: Duration = .seconds(30)) {
        self.client = client
        self.queue = queue
        self.timeout = timeout
    }

    public func allocate(_ snapshot: AllocationSnapshot) async throws -> AllocationDecision {
        let reply = try await client.call(queue: queue, body: try AllocationCoding.encode(snapshot), timeout: timeout)
        return try JSONDecoder().decode(AllocationDecision.self, from: reply)
    }
}

/// The allocation library in process: for tests and a single-binary set-up.
public struct InProcessAllocator: AllocatorCalling {
    public init() {}

    public func allocate(_ snapshot: AllocationSnapshot) async throws -> AllocationDecision {
        try Allocator.allocate(snapshot)
    }
}

import Logging
import ServiceLifecycle
import TideBackend
import TideBroker

/// Runs a `Scheduler`: recovers, then rounds on every trigger (job and node
/// events from its queue, worker exits, a periodic tick), merged by a short
/// debounce, until graceful shutdown. Workers keep running when the
/// scheduler stops; the next one adopts them.
public struct SchedulerService: Service {
    /// How often and how quickly rounds come.
    public struct Timing: Sendable {
        /// Events closer together than this make one round.
        public var debounce: Duration = .milliseconds(20)
        /// A round at least this often, events or not.
        public var tick: Duration = .seconds(5)
        /// After a failed round (database or allocator away), the next try.
        public var retry: Duration = .seconds(1)

        public init() {}
    }

    let scheduler: Scheduler
    let trigger: RoundTrigger
    let backend: any ClusterBackend
    let broker: BrokerConfiguration?
    let timing: Timing
    let metrics: SchedulerMetrics
    let readiness: @Sendable (Bool) -> Void
    let logger: Logger

    /// `broker` nil runs without a queue (tests): rounds come from exits and ticks only.
    public init(
        scheduler: Scheduler, trigger: RoundTrigger, backend: any ClusterBackend, broker: BrokerConfiguration?,
        timing: Timing = Timing(), metrics: SchedulerMetrics, readiness: @escaping @Sendable (Bool) -> Void = { _ in },
        logger: Logger
    ) {
        self.scheduler = scheduler
        self.trigger = trigger
        self.backend = backend
        self.broker = broker
        self.timing = timing
        self.metrics = metrics
        self.readiness = readiness
        self.logger = logger
    }

    public func run() async throws {
        let accelerator = await scheduler.settings.accelerator
        while true {
            do {
                try await scheduler.recover()
                break
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { return }
                logger.error("recovery failed; trying again", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: timing.retry)
            }
        }
        let consumer: Consumer?
        if let broker {
            consumer = try await Consumer(
                configuration: broker, queue: try BrokerNames.schedulerQueue(accelerator: accelerator), prefetch: 256,
                topology: try Topology.scheduler(accelerator: accelerator), logger: logger, name: "tide-scheduler")
        } else {
            consumer = nil
        }
        readiness(true)
        logger.info("scheduling", metadata: ["accelerator": "\(accelerator)"])
        await withDiscardingTaskGroup { group in
            if let consumer {
                group.addTask {
                    do {
                        for try await delivery in consumer { trigger.add(delivery) }
                    } catch {
                        logger.error("stopped consuming the scheduler queue", metadata: ["error": "\(error)"])
                    }
                }
            }
            group.addTask { await forwardExits() }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: timing.tick)
                    trigger.wake()
                }
            }
            group.addTask { await roundLoop() }
            try? await gracefulShutdown()
            readiness(false)
            consumer?.close()
            trigger.finish()
            group.cancelAll()
        }
    }

    private func roundLoop() async {
        // After a failed round, read everything again: what failed may have been a read.
        var retryEverything = false
        for await _ in trigger.wakeUps {
            try? await Task.sleep(for: timing.debounce)
            let deliveries = trigger.takeDeliveries()
            let start = ContinuousClock.now
            do {
                var cause = RoundCause.from(deliveries)
                if retryEverything { cause.everything = true }
                let timings = try await scheduler.round(cause)
                retryEverything = false
                metrics.recordRound(duration: .now - start, failed: false)
                metrics.recordPhases(timings)
                let held = await scheduler.heldJobs
                metrics.setJobs(held.count, withWorkers: held.filter(\.hasWorkers).count)
                for delivery in deliveries { try? await delivery.ack() }
            } catch {
                metrics.recordRound(duration: .now - start, failed: true)
                logger.warning("round failed; trying again", metadata: ["error": "\(error)"])
                trigger.putBack(deliveries)
                retryEverything = true
                trigger.wake(after: timing.retry)
            }
        }
    }

    private func forwardExits() async {
        for await exit in backend.exits {
            while !Task.isCancelled {
                do {
                    try await scheduler.handle(exit)
                    // Recorded: the backend may drop it (until now a restart would report it again).
                    try await backend.forget(exit.id)
                    metrics.recordExit(result: exit.isSuccess ? "success" : exit.requested ? "requested" : "failure")
                    break
                } catch {
                    // Not recorded yet (database away): the exit must not be lost.
                    logger.warning("could not record a worker exit; retrying", metadata: ["worker": "\(exit.id)", "error": "\(error)"])
                    try? await Task.sleep(for: timing.retry)
                }
            }
            trigger.wake()
        }
    }
}

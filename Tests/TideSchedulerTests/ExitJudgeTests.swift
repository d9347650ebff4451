import TideBackend
import TideScheduler
import Testing

@Suite struct ExitJudgeTests {
    static func running(workers: Int = 2, retries: Int = 0, finished: [Int] = []) -> ManagedJob {
        var record = SchedulerRecord()
        record.beginRun((0..<workers).map { WorkerSlot(index: $0, node: "n", gpus: [$0]) }, at: 100)
        record.retries = retries
        record.finishedWorkers = finished
        return Fixtures.job(Fixtures.spec("j", maxRetries: 2), record: record)
    }

    static func exit(_ index: Int, _ status: WorkerExit.Status, run: Int = 1, requested: Bool = false) -> WorkerExit {
        WorkerExit(id: WorkerID(job: "j", run: run, index: index), status: status, requested: requested, endedAt: 200)
    }

    @Test func completesWhenEveryWorkerExitedZero() {
        #expect(ExitJudge.judge(Self.exit(0, .exited(0)), job: Self.running()) == .workerFinished)
        #expect(ExitJudge.judge(Self.exit(1, .exited(0)), job: Self.running(finished: [0])) == .completed)
    }

    @Test func anExitTideCausedIsNeitherCompletionNorFailure() {
        #expect(ExitJudge.judge(Self.exit(0, .exited(0), requested: true), job: Self.running()) == .ignore)
        #expect(ExitJudge.judge(Self.exit(0, .signaled(15), requested: true), job: Self.running()) == .ignore)
    }

    @Test func exitsOfOlderRunsOrUnknownWorkersAreIgnored() {
        #expect(ExitJudge.judge(Self.exit(0, .exited(1), run: 0), job: Self.running()) == .ignore)
        #expect(ExitJudge.judge(Self.exit(7, .exited(1)), job: Self.running()) == .ignore)
    }

    @Test func failuresRetryWithGrowingBackoffThenFail() {
        #expect(
            ExitJudge.judge(Self.exit(1, .exited(2)), job: Self.running())
                == .retry(message: "worker 1 exited with code 2; retry 1 of 2", backoffSeconds: 2))
        #expect(
            ExitJudge.judge(Self.exit(0, .signaled(9)), job: Self.running(retries: 1))
                == .retry(message: "worker 0 was killed by signal 9; retry 2 of 2", backoffSeconds: 4))
        #expect(
            ExitJudge.judge(Self.exit(0, .exited(137)), job: Self.running(retries: 2))
                == .failed(message: "worker 0 exited with code 137 (killed: out of memory?); no retries left (maxRetries 2)"))
    }

    @Test func aCommandThatCannotStartFailsAtOnce() {
        let outcome = ExitJudge.judge(Self.exit(0, .failedToStart("nosuch: No such file or directory")), job: Self.running())
        #expect(outcome == .failed(message: "worker 0 could not start: nosuch: No such file or directory"))
    }
}

@Suite struct RefusalJudgeTests {
    @Test func aNodesRefusalRollsTheGangBackWithoutCountingAFailure() {
        let outcome = ExitJudge.judge(
            ExitJudgeTests.exit(1, .refused("OutOfnvidia.com/gpu: requested: 1, used: 4, capacity: 4")),
            job: ExitJudgeTests.running(retries: 2))
        #expect(outcome == .rollBack(message: "worker 1 was refused by its node: OutOfnvidia.com/gpu: requested: 1, used: 4, capacity: 4"))
    }

    @Test func aRefusalOfAStoppedWorkerIsIgnored() {
        #expect(ExitJudge.judge(ExitJudgeTests.exit(0, .refused("Evicted"), requested: true), job: ExitJudgeTests.running()) == .ignore)
    }
}

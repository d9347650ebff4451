import Foundation
import TideBackend

/// After a restart: the workers found in the data directory, and the acknowledgement of exits.
extension LocalBackend {
    /// The workers found in the data directory: those whose shim is alive are
    /// `running` (their ends come later through `exits`); those with an exit
    /// recorded and not forgotten are `missedExits`. A worker whose shim died
    /// without recording the exit (SIGKILL) has what is left of it killed and
    /// counts as ended by signal 9. A live worker that was asked to stop is
    /// watched, but not `running`. A worker whose shim never recorded a start
    /// (the scheduler died while starting it) never ran: it is dropped, not
    /// reported. Workers this backend already watches or reported are skipped.
    public func adopt() async throws -> Adoption {
        var adoption = Adoption()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: workers.path)) ?? []
        for name in names.sorted() {
            let directory = WorkerDirectory(url: workers.appendingPathComponent(name, isDirectory: true))
            guard let launch = directory.launch, !directory.isForgotten else { continue }
            let id = launch.id
            guard !watcher.isWatched(id), !watcher.isReported(id) else { continue }
            // The lock before the records: a shim writes its exit, then dies.
            let alive = directory.shimIsAlive()
            let started = directory.started
            if let record = directory.exitRecord {
                adoption.missedExits.append(directory.exit(of: id, record))
                watcher.markReported(id)
            } else if alive, let started {
                watcher.watch(id, in: directory)
                // A stop the last scheduler asked for and did not see through: not running (its
                // run is started over); its end comes through `exits`, as requested.
                if directory.requestedAt == nil {
                    adoption.running.append(RunningWorker(launch: launch, pid: started.workerPid, startedAt: started.startedAt))
                }
            } else if alive {
                // Its shim is starting it right now.
                switch await watcher.launchOutcome(id, in: directory) {
                case .started(let started):
                    adoption.running.append(RunningWorker(launch: launch, pid: started.workerPid, startedAt: started.startedAt))
                case .shimFailed:
                    try? FileManager.default.removeItem(at: directory.launchFile)
                case .ended, .shutDown:
                    break  // an end comes through `exits`, as for any adopted worker
                }
            } else if let started {
                logger.warning("worker shim died without recording the exit; killing the worker", metadata: ["worker": "\(id)"])
                adoption.missedExits.append(directory.exit(of: id, directory.recordLostExit(of: started)))
                watcher.markReported(id)
            } else {
                try? FileManager.default.removeItem(at: directory.launchFile)
            }
        }
        logger.info(
            "adopted local workers",
            metadata: ["running": "\(adoption.running.count)", "missedExits": "\(adoption.missedExits.count)"])
        return adoption
    }

    /// The scheduler recorded this worker's exit: it is never reported again,
    /// by this backend or a later one. The directory and its log stay. Does
    /// nothing for a worker that has not ended.
    public func forget(_ worker: WorkerID) async throws {
        let directory = WorkerDirectory(workers: workers, id: worker)
        guard directory.exitRecord != nil else { return }
        try directory.writeAtomically(Data(), to: directory.forgottenFile)
        watcher.forget(worker)
    }
}

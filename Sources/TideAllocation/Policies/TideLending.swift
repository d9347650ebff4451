extension TidePolicy {
    /// A running job lends a worker only to a running job whose expected
    /// remaining time is at most this fraction of its own.
    static let lendRatio = 4.0
    /// Lenders a borrower looks past (other GPU sizes, higher priorities)
    /// before it gives up: keeps a round linear on any snapshot.
    static let lendScanLimit = 64

    /// Lending, after the plan: a running job may take its next worker from a
    /// running job at least `lendRatio` times longer, when the time it saves
    /// exceeds what the lender loses over the loan and the restarts both pay.
    ///
    /// Running jobs otherwise keep their count, so on a full cluster a job
    /// that arrived after the long ones ran at its requested width while the
    /// long ones held theirs for days: on Philly, where durations span five
    /// orders of magnitude, AFS-L's rule (the next GPU to the largest gain
    /// over remaining time) ran jobs of an hour or two 25-40% faster. This is
    /// that rule, one worker per borrower per round, with the restarts priced:
    /// the borrower's own, and the lender's shrink now and its regrowth when
    /// the borrower finishes (the spare phase gives lenders their width back
    /// first). The loan lasts the borrower's remaining time at its new count;
    /// the lender loses the progress of its last worker over it.
    ///
    /// Neither side may be resized within `minResizeInterval` or
    /// non-preemptible, nor settling, except a borrower with an `earlyLoanCap`
    /// (never resized since its start, with an estimate of its length): the
    /// settle and the growth cap keep a job from growing on spare GPUs the next
    /// newcomer takes back, while a loan is priced on its own; on Philly, two
    /// thirds of the jobs of 5-15 minutes otherwise ran at their starting count
    /// to the end (2026-11-24, evening). Such a borrower stays within its early
    /// cap (a measured dip), any other within its growth cap. A lender keeps its
    /// minimum and never lends to a lower priority. A settling job that a claim
    /// shrinks this round may lend too: the shrink pays its restart, and in a
    /// burst of newcomers the long jobs, shrunk and grown back every minute, are
    /// always settling and otherwise never lent (2026-11-24, late night).
    ///
    /// The first loan counts as the job's first resize, so the early exception
    /// holds once; the restore may then take it on to its efficient width
    /// within the settle, as it does any job a resize left below that width.
    /// A running job lending, borrowing or rebalancing may touch: not resized
    /// within `minResizeInterval`, preemptible, and not `settling`.
    static func isSteady(_ job: AllocationProblem.Job, settling: Bool) -> Bool {
        job.isRunning && !job.recentlyResized && job.floor == 0 && !settling
    }

    static func lend(
        _ problem: AllocationProblem, counts: inout [Int], rank: [Int], key: [Double], remaining: [Double], settling: [Bool],
        earlyLoanCap: [Int?], cap: [Int]
    ) {
        let jobs = problem.jobs, curves = problem.curves, restart = problem.snapshot.jobs.map(\.restartSeconds)
        // A job a claim already shrank this round may lend too, settling or not: its restart is paid.
        var lenders = jobs.indices.filter { index in
            let shrunk = counts[index] < jobs[index].current
            return isSteady(jobs[index], settling: settling[index] && !shrunk) && counts[index] <= jobs[index].current
                && counts[index] > jobs[index].minWorkers
        }
        guard !lenders.isEmpty else { return }
        lenders.sort { key[$0] != key[$1] ? key[$0] > key[$1] : rank[$0] < rank[$1] }
        let longest = key[lenders[0]]
        func mayBorrow(_ index: Int) -> Bool { isSteady(jobs[index], settling: settling[index] && earlyLoanCap[index] == nil) }
        var borrowers = jobs.indices.filter { index in
            mayBorrow(index) && counts[index] == jobs[index].current && key[index] * lendRatio < longest
                && counts[index] < min(jobs[index].maxWorkers, earlyLoanCap[index] ?? cap[index], problem.workerCaps[index])
        }
        borrowers.sort { key[$0] != key[$1] ? key[$0] < key[$1] : rank[$0] < rank[$1] }
        var first = 0
        for borrower in borrowers {
            while first < lenders.count && counts[lenders[first]] <= jobs[lenders[first]].minWorkers { first += 1 }
            // Borrowers come shortest first and lenders longest first: once
            // the longest left is not long enough, nobody after is.
            guard first < lenders.count, key[lenders[first]] > lendRatio * key[borrower] else { return }
            let workers = counts[borrower]
            let now = remaining[borrower] / curves[borrower].speedup(workers)
            let loan = remaining[borrower] / curves[borrower].speedup(workers + 1)
            let saved = now - loan - restart[borrower]
            guard saved > 0 else { continue }
            var scanned = 0
            for lender in lenders[first...] {
                guard key[lender] > lendRatio * key[borrower], scanned < lendScanLimit else { break }
                scanned += 1
                let job = jobs[lender]
                guard counts[lender] > job.minWorkers, job.gpusPerWorker == jobs[borrower].gpusPerWorker,
                    job.priority <= jobs[borrower].priority
                else { continue }
                let curve = curves[lender], lent = counts[lender]
                let lost = loan * (curve.speedup(lent) - curve.speedup(lent - 1)) / curve.speedup(job.current)
                let restarts = Double(lent < job.current ? 1 : 2) * restart[lender]
                if saved > lost + restarts {
                    counts[borrower] += 1
                    counts[lender] -= 1
                }
                // One lender per borrower and round: the longest eligible one.
                break
            }
        }
    }
}

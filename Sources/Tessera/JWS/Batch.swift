import CTesseraSupport
import Glibc

/// Work on the items of a batch, one index at a time; safe to run from
/// several threads at once for different indices. Returns the item's
/// failure, if any.
protocol BatchWork {
    func run(_ index: Int) -> TesseraError?
}

/// Batch signing's work split across the cores (`tessera_jwt_sign_batch`).
enum Batch {
    /// Fewest items worth a thread of their own: about 100 µs of HS256
    /// work, so that starting a thread costs a small fraction of what it does.
    static let minPerThread = 256

    /// Runs `work` for every index in `0..<count`, once each, and returns
    /// the lowest failing index with its failure.
    ///
    /// The items are split into contiguous ranges, at least `minPerThread`
    /// each; the calling thread takes the first, and short-lived POSIX
    /// threads the others. How many threads: no more than the CPUs the
    /// process may use (its affinity mask, capped by its cgroup's CPU quota:
    /// `tessera__usable_cpus`); process-wide, a batch starts threads only
    /// while the threads running batches (the callers' own included) are
    /// fewer than those CPUs, so a batch that finds them busy runs on its
    /// calling thread alone. Plain
    /// pthreads rather than Dispatch: linking libdispatch into the library
    /// would start a second thread pool inside the host process. If a
    /// thread cannot be started, its range runs on the calling thread.
    static func forEach<W: BatchWork>(_ work: W, count: Int) -> (index: Int, error: TesseraError)? {
        guard count > 0 else { return nil }
        let usable = Int(tessera__usable_cpus())
        let wanted = max(1, min(usable, count / minPerThread))
        let extra = Int(tessera__batch_enter(Int32(clamping: wanted - 1), Int32(clamping: usable)))
        defer { tessera__batch_leave(Int32(extra)) }
        if extra == 0 {
            var first: (index: Int, error: TesseraError)? = nil
            for i in 0..<count {
                if let error = work.run(i), first == nil { first = (i, error) }
            }
            return first
        }
        let workers = 1 + extra
        // ceil(count / workers), and range bounds that cannot overflow.
        let per = count / workers + (count % workers == 0 ? 0 : 1)
        func bound(_ w: Int) -> Int {
            let (product, overflow) = w.multipliedReportingOverflow(by: per)
            return overflow ? count : min(count, product)
        }
        let shared: any BatchWork = work
        let ranges = UnsafeMutablePointer<BatchRange>.allocate(capacity: workers)
        var threads = [pthread_t?](repeating: nil, count: workers)
        for w in 0..<workers {
            (ranges + w).initialize(to: BatchRange(work: shared, start: bound(w), end: bound(w + 1)))
        }
        for w in 1..<workers {
            var thread = pthread_t()
            if pthread_create(&thread, nil, batchThread, UnsafeMutableRawPointer(ranges + w)) == 0 {
                threads[w] = thread
            } else {
                ranges[w].run()
            }
        }
        ranges[0].run()
        for w in 1..<workers {
            if let thread = threads[w] { pthread_join(thread, nil) }
        }
        // The ranges are in index order: the first with a failure has the lowest.
        var first: (index: Int, error: TesseraError)? = nil
        for w in 0..<workers where first == nil { first = ranges[w].failure }
        ranges.deinitialize(count: workers)
        ranges.deallocate()
        return first
    }
}

/// One worker's share of a batch, and its first failure.
private struct BatchRange {
    let work: any BatchWork
    let start: Int
    let end: Int
    var failure: (index: Int, error: TesseraError)? = nil

    init(work: any BatchWork, start: Int, end: Int) {
        self.work = work
        self.start = start
        self.end = end
    }

    mutating func run() {
        guard start < end else { return }
        for i in start..<end {
            if let error = work.run(i), failure == nil { failure = (i, error) }
        }
    }
}

private func batchThread(_ argument: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    argument?.assumingMemoryBound(to: BatchRange.self).pointee.run()
    return nil
}

import Glibc

/// Work on the items of a batch, one index at a time; safe to run from
/// several threads at once for different indices.
protocol BatchWork {
    func run(_ index: Int)
}

/// Batch signing's work split across the cores (`tessera_jwt_sign_batch`).
enum Batch {
    /// Fewest items worth a thread of their own: about 100 µs of HS256
    /// work, so that starting a thread costs a small fraction of what it does.
    static let minPerThread = 256

    /// Runs `work` for every index in `0..<count`: in one contiguous range
    /// per core (at least `minPerThread` items each) on short-lived POSIX
    /// threads, the calling thread taking the first range, or on the
    /// calling thread alone for a small batch. Plain pthreads rather than
    /// Dispatch: linking libdispatch into the library would start a second
    /// thread pool inside the host process and leave a libdispatch symbol in
    /// libtessera.so's dynamic symbol table. If a thread cannot be started,
    /// its range runs on the calling thread. The single-threaded path is
    /// specialised for `W`; the threads share one boxed copy of `work`.
    static func forEach<W: BatchWork>(_ work: W, count: Int) {
        let cpus = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let workers = max(1, min(cpus, count / minPerThread))
        if workers == 1 {
            for i in 0..<max(count, 0) { work.run(i) }
            return
        }
        let shared: any BatchWork = work
        let per = (count + workers - 1) / workers
        let ranges = UnsafeMutablePointer<BatchRange>.allocate(capacity: workers)
        var threads = [pthread_t?](repeating: nil, count: workers)
        for w in 0..<workers {
            (ranges + w).initialize(to: BatchRange(work: shared, start: min(count, w * per), end: min(count, (w + 1) * per)))
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
        ranges.deinitialize(count: workers)
        ranges.deallocate()
    }
}

/// One worker's share of a batch.
private struct BatchRange {
    let work: any BatchWork
    let start: Int
    let end: Int

    func run() {
        if start < end { for i in start..<end { work.run(i) } }
    }
}

private func batchThread(_ argument: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    argument?.assumingMemoryBound(to: BatchRange.self).pointee.run()
    return nil
}

import Dispatch
import Glibc
import Histogram
import CTesseraABI
import MallocCounter

@inline(__always)
func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// One operation at one thread count.
struct Result {
    let name: String
    let claims: String
    let threads: Int
    let opsPerSec: Double
    /// Average time one thread spends per operation: threads / throughput.
    let nsPerOp: Double
    let p50: UInt64, p99: UInt64, p999: UInt64
    let mallocsPerOp: Double
    var efficiency: Double?
    let operations: Int
}

/// Runs operations on Dispatch: one block per thread submitted to a
/// concurrent `DispatchQueue` and awaited with a `DispatchGroup` (not
/// `concurrentPerform`, whose width is capped at the core count), each block
/// a worker that performs the operation a fixed number of times (calibrated so that the run lasts about
/// `seconds` when the threads scale), timing one operation in eight
/// individually for the latency histogram (so clock reads add little to the
/// throughput figure) and counting its own thread's heap allocations.
struct Runner {
    /// Each worker's output buffer: room for a batch of tokens.
    static let bufferSize = 1 << 20
    let seconds: Double
    let minOps: Int
    /// The queue the workers run on. Above the core count Dispatch runs some
    /// blocks after others (its pool is as wide as the machine), which is
    /// what `--threads` beyond the cores measures; the table says so.
    let queue = DispatchQueue(label: "tessera-bench.workers", qos: .userInitiated, attributes: .concurrent)

    /// Estimated ns/op from a short single-thread run.
    func calibrate(_ op: Operation) -> Double {
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: Runner.bufferSize)
        defer { buffer.deallocate() }
        var n = 0
        let start = monotonicNanoseconds()
        var elapsed: UInt64 = 0
        repeat {
            for _ in 0..<8 { _ = Operation.perform(op.work, buffer, Runner.bufferSize) }
            n += 8
            elapsed = monotonicNanoseconds() - start
        } while elapsed < 30_000_000 && n < 1_000_000
        return Double(elapsed) / Double(n)
    }

    func measure(_ op: Operation, threads: Int, nsPerOp estimate: Double) throws -> Result {
        let perThread = max(minOps, Int(seconds * 1e9 / max(estimate, 1)))
        struct WorkerOutcome {
            var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
            var mallocs: UInt64 = 0
            var failures = 0
            var firstFailure: Int32 = 0
        }
        let outcomes = UnsafeMutablePointer<WorkerOutcome>.allocate(capacity: threads)
        outcomes.initialize(repeating: WorkerOutcome(), count: threads)
        defer {
            outcomes.deinitialize(count: threads)
            outcomes.deallocate()
        }
        /// Each worker writes only its own slot.
        struct Slots: @unchecked Sendable { let base: UnsafeMutablePointer<WorkerOutcome> }
        let slots = Slots(base: outcomes)
        let start = monotonicNanoseconds()
        let work = op.work
        let group = DispatchGroup()
        for w in 0..<threads {
            queue.async(group: group) {
                let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: Runner.bufferSize)
                defer { buffer.deallocate() }
                var outcome = WorkerOutcome()
                var failures = 0
                var status: Int32 = 0
                let before = tessera_bench_thread_allocations()
                for i in 0..<perThread {
                    if i & 7 == 0 {
                        let t0 = monotonicNanoseconds()
                        let rc = Operation.perform(work, buffer, Runner.bufferSize)
                        let t1 = monotonicNanoseconds()
                        _ = outcome.histogram.record(t1 &- t0)
                        if rc != 0 { failures += 1; status = rc }
                    } else {
                        let rc = Operation.perform(work, buffer, Runner.bufferSize)
                        if rc != 0 { failures += 1; status = rc }
                    }
                }
                outcome.mallocs = tessera_bench_thread_allocations() &- before
                outcome.failures = failures
                outcome.firstFailure = status
                (slots.base + w).pointee = outcome
            }
        }
        group.wait()
        let wall = Double(monotonicNanoseconds() - start)
        var histogram = outcomes[0].histogram
        var mallocs: UInt64 = 0
        var failures = 0
        var status: Int32 = 0
        for w in 0..<threads {
            if w > 0 { histogram.add(outcomes[w].histogram) }
            mallocs += outcomes[w].mallocs
            failures += outcomes[w].failures
            if outcomes[w].firstFailure != 0 { status = outcomes[w].firstFailure }
        }
        guard failures == 0 else {
            throw BenchError("\(op.name): \(failures) operations failed: \(String(cString: tessera_strerror(status)))")
        }
        let total = perThread * threads
        let opsPerSec = Double(total) / (wall / 1e9)
        return Result(name: op.name, claims: op.claims, threads: threads, opsPerSec: opsPerSec,
                      nsPerOp: Double(threads) * 1e9 / opsPerSec,
                      p50: histogram.valueAtPercentile(50), p99: histogram.valueAtPercentile(99),
                      p999: histogram.valueAtPercentile(99.9),
                      mallocsPerOp: Double(mallocs) / Double(total), efficiency: nil, operations: total)
    }
}

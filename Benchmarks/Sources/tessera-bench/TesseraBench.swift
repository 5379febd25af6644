// tessera-bench: Tessera's signing and verification throughput across
// Dispatch concurrent queues. See Benchmarks/README in RESULTS.md.
import ArgumentParser
import CTesseraABI
import Foundation

@main
struct TesseraBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tessera-bench",
        abstract: "Throughput, latency and allocations of Tessera's C entry points on Dispatch concurrent queues.",
        discussion: """
            Each operation runs at each thread count as one block per thread on a concurrent DispatchQueue
            (awaited with a DispatchGroup; above the core count Dispatch runs at most as many blocks as cores),
            calling the C ABI (tessera_jwt_sign, tessera_jwt_verify, tessera_credential_*) into caller buffers.
            Latency percentiles come from timing one operation in eight (HdrHistogram); heap allocations are
            counted by interposing malloc, calloc, realloc and the aligned allocators in this executable.
            """)

    @Option(help: "Thread counts, comma-separated (default: 1, 2, 4 … up to the core count).")
    var threads: String?

    @Option(help: "Target seconds per measurement.")
    var seconds: Double = 1.0

    @Flag(help: "A short run: 0.25 s per measurement, at most 2 thread counts (well under a minute on 2 cores).")
    var quick = false

    @Flag(help: "A few operations each, one thread: checks that every operation runs; no figures to quote.")
    var smoke = false

    @Option(help: "Pad the HS256 rows' claims to this many bytes (cost against token size; at most 48000).")
    var payloadSize: Int?

    @Option(help: "Add a row verifying a token whose kid is the last of this many HS256 keys in one key set (1-1024).")
    var keys: Int?

    @Option(help: "Only operations whose name contains this text (e.g. \"HS256\").")
    var filter: String?

    @Option(help: "Write the results as JSON to this file.")
    var json: String?

    @Option(help: "Write a PNG plot of throughput against threads (needs python3 with matplotlib).")
    var plot: String?

    func run() throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var counts = try parseThreads(threads, cores: cores)
        if quick && threads == nil { counts = Array(counts.prefix(2)) }
        if smoke { counts = [1] }
        let runner = Runner(seconds: smoke ? 0 : (quick ? 0.25 : seconds), minOps: smoke ? 16 : 64)
        let fixtures = try Fixtures()
        if let payloadSize, !(2...48000).contains(payloadSize) {
            throw ValidationError("--payload-size takes 2 to 48000 bytes (a token is at most 65536 characters)")
        }
        if let keys, !(1...1024).contains(keys) { throw ValidationError("--keys takes 1 to 1024 (a key set's limit)") }
        var ops = try allOperations(fixtures, payloadSize: payloadSize, keys: keys)
        if let filter { ops = ops.filter { $0.name.contains(filter) } }
        guard !ops.isEmpty else { throw ValidationError("no operation matches --filter \(filter ?? "")") }

        let total = ops.count * counts.count
        let showProgress = !smoke && Double(total) * runner.seconds > 5
        var results: [Result] = []
        var done = 0
        for op in ops {
            let estimate = smoke ? 1e9 : runner.calibrate(op)
            var single: Double? = nil
            for n in counts {
                done += 1
                if showProgress { FileHandle.standardError.write("[\(done)/\(total)] \(op.name), \(n) thread\(n == 1 ? "" : "s")\n".data(using: .utf8)!) }
                var r = try runner.measure(op, threads: n, nsPerOp: estimate)
                if n == 1 { single = r.opsPerSec }
                if let single { r.efficiency = r.opsPerSec / (Double(n) * single) }
                results.append(r)
            }
        }
        print(table(results, cores: cores))
        let machine = Machine(cpus: cores, model: cpuModel())
        if let json { try writeJSON(results, machine: machine, to: json) }
        if let plot { try makePlot(results, machine: machine, json: json, png: plot) }
    }
}

func parseThreads(_ text: String?, cores: Int) throws -> [Int] {
    guard let text else {
        var counts: [Int] = []
        var n = 1
        while n < cores {
            counts.append(n)
            n *= 2
        }
        counts.append(cores)
        return counts
    }
    let counts = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !counts.isEmpty, counts.allSatisfy({ $0 >= 1 && $0 <= 1024 }) else {
        throw ValidationError("--threads takes a comma-separated list of counts from 1 to 1024, e.g. 1,2,16")
    }
    return counts
}

struct Machine {
    let cpus: Int
    let model: String
}

func cpuModel() -> String {
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
    for line in info.split(separator: "\n") where line.hasPrefix("model name") {
        if let colon = line.firstIndex(of: ":") {
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }
    return "unknown"
}

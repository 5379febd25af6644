import CTesseraABI
import Foundation

func table(_ results: [Result], cores: Int) -> String {
    func pad(_ s: String, _ w: Int, left: Bool = false) -> String {
        s.count >= w ? s : (left ? s + String(repeating: " ", count: w - s.count) : String(repeating: " ", count: w - s.count) + s)
    }
    func f(_ x: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", x) }
    var lines: [String] = []
    lines.append("Tessera \(String(cString: tessera_version_string())) · \(cores) CPUs · \(cpuModel())")
    lines.append("C entry points, one block per thread on a concurrent DispatchQueue with a DispatchGroup; "
                 + "ns/op = threads / throughput; latency from 1 op in 8; verification reads the real clock")
    if let most = results.map(\.threads).max(), most > cores {
        lines.append("note: \(most) threads on \(cores) CPUs: Dispatch runs at most \(cores) blocks at once, "
                     + "so rows above \(cores) threads cannot scale and their efficiency falls by design")
    }
    let header = [pad("operation", 22, left: true), pad("claims", 9, left: true), pad("threads", 7), pad("ops/s", 12),
                  pad("ns/op", 9), pad("p50 ns", 9), pad("p99 ns", 9), pad("p99.9 ns", 9), pad("mallocs/op", 10),
                  pad("efficiency", 10)]
    lines.append(header.joined(separator: " "))
    lines.append(String(repeating: "-", count: lines.last!.count))
    for r in results {
        lines.append([pad(r.name, 22, left: true), pad(r.claims, 9, left: true), pad("\(r.threads)", 7), pad(f(r.opsPerSec, 0), 12),
                      pad(f(r.nsPerOp, 0), 9), pad("\(r.p50)", 9), pad("\(r.p99)", 9), pad("\(r.p999)", 9),
                      pad(f(r.mallocsPerOp, 2), 10), pad(r.efficiency.map { f($0 * 100, 1) + " %" } ?? "-", 10)].joined(separator: " "))
    }
    return lines.joined(separator: "\n")
}

func writeJSON(_ results: [Result], machine: Machine, to path: String) throws {
    var items: [[String: Any]] = []
    for r in results {
        var item: [String: Any] = [
            "name": r.name, "threads": r.threads, "ops_per_sec": r.opsPerSec, "ns_per_op": r.nsPerOp,
            "p50_ns": r.p50, "p99_ns": r.p99, "p999_ns": r.p999, "mallocs_per_op": r.mallocsPerOp,
            "claims": r.claims, "operations": r.operations,
        ]
        item["efficiency"] = r.efficiency ?? NSNull()
        items.append(item)
    }
    let document: [String: Any] = [
        "tessera_version": String(cString: tessera_version_string()),
        "machine": ["cpus": machine.cpus, "model": machine.model],
        "results": items,
    ]
    let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
    try data.write(to: URL(fileURLWithPath: path))
}

/// Runs Benchmarks/plot.py (matplotlib) over the JSON results.
func makePlot(_ results: [Result], machine: Machine, json: String?, png: String) throws {
    var jsonPath = json
    if jsonPath == nil {
        let temp = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-bench-\(getpid()).json").path
        try writeJSON(results, machine: machine, to: temp)
        jsonPath = temp
    }
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("plot.py").path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", script, jsonPath ?? "", png]
    try process.run()
    process.waitUntilExit()
    if json == nil, let jsonPath { try? FileManager.default.removeItem(atPath: jsonPath) }
    guard process.terminationStatus == 0 else { throw BenchError("plot.py failed (is matplotlib installed?)") }
}

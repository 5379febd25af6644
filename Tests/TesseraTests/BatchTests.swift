import CTesseraSupport
import Glibc
import Testing
@testable import Tessera

/// The CPU budget of batch signing: the cgroup quota parsers (the quota
/// itself cannot be set here without a cgroup of our own) and the
/// process-wide reservation of worker threads.
@Suite struct BatchBudgetTests {
    @Test func cgroupV2QuotaInCPUs() {
        #expect(tessera__cgroup_v2_cpus("max 100000") == 0)
        #expect(tessera__cgroup_v2_cpus("max") == 0)
        #expect(tessera__cgroup_v2_cpus("100000 100000") == 1)
        #expect(tessera__cgroup_v2_cpus("150000 100000") == 2)
        #expect(tessera__cgroup_v2_cpus("50000 100000") == 1)
        #expect(tessera__cgroup_v2_cpus("400000 100000\n") == 4)
        #expect(tessera__cgroup_v2_cpus("") == 0)
        #expect(tessera__cgroup_v2_cpus("garbage") == 0)
        #expect(tessera__cgroup_v2_cpus("-5 100000") == 0)
        #expect(tessera__cgroup_v2_cpus("100000 0") == 0)
        #expect(tessera__cgroup_v2_cpus(nil) == 0)
    }

    @Test func cgroupV1QuotaInCPUs() {
        #expect(tessera__cgroup_v1_cpus(-1, 100000) == 0) // no quota
        #expect(tessera__cgroup_v1_cpus(250000, 100000) == 3)
        #expect(tessera__cgroup_v1_cpus(100000, 100000) == 1)
        #expect(tessera__cgroup_v1_cpus(100000, 0) == 0)
    }

    @Test func usableCPUsIsAtLeastOne() {
        #expect(tessera__usable_cpus() >= 1)
    }

    /// Batch threads, callers included, never pass the limit, however the
    /// batches ask. (The count is process-wide: no other Swift test batches.)
    @Test func batchThreadsStayWithinTheLimit() {
        let a = tessera__batch_enter(3, 4)  // 1 caller + 3
        let b = tessera__batch_enter(3, 4)  // a 5th caller, nothing more
        #expect(a == 3 && b == 0)
        tessera__batch_leave(b)
        tessera__batch_leave(a)
        let c = tessera__batch_enter(1, 4)  // 1 + 1
        let d = tessera__batch_enter(5, 4)  // 1 + 1: four in all
        #expect(c == 1 && d == 1)
        tessera__batch_leave(d)
        tessera__batch_leave(c)
        #expect(tessera__batch_enter(0, 4) == 0)
        tessera__batch_leave(0)
        #expect(tessera__batch_enter(2, 1) == 0) // one CPU: the caller alone
        tessera__batch_leave(0)
    }

    /// The quota along a cgroup path, read from a tree made here the way
    /// /proc/self/cgroup and cgroupfs lay it out: the tightest one wins,
    /// other controllers are ignored, and a path outside the namespace's
    /// root names nothing.
    @Test func cgroupQuotaAlongThePath() throws {
        var template = Array("/tmp/tessera-cgroup-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        let root = try #require(made.map { String(cString: $0) })
        defer { _ = system("rm -rf '\(root)'") }
        func write(_ path: String, _ text: String) {
            _ = system("mkdir -p \"$(dirname '\(root)/\(path)')\"")
            if let f = fopen("\(root)/\(path)", "w") { fputs(text, f); fclose(f) }
        }
        // v1: 2.5 CPUs at /a/b, 1.5 at /a; the cpuset hierarchy's path is not the cpu one's.
        write("fs/cpu,cpuacct/a/b/cpu.cfs_quota_us", "250000\n")
        write("fs/cpu,cpuacct/a/b/cpu.cfs_period_us", "100000\n")
        write("fs/cpu,cpuacct/a/cpu.cfs_quota_us", "150000\n")
        write("fs/cpu,cpuacct/a/cpu.cfs_period_us", "100000\n")
        write("fs/cpu,cpuacct/cpu.cfs_quota_us", "-1\n")
        write("fs/cpu,cpuacct/cpu.cfs_period_us", "100000\n")
        write("fs/cpu,cpuacct/other/cpu.cfs_quota_us", "50000\n")
        write("fs/cpu,cpuacct/other/cpu.cfs_period_us", "100000\n")
        write("v1", "3:cpuset:/other\n2:cpu,cpuacct:/a/b\n1:memory:/other\n")
        #expect(tessera__cgroup_cpus("\(root)/v1", "\(root)/fs") == 2)
        // v2: cpu.max at /x/y ("max") and /x (3 CPUs).
        write("fs/x/y/cpu.max", "max 100000\n")
        write("fs/x/cpu.max", "300000 100000\n")
        write("v2", "0::/x/y\n")
        #expect(tessera__cgroup_cpus("\(root)/v2", "\(root)/fs") == 3)
        // Outside the namespace's root, and no quota at all.
        write("outside", "0::/../x/y\n")
        #expect(tessera__cgroup_cpus("\(root)/outside", "\(root)/fs") == 0)
        write("none", "0::/\n")
        #expect(tessera__cgroup_cpus("\(root)/none", "\(root)/fs") == 0)
        #expect(tessera__cgroup_cpus("\(root)/missing", "\(root)/fs") == 0)
    }
}

import CTesseraSupport
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

    /// The reservation never hands out more than its limit, however it is
    /// asked. (The budget is process-wide: no other Swift test batches.)
    @Test func reservationsStayWithinTheLimit() {
        let a = tessera__batch_reserve(3, 4)
        let b = tessera__batch_reserve(3, 4)
        let c = tessera__batch_reserve(3, 4)
        #expect(a == 3 && b == 1 && c == 0)
        tessera__batch_release(a)
        #expect(tessera__batch_reserve(5, 4) == 3) // b still holds one
        tessera__batch_release(3)
        tessera__batch_release(b)
        #expect(tessera__batch_reserve(0, 4) == 0)
        #expect(tessera__batch_reserve(2, 0) == 0)
    }
}

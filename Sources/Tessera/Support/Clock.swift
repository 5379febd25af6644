import Glibc

/// The system clock in Unix seconds.
enum Clock {
    static func now() -> Int64 {
        var ts = timespec()
        guard clock_gettime(CLOCK_REALTIME, &ts) == 0 else { return 0 }
        return Int64(ts.tv_sec)
    }
}

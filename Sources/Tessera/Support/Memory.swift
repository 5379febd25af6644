import Glibc

/// The library's own checked allocations: zeroed memory from `calloc`, nil
/// when memory runs out, which callers report as TESSERA_E_NOMEM. Key
/// states (HMAC states, a template's saved state, decoded JWK members) and a
/// signer template's buffers come from here. Everything else the library
/// allocates comes from the Swift runtime (objects, arrays, strings), which
/// ends the process when memory runs out: the header says so.
///
/// `calloc` rather than `malloc`: the Swift runtime allocates with `malloc`,
/// so Tests/C/test_nomem.c can fail these allocations alone, every one of
/// them in turn, and check that each comes back as a status.
enum Memory {
    static func allocate(_ bytes: Int) -> UnsafeMutableRawPointer? {
        guard bytes >= 0 else { return nil }
        return calloc(1, Swift.max(bytes, 1))
    }

    static func release(_ p: UnsafeMutableRawPointer?) {
        free(p)
    }
}

/*
 * Heap allocation counting for tessera-bench.
 *
 * The bench executable defines malloc, calloc, realloc, posix_memalign,
 * aligned_alloc and memalign itself. Symbols in the executable take
 * precedence over libc's for the whole process (ELF interposition), so every
 * allocation by the library, the Swift runtime and OpenSSL comes through
 * here; each one bumps a per-thread counter and is forwarded to glibc's
 * allocator (__libc_malloc and friends). free is forwarded uncounted.
 * A worker reads its own counter before and after its timed loop.
 */
#ifndef TESSERA_BENCH_MALLOC_COUNTER_H
#define TESSERA_BENCH_MALLOC_COUNTER_H

/* Allocations made so far by the calling thread. */
unsigned long long tessera_bench_thread_allocations(void);

#endif

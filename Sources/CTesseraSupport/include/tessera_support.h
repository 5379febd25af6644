/*
 * Internal to Tessera: the per-thread error detail behind
 * tessera_last_error(), and the CPU budget of batch signing. Not installed,
 * not exported (hidden visibility).
 */
#ifndef TESSERA_SUPPORT_H
#define TESSERA_SUPPORT_H

#include <stddef.h>

/* Capacity of the detail buffer, NUL included. Longer details are cut at a
 * UTF-8 character boundary. */
#define TESSERA_DETAIL_CAP 512

/* The calling thread's detail: a NUL-terminated string, never NULL. */
const char *tessera__detail_get(void);
/* Replaces the calling thread's detail with `len` bytes of `msg`. */
void tessera__detail_set(const char *msg, size_t len);
/* Empties the calling thread's detail. */
void tessera__detail_clear(void);

/* The CPUs this process may use: its affinity mask's count, capped by the
 * CPU quota of its cgroup (v2 cpu.max, v1 cfs quota / period) and of every
 * cgroup above it; at least 1. The quota is read once per process. */
int tessera__usable_cpus(void);
/* The tightest CPU quota, in CPUs rounded up (0 for none), along the cgroup
 * paths that `proc_cgroup` (a /proc/self/cgroup) names, under `root` (where
 * cgroupfs is mounted: v2 at root or root/unified, v1 at root/cpu,cpuacct
 * or root/cpu). */
long tessera__cgroup_cpus(const char *proc_cgroup, const char *root);
/* CPUs a cgroup v2 cpu.max line ("max 100000", "150000 100000") allows,
 * rounded up; 0 for no limit or an unreadable line. */
long tessera__cgroup_v2_cpus(const char *cpu_max);
/* The same for cgroup v1's cpu.cfs_quota_us and cpu.cfs_period_us. */
long tessera__cgroup_v1_cpus(long long quota, long long period);
/* A batch begins on the calling thread, which counts as one of the threads
 * running batches process-wide; it may start up to `want` more while they
 * number no more than `limit`. Returns how many it may start (0 to want). */
int tessera__batch_enter(int want, int limit);
/* The batch that started `started` threads has ended. */
void tessera__batch_leave(int started);

/* zlib, one stream of each kind per thread (zlib.c). Results: a length
 * (>= 0), or one of these. */
#define TESSERA__Z_SPACE (-1) /* the output did not fit in cap */
#define TESSERA__Z_DATA  (-2) /* not one complete zlib stream */
#define TESSERA__Z_NOMEM (-3) /* out of memory */
#define TESSERA__Z_ERROR (-4) /* lengths beyond zlib's, or zlib failed */
/* Upper bound of deflating n bytes (zlib's compressBound); 0 if n is too
 * large for zlib. */
size_t tessera__deflate_bound(size_t n);
/* Deflates src at zlib's default level into dst (a zlib stream, as
 * compress() writes it). */
long tessera__deflate(const void *src, size_t n, void *dst, size_t cap);
/* Inflates src, which must be exactly one complete zlib stream, into dst,
 * writing at most cap bytes: more is TESSERA__Z_SPACE, never a larger
 * allocation. */
long tessera__inflate(const void *src, size_t n, void *dst, size_t cap);

#endif

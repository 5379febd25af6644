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
/* CPUs a cgroup v2 cpu.max line ("max 100000", "150000 100000") allows,
 * rounded up; 0 for no limit or an unreadable line. */
long tessera__cgroup_v2_cpus(const char *cpu_max);
/* The same for cgroup v1's cpu.cfs_quota_us and cpu.cfs_period_us. */
long tessera__cgroup_v1_cpus(long long quota, long long period);
/* Reserves up to `want` batch worker threads while no more than `limit`
 * run process-wide; returns how many it got (0 to want). */
int tessera__batch_reserve(int want, int limit);
/* Gives back `n` reserved worker threads. */
void tessera__batch_release(int n);

#endif

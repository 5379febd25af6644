/*
 * How many threads batch signing may use: the CPUs this process may run on
 * (its affinity mask), capped by its cgroup's CPU quota, and a process-wide
 * budget of worker threads shared by every batch running at once.
 */
#define _GNU_SOURCE
#include "tessera_support.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define TESSERA_HIDDEN __attribute__((visibility("hidden")))
#else
#define TESSERA_HIDDEN
#endif

TESSERA_HIDDEN long tessera__cgroup_v2_cpus(const char *cpu_max) {
  long long quota, period;
  if (cpu_max == NULL || strncmp(cpu_max, "max", 3) == 0) return 0;
  if (sscanf(cpu_max, "%lld %lld", &quota, &period) != 2 || quota <= 0 || period <= 0) return 0;
  if (quota / period >= 1L << 20) return 0; /* no meaningful cap */
  return (long)((quota + period - 1) / period);
}

TESSERA_HIDDEN long tessera__cgroup_v1_cpus(long long quota, long long period) {
  if (quota <= 0 || period <= 0 || quota / period >= 1L << 20) return 0;
  return (long)((quota + period - 1) / period);
}

/* The first line of a small file, or "" (NUL-terminated in buf). */
static int read_line(const char *path, char *buf, size_t cap) {
  FILE *f = fopen(path, "re");
  if (!f) return 0;
  if (!fgets(buf, (int)cap, f)) buf[0] = '\0';
  fclose(f);
  buf[strcspn(buf, "\n")] = '\0';
  return buf[0] != '\0';
}

/* The smaller of two caps, 0 meaning none. */
static long tighter(long a, long b) { return a == 0 ? b : b == 0 ? a : (a < b ? a : b); }

/* The CPU quota along the process's cgroup path, root to leaf: the
 * tightest one wins. 0 when there is none. */
static long cgroup_cpus(void) {
  char line[4096], path[4200], value[128];
  long cap = 0;
  FILE *f = fopen("/proc/self/cgroup", "re");
  if (!f) return 0;
  while (fgets(line, sizeof line, f)) {
    char *colon1 = strchr(line, ':'), *colon2 = colon1 ? strchr(colon1 + 1, ':') : NULL, *dir, *end;
    if (!colon2) continue;
    *colon2 = '\0';
    dir = colon2 + 1;
    dir[strcspn(dir, "\n")] = '\0';
    /* Walk from the process's own cgroup up to the root. */
    for (;;) {
      if (strcmp(colon1 + 1, "") == 0 && strncmp(line, "0", 1) == 0) { /* v2: "0::/path" */
        snprintf(path, sizeof path, "/sys/fs/cgroup%s/cpu.max", strcmp(dir, "/") == 0 ? "" : dir);
        if (read_line(path, value, sizeof value)) cap = tighter(cap, tessera__cgroup_v2_cpus(value));
      } else if (strstr(colon1 + 1, "cpu") != NULL) { /* v1: "N:cpu,cpuacct:/path" */
        static const char *const mounts[] = {"/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpu"};
        size_t m;
        for (m = 0; m < sizeof mounts / sizeof mounts[0]; m++) {
          long long quota = 0, period = 0;
          snprintf(path, sizeof path, "%s%s/cpu.cfs_quota_us", mounts[m], strcmp(dir, "/") == 0 ? "" : dir);
          if (!read_line(path, value, sizeof value)) continue;
          quota = atoll(value);
          snprintf(path, sizeof path, "%s%s/cpu.cfs_period_us", mounts[m], strcmp(dir, "/") == 0 ? "" : dir);
          if (read_line(path, value, sizeof value)) period = atoll(value);
          cap = tighter(cap, tessera__cgroup_v1_cpus(quota, period));
          break;
        }
      } else {
        break;
      }
      end = strrchr(dir, '/');
      if (end == NULL || strcmp(dir, "/") == 0) break;
      if (end == dir) dir[1] = '\0'; else *end = '\0';
    }
  }
  fclose(f);
  return cap;
}

static pthread_once_t quota_once = PTHREAD_ONCE_INIT;
static long quota_cpus;
static void read_quota(void) { quota_cpus = cgroup_cpus(); }

TESSERA_HIDDEN int tessera__usable_cpus(void) {
  cpu_set_t set;
  long n = 0;
  pthread_once(&quota_once, read_quota);
  if (sched_getaffinity(0, sizeof set, &set) == 0) n = CPU_COUNT(&set);
  if (n <= 0) n = 1;
  if (quota_cpus > 0 && quota_cpus < n) n = quota_cpus;
  return (int)n;
}

/* Worker threads started by batches and still running, process-wide. */
static atomic_int batch_threads;

TESSERA_HIDDEN int tessera__batch_reserve(int want, int limit) {
  int used = atomic_load(&batch_threads);
  for (;;) {
    int take = limit - used;
    if (take > want) take = want;
    if (take <= 0) return 0;
    if (atomic_compare_exchange_weak(&batch_threads, &used, used + take)) return take;
  }
}

TESSERA_HIDDEN void tessera__batch_release(int n) {
  if (n > 0) atomic_fetch_sub(&batch_threads, n);
}

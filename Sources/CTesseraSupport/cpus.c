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

TESSERA_HIDDEN long tessera__cgroup_v1_cpus(long long quota, long long period) {
  if (quota <= 0 || period <= 0 || quota / period >= 1L << 20) return 0; /* none, or no meaningful cap */
  return (long)((quota + period - 1) / period);
}

TESSERA_HIDDEN long tessera__cgroup_v2_cpus(const char *cpu_max) {
  long long quota, period;
  if (cpu_max == NULL || strncmp(cpu_max, "max", 3) == 0) return 0;
  if (sscanf(cpu_max, "%lld %lld", &quota, &period) != 2) return 0;
  return tessera__cgroup_v1_cpus(quota, period);
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

/* Whether `list` (comma-separated controller names) names `name`. */
static int names_controller(const char *list, const char *name) {
  size_t n = strlen(name);
  while (*list) {
    size_t len = strcspn(list, ",");
    if (len == n && strncmp(list, name, n) == 0) return 1;
    list += len;
    if (*list == ',') list++;
  }
  return 0;
}

/* The quota in `dir` (a cgroup directory) of one hierarchy, 0 for none. */
static long quota_in(const char *dir, int v2) {
  char path[4400], value[128];
  long long quota = 0, period = 0;
  if (v2) {
    snprintf(path, sizeof path, "%s/cpu.max", dir);
    return read_line(path, value, sizeof value) ? tessera__cgroup_v2_cpus(value) : 0;
  }
  snprintf(path, sizeof path, "%s/cpu.cfs_quota_us", dir);
  if (!read_line(path, value, sizeof value)) return 0;
  quota = atoll(value);
  snprintf(path, sizeof path, "%s/cpu.cfs_period_us", dir);
  if (read_line(path, value, sizeof value)) period = atoll(value);
  return tessera__cgroup_v1_cpus(quota, period);
}

TESSERA_HIDDEN long tessera__cgroup_cpus(const char *proc_cgroup, const char *root) {
  static const char *const v1_mounts[] = {"cpu,cpuacct", "cpuacct,cpu", "cpu"};
  static const char *const v2_mounts[] = {"", "/unified"};
  char line[4096], cgroup[4096], base[4200];
  long cap = 0;
  FILE *f = fopen(proc_cgroup, "re");
  if (!f) return 0;
  while (fgets(line, sizeof line, f)) {
    char *colon1 = strchr(line, ':'), *colon2 = colon1 ? strchr(colon1 + 1, ':') : NULL, *controllers;
    int v2;
    size_t m, mounts;
    if (!colon2) continue;
    *colon1 = '\0';
    *colon2 = '\0';
    controllers = colon1 + 1;
    v2 = strcmp(line, "0") == 0 && controllers[0] == '\0';
    if (!v2 && !names_controller(controllers, "cpu")) continue;
    /* A path outside the cgroup namespace's root ("/..") names no
     * directory here. */
    colon2[1 + strcspn(colon2 + 1, "\n")] = '\0';
    if (colon2[1] != '/' || strstr(colon2 + 1, "/..") != NULL) continue;
    mounts = v2 ? sizeof v2_mounts / sizeof v2_mounts[0] : sizeof v1_mounts / sizeof v1_mounts[0];
    for (m = 0; m < mounts; m++) {
      char *end;
      if (v2) snprintf(base, sizeof base, "%s%s", root, v2_mounts[m]);
      else snprintf(base, sizeof base, "%s/%s", root, v1_mounts[m]);
      /* From the process's own cgroup up to the hierarchy's root. */
      snprintf(cgroup, sizeof cgroup, "%s", colon2 + 1);
      for (;;) {
        char dir[8400];
        snprintf(dir, sizeof dir, "%s%s", base, strcmp(cgroup, "/") == 0 ? "" : cgroup);
        cap = tighter(cap, quota_in(dir, v2));
        end = strrchr(cgroup, '/');
        if (end == NULL || strcmp(cgroup, "/") == 0) break;
        if (end == cgroup) cgroup[1] = '\0';
        else *end = '\0';
      }
    }
  }
  fclose(f);
  return cap;
}

static pthread_once_t quota_once = PTHREAD_ONCE_INIT;
static long quota_cpus;
static void read_quota(void) { quota_cpus = tessera__cgroup_cpus("/proc/self/cgroup", "/sys/fs/cgroup"); }

TESSERA_HIDDEN int tessera__usable_cpus(void) {
  cpu_set_t set;
  long n = 0;
  pthread_once(&quota_once, read_quota);
  if (sched_getaffinity(0, sizeof set, &set) == 0) n = CPU_COUNT(&set);
  if (n <= 0) n = 1;
  if (quota_cpus > 0 && quota_cpus < n) n = quota_cpus;
  return (int)n;
}

/* Threads running batches, process-wide: each batch's calling thread and
 * the threads it started. */
static atomic_int batch_threads;

TESSERA_HIDDEN int tessera__batch_enter(int want, int limit) {
  int used = atomic_load(&batch_threads);
  for (;;) {
    int take = limit - (used + 1); /* the caller's own thread counts first */
    if (take > want) take = want;
    if (take < 0) take = 0;
    if (atomic_compare_exchange_weak(&batch_threads, &used, used + 1 + take)) return take;
  }
}

TESSERA_HIDDEN void tessera__batch_leave(int started) {
  atomic_fetch_sub(&batch_threads, 1 + (started > 0 ? started : 0));
}

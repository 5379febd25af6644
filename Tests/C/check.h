/* A minimal check harness shared by the C tests: CHECK counts and reports,
 * REPORT prints the closing "N passed, N failed" line and gives the exit
 * status. */
#ifndef TESSERA_TEST_CHECK_H
#define TESSERA_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <tessera.h>

static int passed, failed;

#define CHECK(name, cond)                                                     \
  do {                                                                        \
    if (cond) {                                                               \
      passed++;                                                               \
    } else {                                                                  \
      failed++;                                                               \
      printf("FAIL %s (%s:%d): %s [last error: %s]\n", name, __FILE__,        \
             __LINE__, #cond, tessera_last_error());                          \
    }                                                                         \
  } while (0)

#define REPORT(program)                                                       \
  (printf("%s: %d passed, %d failed\n", program, passed, failed),             \
   failed == 0 ? 0 : 1)

/* Reads dir/name whole; the caller frees. NULL if it cannot be read. */
static inline char *read_file(const char *dir, const char *name, size_t *len) {
  char path[1024];
  FILE *f;
  char *buf;
  long size;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if (!(f = fopen(path, "rb"))) return NULL;
  fseek(f, 0, SEEK_END);
  size = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = size >= 0 ? malloc((size_t)size + 1) : NULL;
  if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf) {
    buf[size] = '\0';
    *len = (size_t)size;
  }
  return buf;
}

#endif

/* A minimal check harness shared by the C tests: CHECK counts and reports,
 * REPORT prints the closing "N passed, N failed" line and gives the exit
 * status. */
#ifndef TESSERA_TEST_CHECK_H
#define TESSERA_TEST_CHECK_H

#include <stdio.h>
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

#endif

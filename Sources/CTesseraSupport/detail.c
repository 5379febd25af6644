#include "tessera_support.h"

#include <string.h>

#if defined(__GNUC__)
#define TESSERA_HIDDEN __attribute__((visibility("hidden")))
#else
#define TESSERA_HIDDEN
#endif

/* One buffer per thread; zero-initialised, so a new thread reads "". */
static _Thread_local char detail[TESSERA_DETAIL_CAP];

TESSERA_HIDDEN const char *tessera__detail_get(void) { return detail; }

TESSERA_HIDDEN void tessera__detail_set(const char *msg, size_t len) {
  if (msg == NULL) {
    detail[0] = '\0';
    return;
  }
  if (len > TESSERA_DETAIL_CAP - 1) {
    len = TESSERA_DETAIL_CAP - 1;
    /* Do not leave half a UTF-8 sequence: back off continuation bytes. */
    while (len > 0 && ((unsigned char)msg[len] & 0xC0) == 0x80) len--;
  }
  memcpy(detail, msg, len);
  detail[len] = '\0';
}

TESSERA_HIDDEN void tessera__detail_clear(void) { detail[0] = '\0'; }

/* Header section "Version": the library reports the version its header
 * declares. include/tessera.h's TESSERA_VERSION_* block is the one place the
 * version is written; the Makefile (tessera.pc, the shared library's file
 * name, the packages) reads it from there, and the CLI prints what this
 * returns. */
#include "../../include/tessera.h"

const char *tessera_version_string(void) { return TESSERA_VERSION_STRING; }

uint32_t tessera_version_number(void) { return TESSERA_VERSION_NUM; }

// System-library shim for libprotobuf-c (Debian: libprotobuf-c-dev).
// Only LoomProto imports this module.
#ifndef C_LOOM_PROTOBUF_C_H
#define C_LOOM_PROTOBUF_C_H

#include <protobuf-c/protobuf-c.h>

#endif

// System-library shim for libprotobuf-c (Debian: libprotobuf-c-dev).
// Only LoomProto imports this module.
#ifndef C_LOOM_PROTOBUF_C_H
#define C_LOOM_PROTOBUF_C_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

/// An allocator for `*__unpack` that records the size of every block it hands out
/// (in a 16-byte header in front of the block), so that the exact byte length of an
/// unpacked string field can be recovered with `loom_pbc_string_length`.
///
/// protobuf-c stores string fields as NUL-terminated `char *`; a string containing a
/// NUL byte would otherwise be silently cut short by `strlen`.
ProtobufCAllocator loom_pbc_allocator(void);

/// The byte length of a string field of a message unpacked with `loom_pbc_allocator()`.
///
/// Returns 0 for NULL and for protobuf-c's shared empty string, and -1 when the string
/// contains a NUL byte (which a C string cannot carry).
ptrdiff_t loom_pbc_string_length(const char *string);

/// protobuf-c's shared empty string, the value of every unset string field.
char *loom_pbc_empty_string(void);

#endif

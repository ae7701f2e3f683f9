// Helpers for LoomProto: an allocator that remembers block sizes, so string fields
// unpacked by protobuf-c keep their exact length (see CProtobufC.h).
#include "CProtobufC.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// A 16-byte header keeps the block behind it aligned as malloc's result was.
typedef struct {
    size_t size;
    size_t magic;
} loom_pbc_header;

_Static_assert(sizeof(loom_pbc_header) == 16, "the header must keep 16-byte alignment");

static const size_t loom_pbc_magic = (size_t)0x4c6f6f6d50424331ull;  // "LoomPBC1"

static void *loom_pbc_alloc(void *allocator_data, size_t size) {
    (void)allocator_data;
    if (size > SIZE_MAX - sizeof(loom_pbc_header)) return NULL;
    loom_pbc_header *header = malloc(sizeof(loom_pbc_header) + size);
    if (header == NULL) return NULL;
    header->size = size;
    header->magic = loom_pbc_magic;
    return header + 1;
}

static void loom_pbc_free(void *allocator_data, void *pointer) {
    (void)allocator_data;
    if (pointer == NULL) return;
    loom_pbc_header *header = (loom_pbc_header *)pointer - 1;
    header->magic = 0;
    free(header);
}

ProtobufCAllocator loom_pbc_allocator(void) {
    ProtobufCAllocator allocator = {loom_pbc_alloc, loom_pbc_free, NULL};
    return allocator;
}

ptrdiff_t loom_pbc_string_length(const char *string) {
    if (string == NULL || string == protobuf_c_empty_string) return 0;
    const loom_pbc_header *header = (const loom_pbc_header *)string - 1;
    size_t length = strlen(string);
    // protobuf-c allocates exactly length + 1 bytes for a string field. A block
    // without our header cannot happen for unpacked strings; fall back to strlen.
    if (header->magic != loom_pbc_magic || header->size == 0) return (ptrdiff_t)length;
    if (length != header->size - 1) return -1;
    return (ptrdiff_t)length;
}

char *loom_pbc_empty_string(void) {
    return (char *)protobuf_c_empty_string;
}

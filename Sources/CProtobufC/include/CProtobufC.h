// System-library shim for libprotobuf-c (Debian: libprotobuf-c-dev).
// Only LoomProto imports this module.
#ifndef C_LOOM_PROTOBUF_C_H
#define C_LOOM_PROTOBUF_C_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

/// protobuf-c's shared empty string, the value of every unset string field.
char *loom_pbc_empty_string(void);

// MARK: Pre-scan (scan.c)

/// The most fields a message descriptor may have for `loom_pbc_scan` (Loom's largest has 17).
#define LOOM_PBC_SCAN_MAX_FIELDS 64

/// One message type as the pre-scan sees it: its descriptor, the bound on each repeated
/// field, and the node of each message-typed field.
typedef struct loom_pbc_scan_node {
    /// The message's descriptor (at most `LOOM_PBC_SCAN_MAX_FIELDS` fields).
    const ProtobufCMessageDescriptor *descriptor;
    /// Per field, in descriptor order: the most elements a repeated field may have in one
    /// message (ignored for other fields).
    const size_t *max_elements;
    /// Per field, in descriptor order: the node of a message-typed field, NULL for others.
    const struct loom_pbc_scan_node *const *children;
} loom_pbc_scan_node;

/// Bounds of one pre-scan.
typedef struct {
    /// The deepest message nesting accepted; the top-level message is at depth 1.
    uint32_t max_depth;
    /// The most unknown fields accepted in the whole message, at any depth.
    size_t max_unknown_fields;
    /// The largest estimate of what protobuf_c_message_unpack would allocate.
    size_t max_decoded_bytes;
} loom_pbc_scan_limits;

/// The outcome of a pre-scan.
typedef enum {
    LOOM_PBC_SCAN_OK = 0,
    /// Not a valid encoding (bad varint, length past the end, wrong wire type, group...).
    LOOM_PBC_SCAN_MALFORMED = 1,
    /// A string field (`field`) contains a NUL byte.
    LOOM_PBC_SCAN_NUL_CHARACTER = 2,
    /// A repeated field (`field`) has more elements than its bound.
    LOOM_PBC_SCAN_TOO_MANY_ELEMENTS = 3,
    /// A singular message field (`field`) occurs more than once.
    LOOM_PBC_SCAN_DUPLICATE_FIELD = 4,
    /// More unknown fields than the bound; `field_number` is the one over it, in `message`.
    LOOM_PBC_SCAN_TOO_MANY_UNKNOWN_FIELDS = 5,
    /// The message field `field` of `message` is nested deeper than the bound.
    LOOM_PBC_SCAN_TOO_DEEP = 6,
    /// The estimate went over the bound while counting `field` (NULL: an unknown field, or the
    /// message's own bookkeeping) of `message`.
    LOOM_PBC_SCAN_DECODED_TOO_LARGE = 7,
} loom_pbc_scan_status;

/// What a pre-scan found.
typedef struct {
    /// protobuf-c's allocations for the message (heap bytes, with malloc's rounding), estimated;
    /// on a failure, the part counted until then.
    size_t decoded_bytes;
    /// The message in which a failure was found (NULL when it is OK, or the top-level message is too deep).
    const ProtobufCMessageDescriptor *message;
    /// The field at fault, or NULL.
    const ProtobufCFieldDescriptor *field;
    /// The number of the unknown field over the bound (`LOOM_PBC_SCAN_TOO_MANY_UNKNOWN_FIELDS`).
    uint32_t field_number;
} loom_pbc_scan_result;

/// Walks the protobuf encoding `data[0..<len]` of the message `root` describes, before it is
/// unpacked: checks the wire format as protobuf_c_message_unpack reads it, the bounds of
/// `limits` and of `root`'s nodes, that no string field contains a NUL byte (so `strlen` of
/// an unpacked string is its length), and estimates the bytes unpacking will allocate.
/// Allocates nothing; reads only `data[0..<len]`.
loom_pbc_scan_status loom_pbc_scan(const loom_pbc_scan_node *root, const uint8_t *data, size_t len,
                                   const loom_pbc_scan_limits *limits, loom_pbc_scan_result *result);

#endif

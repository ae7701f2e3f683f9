// The pre-scan of LoomProto's decoder (see CProtobufC.h): walks the protobuf wire format
// of one message with its protobuf-c descriptors, checks the bounds and estimates what
// protobuf_c_message_unpack() would allocate, without allocating anything itself.
//
// The walk mirrors protobuf-c 1.4's unpack (protobuf-c.c: parse_tag_and_wiretype,
// scan_length_prefixed_data, count_packed_elements) so that it sees the same fields with
// the same extents; it is stricter in a few places (a known field with a wire type its
// type cannot have is refused here rather than after protobuf-c allocated for it).
#include "CProtobufC.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

// protobuf-c's private ScannedMember (tag, wire type, prefix length, field, len, data):
// one per field occurrence, the first 16 on the stack, then in slabs of 32, 64, 128...
#define SCANNED_MEMBER_SIZE 32
#define FIRST_SLAB_MEMBERS 16

typedef struct {
    const loom_pbc_scan_limits *limits;
    loom_pbc_scan_result *result;
    size_t decoded;
    size_t unknown;
} scan_state;

// The heap malloc uses for a request of `size` bytes (glibc: an 8-byte header, 16-byte
// granularity, 32 bytes at least).
static inline size_t chunk(size_t size) {
    size_t rounded = (size + 8 + 15) & ~(size_t)15;
    return rounded < 32 ? 32 : rounded;
}

static inline size_t element_size(ProtobufCType type) {
    switch (type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(void *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    default:
        return 4;
    }
}

static inline int is_packable(ProtobufCType type) {
    return type != PROTOBUF_C_TYPE_STRING && type != PROTOBUF_C_TYPE_BYTES && type != PROTOBUF_C_TYPE_MESSAGE;
}

// The wire type a single value of `type` has (protobuf-c refuses the others, except for bool).
static inline uint8_t value_wire_type(ProtobufCType type) {
    switch (type) {
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_FLOAT:
        return PROTOBUF_C_WIRE_TYPE_32BIT;
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return PROTOBUF_C_WIRE_TYPE_64BIT;
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_BYTES:
    case PROTOBUF_C_TYPE_MESSAGE:
        return PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED;
    default:
        return PROTOBUF_C_WIRE_TYPE_VARINT;
    }
}

// The index of field number `value` in `fields`, or -1: protobuf-c's int_range_lookup over the descriptor's
// `field_ranges` (protobuf-c.h documents them), inlined because it runs for nearly every field.
static inline int field_index(unsigned n_ranges, const ProtobufCIntRange *ranges, int value) {
    if (n_ranges == 0) return -1;
    unsigned start = 0, n = n_ranges;
    while (n > 1) {
        unsigned mid = start + n / 2;
        if (value < ranges[mid].start_value) {
            n = mid - start;
        } else if (value >= ranges[mid].start_value + (int)(ranges[mid + 1].orig_index - ranges[mid].orig_index)) {
            unsigned new_start = mid + 1;
            n = start + n - new_start;
            start = new_start;
        } else {
            return (value - ranges[mid].start_value) + ranges[mid].orig_index;
        }
    }
    if (n == 0) return -1;
    unsigned range_size = ranges[start + 1].orig_index - ranges[start].orig_index;
    if (ranges[start].start_value <= value && value < (int)(ranges[start].start_value + range_size)) {
        return (value - ranges[start].start_value) + ranges[start].orig_index;
    }
    return -1;
}

// Whether `data[0..<len]` holds a NUL byte: 8 bytes at a time for short strings, memchr for long ones.
static inline int has_nul(const uint8_t *data, size_t len) {
    if (len >= 64) return memchr(data, 0, len) != NULL;
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    for (; len >= 8; data += 8, len -= 8) {
        uint64_t word;
        memcpy(&word, data, 8);
        if ((word - ones) & ~word & highs) return 1;
    }
    for (size_t i = 0; i < len; i++) {
        if (data[i] == 0) return 1;
    }
    return 0;
}

static inline loom_pbc_scan_status fail(scan_state *s, loom_pbc_scan_status status,
                                        const ProtobufCMessageDescriptor *message,
                                        const ProtobufCFieldDescriptor *field) {
    s->result->decoded_bytes = s->decoded;
    s->result->message = message;
    s->result->field = field;
    return status;
}

// Adds `bytes` to the estimate; false once it is over the limit.
static inline int add(scan_state *s, size_t bytes) {
    s->decoded += bytes;
    return s->decoded <= s->limits->max_decoded_bytes;
}

// Elements of a packed repeated field, as protobuf-c counts them; (size_t)-1 when malformed.
static size_t packed_count(ProtobufCType type, const uint8_t *data, size_t len) {
    switch (type) {
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_FLOAT:
        return len % 4 == 0 ? len / 4 : (size_t)-1;
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return len % 8 == 0 ? len / 8 : (size_t)-1;
    case PROTOBUF_C_TYPE_BOOL:
        return len;
    default: {
        // Varints; an unterminated last one (or one over 10 bytes) is malformed.
        size_t count = 0, run = 0;
        for (size_t i = 0; i < len; i++) {
            run++;
            if ((data[i] & 0x80) == 0) {
                count++;
                run = 0;
            } else if (run >= 10) {
                return (size_t)-1;
            }
        }
        return run == 0 ? count : (size_t)-1;
    }
    }
}

static loom_pbc_scan_status scan_message(scan_state *s, const loom_pbc_scan_node *node,
                                         const uint8_t *data, size_t len, uint32_t depth,
                                         const ProtobufCMessageDescriptor *parent,
                                         const ProtobufCFieldDescriptor *via) {
    const ProtobufCMessageDescriptor *desc = node->descriptor;
    if (depth > s->limits->max_depth) return fail(s, LOOM_PBC_SCAN_TOO_DEEP, parent, via);
    // The struct, and protobuf-c's bitmap of required fields when it does not fit on its stack.
    if (!add(s, chunk(desc->sizeof_message))) return fail(s, LOOM_PBC_SCAN_DECODED_TOO_LARGE, parent, via);
    if ((desc->n_fields + 7) / 8 > 16 && !add(s, chunk((desc->n_fields + 7) / 8))) {
        return fail(s, LOOM_PBC_SCAN_DECODED_TOO_LARGE, parent, via);
    }

    // Occurrences per field (elements for repeated fields), in descriptor order.
    if (desc->n_fields > LOOM_PBC_SCAN_MAX_FIELDS) return fail(s, LOOM_PBC_SCAN_MALFORMED, desc, NULL);
    size_t counts[LOOM_PBC_SCAN_MAX_FIELDS];
    memset(counts, 0, desc->n_fields * sizeof(size_t));

    size_t members = 0, slab_capacity = FIRST_SLAB_MEMBERS, next_slab = FIRST_SLAB_MEMBERS * 2;
    size_t unknown_here = 0;
    const ProtobufCFieldDescriptor *last_field = NULL;
    const uint8_t *at = data;
    size_t rem = len;

    while (rem > 0) {
        // The tag, as parse_tag_and_wiretype reads it: at most 5 bytes, field number 0 invalid.
        if ((at[0] & 0xf8) == 0) return fail(s, LOOM_PBC_SCAN_MALFORMED, desc, NULL);
        uint8_t wire_type = at[0] & 7;
        uint32_t tag = (at[0] & 0x7f) >> 3;
        size_t used = 1;
        if (at[0] & 0x80) {
            size_t max_used = rem > 5 ? 5 : rem;
            unsigned shift = 4;
            for (;;) {
                if (used == max_used) return fail(s, LOOM_PBC_SCAN_MALFORMED, desc, NULL);
                uint8_t byte = at[used++];
                tag |= (uint32_t)(byte & 0x7f) << shift;
                shift += 7;
                if ((byte & 0x80) == 0) break;
            }
        }
        at += used;
        rem -= used;

        // The value's extent, as protobuf_c_message_unpack's scan finds it.
        size_t value_len, prefix_len = 0;
        switch (wire_type) {
        case PROTOBUF_C_WIRE_TYPE_VARINT: {
            size_t max_len = rem < 10 ? rem : 10, i = 0;
            while (i < max_len && (at[i] & 0x80)) i++;
            if (i == max_len) return fail(s, LOOM_PBC_SCAN_MALFORMED, desc, NULL);
            value_len = i + 1;
            break;
        }
        case PROTOBUF_C_WIRE_TYPE_64BIT:
            if (rem < 8) return fail(s, LOOM_PBC_SCAN_MALFORMED, desc, NULL);
            value_len = 8;
            break;
        case PROTOBUF_C_WIRE_TYPE_32BIT:
            if (rem < 4) return fail(s, LOOM_PBC_SCAN_MALFORMED, desc, NULL);
            value_len = 4;
            break;
        case PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED: {
            size_t max_len = rem < 5 ? rem : 5, i = 0, payload = 0;
            unsigned shift = 0;
            for (; i < max_len; i++) {
                payload |= ((size_t)at[i] & 0x7f) << shift;
                shift += 7;
                if ((at[i] & 0x80) == 0) break;
            }
            if (i == max_len || payload > INT_MAX) return fail(s, LOOM_PBC_SCAN_MALFORMED, desc, NULL);
            prefix_len = i + 1;
            if (payload > rem - prefix_len) return fail(s, LOOM_PBC_SCAN_MALFORMED, desc, NULL);
            value_len = prefix_len + payload;
            break;
        }
        default:
            // Groups (3, 4) and the undefined wire types 6 and 7: protobuf-c refuses them too.
            return fail(s, LOOM_PBC_SCAN_MALFORMED, desc, NULL);
        }

        const ProtobufCFieldDescriptor *field = last_field;
        if (field == NULL || field->id != tag) {
            int index = field_index(desc->n_field_ranges, desc->field_ranges, (int)tag);
            field = index < 0 ? NULL : desc->fields + index;
            if (field != NULL) last_field = field;
        }

        // One ScannedMember; protobuf-c allocates a slab twice the last one when the slabs are full.
        if (++members > slab_capacity) {
            if (!add(s, chunk(next_slab * SCANNED_MEMBER_SIZE))) {
                return fail(s, LOOM_PBC_SCAN_DECODED_TOO_LARGE, desc, field);
            }
            slab_capacity += next_slab;
            next_slab *= 2;
        }
        const uint8_t *payload = at + prefix_len;
        size_t payload_len = value_len - prefix_len;

        if (field == NULL) {
            // Unknown: protobuf-c copies the value (with its length prefix) into an allocation of its own.
            if (++s->unknown > s->limits->max_unknown_fields) {
                s->result->field_number = tag;
                return fail(s, LOOM_PBC_SCAN_TOO_MANY_UNKNOWN_FIELDS, desc, NULL);
            }
            unknown_here++;
            if (!add(s, chunk(value_len))) return fail(s, LOOM_PBC_SCAN_DECODED_TOO_LARGE, desc, NULL);
            at += value_len;
            rem -= value_len;
            continue;
        }

        size_t index = (size_t)(field - desc->fields);
        size_t occurrences = 1;
        if (field->label == PROTOBUF_C_LABEL_REPEATED && wire_type == PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED &&
            ((field->flags & PROTOBUF_C_FIELD_FLAG_PACKED) || is_packable(field->type))) {
            occurrences = packed_count(field->type, payload, payload_len);
            if (occurrences == (size_t)-1) return fail(s, LOOM_PBC_SCAN_MALFORMED, desc, field);
        } else if (wire_type != value_wire_type(field->type)) {
            return fail(s, LOOM_PBC_SCAN_MALFORMED, desc, field);
        }

        size_t count = counts[index] += occurrences;
        if (field->label == PROTOBUF_C_LABEL_REPEATED) {
            if (count > node->max_elements[index]) return fail(s, LOOM_PBC_SCAN_TOO_MANY_ELEMENTS, desc, field);
        } else if (field->type == PROTOBUF_C_TYPE_MESSAGE && count > 1) {
            // protobuf-c merges repeated occurrences of a singular message, concatenating its repeated
            // fields each time (quadratic, and past their element bounds).
            return fail(s, LOOM_PBC_SCAN_DUPLICATE_FIELD, desc, field);
        }

        switch (field->type) {
        case PROTOBUF_C_TYPE_STRING:
            if (has_nul(payload, payload_len)) {
                return fail(s, LOOM_PBC_SCAN_NUL_CHARACTER, desc, field);
            }
            if (!add(s, chunk(payload_len + 1))) return fail(s, LOOM_PBC_SCAN_DECODED_TOO_LARGE, desc, field);
            break;
        case PROTOBUF_C_TYPE_BYTES:
            if (payload_len > 0 && !add(s, chunk(payload_len))) {
                return fail(s, LOOM_PBC_SCAN_DECODED_TOO_LARGE, desc, field);
            }
            break;
        case PROTOBUF_C_TYPE_MESSAGE: {
            const loom_pbc_scan_node *child = node->children[index];
            if (child == NULL) return fail(s, LOOM_PBC_SCAN_MALFORMED, desc, field);
            loom_pbc_scan_status status = scan_message(s, child, payload, payload_len, depth + 1, desc, field);
            if (status != LOOM_PBC_SCAN_OK) return status;
            break;
        }
        default:
            break;
        }
        at += value_len;
        rem -= value_len;
    }

    // The arrays of repeated fields and of unknown fields, allocated once their counts are known.
    for (size_t index = 0; index < desc->n_fields; index++) {
        const ProtobufCFieldDescriptor *field = desc->fields + index;
        if (field->label != PROTOBUF_C_LABEL_REPEATED || counts[index] == 0) continue;
        if (!add(s, chunk(counts[index] * element_size(field->type)))) {
            return fail(s, LOOM_PBC_SCAN_DECODED_TOO_LARGE, desc, field);
        }
    }
    if (unknown_here > 0 && !add(s, chunk(unknown_here * sizeof(ProtobufCMessageUnknownField)))) {
        return fail(s, LOOM_PBC_SCAN_DECODED_TOO_LARGE, desc, NULL);
    }
    return LOOM_PBC_SCAN_OK;
}

loom_pbc_scan_status loom_pbc_scan(const loom_pbc_scan_node *root, const uint8_t *data, size_t len,
                                   const loom_pbc_scan_limits *limits, loom_pbc_scan_result *result) {
    scan_state state = {limits, result, 0, 0};
    result->decoded_bytes = 0;
    result->message = NULL;
    result->field = NULL;
    result->field_number = 0;
    loom_pbc_scan_status status = scan_message(&state, root, data, len, 1, NULL, NULL);
    result->decoded_bytes = state.decoded;
    return status;
}

// Helpers for LoomProto. Strings are read with strlen: the pre-scan (scan.c) refuses a
// string field containing a NUL byte before protobuf-c unpacks the message.
#include "CProtobufC.h"

char *loom_pbc_empty_string(void) {
    return (char *)protobuf_c_empty_string;
}

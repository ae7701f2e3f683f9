// Intentionally empty: SwiftPM needs one C source to build the CProtobufC target.
#include "CProtobufC.h"

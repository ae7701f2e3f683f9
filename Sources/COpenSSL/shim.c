// Intentionally empty: SwiftPM needs one C source to build the COpenSSL target.
#include "COpenSSL.h"

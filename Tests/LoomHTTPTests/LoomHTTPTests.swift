// Tests for LoomHTTP.

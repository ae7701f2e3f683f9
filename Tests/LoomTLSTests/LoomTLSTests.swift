// Tests for LoomTLS.

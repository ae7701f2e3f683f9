// Tests for LoomRPC.

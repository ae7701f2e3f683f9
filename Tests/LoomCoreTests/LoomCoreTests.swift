// Tests for LoomCore.

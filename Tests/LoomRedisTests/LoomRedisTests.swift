// Tests for LoomRedis.

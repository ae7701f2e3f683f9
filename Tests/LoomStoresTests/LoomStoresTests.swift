// Tests for LoomStores.

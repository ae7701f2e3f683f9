// Shared test fakes and fixtures (redis-server, test CA) live here.

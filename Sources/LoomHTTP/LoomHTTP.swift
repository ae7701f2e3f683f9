// LoomHTTP: module placeholder until its issue lands; replaced by the module's real sources.

# forward plugin: sources and module (filled in by the forward work).

# ifaces plugin: sources and module (filled in by the ifaces work).

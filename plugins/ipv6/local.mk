# ipv6 plugin: sources and module (filled in by the ipv6 work).

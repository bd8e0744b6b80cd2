# ifaces tests (filled in by the ifaces work).

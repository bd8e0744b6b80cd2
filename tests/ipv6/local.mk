# ipv6 tests (filled in by the ipv6 work).

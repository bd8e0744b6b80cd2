# icmp tests (filled in by the icmp work).

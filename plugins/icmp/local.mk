# icmp plugin: sources and module (filled in by the icmp work).

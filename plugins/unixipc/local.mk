# unixipc plugin: sources and module (filled in by the unixipc work).

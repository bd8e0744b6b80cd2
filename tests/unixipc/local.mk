# unixipc tests (filled in by the unixipc work).

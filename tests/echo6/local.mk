# echo6 tests (filled in by the echo6 work).

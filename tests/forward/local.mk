# forward tests (filled in by the forward work).

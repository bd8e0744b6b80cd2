# echo6 plugin: sources and module (filled in by the echo6 work).

#!/usr/bin/env node
// The commands arrive with the CLI work; until then the binary says so instead of pretending.
process.stderr.write("threadmill: the CLI is not built yet in this version.\n");
process.exit(2);

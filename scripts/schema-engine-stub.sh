#!/bin/sh
# Stand-in for Prisma's native schema engine, which cannot be downloaded here.
if [ "$1" = "--version" ]; then echo "schema-engine-stub 0.0.0"; exit 0; fi
echo "The Prisma schema engine is not available on this machine." >&2
echo "Use 'npm run db:migration' to write a migration; the server applies them at start-up." >&2
exit 1

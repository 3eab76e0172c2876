import type { NextConfig } from "next";

const config: NextConfig = {
  // Loaded by Node at run time rather than bundled: PGlite's WASM and data files, the database
  // clients, and threadmill's chunker worker threads, which find their files beside them.
  serverExternalPackages: [
    "@electric-sql/pglite",
    "@threadmill/core",
    "@threadmill/adapter-redis",
    "@threadmill/adapter-supabase",
    "ioredis",
    "postgres",
  ],
};

export default config;

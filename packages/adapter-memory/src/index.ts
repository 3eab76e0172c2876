export { createMemoryAdapter, type MemoryAdapterOptions } from "./memory-adapter.js";

export {
  createRedisAdapter,
  type RedisAdapter,
  type RedisAdapterOptions,
} from "./create-redis-adapter.js";
export type { RedisClient } from "./redis-context.js";
export type { RedisQueue } from "./redis-queue.js";

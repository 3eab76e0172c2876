export {
  formatSSEEvent,
  type SSEResponseOptions,
  type SSEResponseSource,
  toSSEResponse,
} from "./to-sse-response.js";

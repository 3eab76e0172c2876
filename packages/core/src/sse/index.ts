export { formatSSEEvent, type SSEResponseOptions, toSSEResponse } from "./to-sse-response.js";

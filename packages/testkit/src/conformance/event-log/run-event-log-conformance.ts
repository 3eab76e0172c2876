import { describe } from "vitest";
import type { AdapterConformanceOptions } from "../conformance-context.js";
import { describeEventLogFencing } from "./describe-event-log-fencing.js";
import { describeEventLogLongPoll } from "./describe-event-log-long-poll.js";
import { describeEventLogReads } from "./describe-event-log-reads.js";
import { describeEventLogRetention } from "./describe-event-log-retention.js";
import { describeEventLogSchema } from "./describe-event-log-schema.js";

/**
 * Registers the EventLog contract as vitest cases: fenced appends, order and exactly-once reads,
 * long-polling, retention with `reset`, and reads of unknown jobs.
 */
export function runEventLogConformance(options: AdapterConformanceOptions): void {
  // The groups register their cases in this order, which fixes the vitest test ids: keep it.
  describe(`${options.name}: EventLog`, () => {
    describeEventLogReads(options);
    describeEventLogLongPoll(options);
    describeEventLogFencing(options);
    describeEventLogSchema(options);
    describeEventLogRetention(options);
  });
}

import { describe, expect, it } from "vitest";
import { decodeRecord, encodeRecord } from "./record-codec.js";

/** What the store does: the body goes through JSON text and back. */
const roundTrip = <T>(record: T): T => {
  const { body, datePaths } = encodeRecord(record);
  const stored = JSON.parse(JSON.stringify({ body, datePaths }));
  return decodeRecord<T>(stored.body, stored.datePaths);
};

describe("record codec", () => {
  it("brings back every Date as a Date, nested in objects and arrays, and an invalid one as an invalid Date", () => {
    const record = {
      id: "c1",
      createdAt: new Date("2024-01-02T03:04:05.678Z"),
      messages: [
        { id: "m1", at: new Date(0), parts: [{ seen: [new Date(86_400_000), "text"] }] },
        { id: "m2", at: null, note: "2024-01-01T00:00:00.000Z" },
      ],
      broken: new Date(Number.NaN),
      gone: undefined,
    };
    const back = roundTrip(record);
    expect(back.createdAt).toEqual(record.createdAt);
    expect(back.messages[0]!.at).toEqual(new Date(0));
    expect(back.messages[0]!.parts?.[0]?.seen).toEqual([new Date(86_400_000), "text"]);
    // A string that looks like a date stays a string.
    expect(back.messages[1]!.note).toBe("2024-01-01T00:00:00.000Z");
    expect(back.messages[1]!.at).toBeNull();
    expect(Number.isNaN((back.broken as Date).getTime())).toBe(true);
    expect("gone" in back).toBe(false);
  });

  it("names the paths of the Dates and copies nothing", () => {
    const record = { a: [{ b: new Date(1) }], c: { d: new Date(2) }, e: "x" };
    const encoded = encodeRecord(record);
    expect(encoded.body).toBe(record);
    expect(encoded.datePaths).toEqual([
      ["a", 0, "b"],
      ["c", "d"],
    ]);
    expect(encodeRecord({ id: "k", text: "no dates" }).datePaths).toBeNull();
    expect(encodeRecord(new Date(3)).datePaths).toEqual([[]]);
  });
});

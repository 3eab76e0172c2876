/**
 * How deep arrays and objects may nest in one conversation (the conversation object is level 1).
 * Real exports stay under 30 levels; JSON.stringify, structuredClone and String() recurse and
 * overflow the stack somewhere past a few thousand, so deeper values are dropped before anything
 * reads them.
 */
export const MAX_NESTING = 256;

type Container = Record<string, unknown> | unknown[];

interface Frame {
  readonly value: Container;
  readonly keys: readonly string[] | null;
  next: number;
}

const isContainer = (v: unknown): v is Container => typeof v === "object" && v !== null;

/**
 * Drops, in place, every array or object nested deeper than `max` levels in a parsed value: an
 * object's property is deleted, an array's element becomes `null`. Walks with its own stack, as the
 * value may nest 100,000 levels. Returns how many values were dropped and the path of the first.
 */
export function dropDeepValues(root: Container, max = MAX_NESTING): { count: number; path: string } | null {
  const stack: Frame[] = [frame(root)];
  let count = 0;
  let path = "";
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const size = top.keys ? top.keys.length : (top.value as unknown[]).length;
    if (top.next >= size) {
      stack.pop();
      continue;
    }
    const key = top.keys ? top.keys[top.next]! : top.next;
    top.next++;
    const child = (top.value as Record<string | number, unknown>)[key];
    if (!isContainer(child)) continue;
    if (stack.length < max) {
      stack.push(frame(child));
      continue;
    }
    if (count++ === 0) path = pathOf(stack);
    if (top.keys) delete (top.value as Record<string, unknown>)[key as string];
    else (top.value as unknown[])[key as number] = null;
  }
  return count === 0 ? null : { count, path };
}

function frame(value: Container): Frame {
  return { value, keys: Array.isArray(value) ? null : Object.keys(value), next: 0 };
}

/** The path to the value the top frame is at, shortened to its first segments. */
function pathOf(stack: readonly Frame[]): string {
  const segments = stack.slice(0, 8).map((f) => (f.keys ? `.${f.keys[f.next - 1]}` : `[${f.next - 1}]`));
  return segments.join("").replace(/^\./, "") + (stack.length > 8 ? "..." : "");
}

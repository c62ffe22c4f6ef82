import assert from "node:assert/strict";
import { LiveList } from "../lib/live_list.ts";

const item = (name: string) => ({ name });

Deno.test("LiveList keeps values in the order they came, and removes any of them in O(1)", () => {
  const list = new LiveList<{ name: string }>();
  const [a, b, c] = [list.add(item("a")), list.add(item("b")), list.add(item("c"))];
  assert.equal(list.size, 3);
  list.remove(b);
  assert.deepEqual([...list].map((value) => value.name), ["a", "c"]);
  list.remove(a);
  list.remove(c);
  assert.equal(list.size, 0);
  assert.deepEqual([...list], []);
  const d = list.add(item("d"));
  assert.deepEqual([...list].map((value) => value.name), ["d"]);
  assert.equal(d.value?.name, "d");
});

Deno.test("LiveList clears a removed entry, so that it points at nothing", () => {
  const list = new LiveList<{ name: string }>();
  const a = list.add(item("a"));
  const b = list.add(item("b"));
  list.add(item("c"));
  list.remove(b);
  // The entry's links, which a minor GC would follow from a promoted dead entry.
  assert.deepEqual(Object.values(b), [undefined, undefined, undefined]);
  list.remove(b); // a second removal changes nothing
  assert.equal(list.size, 2);
  list.clear();
  assert.deepEqual(Object.values(a), [undefined, undefined, undefined]);
  assert.equal(list.size, 0);
});

Deno.test("LiveList lets the value just yielded be removed during iteration", () => {
  const list = new LiveList<{ name: string }>();
  const entries = ["a", "b", "c", "d"].map((name) => list.add(item(name)));
  const seen: string[] = [];
  for (const value of list) {
    seen.push(value.name);
    list.remove(entries.find((entry) => entry.value === value)!);
  }
  assert.deepEqual(seen, ["a", "b", "c", "d"]);
  assert.equal(list.size, 0);
});

Deno.test("LiveList: a loop that removes the value after the one it was given ends early, yielding no removed value", () => {
  const list = new LiveList<{ n: number }>();
  const entries = [1, 2, 3, 4].map((n) => list.add({ n }));
  const seen: number[] = [];
  for (const value of list) {
    seen.push(value.n);
    if (value.n === 2) {
      list.remove(entries[1]!); // itself
      list.remove(entries[2]!); // and the next
    }
  }
  assert.deepEqual(seen, [1, 2]);
  assert.deepEqual([...list].map((value) => value.n), [1, 4]);
});

Deno.test("LiveList: a loop that adds values sees them", () => {
  const list = new LiveList<{ n: number }>();
  list.add({ n: 1 });
  const seen: number[] = [];
  for (const value of list) {
    seen.push(value.n);
    if (value.n < 3) list.add({ n: value.n + 1 });
  }
  assert.deepEqual(seen, [1, 2, 3]);
});

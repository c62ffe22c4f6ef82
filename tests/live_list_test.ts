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

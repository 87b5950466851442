// Writes the licence of every npm package esbuild put into the bundle (from its metafile).
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";

const meta = JSON.parse(readFileSync(process.argv[2], "utf8"));
const names = new Set();
for (const input of Object.keys(meta.inputs)) {
  const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (match) names.add(match[1]);
}
const parts = ["Third-party software bundled in prosemirror.min.js and prosemirror.css.\n"];
for (const name of [...names].sort()) {
  const dir = join("node_modules", name);
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  const text = file ? readFileSync(join(dir, file), "utf8").trim() : `${pkg.license} (no licence file in the package)`;
  parts.push(`${"=".repeat(72)}\n${name} ${pkg.version} (${pkg.license})\n${"=".repeat(72)}\n${text}\n`);
}
if (!existsSync("node_modules/prosemirror-view")) throw new Error("run from the build folder");
process.stdout.write(parts.join("\n"));

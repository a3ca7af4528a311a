// `npm start`'s first step (prestart): the Node entry and everything of ours it imports as one JavaScript file,
// dist/node.js, so that a start loads JavaScript instead of compiling TypeScript (tsx took 2-3 s of a 3.7 s start).
// Packages stay in node_modules, loaded as Node loads them. Rebuilt only when a source is newer than the bundle.
// Plain JavaScript: it runs before anything can compile TypeScript.
import { mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { build } from "esbuild";

const root = join(import.meta.dirname, "..", "..");
const outfile = join(root, "dist", "node.js");

/** The newest modification among what the bundle is built from. */
function newestSource() {
  let newest = 0;
  for (const dir of ["src", "machines"]) {
    for (const entry of readdirSync(join(root, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
    }
  }
  for (const file of ["package-lock.json", "tsconfig.json"])
    newest = Math.max(newest, statSync(join(root, file)).mtimeMs);
  return newest;
}

function builtAt() {
  try {
    return statSync(outfile).mtimeMs;
  } catch {
    return 0;
  }
}

if (process.argv.includes("--force") || builtAt() < newestSource()) {
  const { outputFiles } = await build({
    entryPoints: [join(root, "src", "node.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: true,
    logLevel: "warning",
    write: false,
  });
  // Written aside, then renamed: a start (or a second build: tests and the benchmark build too) never reads half.
  mkdirSync(dirname(outfile), { recursive: true });
  for (const file of outputFiles) {
    const aside = join(dirname(file.path), `.${basename(file.path)}.${process.pid}`);
    writeFileSync(aside, file.contents);
    renameSync(aside, file.path);
  }
}

// Bundles the extension (src/extension.ts → dist/extension.js, vscode-languageclient inside,
// `vscode` external), or with --tests the unit tests (src/test/*.test.ts → out/test/).
//   node esbuild.mjs [--production] [--watch] [--tests]
import { readdirSync } from "node:fs";
import * as esbuild from "esbuild";

const args = new Set(process.argv.slice(2));
const production = args.has("--production");

const options = args.has("--tests")
  ? {
      entryPoints: readdirSync("src/test")
        .filter((name) => name.endsWith(".test.ts"))
        .map((name) => `src/test/${name}`),
      outdir: "out/test",
      bundle: true,
      format: "cjs",
      outExtension: { ".js": ".cjs" },
      platform: "node",
      target: "node20",
      sourcemap: "inline",
      // The unit tests cover the pure modules: importing `vscode` there is a mistake.
      external: [],
      logLevel: "warning",
    }
  : {
      entryPoints: ["src/extension.ts"],
      outfile: "dist/extension.js",
      bundle: true,
      format: "cjs",
      platform: "node",
      target: "node20",
      external: ["vscode"],
      minify: production,
      sourcemap: !production,
      sourcesContent: false,
      logLevel: "warning",
    };

if (args.has("--watch")) {
  const context = await esbuild.context(options);
  await context.watch();
  console.log("esbuild: watching");
} else {
  await esbuild.build(options);
}

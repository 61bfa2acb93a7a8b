// eslint (flat config): typescript-eslint's type-checked rules on src/, plain JS rules on scripts.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const PURE = ["src/common/interpreter.ts", "src/common/settings.ts", "src/common/fields.ts",
  "src/common/status.ts", "src/common/restarts.ts", "src/common/serverLog.ts", "src/test/**/*.ts"];

export default tseslint.config(
  { ignores: ["dist/", "out/", "bundled/", "node_modules/", ".e2e-cache/", "*.vsix"] },
  js.configs.recommended,
  {
    files: ["src/**/*.ts"],
    extends: [...tseslint.configs.strictTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      "@typescript-eslint/no-unnecessary-condition": "off",
    },
  },
  {
    // node:test's describe/it return promises the runner awaits.
    files: ["src/test/**/*.ts"],
    rules: { "@typescript-eslint/no-floating-promises": "off", "@typescript-eslint/no-non-null-assertion": "off" },
  },
  {
    // The pure modules run in the unit tests, outside VS Code: they never import it.
    files: PURE,
    rules: { "no-restricted-imports": ["error", { paths: ["vscode", "vscode-languageclient", "vscode-languageclient/node"] }] },
  },
  {
    files: ["**/*.mjs"],
    languageOptions: {
      sourceType: "module",
      globals: { console: "readonly", process: "readonly", setTimeout: "readonly", clearTimeout: "readonly", URL: "readonly", fetch: "readonly" },
    },
  },
);

/**
 * @module db/sqlite/native — explains a better-sqlite3 whose compiled module does not load: the
 * usual first-install failure (npm 11 skips unapproved install scripts; offline, no prebuilt
 * binary downloads), which otherwise reads as a list of paths the `bindings` package tried.
 */

/** What went wrong and the commands that fix it, when `error` is a native-module failure. */
export function describeNativeModuleFailure(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : "";
  const code = (error as { code?: unknown } | null)?.code;
  let problem: string;
  if (message.startsWith("Could not locate the bindings file")) {
    problem = "is not built: its install script did not run, or failed";
  } else if (code === "ERR_DLOPEN_FAILED" || message.includes("NODE_MODULE_VERSION")) {
    const firstLine = message.split("\n")[0] ?? "";
    problem = `does not load in Node.js ${process.version} (${firstLine})`;
  } else {
    return undefined;
  }
  return (
    `better-sqlite3's native module ${problem}, so no database can be opened. ` +
    "Build it in your project with `npm rebuild better-sqlite3`; npm 11 runs its script only once " +
    "approved, so run `npm install-scripts approve better-sqlite3` first. Where no prebuilt " +
    "binary can be downloaded, the build needs Python 3, make and a C++ compiler."
  );
}

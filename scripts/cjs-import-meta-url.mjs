/** Injected into the CommonJS build, which has no `import.meta`: the module's own file URL. */
export const importMetaUrl = require("node:url").pathToFileURL(__filename).href;

/**
 * @module keys/redact — the one redaction rule, applied wherever call arguments are written
 * (stored arguments, input previews) or shown (explain, `beautyspot why`, miss messages).
 * Keys never see it: arguments are canonicalized unredacted, so redaction never changes a key.
 */

import { ValidationError } from "../errors.js";

/** What a `redact` function is asked about: one field of an argument. */
export interface RedactField {
  /** The field's own name (`apiKey`), or the parameter name for a whole argument. */
  readonly key: string;
  /** Where it sits: `opts.headers.authorization`, `messages[2].content`. */
  readonly path: string;
  readonly value: unknown;
}

/**
 * More fields to redact, on top of the built-in rule (which cannot be turned off):
 * - a list of field names (`"email"`, matched case-insensitively, ignoring `-` and `_`), dotted
 *   paths (`"opts.user.phone"`, `"messages[0].content"`), or regular expressions tested on the
 *   field name;
 * - or a function `(field) => boolean` that returns `true` for a field to redact.
 */
export type RedactOption = readonly (string | RegExp)[] | ((field: RedactField) => boolean);

/** What replaces a redacted field or a secret found inside a text. */
export const REDACTED = "[redacted]";

/**
 * Field names that hold secrets, normalized (lower case, without `-`, `_` and `.`). A name is
 * secret when it is one of these or ends with one of `SECRET_NAME_ENDINGS`.
 */
const SECRET_NAMES: ReadonlySet<string> = new Set([
  "auth",
  "authorization",
  "proxyauthorization",
  "token",
  "password",
  "passwd",
  "passphrase",
  "pwd",
  "secret",
  "secrets",
  "credential",
  "credentials",
  "cookie",
  "cookies",
  "setcookie",
  "privatekey",
  "apikey",
  "xapikey",
  "sessionid",
]);

/**
 * Endings that make a name secret: `openaiApiKey`, `clientSecret`, `accessToken`, `dbPassword`.
 * `token` as an ending catches `pageToken` too (better one redaction too many); `maxTokens` and
 * `tokens` do not end with it.
 */
const SECRET_NAME_ENDINGS: readonly string[] = [
  "apikey",
  "secret",
  "password",
  "passwd",
  "passphrase",
  "token",
  "privatekey",
  "secretkey",
  "accesskey",
  "credentials",
  "authorization",
];

/**
 * Values that look like secrets whatever field holds them, also inside longer texts (a key pasted
 * into a prompt): OpenAI / Anthropic `sk-…`, GitHub `ghp_…` / `github_pat_…`, Slack `xox?-…`,
 * AWS access key ids, Google API keys, Hugging Face `hf_…`, JWTs and `Bearer …` headers. Each
 * needs a long random tail, so ordinary words (`task-list`, `sk-1`) are left alone.
 */
const SECRET_VALUE_PATTERN =
  /\b(?:sk-[A-Za-z0-9_-]{12,}|(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35}|hf_[A-Za-z0-9]{30,}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})|\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/g;

/** Lower case without `-`, `_`, `.` and spaces: `X-Api-Key`, `api_key` and `apiKey` compare equal. */
function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.\s]/g, "");
}

/** Field names already judged: the same few names come back on every call. */
const secretNameCache = new Map<string, boolean>();
/** Names remembered at most (the cache starts over beyond, so odd keys cannot grow it). */
const SECRET_NAME_CACHE_SIZE = 4096;

/** Whether a field name is secret by the built-in rule. */
export function isSecretName(name: string): boolean {
  const known = secretNameCache.get(name);
  if (known !== undefined) return known;
  const normalized = normalizeName(name);
  const secret =
    SECRET_NAMES.has(normalized) ||
    SECRET_NAME_ENDINGS.some((ending) => normalized.endsWith(ending));
  if (secretNameCache.size >= SECRET_NAME_CACHE_SIZE) secretNameCache.clear();
  secretNameCache.set(name, secret);
  return secret;
}

/** `text` with every secret-looking token replaced by `[redacted]`; the same string when none. */
export function redactSecretsInText(text: string): string {
  // Most texts hold no secret: test first so the common case allocates nothing.
  SECRET_VALUE_PATTERN.lastIndex = 0;
  if (!SECRET_VALUE_PATTERN.test(text)) return text;
  SECRET_VALUE_PATTERN.lastIndex = 0;
  return text.replace(SECRET_VALUE_PATTERN, REDACTED);
}

/** The resolved rule: whether one field is redacted. */
export type Redactor = (key: string, path: string, value: unknown) => boolean;

/** The built-in rule alone. */
export const defaultRedactor: Redactor = (key) => isSecretName(key);

/**
 * Combines the built-in rule with the `redact` options of the Spot and of the function (both
 * apply). Invalid options are a ValidationError naming `where`.
 */
export function createRedactor(
  options: readonly (RedactOption | undefined)[],
  where: string,
): Redactor {
  const names = new Set<string>();
  const paths = new Set<string>();
  const patterns: RegExp[] = [];
  const functions: ((field: RedactField) => boolean)[] = [];
  for (const option of options) {
    if (option === undefined) continue;
    if (typeof option === "function") {
      functions.push(option);
      continue;
    }
    if (!Array.isArray(option)) {
      throw new ValidationError(
        `Option \`redact\` of ${where} must be a list of field names, paths or regular expressions, or a function (field) => boolean. Example: redact: ["email", "opts.user.phone", /^x-/i].`,
      );
    }
    for (const entry of option as readonly unknown[]) {
      if (entry instanceof RegExp) patterns.push(entry);
      else if (typeof entry === "string" && entry !== "") {
        if (/[.[]/.test(entry)) paths.add(entry);
        else names.add(normalizeName(entry));
      } else {
        throw new ValidationError(
          `Option \`redact\` of ${where} holds ${JSON.stringify(entry) ?? String(entry)}; each entry must be a non-empty field name, a dotted path or a regular expression.`,
        );
      }
    }
  }
  if (names.size === 0 && paths.size === 0 && patterns.length === 0 && functions.length === 0) {
    return defaultRedactor;
  }
  return (key, path, value) => {
    if (isSecretName(key) || names.has(normalizeName(key)) || paths.has(path)) return true;
    for (const pattern of patterns) {
      pattern.lastIndex = 0;
      if (pattern.test(key)) return true;
    }
    for (const predicate of functions) {
      if (predicate({ key, path, value })) return true;
    }
    return false;
  };
}

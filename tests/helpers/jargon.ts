/**
 * Developer text that must never reach a person (shared/errors.ts: messages are for people and say what to do
 * next): operation names, schema paths, zod's marks, socket and libp2p words, encoder names, stack frames.
 * Pure (no Node imports), so both the node tests and the Playwright specs use it.
 */

const OPERATION_PREFIXES = [
  'app',
  'vault',
  'items',
  'friends',
  'backup',
  'held',
  'requests',
  'recovery',
  'settings',
];

/** Each pattern with what it catches, so a failure says which kind of jargon it found. */
export const JARGON: { what: string; pattern: RegExp }[] = [
  {
    what: 'an operation name',
    pattern: new RegExp(`\\b(?:${OPERATION_PREFIXES.join('|')})\\.[a-z][A-Za-z]+(?:\\.[a-z][A-Za-z]+)?\\b`),
  },
  { what: 'a schema path', pattern: /\b[A-Za-z_]\w*\[\d+\]|→ at\b|\bat [a-zA-Z_]\w*(?:\.\w+|\[\d+\])+/ },
  { what: 'zod’s mark', pattern: /✖/ },
  {
    what: 'a socket error',
    pattern: /\bE(?:CONN\w*|ADDRINUSE|HOSTUNREACH|NETUNREACH|PIPE|TIMEDOUT|AI_AGAIN)\b/,
  },
  { what: 'a libp2p word', pattern: /\bgater\b|\bdial(?:ed|ing|s)?\b|\bmultiaddr\b|\bmuxer\b/i },
  { what: 'a libp2p word', pattern: /\bNoise\b|\blibp2p\b/ },
  { what: 'an encoder name', pattern: /\bBase(?:32|58|64)\b|\bCBOR\b/i },
  { what: 'zod’s wording', pattern: /Invalid arguments|Invalid input: expected|Too (?:big|small): expected/ },
  {
    what: 'a stack frame',
    pattern: /\bat file:|\bat (?:async )?\S+ \(|\.tsx?:\d+|\bnode:internal\b|\bError: /,
  },
  { what: 'a class name', pattern: /\b[A-Z][a-z]+(?:[A-Z][a-z]+)*Error\b/ },
  { what: 'an internal word', pattern: /\bundefined\b|\bnull\b|\bNaN\b|\[object Object\]/ },
];

/** The kinds of jargon in `text` with what matched, empty when it reads as written for people. */
export function findJargon(text: string): string[] {
  const found: string[] = [];
  for (const { what, pattern } of JARGON) {
    const match = pattern.exec(text);
    if (match) found.push(`${what} (“${match[0]}”)`);
  }
  return found;
}

/** Throws (naming the place and the jargon) if `text` holds developer text. */
export function assertNoJargon(text: string, where: string): void {
  const found = findJargon(text);
  if (found.length > 0) throw new Error(`${where} shows developer text: ${found.join(', ')}\n  in: ${text}`);
}

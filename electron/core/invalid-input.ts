/**
 * Says in people's words why the arguments of a call were refused (shared/errors.ts: messages are for people and say
 * what to do next). The dispatcher validates every call against the contract; a schema's own message (for example
 * "An item needs a title.") is kept, and every other problem becomes a sentence naming the field as the screens
 * name it, never the operation, the schema path or zod's wording. The code stays BAD_REQUEST.
 */
import type { z } from 'zod';
import { MAX_ATTACHMENT_BYTES } from '../../shared/api/ops/items.ts';

/** Returned by the per-call error map: marks an issue whose schema gave no message of its own. */
export const NO_SCHEMA_MESSAGE = '\u0000tessera:no-schema-message';

interface FieldWords {
  /** How the screens name the field, as the subject of a sentence. */
  subject: string;
  plural?: boolean;
  /** What to do about it, when more helpful than "Change it and try again." */
  fix?: string;
  /** What to do when it is too long (or has too many entries), when that differs from `fix`. */
  tooBig?: string;
  /** For a list: what has it and what it holds ("An item" can have at most 16 "files"). */
  list?: { owner: string; noun: string };
}

const FIELDS: Record<string, FieldWords> = {
  title: { subject: 'The title' },
  secret: { subject: 'The secret', tooBig: 'Keep long text as a file instead.' },
  notes: { subject: 'The notes', plural: true, tooBig: 'Shorten them, or keep long text as a file instead.' },
  tags: { subject: 'The tags', plural: true, list: { owner: 'An item', noun: 'tags' } },
  kind: { subject: 'The kind of item', fix: 'Choose login, totp, seed, note or secret.' },
  username: { subject: 'The user name' },
  urls: { subject: 'The web addresses', plural: true, list: { owner: 'A login', noun: 'web addresses' } },
  query: { subject: 'The search' },
  attachments: {
    subject: 'The files',
    plural: true,
    tooBig: 'Remove some files, then save again.',
    list: { owner: 'An item', noun: 'files' },
  },
  mediaType: { subject: 'The type of a file' },
  keep: { subject: 'A file kept from before', fix: 'Open the item again, then save your changes.' },
  id: { subject: 'What this refers to', fix: 'Reload the screen and try again.' },
  name: { subject: 'The name' },
  passphrase: { subject: 'The passphrase' },
  current: { subject: 'The current passphrase' },
  next: { subject: 'The new passphrase' },
  code: { subject: 'The code', fix: 'Copy it again whole and try again.' },
  peerId: { subject: 'The friend', fix: 'Reload the screen and pick the friend again.' },
  friendPeerId: { subject: 'The friend', fix: 'Reload the screen and pick the friend again.' },
  custodians: {
    subject: 'The friends who keep pieces',
    plural: true,
    fix: 'Choose between 2 and 16 friends to keep pieces.',
    list: { owner: 'A backup', noun: 'friends' },
  },
  threshold: { subject: 'The number of pieces needed to recover' },
  ttlMinutes: { subject: 'How long the invite lasts' },
  match: { subject: 'The answer' },
  autoLockMinutes: { subject: 'The auto-lock time' },
  startAtLogin: { subject: 'The start-at-login setting' },
  closeToTray: { subject: 'The close-to-tray setting' },
  relayForFriends: { subject: 'The relay setting' },
  listen: {
    subject: 'The listening addresses',
    plural: true,
    list: { owner: 'This device', noun: 'listening addresses' },
  },
};

const SOMETHING: FieldWords = {
  subject: 'Something in this request',
  fix: 'Reload the screen and try again.',
};

const count = (n: number) => n.toLocaleString('en-US');

function wordsFor(path: readonly PropertyKey[]): { field: FieldWords; inList: boolean } {
  const keys = path.filter((p): p is string => typeof p === 'string');
  const last = keys.at(-1);
  const inList = typeof path.at(-1) === 'number';
  // A file's name is "the name of a file"; an entry of a list (a tag) is "one of the tags".
  if (last === 'name' && keys.includes('attachments'))
    return { field: { subject: 'The name of a file' }, inList };
  return { field: (last !== undefined && FIELDS[last]) || SOMETHING, inList };
}

/** The value at `path` in what the caller sent, when it is there. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function sentence(issue: z.core.$ZodIssue, input: unknown): string {
  const path = issue.path;
  // An over-size file: name it, and say the limit the editor shows.
  if (issue.code === 'too_big' && path.at(-1) === 'dataBase64') {
    const name = valueAt(input, [...path.slice(0, -1), 'name']);
    const file = typeof name === 'string' && name ? `The file “${name}”` : 'A file';
    return `${file} is larger than ${MAX_ATTACHMENT_BYTES / (1024 * 1024)} MB, the most Tessera keeps per file. Remove it, then save again.`;
  }
  const { field, inList } = wordsFor(path);
  const subject = inList
    ? `One of ${field.subject.charAt(0).toLowerCase()}${field.subject.slice(1)}`
    : field.subject;
  const is = field.plural && !inList ? 'are' : 'is';
  const fix = field.fix ?? 'Change it and try again.';
  switch (issue.code) {
    case 'too_big': {
      const max = Number(issue.maximum);
      const shorten = field.tooBig ?? fix;
      if (issue.origin === 'string')
        return `${subject} ${is} too long: at most ${count(max)} characters. ${shorten}`;
      if (issue.origin === 'array')
        return `${field.list?.owner ?? subject} can have at most ${count(max)} ${field.list?.noun ?? 'entries'}. ${shorten}`;
      return `${subject} ${is} too large: at most ${count(max)}. ${fix}`;
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string')
        return min <= 1
          ? `${subject} cannot be empty. ${fix}`
          : `${subject} ${is} too short: at least ${count(min)} characters. ${fix}`;
      if (issue.origin === 'array')
        return `${field.list?.owner ?? subject} needs at least ${count(min)} ${field.list?.noun ?? 'entries'}. ${fix}`;
      return `${subject} ${is} too small: at least ${count(min)}. ${fix}`;
    }
    case 'invalid_type':
      return valueAt(input, path) === undefined
        ? `${subject} ${is} missing. ${fix}`
        : `${subject} ${is} not the right kind of value. ${fix}`;
    case 'invalid_format':
      return `${subject} ${is} not in the right form. ${fix}`;
    case 'invalid_value':
      return `${subject} ${is} not one of the choices. ${fix}`;
    case 'unrecognized_keys':
      return 'This request has parts this version of Tessera does not know. Update Tessera, or reload the screen.';
    default:
      return `${subject} ${is} not valid. ${fix}`;
  }
}

/** One message for all that is wrong with the arguments of a call (at most three sentences). */
export function describeInvalidInput(error: z.ZodError, input: unknown): string {
  const sentences: string[] = [];
  for (const issue of error.issues) {
    const text = issue.message === NO_SCHEMA_MESSAGE ? sentence(issue, input) : issue.message;
    if (!sentences.includes(text)) sentences.push(text);
  }
  if (sentences.length === 0) return SOMETHING.subject + ' is not valid. Reload the screen and try again.';
  return sentences.slice(0, 3).join(' ');
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { followEvents } from '../../../shared/api/event-stream.ts';
import type { TesseraEvent } from '../../../shared/api/events.ts';

/** A reader that hands out these pieces of text, then ends. */
function readerOf(pieces: string[]) {
  let i = 0;
  return {
    read: () =>
      Promise.resolve(
        i < pieces.length ? { done: false, value: pieces[i++] } : { done: true, value: undefined },
      ),
  };
}

test('events split across reads, and frames that are not events skipped; the stream ends when aborted', async () => {
  const signal = { aborted: false };
  const seen: TesseraEvent[] = [];
  let opened = 0;
  await followEvents(
    () => {
      opened++;
      signal.aborted = true; // the stream ends after this one
      return Promise.resolve(
        readerOf([
          ': connected\n\n',
          'data: {"type":"changed","to',
          'pics":["backup"]}\n\ndata: {"type":"nonsense"}\n\n',
          ': keep-alive\n\ndata: {"type":"notice",\ndata: "title":"A","body":"B"}\n\n',
        ]),
      );
    },
    signal,
    (event) => seen.push(event),
  );
  assert.equal(opened, 1);
  assert.deepEqual(seen, [
    { type: 'changed', topics: ['backup'] },
    { type: 'notice', title: 'A', body: 'B' },
  ]);
});

import { TesseraEvent } from './events.ts';

/** A reader of decoded text, as `ReadableStream<string>.getReader()` gives (browsers and Node alike). */
export interface TextChunkReader {
  read(): Promise<{ done: boolean; value?: string }>;
}

/**
 * Follows the local API's event stream (`GET /api/events`: server-sent events, `data: <json>` lines in frames that a
 * blank line ends) until `signal` aborts. `open` makes the request; each valid event goes to `listener`, frames that
 * are not one are skipped, and the stream is opened again a second after it ends or fails (the host restarting).
 */
export async function followEvents(
  open: () => Promise<TextChunkReader>,
  signal: { readonly aborted: boolean },
  listener: (event: TesseraEvent) => void,
): Promise<void> {
  while (!signal.aborted) {
    try {
      const reader = await open();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value ?? '';
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice(6))
            .join('\n');
          if (!data) continue;
          const parsed = TesseraEvent.safeParse(JSON.parse(data));
          if (parsed.success) listener(parsed.data);
        }
      }
    } catch {
      if (signal.aborted) return;
    }
    await new Promise<void>((resolve) => setTimeout(resolve, 1000));
  }
}

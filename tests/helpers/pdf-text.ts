import { inflateSync } from 'node:zlib';

/** The text a PDF draws: each content stream inflated, each hex string of a text operator decoded. */
export function pdfText(pdf: Uint8Array): string {
  const raw = Buffer.from(pdf).toString('latin1');
  const parts: string[] = [];
  for (const m of raw.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)) {
    let body: string;
    try {
      body = inflateSync(Buffer.from(m[1]!, 'latin1')).toString('latin1');
    } catch {
      body = m[1]!;
    }
    for (const t of body.matchAll(/<([0-9A-Fa-f]*)> Tj/g))
      parts.push(Buffer.from(t[1]!, 'hex').toString('latin1'));
  }
  return parts.join('\n');
}

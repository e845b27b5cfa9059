/**
 * Writes Tessera's icons as real PNG files (RGBA, 8 bits, deflate via node:zlib with its CRC-32): the app icon in
 * several sizes for electron-builder (resources/icons/NxN.png) and small tray icons (resources/tray/tray-N.png).
 * The motif is a mosaic: square tiles (tesserae) in a few warm and cool tones. Re-run after changing it:
 *   node resources/make-icons.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

type Rgba = readonly [number, number, number, number];

const SLATE: Rgba = [22, 32, 42, 255];
const TEAL: Rgba = [43, 179, 163, 255];
const AMBER: Rgba = [242, 177, 52, 255];
const CORAL: Rgba = [232, 100, 74, 255];
const SKY: Rgba = [74, 163, 232, 255];
const CREAM: Rgba = [239, 230, 210, 255];

/** A rounded rectangle in unit coordinates of the image (0..1). */
interface Shape {
  x: number;
  y: number;
  w: number;
  h: number;
  r: number;
  color: Rgba;
}

function inside(shape: Shape, px: number, py: number): boolean {
  const { x, y, w, h, r } = shape;
  if (px < x || py < y || px > x + w || py > y + h) return false;
  const cx = Math.min(Math.max(px, x + r), x + w - r);
  const cy = Math.min(Math.max(py, y + r), y + h - r);
  return (px - cx) ** 2 + (py - cy) ** 2 <= r * r;
}

/** Paints shapes in order (later on top) with 4×4 supersampling for smooth edges. */
function render(size: number, shapes: Shape[]): Uint8Array {
  const out = new Uint8Array(size * size * 4);
  const samples = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const px = (x + (sx + 0.5) / samples) / size;
          const py = (y + (sy + 0.5) / samples) / size;
          let hit: Rgba | null = null;
          for (const shape of shapes) if (inside(shape, px, py)) hit = shape.color;
          if (hit) {
            const alpha = hit[3] / 255;
            r += hit[0] * alpha;
            g += hit[1] * alpha;
            b += hit[2] * alpha;
            a += alpha;
          }
        }
      }
      const i = (y * size + x) * 4;
      const n = samples * samples;
      out[i] = a > 0 ? Math.round(r / a) : 0;
      out[i + 1] = a > 0 ? Math.round(g / a) : 0;
      out[i + 2] = a > 0 ? Math.round(b / a) : 0;
      out[i + 3] = Math.round((a / n) * 255);
    }
  }
  return out;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

export function encodePng(size: number, rgba: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering
  ihdr[12] = 0; // no interlace
  const stride = size * 4;
  const raw = Buffer.alloc((stride + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (stride + 1)] = 0; // filter: none
    raw.set(rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** A grid of tiles inside [x0, x0 + span]²; `pattern` gives each tile's colour (null leaves a gap). */
function tiles(x0: number, span: number, pattern: (Rgba | null)[][], gap: number, radius: number): Shape[] {
  const n = pattern.length;
  const cell = (span - gap * (n - 1)) / n;
  const shapes: Shape[] = [];
  pattern.forEach((row, j) =>
    row.forEach((color, i) => {
      if (color) {
        shapes.push({
          x: x0 + i * (cell + gap),
          y: x0 + j * (cell + gap),
          w: cell,
          h: cell,
          r: cell * radius,
          color,
        });
      }
    }),
  );
  return shapes;
}

function appIcon(): Shape[] {
  const background: Shape = { x: 0.04, y: 0.04, w: 0.92, h: 0.92, r: 0.2, color: SLATE };
  const pattern = [
    [TEAL, SKY, AMBER, CREAM],
    [SKY, CREAM, CORAL, AMBER],
    [AMBER, CORAL, TEAL, SKY],
    [CREAM, AMBER, SKY, TEAL],
  ];
  return [background, ...tiles(0.17, 0.66, pattern, 0.035, 0.18)];
}

function trayIcon(): Shape[] {
  return tiles(
    0.06,
    0.88,
    [
      [TEAL, AMBER],
      [CORAL, CREAM],
    ],
    0.12,
    0.2,
  );
}

const root = import.meta.dirname;
mkdirSync(join(root, 'icons'), { recursive: true });
mkdirSync(join(root, 'tray'), { recursive: true });
for (const size of [512, 256, 128, 64, 32]) {
  writeFileSync(join(root, 'icons', `${size}x${size}.png`), encodePng(size, render(size, appIcon())));
}
for (const size of [16, 22, 32]) {
  writeFileSync(join(root, 'tray', `tray-${size}.png`), encodePng(size, render(size, trayIcon())));
}
console.log('wrote resources/icons/*.png and resources/tray/*.png');

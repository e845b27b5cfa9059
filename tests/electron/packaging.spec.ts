import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { inflateSync, crc32 } from 'node:zlib';
import { expect, test } from '@playwright/test';
import { FUSES } from '../../electron/main/fuses.ts';
import { repoRoot } from './electron-env.ts';

/**
 * What gets packaged: electron-builder.yml passes electron-builder's own schema and declares exactly the fuses of
 * electron/main/fuses.ts; the icons are valid PNGs; the preload bundle is one self-contained CommonJS file.
 */
const require = createRequire(import.meta.url);

interface BuilderConfig {
  appId?: string;
  productName?: string;
  electronFuses?: Record<string, boolean>;
  asarUnpack?: string[];
  files?: unknown;
  linux?: { target?: string[]; category?: string; icon?: string };
}

test('electron-builder.yml is valid for electron-builder 26 and sets every fuse as declared', async () => {
  const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
    getConfig(dir: string, path: string | null, options: null): Promise<BuilderConfig>;
    validateConfiguration(config: BuilderConfig, logger: unknown): Promise<void>;
  };
  const { DebugLogger } = require('builder-util/out/DebugLogger') as {
    DebugLogger: new (on: boolean) => unknown;
  };
  const config = await getConfig(repoRoot, join(repoRoot, 'electron-builder.yml'), null);
  await validateConfiguration(config, new DebugLogger(false));
  expect(config.appId).toBe('app.tessera.desktop');
  expect(config.productName).toBe('Tessera');
  expect(config.electronFuses).toEqual(FUSES);
  expect(config.asarUnpack).toEqual(
    expect.arrayContaining(['**/node_modules/better-sqlite3/**', '**/*.node']),
  );
  // getConfig normalises `files` into file sets; what matters is that the build output and the icons are in.
  const files = JSON.stringify(config.files);
  for (const pattern of ['out/**', 'resources/icons/*.png', 'resources/tray/*.png'])
    expect(files).toContain(pattern);
  expect(config.linux).toMatchObject({
    target: ['AppImage', 'deb'],
    category: 'Utility',
    icon: 'resources/icons',
  });
});

test('the fuses that matter for security are set the safe way', () => {
  expect(FUSES).toMatchObject({
    runAsNode: false,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    onlyLoadAppFromAsar: true,
    enableCookieEncryption: true,
    enableEmbeddedAsarIntegrityValidation: true,
    grantFileProtocolExtraPrivileges: false,
  });
});

function readPng(path: string): { width: number; height: number; pixels: Buffer } {
  const data = readFileSync(path);
  expect(data.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (offset < data.length) {
    const length = data.readUInt32BE(offset);
    const type = data.toString('ascii', offset + 4, offset + 8);
    const body = data.subarray(offset + 8, offset + 8 + length);
    expect(data.readUInt32BE(offset + 8 + length), `${path} ${type} CRC`).toBe(
      crc32(data.subarray(offset + 4, offset + 8 + length)) >>> 0,
    );
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      expect([body[8], body[9]]).toEqual([8, 6]); // 8-bit RGBA
    }
    if (type === 'IDAT') idat.push(body);
    offset += 12 + length;
  }
  return { width, height, pixels: inflateSync(Buffer.concat(idat)) };
}

test('the icons are valid RGBA PNGs of the sizes their names say, and not blank', () => {
  const files = [
    ...[512, 256, 128, 64, 32].map(
      (s) => [join(repoRoot, 'resources', 'icons', `${s}x${s}.png`), s] as const,
    ),
    ...[16, 22, 32].map((s) => [join(repoRoot, 'resources', 'tray', `tray-${s}.png`), s] as const),
  ];
  for (const [path, size] of files) {
    const png = readPng(path);
    expect([png.width, png.height], path).toEqual([size, size]);
    expect(png.pixels.length, path).toBe((size * 4 + 1) * size);
    const opaque = png.pixels.filter((_, i) => i % (size * 4 + 1) !== 0 && (i % (size * 4 + 1)) % 4 === 0);
    expect(
      opaque.some((a) => a > 200),
      path,
    ).toBe(true);
  }
});

test('the built preload is one CommonJS file that requires nothing but electron', () => {
  const preload = join(repoRoot, 'out', 'preload', 'index.cjs');
  test.skip(!existsSync(preload), 'out/preload/index.cjs not built yet (npm run build)');
  const code = readFileSync(preload, 'utf8');
  const requires = [...code.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
  expect(new Set(requires)).toEqual(new Set(['electron']));
  expect(code).not.toMatch(/^\s*import\s/m);
  expect(code).toContain('exposeInMainWorld("tessera"');
  expect(code).not.toMatch(/exposeInMainWorld\(\s*["'](?!tessera)/);
});

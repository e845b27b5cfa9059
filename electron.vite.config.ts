import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

const root = import.meta.dirname;

/**
 * One build for the three Electron targets. The renderer output (out/renderer) is also what `tessera serve`
 * serves to a browser, so the same React code runs in both.
 */
export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      // cli: the `tessera` command built (what `npm run serve` and the bench run): one bundle of our own modules
      // instead of hundreds of TypeScript files stripped at load, so the always-on custodian starts faster and
      // uses less memory. Dependencies stay in node_modules either way.
      rollupOptions: {
        input: {
          index: resolve(root, 'electron/main/index.ts'),
          cli: resolve(root, 'electron/cli/entry.ts'),
          // The worker thread that seals backup chunks (electron/core/crypto-native/parallel-build.ts).
          'seal-worker': resolve(root, 'electron/core/crypto-native/seal-worker.ts'),
        },
        // Every chunk beside the entries, in out/main: the entries load the app by dynamic import (gc-tuning.ts), so
        // most code runs from chunks, and it finds the renderer, preload, resources and seal worker relative to
        // out/main.
        output: { chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload must be one self-contained CommonJS file.
      outDir: resolve(root, 'out/preload'),
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(root, 'electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    base: './',
    plugins: [react()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      emptyOutDir: true,
      rollupOptions: { input: { index: resolve(root, 'renderer/index.html') } },
    },
  },
});

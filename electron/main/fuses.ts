import type { FuseOptionsV1 } from 'app-builder-lib';

/**
 * The Electron fuses Tessera ships with, as a typed `Required<>` object so none is forgotten (Element's pattern).
 * electron-builder.yml (`electronFuses`) must say the same; tests/electron/unit/builder-config.test.ts checks that.
 * Not imported by the app: fuses are flipped in the binary at packaging time.
 */
export const FUSES: Required<Omit<FuseOptionsV1, 'resetAdHocDarwinSignature'>> = {
  // ELECTRON_RUN_AS_NODE would turn the signed app into a general Node interpreter.
  runAsNode: false,
  // Encrypt Chromium's cookie store with the OS keyring (we keep none, but it costs nothing).
  enableCookieEncryption: true,
  // NODE_OPTIONS / NODE_EXTRA_CA_CERTS could inject code or trust into the main process.
  enableNodeOptionsEnvironmentVariable: false,
  // --inspect and SIGUSR1 would let anyone with a shell attach a debugger to the process holding the vault key.
  enableNodeCliInspectArguments: false,
  // Validate app.asar against the hash embedded in the binary (macOS and Windows; ignored on Linux).
  enableEmbeddedAsarIntegrityValidation: true,
  // Load the app only from app.asar, never from a loose app/ folder next to it.
  onlyLoadAppFromAsar: true,
  loadBrowserProcessSpecificV8Snapshot: false,
  // The renderer is served from app://, so file:// needs no extra privileges.
  grantFileProtocolExtraPrivileges: false,
};

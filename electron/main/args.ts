/**
 * Command-line flags of the desktop app. Electron and Chromium add their own switches to `process.argv`, so this
 * only picks out Tessera's flags wherever they appear and ignores everything else.
 */
export interface ShellArgs {
  /** `--data DIR` / `--data=DIR`: the data dir to open (otherwise TESSERA_DATA_DIR or the default). */
  dataDir: string | null;
  /** `--hidden`: start in the tray without showing the window (autostart). */
  hidden: boolean;
}

export function parseShellArgs(argv: readonly string[]): ShellArgs {
  let dataDir: string | null = null;
  let hidden = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--hidden') hidden = true;
    else if (arg === '--data') {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        dataDir = next;
        i++;
      }
    } else if (arg?.startsWith('--data=')) {
      const value = arg.slice('--data='.length);
      if (value) dataDir = value;
    }
  }
  return { dataDir, hidden };
}

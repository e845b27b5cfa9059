import type { FullConfig, Reporter, Suite } from '@playwright/test/reporter';
import { ELECTRON_SPEC, electronSkipReason } from './electron-env.ts';

/** Says once, plainly, when and why the Electron tests are skipped (the list reporter shows no skip reasons). */
export default class ElectronSkipReporter implements Reporter {
  onBegin(_config: FullConfig, suite: Suite): void {
    const reason = electronSkipReason();
    if (!reason) return;
    const count = suite.allTests().filter((t) => t.location.file.endsWith(ELECTRON_SPEC)).length;
    if (count === 0) return;
    console.log(`\n${reason}: skipping ${count} Electron test${count === 1 ? '' : 's'}.\n`);
  }

  printsToStdio(): boolean {
    return false;
  }
}

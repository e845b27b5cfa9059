import { expect, test } from '@playwright/test';
import type { Status } from '../../shared/api/ops/app.ts';
import type { TesseraEvent } from '../../shared/api/events.ts';
import { SystemTrayService, statusLine } from '../../electron/main/tray.ts';
import type { TrayHandle, TrayMenuItem } from '../../electron/main/tray.ts';

/** SystemTrayService with a recording tray (the injected factory), a window stand-in and a scripted status. */

const baseStatus: Status = {
  version: '0.1.0',
  dataDir: '/tmp/t',
  state: 'unlocked',
  identity: null,
  addresses: ['/ip4/127.0.0.1/tcp/4001'],
  friends: 3,
  holdingFor: 2,
  pendingRequests: 1,
  keychain: { available: false, enabled: false },
};

function harness(initial: Status) {
  let status = initial;
  let visible = true;
  let fetches = 0;
  let quits = 0;
  let clickListener: (() => void) | null = null;
  const listeners = new Set<(event: TesseraEvent) => void>();
  const tray = { menus: [] as TrayMenuItem[][], tooltips: [] as string[], destroyed: false };
  const handle: TrayHandle = {
    setMenu: (items) => tray.menus.push(items),
    setToolTip: (text) => tray.tooltips.push(text),
    onClick: (listener) => {
      clickListener = listener;
    },
    destroy: () => {
      tray.destroyed = true;
    },
  };
  const service = new SystemTrayService({
    createTray: () => handle,
    window: {
      isVisible: () => visible,
      show: () => {
        visible = true;
      },
      hide: () => {
        visible = false;
      },
    },
    fetchStatus: async () => {
      fetches++;
      return status;
    },
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    quit: () => {
      quits++;
    },
  });
  return {
    service,
    tray,
    emit: (event: TesseraEvent) => listeners.forEach((l) => l(event)),
    setStatus: (next: Status) => {
      status = next;
    },
    click: () => clickListener?.(),
    lastMenu: () => tray.menus.at(-1) ?? [],
    item: (label: string) => (tray.menus.at(-1) ?? []).find((i) => i.label === label),
    counts: () => ({ fetches, quits, listeners: listeners.size, visible }),
  };
}

test('the status line says online, how many friends it holds for and pending requests', () => {
  expect(statusLine(baseStatus)).toBe('Online · holding for 2 friends · 1 pending request');
  expect(statusLine({ ...baseStatus, addresses: [], holdingFor: 1, pendingRequests: 0 })).toBe(
    'Offline · holding for 1 friend',
  );
  expect(statusLine({ ...baseStatus, state: 'empty', holdingFor: 0, pendingRequests: 0 })).toBe(
    'No vault yet',
  );
  expect(statusLine({ ...baseStatus, state: 'locked', pendingRequests: 3 })).toBe(
    'Locked · holding for 2 friends · 3 pending requests',
  );
  expect(statusLine(null)).toBe('Starting…');
  expect(statusLine(null, 'boom')).toBe('Status unavailable: boom');
});

test('menu: status line, Show/Hide, Quit — refreshed on changed events, not on unrelated ones', async () => {
  const h = harness(baseStatus);
  h.service.start();
  await h.service.refresh();
  expect(h.service.menuLabels()).toEqual([
    'Online · holding for 2 friends · 1 pending request',
    '---',
    'Hide Tessera',
    '---',
    'Quit Tessera',
  ]);
  expect(h.lastMenu()[0]?.enabled).toBe(false);
  expect(h.tray.tooltips.at(-1)).toBe('Tessera — Online · holding for 2 friends · 1 pending request');

  const before = h.counts().fetches;
  h.emit({ type: 'changed', topics: ['items'] });
  await h.service.refresh();
  expect(h.counts().fetches).toBe(before + 1); // only the explicit refresh

  h.setStatus({ ...baseStatus, pendingRequests: 0, holdingFor: 3 });
  h.emit({ type: 'changed', topics: ['requests'] });
  await expect.poll(() => h.service.menuLabels()[0]).toBe('Online · holding for 3 friends');
});

test('concurrent refreshes collapse into one follow-up read', async () => {
  const h = harness(baseStatus);
  h.service.start();
  await h.service.refresh();
  const before = h.counts().fetches;
  await Promise.all([h.service.refresh(), h.service.refresh(), h.service.refresh(), h.service.refresh()]);
  expect(h.counts().fetches - before).toBeLessThanOrEqual(2);
});

test('Show/Hide toggles the window (menu and icon click); Quit quits; stop() detaches', async () => {
  const h = harness(baseStatus);
  h.service.start();
  await h.service.refresh();
  h.item('Hide Tessera')?.click?.();
  expect(h.counts().visible).toBe(false);
  expect(h.service.menuLabels()).toContain('Show Tessera');
  h.click();
  expect(h.counts().visible).toBe(true);
  expect(h.service.menuLabels()).toContain('Hide Tessera');
  h.item('Quit Tessera')?.click?.();
  expect(h.counts().quits).toBe(1);
  h.service.stop();
  expect(h.tray.destroyed).toBe(true);
  expect(h.counts().listeners).toBe(0);
  expect(h.service.isRunning()).toBe(false);
});

test('a failing status read is shown in the menu instead of crashing', async () => {
  const h = harness(baseStatus);
  const failing = new SystemTrayService({
    createTray: () => ({ setMenu: () => {}, setToolTip: () => {}, onClick: () => {}, destroy: () => {} }),
    window: { isVisible: () => false, show: () => {}, hide: () => {} },
    fetchStatus: async () => {
      throw new Error('Tessera is shutting down.');
    },
    subscribe: () => () => {},
    quit: () => {},
  });
  failing.start();
  await failing.refresh();
  expect(failing.menuLabels()[0]).toBe('Status unavailable: Tessera is shutting down.');
  expect(failing.menuLabels()).toContain('Show Tessera');
  h.service.stop();
});

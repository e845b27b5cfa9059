import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect } from '@playwright/test';
import { BUILT_CLI, startServe } from '../helpers/serve-process.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';

let serve: ServeProcess;

test.beforeAll(async () => {
  serve = await startServe();
});
test.afterAll(async () => {
  await serve?.stop();
});

test('the UI opened with the printed address shows status from the core', async ({ page }) => {
  await page.goto(serve.url);
  await expect(page.getByTestId('status-datadir')).toHaveText(serve.dataDir);
  await expect(page.getByTestId('status-version')).toHaveText(/^\d+\.\d+\.\d+/);
  // The token moved out of the address bar.
  expect(page.url()).not.toContain('token=');
});

test('the built command (out/main/cli.js, what `npm run serve` runs) serves the same UI and API', async ({
  page,
}) => {
  const built = await startServe({ entry: BUILT_CLI });
  try {
    await page.goto(built.url);
    await expect(page.getByTestId('status-datadir')).toHaveText(built.dataDir);
    await expect(page.getByRole('button', { name: /Create a new vault/ })).toBeVisible();
    const status = await built.client.call('app.status', {});
    expect(status.state).toBe('empty');
  } finally {
    expect(await built.stop()).toBe(0);
  }
});

test('the UI opened without the token cannot reach the API and says why', async ({ page }) => {
  await page.goto(`http://127.0.0.1:${serve.port}/`);
  await expect(page.getByRole('alert')).toContainText(/token/i);
});

test('a page from another origin cannot make the API do anything, even knowing the token', async ({
  page,
}) => {
  const hostile = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>hostile</title>');
  });
  await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
  const hostilePort = (hostile.address() as AddressInfo).port;
  try {
    await page.goto(`http://127.0.0.1:${hostilePort}/`);
    const attempts = await page.evaluate(
      async ({ port, token }) => {
        const body = JSON.stringify({
          op: 'vault.create',
          input: { name: 'Mallory', passphrase: 'correct horse battery' },
        });
        const outcomes: string[] = [];
        for (const init of [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body,
          },
          { method: 'POST', headers: { 'content-type': 'text/plain' }, body },
        ]) {
          try {
            const res = await fetch(`http://127.0.0.1:${port}/api/call`, init);
            outcomes.push(`status ${res.status}`);
          } catch (err) {
            outcomes.push(`blocked: ${(err as Error).name}`);
          }
        }
        return outcomes;
      },
      { port: serve.port, token: serve.token },
    );
    expect(attempts).toHaveLength(2);
    for (const outcome of attempts) expect(outcome).not.toBe('status 200');
    // And nothing happened on the server.
    const status = await serve.client.call('app.status', {});
    expect(status.state).toBe('empty');
  } finally {
    hostile.close();
  }
});

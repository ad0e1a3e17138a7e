// A server with a small per-token rate limit: when the console's requests outrun it, the
// console says it is waiting, waits for each 429's Retry-After and retries, and ends on the
// page the person asked for — no error page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverAndBrowser, newPage, screenshot, signIn } from './support.js';

const shared = serverAndBrowser(async ({ server }) => {
  shared.agent = await server.person('wu.min', 'agent', { name: 'Wu Min 吴敏' });
  for (const [severity, summary] of [['low', 'Parcel late by two days'], ['high', 'Screen cracked on arrival'], ['critical', 'Burning smell from the charger']]) {
    await server.api('POST', '/v1/cases', {
      token: shared.agent.token,
      body: { workflow_id: 'complaint', severity, team: 'after_sales', assignee: 'wu.min', customer: { id: 'CU-4242' }, fields: { summary, category: 'quality' } },
    });
  }
}, { options: { 'rate-limit': 2, 'rate-burst': 4 } });

test('requests over the rate limit wait for Retry-After and are retried, shown to the person', async () => {
  const page = await newPage(shared.browser, { language: 'en' });
  await signIn(page, shared.server, shared.agent.token);
  await page.goto(`${shared.server.url}/queue`);
  await page.locator('table.cases tbody tr').first().waitFor();
  // Let the bucket fill again, then change filters faster than two requests a second.
  await page.waitForTimeout(2500);
  const waiting = page.locator('.notice-warning', { hasText: /Too many requests: retrying in \d+ s\./ });
  const sawWaiting = waiting.waitFor();
  for (const severity of ['low', 'normal', 'high', 'critical', '', 'low', 'high', 'critical']) {
    await page.locator('#filter-severity').selectOption(severity);
  }
  await sawWaiting;
  await screenshot(page, 'queue-rate-limited-en');
  // Every retried request ends well: the last filter's rows, and no error.
  await page.locator('table.cases tbody tr', { hasText: 'Burning smell from the charger' }).waitFor();
  await waiting.waitFor({ state: 'detached' });
  await page.locator('table.cases tbody tr', { hasText: 'Screen cracked' }).waitFor({ state: 'detached' });
  assert.equal(await page.locator('table.cases tbody tr').count(), 1);
  assert.equal(await page.locator('.notice-error').count(), 0);
  // Chromium logs each refused request (429) as a failed resource; nothing else went wrong.
  assert.deepEqual(page.consoleErrors.filter((e) => !/status of 429/.test(e)), []);
});

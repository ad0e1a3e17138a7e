// The server restarts on the same port while a case page is open: the page shows it lost the
// connection, reconnects by itself, and shows the events made while it was away (resume by
// sequence), without a reload.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverAndBrowser, newPage, signIn } from './support.js';

const shared = serverAndBrowser();

test('a case page recovers from a server restart and shows what happened meanwhile', async () => {
  const agent = await shared.server.person('liu.yang', 'agent');
  const opened = await shared.server.api('POST', '/v1/cases', {
    token: agent.token,
    body: { workflow_id: 'complaint', customer: { id: 'CU-4004' }, team: 'after_sales', fields: { summary: 'Late parcel' } },
  });
  const caseId = opened.case.id;
  const page = await newPage(shared.browser);
  await signIn(page, shared.server, agent.token);
  await page.goto(`${shared.server.url}/cases/${caseId}`);
  await page.locator('[data-live="live"]').waitFor();

  await shared.server.stop();
  await page.locator('[data-live="offline"]').waitFor();
  await shared.server.start(); // same port, same database
  // Written while the page is still reconnecting (it backs off): it must arrive by resume.
  await shared.server.api('POST', `/v1/cases/${caseId}/comments`, {
    token: agent.token, body: { text: 'Carrier confirms the parcel is at the depot' },
  });
  await page.locator('[data-live="live"]').waitFor();
  await page.locator('.timeline-list li[data-type="comment.added"]', { hasText: 'at the depot' }).waitFor();
  assert.equal(page.url(), `${shared.server.url}/cases/${caseId}`);
});

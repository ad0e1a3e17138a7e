// Someone else changes a case while an agent fills a transition form:
//   - live: the page says who changed what, keeps what the agent typed, takes the case's new
//     version (its ETag) for If-Match, and the submit afterwards goes through;
//   - stale (the page hears nothing, its live stream held back): the submit gets a 412, the
//     page offers to reload the case, still keeps the entries, and after the reload the same
//     submit goes through.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverAndBrowser, newPage, signIn } from './support.js';

const shared = serverAndBrowser(async ({ server }) => {
  shared.agent = await server.person('li.na', 'agent', { name: 'Li Na 李娜' });
  shared.lead = await server.person('zhang.wei', 'team_lead', { name: 'Zhang Wei 张伟' });
});

// Each complaint about an order of its own: a second open complaint about one order must be
// linked to the first.
let orderSeq = 0;
async function openCase(summary) {
  const opened = await shared.server.api('POST', '/v1/cases', {
    token: shared.agent.token,
    body: {
      workflow_id: 'complaint', severity: 'normal', team: 'after_sales', assignee: shared.agent.id,
      customer: { id: 'CU-7007', segment: 'regular' },
      order: { id: `TB-7007-${++orderSeq}`, paid: { amount: 19900, currency: 'CNY' } },
      fields: { summary, category: 'damaged' },
    },
  });
  return opened.case.id;
}

async function startConfirming(page) {
  await page.locator('button[data-transition="confirm_problem"]').click();
  await page.locator('#transition-confirm_problem-desired_outcome').fill('A new lid, shipped today');
  await page.locator('#transition-confirm_problem-customer_confirmed').selectOption('true');
}

async function leadComments(caseId, text) {
  await shared.server.api('POST', `/v1/cases/${caseId}/comments`, { token: shared.lead.token, body: { text } });
}

test("a change by someone else keeps the form, updates the version, and the submit goes through", async () => {
  const caseId = await openCase('Teapot lid chipped in transit');
  const page = await newPage(shared.browser, { language: 'en' });
  await signIn(page, shared.server, shared.agent.token);
  await page.goto(`${shared.server.url}/cases/${caseId}`);
  await page.locator('dd[data-state="confirming"]').waitFor();
  await page.locator('[data-live="live"]').waitFor();
  await startConfirming(page);

  await leadComments(caseId, 'Customer called again, wants it by Friday');
  const notice = page.locator('.notice-info', { hasText: 'changed this case' });
  await notice.waitFor();
  const said = await notice.textContent();
  assert.match(said, /zhang\.wei \(team lead\)/);
  assert.match(said, /Customer called again, wants it by Friday/);
  // The timeline has the comment: the page took the new version.
  await page.locator('.timeline-list li[data-type="comment.added"]').waitFor();
  assert.equal(await page.locator('#transition-confirm_problem-desired_outcome').inputValue(), 'A new lid, shipped today');
  assert.equal(await page.locator('#transition-confirm_problem-customer_confirmed').inputValue(), 'true');

  await page.locator('#transition-confirm_problem button[type=submit]').click();
  await page.locator('dd[data-state="analysing"]').waitFor();
  assert.equal(await page.locator('.notice-error').count(), 0);
  assert.deepEqual(page.consoleErrors, []);
});

test('a stale submit gets the 412 reload offer, keeps the form, and goes through after the reload', async () => {
  const caseId = await openCase('Kettle switch broken on arrival');
  const page = await newPage(shared.browser, { language: 'en' });
  // The page's live stream goes nowhere: it cannot hear of the lead's change.
  await page.routeWebSocket(/\/v1\/stream/, () => {});
  await signIn(page, shared.server, shared.agent.token);
  await page.goto(`${shared.server.url}/cases/${caseId}`);
  await page.locator('dd[data-state="confirming"]').waitFor();
  await startConfirming(page);

  await leadComments(caseId, 'Checked the courier photos');
  await page.locator('#transition-confirm_problem button[type=submit]').click();
  const conflict = page.locator('#transition-confirm_problem .notice-error');
  await conflict.waitFor();
  assert.match(await conflict.textContent(), /Someone changed this case meanwhile\. Your entries are kept\./);
  assert.equal(await page.locator('dd[data-state="confirming"]').count(), 1);
  assert.equal(await page.locator('#transition-confirm_problem-desired_outcome').inputValue(), 'A new lid, shipped today');

  await conflict.getByRole('button', { name: 'Reload the case' }).click();
  await page.locator('.timeline-list li[data-type="comment.added"]').waitFor();
  assert.equal(await page.locator('#transition-confirm_problem-desired_outcome').inputValue(), 'A new lid, shipped today');
  await page.locator('#transition-confirm_problem button[type=submit]').click();
  await page.locator('dd[data-state="analysing"]').waitFor();
  const stored = await shared.server.api('GET', `/v1/cases/${caseId}`, { token: shared.agent.token });
  assert.equal(stored.state, 'analysing');
  assert.equal(stored.fields.desired_outcome, 'A new lid, shipped today');
});

// Reopening in the console, against the real server with its own data. The server loads the
// shipped workflows with complaint v3's reopen window cut to 2 minutes (a copy in a temporary
// directory): the server's clock is real here, and a window of days cannot pass in a test.
//   - a closed case inside its window offers "Reopen" (重新打开) with a required reason, says
//     until when, and comes back to negotiate with its reopen count shown (Chinese);
//   - after the window it says the window has ended and offers "Open a linked case": the new-case
//     form comes filled with the customer and order, asks for the reason, and files the new case
//     linked reopen_of, shown on both cases (English);
//   - screenshots in Chinese and English and the one-language check.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { assertOneLanguage, newPage, repo, serverAndBrowser, screenshotChecked, signIn } from './support.js';

const workflows = mkdtempSync(path.join(os.tmpdir(), 'redress-reopen-workflows-'));
cpSync(path.join(repo, 'workflows'), workflows, { recursive: true });
{
  const file = path.join(workflows, 'complaint.v3.json');
  const v3 = JSON.parse(readFileSync(file, 'utf8'));
  const reopen = v3.transitions.find((tr) => tr.reopen);
  reopen.reopen.within = '2m calendar';
  writeFileSync(file, JSON.stringify(v3, null, 2));
}

const shared = serverAndBrowser(async ({ server }) => {
  shared.agent = await server.person('lin.fang', 'agent', { name: 'Lin Fang 林芳' });
  await server.api('POST', '/v1/customers', {
    token: shared.agent.token,
    body: { id: 'CU-7301', name: '王丽', level: 'gold', contacts: { phone: '13700007301' } },
  });
  for (const [id, title] of [['TB-7301', '空气炸锅'], ['TB-7302', '蓝牙耳机']]) {
    await server.api('PUT', `/v1/orders/${id}`, {
      body: { customer_id: 'CU-7301', paid: { amount: 39900, currency: 'CNY' }, status: 'delivered',
        items: [{ sku: `SKU-${id}`, title, quantity: 1, unit_price: { amount: 39900, currency: 'CNY' } }] },
    });
  }
  // The earphones case closes first, so its window has run out by the second test.
  shared.earphones = await closedCase(server, 'TB-7302', '耳机左耳没有声音');
  shared.fryer = await closedCase(server, 'TB-7301', '空气炸锅加热不均匀');
}, { options: { workflows } });

// A complaint about `orderId` taken to closed over the API; returns its id.
async function closedCase(server, orderId, summary) {
  const token = shared.agent.token;
  const id = (await server.api('POST', '/v1/cases', {
    token,
    body: { workflow_id: 'complaint', team: 'after_sales', assignee: shared.agent.id, customer_id: 'CU-7301',
      order_id: orderId, fields: { summary, category: 'quality' } },
  })).case.id;
  const step = (transition, data) => server.api('POST', `/v1/cases/${id}/transitions`, { token, body: { transition, data } });
  await step('confirm_problem', { desired_outcome: '退款', customer_confirmed: true });
  await step('complete_analysis', { cause: '出厂质检遗漏', fault_party: 'supplier' });
  await step('agree_remedy', { remedy_summary: '退款 50 元', customer_accepted: true });
  await step('confirm_resolved', { resolution_note: '已退款' });
  await server.api('POST', `/v1/cases/${id}/follow-ups`, { token, body: { channel: 'chat', outcome: 'reached', csat: 5 } });
  return id;
}

const unexpectedErrors = (page) => page.consoleErrors.filter((e) => !/status of (404|409)/.test(e));

test('a closed case is reopened within its window, with a reason (Chinese)', async () => {
  const { server, browser } = shared;
  const page = await newPage(browser, { language: 'zh' });
  await signIn(page, server, shared.agent.token);
  await page.goto(`${server.url}/cases/${shared.fryer}`);
  await page.locator('dd[data-state="closed"]').waitFor();
  const notice = page.locator('.reopen-window[data-reopen="open"]');
  await notice.waitFor();
  assert.match(await notice.innerText(), /客户再次投诉？此工单在 .+ 前可以重新打开。/);
  const button = page.locator('button[data-transition="reopen"]');
  assert.equal((await button.innerText()).trim(), '重新打开：客户再次投诉');
  await button.click();
  await page.locator('#transition-reopen-reopen_reason').fill('客户反映炸锅又出现加热不均');
  await screenshotChecked(page, 'case-reopen-zh');
  await assertOneLanguage(page, 'zh', server);
  await page.locator('#transition-reopen button[type=submit]').click();
  await page.locator('dd[data-state="negotiating"]').waitFor();
  const count = page.locator('dd[data-reopen-count="1"]');
  await count.waitFor();
  assert.equal((await count.innerText()).trim(), '1');
  await page.locator('.timeline-list li[data-type="case.reopened"]', { hasText: '重新打开了工单：“客户反映炸锅又出现加热不均”' }).waitFor();
  assert.equal(await page.locator('.reopen-window').count(), 0);
  await screenshotChecked(page, 'case-reopened-zh');
  await assertOneLanguage(page, 'zh', server);
  const stored = await server.api('GET', `/v1/cases/${shared.fryer}`);
  assert.equal(stored.reopen_count, 1);
  assert.equal(stored.closed_at, null);
  assert.deepEqual(unexpectedErrors(page), []);
});

test('after the window a new case is opened linked to the closed one (English)', async () => {
  const { server, browser } = shared;
  const page = await newPage(browser, { language: 'en' });
  await signIn(page, server, shared.agent.token);
  // The server's clock is real: wait until the 2-minute window has passed (at most 3 minutes).
  const { reopen } = await server.api('GET', `/v1/cases/${shared.earphones}/transitions`);
  const wait = Date.parse(reopen.window_ends) - Date.now() + 1000;
  assert.ok(wait < 180000, `the window ends in ${wait} ms`);
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const after = await server.api('GET', `/v1/cases/${shared.earphones}/transitions`);
  assert.equal(after.reopen.open, false);
  await page.goto(`${server.url}/cases/${shared.earphones}`);
  const notice = page.locator('.reopen-window[data-reopen="passed"]');
  await notice.waitFor();
  assert.match(await notice.innerText(), /The reopen window ended .+: a new complaint from the customer is a new case, linked to this one\./);
  assert.equal(await page.locator('button[data-transition="reopen"]').count(), 0);
  // A closed case offers nothing the server would refuse: no reply, no new compensation (its
  // record stays), and says where the way on is.
  assert.equal(await page.locator('#reply-text').count(), 0);
  assert.match(await page.locator('.closed-no-reply').innerText(), /reopen the case or open a linked one/);
  await page.locator('.compensation h3', { hasText: 'Proposed' }).waitFor();
  assert.equal(await page.locator('.compensation .authority, .compensation .remedy-list, .propose-form').count(), 0);
  await screenshotChecked(page, 'case-reopen-passed-en');
  await assertOneLanguage(page, 'en', server);

  await notice.locator('a[data-action="open-linked-case"]').click();
  const fieldset = page.locator(`fieldset.reopen-of[data-reopen-of="${shared.earphones}"]`);
  await fieldset.waitFor();
  await page.locator('.picked-customer[data-customer="CU-7301"]').waitFor();
  assert.equal(await page.locator('#new-order_id').inputValue(), 'TB-7302');
  await page.locator('#new-link-reason').fill('The left earphone is silent again');
  await page.locator('#new-field-summary').fill('Left earphone silent again');
  await page.locator('#new-field-category').selectOption('quality');
  await screenshotChecked(page, 'new-case-reopen-of-en');
  await assertOneLanguage(page, 'en', server);
  await page.locator('form button[type=submit].primary').click();
  await page.locator('dd[data-state="confirming"]').waitFor();
  const newCase = (await page.locator('main h1').textContent()).match(/C-\d+/)[0];
  assert.notEqual(newCase, shared.earphones);
  const mine = page.locator(`.links-panel li[data-direction="outgoing"][data-other="${shared.earphones}"]`);
  await mine.waitFor();
  assert.match(await mine.innerText(), new RegExp(`The customer complained again about ${shared.earphones}`));
  const links = await server.api('GET', `/v1/cases/${newCase}/links`);
  assert.deepEqual(links.links.map((l) => [l.kind, l.other_case_id]), [['reopen_of', shared.earphones]]);

  // The old case, in Chinese: the link from its side.
  const zhPage = await newPage(browser, { language: 'zh' });
  await signIn(zhPage, server, shared.agent.token);
  await zhPage.goto(`${server.url}/cases/${shared.earphones}`);
  await zhPage.locator(`.links-panel li[data-direction="incoming"][data-other="${newCase}"]`, { hasText: `${newCase} 是客户就本工单的再次投诉` }).waitFor();
  await screenshotChecked(zhPage, 'case-reopen-linked-zh');
  await assertOneLanguage(zhPage, 'zh', server);
  assert.deepEqual(unexpectedErrors(page), []);
  assert.deepEqual(unexpectedErrors(zhPage), []);
});

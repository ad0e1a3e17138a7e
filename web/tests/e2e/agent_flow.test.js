// An agent signs in, opens a complaint from the new-case form, finds it in the queue, and walks
// it confirm → analyse → negotiate → resolve → follow-up → closed through the generated forms (the
// follow-up visit through the Follow-up panel, as complaint v3 records it).
// Then a form sent with missing and invalid fields shows each server problem beside its field, in
// the viewer's language (worded from the problem's code and params), and leaves the case unchanged.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fire } from './case_steps.js';
import en from '../../src/i18n/en.js';
import zh from '../../src/i18n/zh.js';
import { Server, launchBrowser, newPage, screenshot, signIn } from './support.js';

let server;
let browser;
let agent;

before(async () => {
  server = await new Server().start();
  agent = await server.person('li.na', 'agent', { name: 'Li Na 李娜' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.dispose();
});

test('an agent walks a complaint through the five stages to closed', async () => {
  const page = await newPage(browser, { language: 'en' });
  await signIn(page, server, agent.token);
  await page.locator('h1', { hasText: 'Queue' }).waitFor();

  await page.getByRole('link', { name: 'New case', exact: true }).click();
  await page.locator('#new-field-summary').waitFor();
  await page.locator('#new-customer_id').fill('CU-1001');
  await page.locator('#new-order_id').fill('TB-20261201-77');
  await page.locator('#new-order-paid').fill('299.00');
  await page.locator('#new-field-summary').fill('Kettle arrived with a cracked lid');
  await page.locator('#new-field-category').selectOption('damaged');
  await page.locator('#new-field-desired_outcome').fill('A replacement lid');
  await page.locator('form button[type=submit]').click();
  await page.locator('dd[data-state="confirming"]').waitFor();
  const caseId = (await page.locator('main h1').textContent()).match(/C-\d+/)[0];

  // The queue lists it, with its summary; Enter on its link opens it.
  await page.getByRole('link', { name: 'Queue', exact: true }).click();
  const row = page.locator('table.cases tbody tr', { hasText: caseId });
  await row.waitFor();
  assert.match(await row.textContent(), /Kettle arrived with a cracked lid/);
  await row.getByRole('link', { name: caseId }).focus();
  await page.keyboard.press('Enter');
  await page.locator('dd[data-state="confirming"]').waitFor();

  await fire(page, 'confirm_problem', {
    desired_outcome: 'A replacement lid', customer_confirmed: { select: 'true' },
  }, 'analysing');
  await fire(page, 'complete_analysis', {
    cause: 'Packed without padding at the warehouse', fault_party: { select: 'shop' },
  }, 'negotiating');
  await fire(page, 'offer_remedy', { remedy_summary: 'Ship a new lid and a CNY 10 coupon' }, 'awaiting_customer_decision');
  await fire(page, 'customer_accepts', {}, 'resolving');
  await fire(page, 'confirm_resolved', { resolution_note: 'Lid shipped, SF1234567' }, 'following_up');
  // The follow-up visit is recorded as an attempt: reached by chat, satisfied, the case closes.
  assert.equal(await page.locator('button[data-transition="follow_up_satisfied"]').count(), 0);
  await page.locator('#follow-up-channel').selectOption('chat');
  await page.locator('#follow-up-outcome').selectOption('reached');
  await page.locator('#follow-up-csat').selectOption('5');
  await page.locator('.follow-up-form button[type=submit]').click();
  await page.locator('dd[data-state="closed"]').waitFor();

  const stored = await server.api('GET', `/v1/cases/${caseId}`, { token: agent.token });
  assert.equal(stored.state, 'closed');
  assert.equal(stored.stage, 'closed');
  // The timeline tells the story in words.
  const timeline = await page.locator('.timeline-list').textContent();
  assert.match(timeline, /opened the case/);
  assert.match(timeline, /The remedy has really happened/);
  assert.deepEqual(page.consoleErrors, []);
});

// A fresh complaint opened in `language`, with confirm_problem sent with nothing filled in:
// desired_outcome, customer_confirmed and category are each missing.
const kMissingOnConfirm = ['category', 'desired_outcome', 'customer_confirmed'];
async function confirmWithNothingFilledIn(language, customerId, summary) {
  const opened = await server.api('POST', '/v1/cases', {
    token: agent.token,
    body: { workflow_id: 'complaint', customer: { id: customerId }, team: 'after_sales', fields: { summary } },
  });
  const page = await newPage(browser, { language });
  await signIn(page, server, agent.token);
  await page.goto(`${server.url}/cases/${opened.case.id}`);
  await page.locator('dd[data-state="confirming"]').waitFor();
  await fire(page, 'confirm_problem', {}, null);
  return { opened, page, form: page.locator('#transition-confirm_problem') };
}

test('a form with missing and invalid fields shows each server message beside its field', async () => {
  const { opened, page, form } = await confirmWithNothingFilledIn('en', 'CU-2002', 'Wrong colour sent');
  const caseId = opened.case.id;
  for (const name of kMissingOnConfirm) {
    const errors = form.locator(`[data-field="${name}"] .field-errors li`);
    await errors.first().waitFor();
    // Worded by the console from the problem's code and params, not the server's sentence.
    assert.equal(await errors.first().getAttribute('data-code'), 'MISSING_FIELD');
    assert.equal(await errors.first().getAttribute('data-reason'), 'required');
    assert.equal(await errors.first().textContent(), en['fieldreason.required']);
    assert.equal(await form.locator(`#transition-confirm_problem-${name}`).getAttribute('aria-invalid'), 'true');
  }
  await screenshot(page, 'case-form-errors-en');
  const after = await server.api('GET', `/v1/cases/${caseId}`, { token: agent.token });
  assert.equal(after.state, 'confirming');
  assert.equal(after.version, opened.case.version);

  // The new-case form: no customer id (missing) and an amount with three decimals for CNY
  // (invalid): both messages beside their fields, and no case is opened.
  const before = await server.api('GET', '/v1/cases?page_size=1000', { token: agent.token });
  await page.getByRole('link', { name: 'New case', exact: true }).click();
  await page.locator('#new-field-summary').fill('Parcel never arrived');
  await page.locator('#new-order_id').fill('TB-1');
  await page.locator('#new-order-paid').fill('12.345');
  await page.locator('form button[type=submit]').click();
  await page.locator('[data-field="customer_id"] .field-errors li').first().waitFor();
  await page.locator('[data-field="paid"] .field-errors li').first().waitFor();
  const still = await server.api('GET', '/v1/cases?page_size=1000', { token: agent.token });
  assert.equal(still.cases.length, before.cases.length);
});

test('in Chinese the field errors beside the fields are Chinese', async () => {
  // Missing fields: the Chinese words, not the server's English sentence marked lang="en".
  const { page, form } = await confirmWithNothingFilledIn('zh', 'CU-3003', '颜色发错了');
  for (const name of kMissingOnConfirm) {
    const error = form.locator(`[data-field="${name}"] .field-errors li`).first();
    await error.waitFor();
    assert.equal(await error.textContent(), zh['fieldreason.required']);
    assert.equal(await error.getAttribute('lang'), null);
  }
  await screenshot(page, 'case-form-errors-zh');

  // An invalid amount on the new-case form (three decimals for CNY reach the server as typed).
  await page.locator('a[href="/cases/new"]').first().click();
  await page.locator('#new-field-summary').fill('包裹一直没到');
  await page.locator('#new-order_id').fill('TB-2');
  await page.locator('#new-order-paid').fill('12.345');
  await page.locator('form button[type=submit]').click();
  const customer = page.locator('[data-field="customer_id"] .field-errors li').first();
  const paid = page.locator('[data-field="paid"] .field-errors li').first();
  await customer.waitFor();
  await paid.waitFor();
  assert.equal(await customer.textContent(), zh['fieldreason.empty']);
  assert.equal(await paid.getAttribute('data-reason'), 'amount_not_integer');
  assert.equal(await paid.textContent(), zh['fieldreason.amount_not_integer']);
  assert.equal(await page.locator('.field-errors li[lang="en"]').count(), 0);

  // A rule's escalation reads in Chinese: the escalation policy's words for the rule, not the
  // journal's English reason.
  const critical = await server.api('POST', '/v1/cases', {
    token: agent.token,
    body: { workflow_id: 'complaint', severity: 'critical', customer: { id: 'CU-3004' }, team: 'after_sales', fields: { summary: '热水壶漏电' } },
  });
  await page.goto(`${server.url}/cases/${critical.case.id}`);
  const escalated = page.locator('.timeline-list li[data-type="case.escalated"]').first();
  await escalated.locator('text=问题紧急：立即上报主管').waitFor();
  assert.doesNotMatch(await escalated.textContent(), /Serious problem/);
});

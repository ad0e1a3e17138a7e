// Invoice requests (开发票) in the console, in Chinese and in English: an agent opens one from the
// new-case form, sees on the case page when it is due by the 15:00 cutoff (a closing time of the
// cn_office calendar: 18:00, or 12:00 on a Saturday), finds it in the queue, sends it to finance
// and marks it issued with the invoice number; finance's integration token sends one back, which
// the open page shows live.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fire } from './case_steps.js';
import {
  Server, assertOneLanguage, eventually, kWaitMs, launchBrowser, newPage, screenshot, signIn,
} from './support.js';

let server;
let browser;
let agent;
let finance;

before(async () => {
  server = await new Server().start();
  agent = await server.person('li.na', 'agent', { name: 'Li Na 李娜' });
  await server.api('POST', '/v1/users', {
    body: { id: 'finance-system', display_name: 'Finance 财务系统', role: 'integration' },
  });
  finance = await server.api('POST', '/v1/tokens', {
    body: { user_id: 'finance-system', label: 'finance e2e', scopes: ['cases:write'] },
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.dispose();
});

// The resolution clock's deadline from the API, checked to be a closing time in Shanghai.
async function resolutionDue(caseId) {
  const stored = await server.api('GET', `/v1/cases/${caseId}`, { token: agent.token });
  const clock = stored.slas.find((c) => c.name === 'resolution');
  assert.ok(clock, JSON.stringify(stored.slas));
  const local = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).format(new Date(clock.due));
  assert.ok(['18:00', '12:00'].includes(local), `due ${clock.due} is ${local} in Shanghai`);
  return clock.due;
}

test('在中文界面新建开票申请，看到开票时限，提交财务并标记已开票', async () => {
  const page = await newPage(browser, { language: 'zh' });
  await signIn(page, server, agent.token);
  await page.locator('a[href="/cases/new"]').first().click();
  await page.locator('#new-workflow').selectOption('invoice_request');
  await page.locator('#new-field-invoice_title').waitFor();
  await page.locator('#new-customer_id').fill('CU-8001');
  await page.locator('#new-order_id').fill('TB-20261204-801');
  await page.locator('#new-order-paid').fill('1299.00');
  await page.locator('#new-field-title_type').selectOption('company');
  await page.locator('#new-field-invoice_title').fill('杭州好物贸易有限公司');
  await page.locator('#new-field-tax_id').fill('91330106MA2KXXXX1X');
  await page.locator('#new-field-invoice_type').selectOption('electronic');
  await page.locator('#new-field-email').fill('finance@haowu.example');
  await screenshot(page, 'invoice-new-zh');
  await assertOneLanguage(page, 'zh', server);
  await page.locator('form button[type=submit]').click();
  await page.locator('dd[data-state="requested"]').waitFor();
  const caseId = (await page.locator('main h1').textContent()).match(/C-\d+/)[0];

  // The due time the server computed by the cutoff is what the SLA list counts down to.
  const due = await resolutionDue(caseId);
  await page.locator(`.sla-list time[datetime="${due}"]`).waitFor();
  assert.match(await page.locator('main').textContent(), /核对开票信息/);
  assert.match(await page.locator('main').textContent(), /杭州好物贸易有限公司/);
  // The details read in the workflow's order, as the customer filled them in.
  assert.deepEqual(await page.locator('section[aria-labelledby="fields-heading"] dt').allTextContents(), [
    '抬头类型', '发票抬头', '纳税人识别号（企业必填）', '发票类型', '接收电子发票的邮箱',
  ]);
  await screenshot(page, 'invoice-case-zh');
  await assertOneLanguage(page, 'zh', server);

  // Sent to finance, the first response is met and the queue counts down to the invoice
  // deadline (a queue row shows its nearest running clock).
  await fire(page, 'send_to_finance', {}, 'with_finance');
  await page.getByRole('link', { name: '工单队列', exact: true }).click();
  const row = page.locator('table.cases tbody tr', { hasText: caseId });
  await row.waitFor();
  await row.locator(`time[datetime="${due}"]`).waitFor();
  assert.match(await row.textContent(), /已提交财务开票/);
  await screenshot(page, 'invoice-queue-zh');
  await assertOneLanguage(page, 'zh', server);

  await page.goto(`${server.url}/cases/${caseId}`);
  await page.locator('dd[data-state="with_finance"]').waitFor();
  await fire(page, 'issue', { invoice_number: '26332000000123456789' }, 'issued');
  assert.match(await page.locator('main').textContent(), /26332000000123456789/);
  await screenshot(page, 'invoice-issued-zh');
  await assertOneLanguage(page, 'zh', server);
  const stored = await server.api('GET', `/v1/cases/${caseId}`, { token: agent.token });
  assert.equal(stored.state, 'issued');
  assert.deepEqual(stored.slas.map((c) => c.status), stored.slas.map(() => 'met'));
  assert.deepEqual(page.consoleErrors, []);
});

test('in English, finance sends a request back and the agent marks it issued', async () => {
  const opened = await server.api('POST', '/v1/cases', {
    token: agent.token,
    body: {
      workflow_id: 'invoice_request',
      customer: { id: 'CU-8002' },
      order: { id: 'TB-20261204-802', paid: { amount: 59900, currency: 'CNY' } },
      team: 'after_sales',
      assignee: 'li.na',
      fields: { title_type: 'personal', invoice_title: 'Zhang Wei', invoice_type: 'paper' },
    },
  });
  const caseId = opened.case.id;
  const page = await newPage(browser, { language: 'en' });
  await signIn(page, server, agent.token);
  await page.goto(`${server.url}/cases/${caseId}`);
  await page.locator('dd[data-state="requested"]').waitFor();
  const due = await resolutionDue(caseId);
  await page.locator(`.sla-list time[datetime="${due}"]`).waitFor();
  await fire(page, 'send_to_finance', {}, 'with_finance');

  // Finance's system sends it back; the open page follows live.
  await server.api('POST', `/v1/cases/${caseId}/transitions`, {
    token: finance.token,
    body: { transition: 'finance_reject', data: { finance_rejection_reason: 'The paper invoice needs a postal address' } },
  });
  await page.locator('dd[data-state="requested"]').waitFor({ timeout: kWaitMs });
  assert.match(await page.locator('main').textContent(), /Why finance sent it back/);
  await screenshot(page, 'invoice-sent-back-en');
  await assertOneLanguage(page, 'en', server);

  await fire(page, 'send_to_finance', { note: 'Address: 杭州市西湖区文三路 1 号' }, 'with_finance');
  await fire(page, 'issue', { invoice_number: '044002600111' }, 'issued');
  await screenshot(page, 'invoice-issued-en');
  await assertOneLanguage(page, 'en', server);
  await eventually(async () => {
    const stored = await server.api('GET', `/v1/cases/${caseId}`, { token: agent.token });
    return stored.state === 'issued' && stored.fields.invoice_number === '044002600111';
  }, 'the invoice issued');
  assert.deepEqual(page.consoleErrors, []);
});

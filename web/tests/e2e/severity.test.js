// Severity in the console (issue 16): an agent raises a case's severity with a reason and sees
// the first-response deadline move to the new severity's target; the timeline says who changed
// it and why. A customer's threat words in the opening summary show as warning signs, the
// supervisor contact deadline is listed with the other clocks, and a supervisor's logged call
// meets it. In Chinese the page is Chinese.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertOneLanguage, newPage, screenshot, screenshotChecked, serverAndBrowser, signIn } from './support.js';

const shared = serverAndBrowser(async ({ server }) => {
  shared.agent = await server.person('li.na', 'agent', { name: 'Li Na 李娜' });
  shared.supervisor = await server.person('chen.jing', 'supervisor', { name: 'Chen Jing 陈静' });
});

let orderSeq = 0;
async function openCase(severity, summary, customerId = 'CU-1616') {
  const opened = await shared.server.api('POST', '/v1/cases', {
    token: shared.agent.token,
    body: {
      workflow_id: 'complaint', severity, team: 'after_sales', assignee: shared.agent.id,
      customer: { id: customerId, segment: 'regular' },
      order: { id: `TB-1616-${++orderSeq}`, paid: { amount: 19900, currency: 'CNY' } },
      fields: { summary, category: 'damaged' },
    },
  });
  return opened.case;
}

const dueOf = (kase, clock) => kase.slas.find((c) => c.name === clock)?.due;

async function reviseOnPage(page, severity, reason) {
  await page.locator('#severity-form-severity').selectOption(severity);
  await page.locator('#severity-form-reason').fill(reason);
  await page.locator('.severity-form button[type=submit]').click();
}

for (const language of ['en', 'zh']) {
  test(`an agent raises the severity and sees the new deadline (${language})`, async () => {
    const opened = await openCase('normal', language === 'zh' ? '水壶盖裂了' : 'Kettle lid cracked');
    const before = dueOf(opened, 'first_response');
    const page = await newPage(shared.browser, { language });
    await signIn(page, shared.server, shared.agent.token);
    await page.goto(`${shared.server.url}/cases/${opened.id}`);
    const firstResponse = page.locator('.sla-list li[data-clock="first_response"] time');
    await firstResponse.waitFor();
    assert.equal(await firstResponse.getAttribute('datetime'), before);

    await reviseOnPage(page, 'high', language === 'zh' ? '客户说壶盖割伤了手' : 'The customer cut a hand on the lid');
    await page.locator('.timeline-list li[data-type="case.severity_revised"]').waitFor();
    const after = await shared.server.api('GET', `/v1/cases/${opened.id}`, { token: shared.agent.token });
    assert.equal(after.severity, 'high');
    // High answers first in 1h of working time instead of 2h: an earlier deadline, on the page.
    assert.ok(new Date(dueOf(after, 'first_response')) < new Date(before));
    await page.locator(`.sla-list li[data-clock="first_response"] time[datetime="${dueOf(after, 'first_response')}"]`).waitFor();
    const revised = await page.locator('.timeline-list li[data-type="case.severity_revised"]').textContent();
    assert.match(revised, language === 'zh' ? /普通|一般/ : /normal/);
    assert.match(revised, language === 'zh' ? /客户说壶盖割伤了手/ : /cut a hand/);

    // Lowering it back is a team lead's decision: the agent is told, the case keeps its severity.
    await reviseOnPage(page, 'low', language === 'zh' ? '其实不严重' : 'Not that serious after all');
    await page.locator('.severity-form .notice-error').waitFor();
    const still = await shared.server.api('GET', `/v1/cases/${opened.id}`, { token: shared.agent.token });
    assert.equal(still.severity, 'high');
    await screenshot(page, `severity-revised-${language}`);
    if (language === 'zh') await assertOneLanguage(page, 'zh', shared.server);
    assert.deepEqual(page.consoleErrors.filter((e) => !/403/.test(e)), []);
  });
}

test('threat words in the summary show as warning signs; a supervisor logs the call', async () => {
  // A customer of their own: no repeat-complainant escalation muddles the threat's.
  const opened = await openCase('low', '质量太差，再不处理我就打12315投诉', 'CU-1617');
  assert.equal(opened.escalation_level, 'supervisor');
  const page = await newPage(shared.browser, { language: 'zh' });
  await signIn(page, shared.server, shared.supervisor.token);
  await page.goto(`${shared.server.url}/cases/${opened.id}`);
  await page.locator('.threat-signals [data-threat="regulator"]').waitFor();
  await page.locator('.sla-list li[data-clock="supervisor_contact"] time').waitFor();
  await page.locator('.timeline-list li[data-type="threat.detected"]').waitFor();
  await screenshotChecked(page, 'threat-signals-zh');

  await page.locator('#call-summary').fill('已电话联系客户，同意退款并道歉');
  await page.locator('form.text-command:has(#call-summary) button[type=submit]').click();
  await page.locator('.timeline-list li[data-type="call.logged"]').waitFor();
  await page.locator('.sla-list li[data-clock="supervisor_contact"] time').waitFor({ state: 'detached' });
  const after = await shared.server.api('GET', `/v1/cases/${opened.id}`, { token: shared.supervisor.token });
  assert.equal(after.slas.find((c) => c.name === 'supervisor_contact').status, 'met');
  await screenshot(page, 'supervisor-call-logged-zh');
  await assertOneLanguage(page, 'zh', shared.server);
  assert.deepEqual(page.consoleErrors, []);
});

// Compensation above an agent's authority: a supervisor in a second browser context sees it
// arrive in the approval queue without reloading, approves it with a reason, and the agent's
// open case page shows the approval without reloading. The proposer, a team lead here, sees
// their own proposal in their queue without an approve button, and why.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverAndBrowser, accessibilityViolations, newPage, screenshot, signIn } from './support.js';

const shared = serverAndBrowser();

// Each complaint about an order of its own: a second open complaint about one order must be
// linked to the first.
let orderSeq = 0;
async function openCase(token, summary, paid = 59900) {
  const opened = await shared.server.api('POST', '/v1/cases', {
    token,
    body: {
      workflow_id: 'complaint', severity: 'high', team: 'after_sales',
      customer: { id: 'CU-3003', segment: 'vip' },
      order: { id: `TB-3003-${++orderSeq}`, paid: { amount: paid, currency: 'CNY' } },
      fields: { summary, category: 'quality' },
    },
  });
  return opened.case.id;
}

test('an approval travels live from agent to supervisor and back', async () => {
  const agent = await shared.server.person('wang.fang', 'agent', { name: 'Wang Fang 王芳' });
  const supervisor = await shared.server.person('zhao.lei', 'supervisor', { name: 'Zhao Lei 赵磊' });
  const caseId = await openCase(agent.token, 'Blender motor burnt out after a week');

  const agentPage = await newPage(shared.browser, { language: 'en' });
  await signIn(agentPage, shared.server, agent.token);
  const supervisorPage = await newPage(shared.browser, { language: 'zh' });
  await signIn(supervisorPage, shared.server, supervisor.token);
  await supervisorPage.goto(`${shared.server.url}/approvals`);
  await supervisorPage.locator('.empty, .approval-list li').first().waitFor();
  await supervisorPage.locator('[data-live="live"]').waitFor();

  await agentPage.goto(`${shared.server.url}/cases/${caseId}`);
  await agentPage.locator('#propose-type').waitFor();
  await agentPage.locator('[data-live="live"]').waitFor();
  await agentPage.locator('#propose-type').selectOption('partial_refund');
  await agentPage.locator('#propose-value').fill('300.00');
  await agentPage.locator('#propose-note').fill('Half the price back for the trouble');
  await agentPage.locator('.propose-form button[type=submit]').click();
  const pending = agentPage.locator('.compensation-list li[data-status="pending"]');
  await pending.waitFor();
  assert.match(await pending.textContent(), /supervisor/);

  // The supervisor's queue shows it without a reload.
  const row = supervisorPage.locator(`.approval[data-case="${caseId}"]`);
  await row.waitFor();
  await screenshot(supervisorPage, 'approvals-zh');
  const violations = await accessibilityViolations(supervisorPage);
  assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));
  await row.locator('input').fill('同意：质量问题，按政策部分退款');
  await row.locator('button[data-decision="approve"]').click();
  await row.waitFor({ state: 'detached' });

  // The agent's page shows the approval without a reload.
  await agentPage.locator('.compensation-list li[data-status="approved"]').waitFor();
  await screenshot(agentPage, 'case-approved-en');
  assert.deepEqual(agentPage.consoleErrors, []);
  assert.deepEqual(supervisorPage.consoleErrors, []);
});

test("a proposer's own proposal is listed without an approve button", async () => {
  // A team lead proposes above a team lead's authority (CNY 200.00 per case): it waits for a
  // supervisor. Promoted to supervisor meanwhile, they find it in their new queue — and may
  // not decide it themselves.
  const lead = await shared.server.person('chen.jie', 'team_lead', { name: 'Chen Jie 陈杰' });
  const caseId = await openCase(lead.token, 'Sofa delivered with a torn cover', 299900);
  await shared.server.api('POST', `/v1/cases/${caseId}/compensations`, {
    token: lead.token,
    body: { type: 'partial_refund', value: { amount: 30000, currency: 'CNY' }, note: 'Part of the price back' },
  });
  await shared.server.api('PATCH', `/v1/users/${lead.id}`, { body: { role: 'supervisor' } });
  const page = await newPage(shared.browser, { language: 'en' });
  await signIn(page, shared.server, lead.token);
  await page.goto(`${shared.server.url}/approvals`);
  const own = page.locator(`.approval[data-case="${caseId}"]`);
  await own.waitFor();
  assert.equal(await own.locator('button[data-decision="approve"]').count(), 0);
  assert.match(await own.locator('.own-proposal').textContent(), /someone else must decide/);
  await screenshot(page, 'approvals-en');
});

test('a proposal withdrawn by its agent leaves the supervisor’s queue live', async () => {
  const agent = await shared.server.person('lu.yan', 'agent', { name: 'Lu Yan 陆燕' });
  const supervisor = await shared.server.person('sun.hao', 'supervisor', { name: 'Sun Hao 孙浩' });
  const caseId = await openCase(agent.token, 'Rice cooker lid hinge snapped');
  await shared.server.api('POST', `/v1/cases/${caseId}/compensations`, {
    token: agent.token,
    body: { type: 'partial_refund', value: { amount: 30000, currency: 'CNY' }, note: 'Half back' },
  });

  const supervisorPage = await newPage(shared.browser, { language: 'zh' });
  await signIn(supervisorPage, shared.server, supervisor.token);
  await supervisorPage.goto(`${shared.server.url}/approvals`);
  const row = supervisorPage.locator(`.approval[data-case="${caseId}"]`);
  await row.waitFor();
  await supervisorPage.locator('[data-live="live"]').waitFor();

  const agentPage = await newPage(shared.browser, { language: 'zh' });
  await signIn(agentPage, shared.server, agent.token);
  await agentPage.goto(`${shared.server.url}/cases/${caseId}`);
  const pending = agentPage.locator('.compensation-list li[data-status="pending"]');
  await pending.waitFor();
  await pending.locator('button[data-withdraw]').click();
  await pending.locator('input').fill('客户改为换货');
  await screenshot(agentPage, 'case-withdraw-zh');
  await pending.locator('button[type=submit]').click();
  const withdrawn = agentPage.locator('.compensation-list li[data-status="withdrawn"]');
  await withdrawn.waitFor();
  assert.match(await withdrawn.textContent(), /已撤回/);
  // The timeline catches up from the stream (the list above comes from the command's answer).
  await agentPage.locator('.timeline-list li[data-type="compensation.withdrawn"]').waitFor();
  assert.match(await agentPage.locator('.timeline-list').innerText(), /撤回了补偿方案 .*：客户改为换货/);

  // Gone from the supervisor's queue without a reload.
  await row.waitFor({ state: 'detached' });
  assert.deepEqual(agentPage.consoleErrors, []);
  assert.deepEqual(supervisorPage.consoleErrors, []);
});

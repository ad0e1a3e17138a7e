// Promises to customers, each kept on its own: an agent replies on a case with two open
// promises and chooses the later one to keep; the team lead's Promises page (承诺), open
// beforehand, drops it from the open promises without a reload and lists both with their own
// status; the manager sees every team's promises, the lead only their team's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertOneLanguage, kWaitMs, newPage, screenshot, screenshotChecked, serverAndBrowser, signIn } from './support.js';

const shared = serverAndBrowser();

let orderSeq = 0;
async function openCase(person, team, summary) {
  const opened = await shared.server.api('POST', '/v1/cases', {
    token: person.token,
    body: {
      workflow_id: 'complaint', severity: 'normal', team, assignee: person.id,
      customer: { id: `CU-88${++orderSeq}`, segment: 'regular' },
      order: { id: `TB-8800-${orderSeq}`, paid: { amount: 12900, currency: 'CNY' } },
      fields: { summary, category: 'quality' },
    },
  });
  return opened.case.id;
}

async function promise(person, caseId, hoursAhead, text) {
  const due = new Date(Date.now() + hoursAhead * 3600 * 1000).toISOString();
  const answer = await shared.server.api('POST', `/v1/cases/${caseId}/promises`, { token: person.token, body: { due, text } });
  return answer.case.promises.at(-1).id;
}

test('a reply keeps the promise it names and the Promises page shows each one live', async () => {
  const agent = await shared.server.person('li.na', 'agent', { name: 'Li Na 李娜' });
  const lead = await shared.server.person('wang.qiang', 'team_lead', { name: 'Wang Qiang 王强' });
  const manager = await shared.server.person('zhou.min', 'manager', { name: 'Zhou Min 周敏', team: 'head_office' });
  // The returns team under its own name (the support names every team it makes After-sales), so
  // the manager's rows show which team each promise is on.
  await shared.server.api('POST', '/v1/teams', { body: { id: 'returns', name: 'Returns 退换货组' } });
  (shared.server.teams ||= new Set()).add('returns');
  const returnsAgent = await shared.server.person('sun.li', 'agent', { name: 'Sun Li 孙丽', team: 'returns' });

  const caseId = await openCase(agent, 'after_sales', '羽绒服袖口开线，客户要求换货');
  const sooner = await promise(agent, caseId, 2, '两小时内回复换货方案');
  const later = await promise(agent, caseId, 6, '今天下班前确认仓库库存');
  const otherCase = await openCase(returnsAgent, 'returns', '退货包裹三天未揽收');
  await promise(returnsAgent, otherCase, 3, '三小时内联系快递上门取件');

  // The lead's Promises page, open before the reply: the team's open promises, earliest due first.
  const leadPage = await newPage(shared.browser, { language: 'zh' });
  await signIn(leadPage, shared.server, lead.token);
  await leadPage.locator('nav a[href="/promises"]').click();
  const openRows = leadPage.locator('.promises-table tbody tr');
  await leadPage.locator(`tr[data-promise="${caseId}/${later}"]`).waitFor();
  await leadPage.locator('[data-live="live"]').waitFor();
  assert.deepEqual(await openRows.evaluateAll((rows) => rows.map((r) => r.dataset.promise)),
    [`${caseId}/${sooner}`, `${caseId}/${later}`]);

  // The agent replies and chooses to keep the later promise (the form offers the earliest).
  const agentPage = await newPage(shared.browser, { language: 'zh' });
  await signIn(agentPage, shared.server, agent.token);
  await agentPage.goto(`${shared.server.url}/cases/${caseId}`);
  const keeps = agentPage.locator('#reply-keeps');
  await keeps.waitFor();
  assert.equal(await keeps.inputValue(), sooner);
  await keeps.selectOption(later);
  await agentPage.locator('#reply-text').fill('您好，仓库已确认有货，今天为您安排换货发出。');
  await screenshot(agentPage, 'case-reply-keeps-promise-zh');
  await agentPage.locator('.reply-form button[type=submit]').click();
  await agentPage.locator(`.promise-list li[data-promise="${later}"][data-status="kept"]`).waitFor();
  assert.equal(await agentPage.locator(`.promise-list li[data-promise="${sooner}"]`).getAttribute('data-status'), 'open');
  assert.match(await agentPage.locator(`.promise-list li[data-promise="${later}"]`).innerText(), /已兑现.* 兑现/s);
  // The timeline says which promise the reply kept.
  assert.match(await agentPage.locator('.timeline-list li[data-type="promise.kept"]').innerText(), /承诺已兑现：“今天下班前确认仓库库存”/);
  // The form now offers the one left.
  assert.equal(await keeps.inputValue(), sooner);
  await screenshotChecked(agentPage, 'case-promises-zh');
  await assertOneLanguage(agentPage, 'zh', shared.server);

  // The lead's page drops the kept promise from the open ones without a reload.
  await leadPage.locator(`tr[data-promise="${caseId}/${later}"]`).waitFor({ state: 'detached', timeout: kWaitMs });
  assert.deepEqual(await openRows.evaluateAll((rows) => rows.map((r) => r.dataset.promise)), [`${caseId}/${sooner}`]);
  // Every status: both, each with its own; the returns team's promise is not the lead's to see.
  await leadPage.locator('#promises-status').selectOption('');
  await leadPage.locator('.promises form.filters button[type=submit]').click();
  await leadPage.locator(`tr[data-promise="${caseId}/${later}"][data-status="kept"]`).waitFor();
  assert.equal(await leadPage.locator(`tr[data-promise="${caseId}/${sooner}"]`).getAttribute('data-status'), 'open');
  assert.equal(await leadPage.locator(`tr[data-promise^="${otherCase}/"]`).count(), 0);
  await screenshotChecked(leadPage, 'promises-zh');
  await assertOneLanguage(leadPage, 'zh', shared.server);

  // The manager sees every team's open promises and follows a link to the case.
  const managerPage = await newPage(shared.browser, { language: 'en' });
  await signIn(managerPage, shared.server, manager.token);
  await managerPage.goto(`${shared.server.url}/promises`);
  await managerPage.locator(`tr[data-promise^="${otherCase}/"]`).waitFor();
  assert.deepEqual(await managerPage.locator('.promises-table tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.promise.split('/')[0])),
    [caseId, otherCase]);
  assert.match(await managerPage.locator(`tr[data-promise^="${otherCase}/"]`).innerText(), /Returns 退换货组/);
  await screenshotChecked(managerPage, 'promises-en');
  await assertOneLanguage(managerPage, 'en', shared.server);
  await managerPage.locator(`tr[data-promise^="${otherCase}/"] a`).click();
  await managerPage.waitForURL(`**/cases/${otherCase}`);

  assert.deepEqual(agentPage.consoleErrors, []);
  assert.deepEqual(leadPage.consoleErrors, []);
  assert.deepEqual(managerPage.consoleErrors, []);
});

// Follow-up visits (回访) on the case page, against the real server: the agent's queue ordered by
// next due shows the case due when its visit is; a complaint (v3) in its
// follow-up stage shows when the visit is due and a form for each attempt. A phone call the
// customer does not answer is recorded as not reached (flagged when it falls outside the call
// windows: the server's clock is real, so the test reads the flag from the server's answer); the
// next attempt, by chat, reaches the customer with a satisfaction of 5 and the case closes.
// Screenshots in Chinese and English with axe-core's rules and the one-language check.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertOneLanguage, newPage, serverAndBrowser, screenshotChecked, signIn } from './support.js';

const shared = serverAndBrowser(async ({ server }) => {
  shared.agent = await server.person('he.yun', 'agent', { name: 'He Yun 何云' });
  shared.supervisor = await server.person('qian.li', 'supervisor', { name: 'Qian Li 钱立' });
  await server.api('POST', '/v1/customers', {
    token: shared.agent.token,
    body: { id: 'CU-8401', name: '赵敏', level: 'regular', contacts: { phone: '13800008401' } },
  });
  await server.api('POST', '/v1/customers', {
    token: shared.agent.token,
    body: { id: 'CU-8402', name: 'Ada Zhou', level: 'regular', contacts: { phone: '13800008402', chat_id: 'ada_zhou_88' } },
  });
});

// A complaint taken over the API to its follow-up stage; returns its id.
async function caseInFollowUp(server, summary, customerId) {
  const token = shared.agent.token;
  const id = (await server.api('POST', '/v1/cases', {
    token,
    body: { workflow_id: 'complaint', team: 'after_sales', assignee: shared.agent.id, customer_id: customerId,
      fields: { summary, category: 'quality' } },
  })).case.id;
  const step = (transition, data) => server.api('POST', `/v1/cases/${id}/transitions`, { token, body: { transition, data } });
  await step('confirm_problem', { desired_outcome: '退款', customer_confirmed: true });
  await step('complete_analysis', { cause: '包装破损', fault_party: 'carrier' });
  await step('agree_remedy', { remedy_summary: '退款 30 元', customer_accepted: true });
  await step('confirm_resolved', { resolution_note: '已退款' });
  return id;
}

for (const language of ['zh', 'en']) {
  test(`a follow-up not reached by phone, then reached by chat, closes the case (${language})`, async () => {
    const { server, browser } = shared;
    // In Chinese the customer has only a phone; in English a chat id too.
    const id = await caseInFollowUp(server, language === 'zh' ? '杯子碎了' : 'The mug arrived broken',
      language === 'zh' ? 'CU-8401' : 'CU-8402');
    const page = await newPage(browser, { language });
    await signIn(page, server, shared.agent.token);
    // The agent's worklist by next due: in follow-up, the case is next due when its visit is.
    const { follow_up_due: due } = await server.api('GET', `/v1/cases/${id}`);
    await page.goto(`${server.url}/queue?scope=mine&sort=next_due`);
    const row = page.locator('table.cases tr', { hasText: id });
    await row.waitFor();
    assert.equal(Date.parse(await row.locator('[data-next-due]').getAttribute('data-next-due')), Date.parse(due));
    assert.equal(await page.locator('#filter-sort').inputValue(), 'next_due');
    await screenshotChecked(page, `queue-next-due-${language}`);
    await assertOneLanguage(page, language, server);
    await page.goto(`${server.url}/cases/${id}`);
    const panel = page.locator('.follow-up-panel');
    await panel.waitFor();
    await panel.locator('[data-follow-up-due]').waitFor();
    assert.equal(await panel.locator('.follow-up-attempts li').count(), 0);
    // Chat is suggested when the customer has a chat id (it leaves a written record), else the
    // phone.
    const suggested = language === 'zh' ? 'phone' : 'chat';
    await panel.locator(`[data-suggested-channel="${suggested}"]`).waitFor();
    assert.equal(await page.locator('#follow-up-channel').inputValue(), suggested);

    await page.locator('#follow-up-channel').selectOption('phone');
    await page.locator('#follow-up-outcome').selectOption('not_reached');
    // A customer not reached gives no score: the CSAT control is not shown.
    assert.equal(await page.locator('#follow-up-csat').count(), 0);
    await page.locator('.follow-up-form button[type=submit]').click();
    await panel.locator('.follow-up-attempts li[data-outcome="not_reached"]').waitFor();
    const recorded = await server.api('GET', `/v1/cases/${id}`);
    assert.equal(recorded.state, 'following_up');
    assert.equal(recorded.follow_up_attempts.length, 1);
    assert.equal(await panel.locator('.follow-up-attempts .badge-warn').count(),
      recorded.follow_up_attempts[0].outside_window ? 1 : 0);
    await screenshotChecked(page, `follow-up-not-reached-${language}`);
    await assertOneLanguage(page, language, server);

    await page.locator('#follow-up-channel').selectOption('chat');
    await page.locator('#follow-up-outcome').selectOption('reached');
    await page.locator('#follow-up-csat').selectOption('5');
    await page.locator('#follow-up-comment').fill(language === 'zh' ? '退款已收到，谢谢' : 'Refund received, thanks');
    await page.locator('.follow-up-form button[type=submit]').click();
    // Reached and satisfied: the case closes, and the panel goes with the follow-up stage.
    await page.locator('dd[data-state="closed"]').waitFor();
    assert.equal(await page.locator('.follow-up-panel').count(), 0);
    await page.locator('.timeline-list li[data-type="follow_up.attempted"]').nth(1).waitFor();
    await screenshotChecked(page, `follow-up-closed-${language}`);
    await assertOneLanguage(page, language, server);
    const closed = await server.api('GET', `/v1/cases/${id}`);
    assert.deepEqual(closed.follow_up_attempts.map((a) => [a.channel, a.outcome, a.csat]),
      [['phone', 'not_reached', null], ['chat', 'reached', 5]]);
    assert.deepEqual(page.consoleErrors, []);
    await page.close();
  });
}

// After both visits: the supervisor's Reports page counts them for the agent and the team.
test('the coverage report counts the completed follow-ups (zh, then en)', async () => {
  const { server, browser } = shared;
  for (const language of ['zh', 'en']) {
    const page = await newPage(browser, { language });
    await signIn(page, server, shared.supervisor.token);
    await page.goto(`${server.url}/reports`);
    const row = page.locator('tr[data-coverage-row="agent:after_sales/he.yun"]');
    await row.waitFor();
    const cells = await row.locator('td').allInnerTexts();
    // reached follow-up, followed up, not reached, coverage, mean satisfaction
    assert.deepEqual(cells.map((c) => c.trim()), ['2', '2', '0', '100%', '5.00']);
    assert.equal(await row.getAttribute('data-below-target'), 'false');
    // Teams by name, and a team chosen from the list narrows both reports to it.
    assert.match(await row.locator('th').innerText(), /he\.yun · After-sales 售后一组/);
    await page.locator('#reports-team').selectOption('after_sales');
    await page.locator('.filters button[type=submit]').click();
    await page.locator('tr[data-coverage-row="team:after_sales"]').waitFor();
    await page.locator('.reopen-table, .reports p.empty').first().waitFor();
    await screenshotChecked(page, `reports-${language}`);
    await assertOneLanguage(page, language, server);
    assert.deepEqual(page.consoleErrors, []);
    await page.close();
  }
});

// Languages and administration:
//   - the case page in Chinese and in English shows no message of the other language's
//     catalogue and no raw message key;
//   - an admin creates an agent and a token in the console, and that token signs in; signing
//     out revokes the session on the server;
//   - the queue, case and approval pages pass axe-core's WCAG A/AA rules (no serious or
//     critical violation), at 1280×800 and on a 390-px-wide phone;
//   - screenshots of the queue, a case, the approvals and the admin pages in both languages.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  Server, accessibilityViolations, definitionLabels, eventually, foreignMessages, launchBrowser, newPage, screenshot, signIn,
  textOutsideEnglish,
} from './support.js';

let server;
let browser;
let agent;
let caseId;

before(async () => {
  server = await new Server().start();
  browser = await launchBrowser();
  agent = await server.person('zhou.xin', 'agent', { name: 'Zhou Xin 周欣' });
  const opened = await server.api('POST', '/v1/cases', {
    token: agent.token,
    body: {
      workflow_id: 'complaint', severity: 'high', team: 'after_sales', assignee: agent.id,
      customer: { id: 'CU-5005', segment: 'vip', tier: 'gold' },
      order: { id: 'TB-5005', paid: { amount: 29900, currency: 'CNY' } },
      fields: { summary: '收到的电水壶盖子有裂缝 / kettle lid cracked', category: 'damaged' },
    },
  });
  caseId = opened.case.id;
  await server.api('POST', `/v1/cases/${caseId}/messages`, { token: agent.token, body: { text: '再不处理我就投诉到12315' } });
  await server.api('POST', `/v1/cases/${caseId}/comments`, { token: agent.token, body: { text: 'Checked the warehouse photos' } });
  // Above the agent's authority: the journal records the approval request's limits as data.
  await server.api('POST', `/v1/cases/${caseId}/compensations`, {
    token: agent.token, body: { type: 'partial_refund', value: { amount: 15000, currency: 'CNY' }, note: 'half back' },
  });
  for (let i = 0; i < 3; ++i) {
    await server.api('POST', '/v1/cases', {
      token: agent.token,
      body: { workflow_id: 'complaint', team: 'after_sales', customer: { id: `CU-60${i}` }, severity: ['low', 'normal', 'critical'][i],
        fields: { summary: ['Late delivery, parcel stuck in Hangzhou', 'Wrong size sent', '差评：客服态度不好'][i] } },
    });
  }
});

after(async () => {
  await browser?.close();
  await server?.dispose();
});

for (const language of ['zh', 'en']) {
  test(`the case page in ${language} has no untranslated console string`, async () => {
    const page = await newPage(browser, { language });
    await signIn(page, server, agent.token);
    await page.goto(`${server.url}/queue?scope=team`);
    await page.locator('table.cases tbody tr').first().waitFor();
    await screenshot(page, `queue-${language}`);
    assert.deepEqual(await accessibilityViolations(page), []);
    await page.goto(`${server.url}/cases/${caseId}`);
    await page.locator('.timeline-list li').first().waitFor();
    await page.locator('.remedy-list, .compensation .muted').first().waitFor();
    const text = await textOutsideEnglish(page);
    assert.deepEqual(foreignMessages(text, language, await definitionLabels(server)), []);
    // The journal's English is never needed: rule escalations, the approval request's limits and
    // the transitions' reasons all have words in the viewer's language.
    assert.deepEqual(await page.locator('.timeline-list [lang="en"]').allTextContents(), []);
    const timeline = await page.locator('.timeline-list').innerText();
    if (language === 'zh') {
      assert.match(timeline, /已提交组长审批：售后客服单个工单的补偿权限为 ¥50\.00，本工单合计将达 ¥150\.00/);
      assert.match(timeline, /按升级规则由客服升级至组长：/);
    } else {
      assert.match(timeline, /Approval requested from team lead: agent authority per case is (CN)?¥50\.00; this case would total (CN)?¥150\.00/);
    }
    await screenshot(page, `case-${language}`);
    assert.deepEqual(await accessibilityViolations(page), []);
    assert.deepEqual(page.consoleErrors, []);
  });
}

test('the queue and a case work on a 390-px-wide phone', async () => {
  const page = await newPage(browser, { language: 'zh', width: 390, height: 844 });
  await signIn(page, server, agent.token);
  await page.goto(`${server.url}/queue?scope=team`);
  await page.locator('table.cases tbody tr').first().waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page is ${overflow}px wider than the screen`);
  await screenshot(page, 'queue-phone-zh');
  assert.deepEqual(await accessibilityViolations(page), []);
});

test('an admin creates an agent and a token; the token signs in; signing out revokes the session', async () => {
  const admin = await newPage(browser, { language: 'en' });
  await signIn(admin, server, server.adminToken);
  await admin.locator('h1', { hasText: 'First steps' }).waitFor();
  await screenshot(admin, 'first-steps-en');

  await admin.getByRole('link', { name: 'Users', exact: true }).click();
  await admin.locator('#new-user-id').fill('he.ping');
  await admin.locator('#new-user-display_name').fill('He Ping 何平');
  await admin.locator('#new-user-role').selectOption('agent');
  await admin.locator('#new-user-team_id').fill('after_sales');
  await admin.locator('form[aria-labelledby="new-user-title"] button[type=submit]').click();
  await admin.locator('tr[data-user="he.ping"]').waitFor();
  await screenshot(admin, 'admin-users-en');

  await admin.getByRole('link', { name: 'Tokens', exact: true }).click();
  await admin.locator('#new-token-user_id').fill('he.ping');
  await admin.locator('#new-token-label').fill('desk 3');
  await admin.locator('form[aria-labelledby="new-token-title"] button[type=submit]').click();
  const secret = (await admin.locator('[data-secret]').textContent()).trim();
  assert.match(secret, /^rdr_/);

  // An integration token names what the other system may do; the listing shows it in words.
  await admin.locator('#new-token-role').selectOption('integration');
  await admin.locator('#new-token-label').fill('warehouse');
  await admin.locator('#new-token-scopes input[value="cases:read"]').check();
  await admin.locator('#new-token-scopes input[value="orders:write"]').check();
  await admin.locator('form[aria-labelledby="new-token-title"] button[type=submit]').click();
  const warehouseRow = admin.locator('table[data-table="tokens"] tr', { hasText: 'warehouse' });
  await warehouseRow.locator('ul.scopes li', { hasText: 'Keep orders' }).waitFor();
  assert.equal(await warehouseRow.locator('ul.scopes li').count(), 2);
  await screenshot(admin, 'admin-tokens-en');

  const agentPage = await newPage(browser, { language: 'zh' });
  await signIn(agentPage, server, secret);
  await agentPage.locator('h1', { hasText: '工单队列' }).waitFor();
  const session = await agentPage.evaluate(() => JSON.parse(sessionStorage.getItem('redress.session')));
  assert.ok(session.token && !session.token.startsWith('rdr_'), 'the console keeps the session, not the API token');
  assert.ok(!JSON.stringify(session).includes(secret), 'the API token is not kept in the browser');
  await server.api('GET', '/v1/me', { token: session.token });

  await agentPage.locator('button.signout').click();
  await agentPage.locator('#signin-token').waitFor();
  assert.equal(await agentPage.evaluate(() => sessionStorage.getItem('redress.session')), null);
  await eventually(async () => {
    const answer = await fetch(`${server.url}/v1/me`, { headers: { Authorization: `Bearer ${session.token}` } });
    return answer.status === 401;
  }, 'the session to be revoked');

  for (const language of ['zh']) {
    const page = await newPage(browser, { language });
    await signIn(page, server, server.adminToken);
    for (const section of ['users', 'tokens', 'workflows']) {
      await page.goto(`${server.url}/admin/${section}`);
      await page.locator('table').first().waitFor();
      await screenshot(page, `admin-${section}-${language}`);
    }
  }
});

// Assignment in the console:
//   - an agent sets their availability (on shift / away) from the header, and the server agrees;
//   - the admin's team page shows and edits a team's calendar and its members' skills;
//   - a case opened without an assignee in team `returns` (the shipped policy assigns there, no
//     calendar: always working) goes to the skilled agent, and the timeline says why in zh and en;
//   - the lead's reassign form asks for a reason, and the timeline shows it;
//   - screenshots of the header, the team page and the case in both languages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accessibilityViolations, newPage, screenshot, serverAndBrowser, signIn } from './support.js';

const shared = serverAndBrowser(async ({ server }) => {
  shared.li = await server.person('li.returns', 'agent', { team: 'returns', name: 'Li Na 李娜' });
  shared.wu = await server.person('wu.returns', 'agent', { team: 'returns', name: 'Wu Lei 吴磊' });
  shared.lead = await server.person('wang.returns', 'team_lead', { team: 'returns', name: 'Wang Fang 王芳' });
  await server.api('PATCH', '/v1/users/wu.returns', { body: { skills: ['quality_inspection'] } });
  // A team whose calendar the admin test edits (returns stays without one: always working).
  await server.ensureTeam('after_sales');
});

async function openQualityCase(server, token) {
  const opened = await server.api('POST', '/v1/cases', {
    token,
    body: {
      workflow_id: 'complaint', severity: 'normal', team: 'returns',
      customer: { id: `CU-A${Date.now()}` },
      fields: { summary: '羽绒服袖口开线 / the cuff seam is split', category: 'quality' },
    },
  });
  return opened.case;
}

test('an agent sets their availability from the header', async () => {
  const { server, browser, li } = shared;
  for (const language of ['en', 'zh']) {
    const page = await newPage(browser, { language });
    await signIn(page, server, li.token);
    const away = page.locator('.availability-switch button.availability-away');
    await away.click();
    await page.locator('.availability-switch[data-availability="away"]').waitFor();
    assert.equal(await away.getAttribute('aria-pressed'), 'true');
    const user = await server.api('GET', '/v1/users/li.returns');
    assert.equal(user.availability, 'away');
    assert.equal(user.availability_set_by, 'li.returns');
    await screenshot(page, `availability-away-${language}`, { fullPage: false });
    await page.locator('.availability-switch button.availability-on_shift').click();
    await page.locator('.availability-switch[data-availability="on_shift"]').waitFor();
    assert.equal((await server.api('GET', '/v1/users/li.returns')).availability, 'on_shift');
    assert.deepEqual(page.consoleErrors, []);
  }
});

test('the admin team page edits a team calendar and the members\' skills', async () => {
  const { server, browser } = shared;
  for (const language of ['en', 'zh']) {
    const page = await newPage(browser, { language });
    await signIn(page, server, server.adminToken);
    await page.goto(`${server.url}/admin/teams`);
    const select = page.locator('select[data-calendar="after_sales"]');
    await select.waitFor();
    await select.selectOption(language === 'en' ? 'cn_office' : 'phone_hours');
    const expected = language === 'en' ? 'cn_office' : 'phone_hours';
    for (let i = 0; i < 100 && (await server.api('GET', '/v1/teams/after_sales')).calendar !== expected; ++i) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal((await server.api('GET', '/v1/teams/after_sales')).calendar, expected);

    const skills = page.locator('tr[data-team="returns"] li[data-member="li.returns"] input');
    await skills.fill(language === 'en' ? 'refunds' : 'refunds, quality_inspection');
    await page.locator('tr[data-team="returns"] li[data-member="li.returns"] button[type=submit]').click();
    const want = language === 'en' ? ['refunds'] : ['quality_inspection', 'refunds'];
    for (let i = 0; i < 100 && JSON.stringify((await server.api('GET', '/v1/users/li.returns')).skills) !== JSON.stringify(want); ++i) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual((await server.api('GET', '/v1/users/li.returns')).skills, want);
    await screenshot(page, `admin-teams-${language}`);
    assert.deepEqual(await accessibilityViolations(page), []);
    assert.deepEqual(page.consoleErrors, []);
  }
  // Back to one skill for the next test: only wu.returns inspects quality.
  await server.api('PATCH', '/v1/users/li.returns', { body: { skills: ['refunds'] } });
});

test('a new case is assigned by the policy and the timeline says why; a reassignment asks a reason', async () => {
  const { server, browser, li, lead } = shared;
  // li holds nothing, wu has the skill: the quality case goes to wu.
  const opened = await openQualityCase(server, li.token);
  assert.equal(opened.assignee, 'wu.returns');

  const expectations = {
    en: /Assigned automatically to wu\.returns: skill quality_inspection, fewest open cases \(0\) among team returns's available agents with that skill \(1\)/,
    zh: /已自动分配给 wu\.returns：具备技能 quality_inspection/,
  };
  for (const language of ['en', 'zh']) {
    const page = await newPage(browser, { language });
    await signIn(page, server, lead.token);
    await page.goto(`${server.url}/cases/${opened.id}`);
    await page.locator('.timeline-list li').first().waitFor();
    assert.match(await page.locator('.timeline-list').innerText(), expectations[language]);
    await screenshot(page, `case-auto-assigned-${language}`);
    assert.deepEqual(page.consoleErrors, []);
  }

  // The lead hands the case to li: the form asks for a reason before it can be sent.
  const page = await newPage(browser, { language: 'en' });
  await signIn(page, server, lead.token);
  await page.goto(`${server.url}/cases/${opened.id}`);
  // The member list replaces the free-text field once the team's members have loaded.
  await page.locator('select#assign-to').waitFor();
  await page.locator('select#assign-to').selectOption('li.returns');
  const submit = page.locator('.assignment form button[type=submit]');
  assert.equal(await submit.isDisabled(), true, 'no reason, no reassignment');
  await page.locator('#assign-reason').fill('Wu is at the warehouse today');
  await submit.click();
  await page.locator('.timeline-list', { hasText: 'Reason: Wu is at the warehouse today' }).waitFor();
  assert.equal((await server.api('GET', `/v1/cases/${opened.id}`)).assignee, 'li.returns');
  await screenshot(page, 'case-reassigned-en');
  assert.deepEqual(await accessibilityViolations(page), []);

  const zh = await newPage(browser, { language: 'zh' });
  await signIn(zh, server, lead.token);
  await zh.goto(`${server.url}/cases/${opened.id}`);
  await zh.locator('.timeline-list', { hasText: '原因：Wu is at the warehouse today' }).waitFor();
  assert.match(await zh.locator('.timeline-list').innerText(), /改派给 li\.returns/);
  await screenshot(zh, 'case-reassigned-zh');
});

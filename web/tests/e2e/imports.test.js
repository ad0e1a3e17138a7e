// Bulk import in the console: a manager sends a JSON Lines file of customers with two bad lines,
// follows the job to its end, and reads the rejected lines by line number with the reason in
// their language; the recent imports list the job — in English and in Chinese.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertOneLanguage, newPage, screenshotChecked, serverAndBrowser, signIn } from './support.js';

const shared = serverAndBrowser(async ({ server }) => {
  shared.manager = await server.person('zhou.min', 'manager', { name: 'Zhou Min 周敏' });
});

function customersFile(prefix) {
  return [
    JSON.stringify({ id: `${prefix}-1`, name: '张伟', tags: ['vip'] }),
    JSON.stringify({ id: `${prefix}-2`, nmae: 'typo' }),
    'this is not json',
    JSON.stringify({ id: `${prefix}-3`, name: 'Li Na', level: 'gold' }),
    '',
  ].join('\n');
}

for (const language of ['en', 'zh']) {
  test(`imports: a customers file with bad lines, followed to its end (${language})`, async () => {
    const page = await newPage(shared.browser, { language });
    await signIn(page, shared.server, shared.manager.token);
    await page.locator('nav a[href="/imports"]').click();
    await page.locator('section.imports-page').waitFor();

    await page.locator('input[name="import-kind"][value="customers"]').check();
    await page.locator('#import-file').setInputFiles({
      name: 'customers.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(customersFile(`E2E-${language}`)),
    });
    await page.locator('form.import-form button[type="submit"]').click();

    const job = page.locator('section.import-job[data-state="done"]');
    await job.waitFor();
    assert.equal((await job.locator('.count-created dd').textContent()).trim(), '2');
    assert.equal((await job.locator('.count-rejected dd').textContent()).trim(), '2');
    const rejected = job.locator('.import-errors tbody tr');
    await rejected.first().waitFor();
    assert.equal(await rejected.count(), 2);
    assert.equal(await rejected.nth(0).getAttribute('data-line'), '2');
    assert.equal(await rejected.nth(0).getAttribute('data-reason'), 'unknown_field');
    assert.equal(await rejected.nth(1).getAttribute('data-line'), '3');
    const why = await rejected.nth(1).locator('td').nth(3).textContent();
    assert.equal(why, language === 'en' ? 'Not valid JSON.' : '不是有效的 JSON。');

    // The recent imports list the job; the records are there.
    const jobId = await job.getAttribute('data-job');
    await page.locator(`.import-history tr[data-job="${jobId}"]`).waitFor();
    const stored = await shared.server.api('GET', `/v1/customers/E2E-${language}-3`);
    assert.equal(stored.level, 'gold');

    await assertOneLanguage(page, language, shared.server);
    await screenshotChecked(page, `imports-${language}`);
    assert.deepEqual(page.consoleErrors, []);
    await page.context().close();
  });
}

test('imports: agents and team leads have no import page', async () => {
  const agent = await shared.server.person('imp.agent', 'agent');
  const page = await newPage(shared.browser, { language: 'en' });
  await signIn(page, shared.server, agent.token);
  await page.locator('nav a[href="/queue"]').waitFor();
  assert.equal(await page.locator('nav a[href="/imports"]').count(), 0);
  await page.context().close();
});

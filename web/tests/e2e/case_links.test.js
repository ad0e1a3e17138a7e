// Duplicates and links in the console, against the real server with its own data:
//   - a second complaint about an order that has an open complaint is refused: the new-case form
//     says which case is open, links to it, and files the new one linked to it with a kind and a
//     reason; the link shows on both cases, worded from each side (in Chinese, then in English);
//   - the case page links a case to another, with the server's problems beside the fields (a
//     case that does not exist), and the panel follows the case live: a link made elsewhere
//     shows with the case's next event, without a reload;
//   - screenshots in Chinese and English, axe-core's WCAG A/AA rules and the one-language check.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertOneLanguage, newPage, serverAndBrowser, screenshotChecked, signIn } from './support.js';

const shared = serverAndBrowser(async ({ server }) => {
  shared.agent = await server.person('he.jing', 'agent', { name: 'He Jing 何静' });
  await server.api('POST', '/v1/customers', {
    token: shared.agent.token,
    body: { id: 'CU-9101', name: '陈晓东', level: 'silver', contacts: { phone: '13600009999' } },
  });
  const order = (id, title) => server.api('PUT', `/v1/orders/${id}`, {
    body: { customer_id: 'CU-9101', paid: { amount: 15900, currency: 'CNY' }, status: 'delivered',
      items: [{ sku: `SKU-${id}`, title, quantity: 1, unit_price: { amount: 15900, currency: 'CNY' } }] },
  });
  await order('TB-9101', '保温杯');
  await order('TB-9102', '电饭煲');
  const open = async (summary, extra = {}) => (await server.api('POST', '/v1/cases', {
    token: shared.agent.token,
    body: { workflow_id: 'complaint', team: 'after_sales', assignee: shared.agent.id, customer_id: 'CU-9101',
      fields: { summary, category: 'damaged' }, ...extra },
  })).case.id;
  shared.cupCase = await open('保温杯漏水', { order_id: 'TB-9101' });
  shared.cookerCase = await open('电饭煲内胆刮花', { order_id: 'TB-9102' });
  shared.otherCase = await open('快递员态度不好');
});

// The browser logs each refused request as an error: those the test provokes are expected.
const unexpectedErrors = (page) => page.consoleErrors.filter((e) => !/status of (404|409)/.test(e));

// On the new-case form: the customer found by name, one of their orders, a complaint, sent.
async function fileComplaint(page, orderId, summary) {
  await page.goto(`${shared.server.url}/cases/new`);
  await page.locator('#new-field-summary').waitFor();
  await page.locator('#new-customer-search').fill('陈晓东');
  await page.locator('#new-customer-search').press('Enter');
  await page.locator('button[data-choose="CU-9101"]').click();
  await page.locator(`.customer-orders button[data-order="${orderId}"]`).click();
  await page.locator('.order-on-record').waitFor();
  await page.locator('#new-field-summary').fill(summary);
  await page.locator('#new-field-category').selectOption('damaged');
  await page.locator('form button[type=submit].primary').click();
}

async function openedCaseId(page) {
  await page.locator('dd[data-state="confirming"]').waitFor();
  return (await page.locator('main h1').textContent()).match(/C-\d+/)[0];
}

// The link shown on the case page: the li for the other case in that direction.
const linkItem = (page, direction, other) => page.locator(`.links-panel li[data-direction="${direction}"][data-other="${other}"]`);

test('a second complaint about the same order is filed linked to the open one (Chinese)', async () => {
  const { server, browser } = shared;
  const page = await newPage(browser, { language: 'zh' });
  await signIn(page, server, shared.agent.token);
  await fileComplaint(page, 'TB-9101', '保温杯盖子也坏了');

  // Not a bare error: which case is open, a way to it, and a way to file this one linked.
  const notice = page.locator(`.open-case-notice[data-open-case="${shared.cupCase}"]`);
  await notice.waitFor();
  assert.match(await notice.locator('.open-case-line').innerText(), new RegExp(`订单 TB-9101 已有一个未结的客户投诉工单：${shared.cupCase}。`));
  const toOpen = notice.locator('a[data-action="open-existing"]');
  assert.equal(await toOpen.getAttribute('href'), `/cases/${shared.cupCase}`);
  assert.equal(await toOpen.getAttribute('target'), '_blank');
  assert.equal(await page.locator('.notice-error').count(), 0);
  assert.equal(await page.locator('[data-field="order_id"] .field-errors').count(), 0);
  // The plain submit would only be refused again: the notice's is the way on.
  assert.equal(await page.locator('button[type=submit]', { hasText: '创建工单' }).count(), 0);
  assert.equal(await page.locator('#new-link-kind').inputValue(), 'related_to');
  const fileLinked = notice.locator('button[data-action="file-linked"]');
  assert.equal(await fileLinked.isDisabled(), true); // the reason is required
  await page.locator('#new-link-reason').fill('客户再次来电：杯盖与杯身同一批次');
  await screenshotChecked(page, 'new-case-open-case-zh');
  await assertOneLanguage(page, 'zh', server);

  await fileLinked.click();
  const linkedCase = await openedCaseId(page);
  assert.notEqual(linkedCase, shared.cupCase);
  const mine = linkItem(page, 'outgoing', shared.cupCase);
  await mine.waitFor();
  assert.match(await mine.innerText(), new RegExp(`本工单与 ${shared.cupCase} 相关联[\\s\\S]*客户再次来电：杯盖与杯身同一批次[\\s\\S]*he\\.jing 关联于`));
  assert.equal(await mine.locator('a').getAttribute('href'), `/cases/${shared.cupCase}`);
  const stored = await server.api('GET', `/v1/cases/${linkedCase}/links`);
  assert.deepEqual(stored.links.map((l) => [l.kind, l.direction, l.other_case_id]), [['related_to', 'outgoing', shared.cupCase]]);

  // The open case shows the link from its side; its link leads back.
  await mine.locator('a').click();
  const theirs = linkItem(page, 'incoming', linkedCase);
  await theirs.waitFor();
  assert.match(await theirs.innerText(), new RegExp(`${linkedCase} 与本工单相关联`));
  await screenshotChecked(page, 'case-links-zh');
  await assertOneLanguage(page, 'zh', server);
  assert.deepEqual(unexpectedErrors(page), []);
});

test('filed as a duplicate, linked from the case page, and shown live (English)', async () => {
  const { server, browser } = shared;
  const page = await newPage(browser, { language: 'en' });
  await signIn(page, server, shared.agent.token);
  await fileComplaint(page, 'TB-9102', 'Rice cooker: the same scratched pot');
  const notice = page.locator(`.open-case-notice[data-open-case="${shared.cookerCase}"]`);
  await notice.waitFor();
  assert.match(await notice.locator('.open-case-line').innerText(),
    new RegExp(`Order TB-9102 already has an open customer complaint case: ${shared.cookerCase}\\.`));
  assert.equal(await notice.locator('a[data-action="open-existing"]').innerText(), `Open ${shared.cookerCase} in a new tab`);
  await page.locator('#new-link-kind').selectOption('duplicate_of');
  await page.locator('#new-link-reason').fill('Customer called again about the same pot');
  await screenshotChecked(page, 'new-case-open-case-en');
  await assertOneLanguage(page, 'en', server);
  await notice.locator('button[data-action="file-linked"]').click();
  const duplicate = await openedCaseId(page);
  await linkItem(page, 'outgoing', shared.cookerCase).filter({ hasText: `Duplicate of ${shared.cookerCase}` }).waitFor();

  // On the open case: the duplicate, worded from its side.
  await page.goto(`${server.url}/cases/${shared.cookerCase}`);
  await linkItem(page, 'incoming', duplicate).filter({ hasText: `${duplicate} is a duplicate of this case` }).waitFor();

  // Linking from the case page: a case that does not exist is said beside the field.
  const form = page.locator('form.link-form');
  await page.locator('#link-kind').selectOption('follow_up_of');
  await page.locator('#link-case').fill('C-99999');
  await page.locator('#link-reason').fill('The courier complaint came after this one');
  await form.locator('button[type=submit]').click();
  await form.locator('[data-field="case_id"] .field-errors li', { hasText: 'There is no case C-99999.' }).waitFor();
  assert.equal(await page.locator('#link-reason').inputValue(), 'The courier complaint came after this one');
  await page.locator('#link-case').fill(shared.otherCase);
  await form.locator('button[type=submit]').click();
  const followUp = linkItem(page, 'outgoing', shared.otherCase);
  await followUp.waitFor();
  assert.match(await followUp.innerText(), new RegExp(`Follow-up of ${shared.otherCase}[\\s\\S]*The courier complaint came after this one[\\s\\S]*linked by he\\.jing`));
  assert.equal(await page.locator('#link-case').inputValue(), '');
  assert.equal(await form.locator('.field-errors').count(), 0);

  // Live: a link made elsewhere to this case shows with the case's next event, no reload.
  await server.api('POST', `/v1/cases/${shared.otherCase}/links`, {
    token: shared.agent.token, body: { case_id: shared.cookerCase, kind: 'related_to', reason: 'Same delivery' },
  });
  await server.api('POST', `/v1/cases/${shared.cookerCase}/comments`, { token: shared.agent.token, body: { text: 'Called the courier' } });
  await linkItem(page, 'incoming', shared.otherCase).filter({ hasText: `${shared.otherCase} is related to this case` }).waitFor();
  const directions = await page.locator('.links-panel li').evaluateAll((items) => items.map((li) => li.dataset.direction));
  assert.deepEqual(directions, ['incoming', 'outgoing', 'incoming']);
  await screenshotChecked(page, 'case-links-en');
  await assertOneLanguage(page, 'en', server);

  // The other case shows the follow-up from its side, in Chinese too.
  const zhPage = await newPage(browser, { language: 'zh' });
  await signIn(zhPage, server, shared.agent.token);
  await zhPage.goto(`${server.url}/cases/${shared.otherCase}`);
  await linkItem(zhPage, 'incoming', shared.cookerCase).filter({ hasText: `${shared.cookerCase} 是本工单的后续工单` }).waitFor();
  await linkItem(zhPage, 'outgoing', shared.cookerCase).filter({ hasText: `本工单与 ${shared.cookerCase} 相关联` }).waitFor();
  await assertOneLanguage(zhPage, 'zh', server);
  assert.deepEqual(unexpectedErrors(page), []);
  assert.deepEqual(unexpectedErrors(zhPage), []);
});

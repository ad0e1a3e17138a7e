// Parcel tracking on the case page, against the real server: a return whose parcel is with the
// carrier shows the carrier's events as a small timeline, in the carrier's event-time order,
// arriving live from an integration token's POST /v1/carrier-events (a late event slots in
// before the one that followed it, a repeat shows once); the carrier's "delivered" receives the
// return (return_exchange v3) and the page follows, from waiting on the carrier to waiting on
// the warehouse. Screenshots in Chinese and English with
// axe-core's WCAG A/AA rules and the one-language check.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertOneLanguage, eventually, newPage, serverAndBrowser, screenshotChecked, signIn } from './support.js';

const shared = serverAndBrowser(async ({ server }) => {
  shared.agent = await server.person('gu.lan', 'agent', { name: 'Gu Lan 顾岚' });
  shared.carrier = (await server.api('POST', '/v1/tokens', {
    body: { role: 'integration', scopes: ['orders:write'], label: 'carrier e2e' },
  })).token;
  await server.api('POST', '/v1/customers', {
    token: shared.agent.token,
    body: { id: 'CU-9301', name: '林晓', level: 'regular', contacts: { phone: '13600009301' } },
  });
  shared.openReturn = async (order, tracking) => {
    await server.api('PUT', `/v1/orders/${order}`, {
      body: { customer_id: 'CU-9301', paid: { amount: 25900, currency: 'CNY' }, status: 'delivered',
        items: [{ sku: `SKU-${order}`, title: '电热水壶', quantity: 1, unit_price: { amount: 25900, currency: 'CNY' } }] },
    });
    const opened = await server.api('POST', '/v1/cases', {
      token: shared.agent.token,
      body: { workflow_id: 'return_exchange', team: 'after_sales', assignee: shared.agent.id, customer_id: 'CU-9301',
        order_id: order, fields: { request_type: 'return_refund', return_reason: '壶底漏水' } },
    });
    const id = opened.case.id;
    const fire = (transition, data = {}) => server.api('POST', `/v1/cases/${id}/transitions`, {
      token: shared.agent.token, body: { transition, data } });
    await fire('approve_request');
    await fire('provide_tracking', { tracking_number: tracking });
    return id;
  };
});

const report = (server, events) => server.api('POST', '/v1/carrier-events', {
  token: shared.carrier, body: { events },
});
const parcel = (tracking, id, kind, at, location) => ({
  carrier: 'SF', carrier_event_id: id, tracking_number: tracking, kind, event_at: at, location,
});
const shownIds = (page) => page.locator('.parcel-events li').evaluateAll((items) => items.map((li) => li.dataset.carrierEvent));

for (const language of ['zh', 'en']) {
  test(`the parcel's events arrive live, in event-time order, and delivery receives the return (${language})`, async () => {
    const { server, browser } = shared;
    const tracking = `SF93${language === 'zh' ? '01' : '02'}`;
    const caseId = await shared.openReturn(`TB-93${language === 'zh' ? '01' : '02'}`, tracking);
    const page = await newPage(browser, { language });
    await signIn(page, server, shared.agent.token);
    await page.goto(`${server.url}/cases/${caseId}`);
    await page.locator('dd[data-state="in_transit"]').waitFor();
    // The parcel is the carrier's: the page says the case waits on it, with the clocks paused.
    assert.equal(await page.locator('dd[data-waiting-on="carrier"]').innerText(),
      language === 'zh' ? '物流（时限暂停）' : 'the carrier (clocks paused)');
    // No parcel event yet: no panel.
    assert.equal(await page.locator('.parcel-panel').count(), 0);

    await report(server, [parcel(tracking, `${tracking}-2`, 'in_transit', '2026-11-24T02:00:00Z', '杭州转运中心')]);
    await page.locator(`.parcel-events li[data-carrier-event="${tracking}-2"]`).waitFor();
    // The pick-up, reported late, goes first; a repeat shows once.
    await report(server, [parcel(tracking, `${tracking}-1`, 'picked_up', '2026-11-23T10:00:00Z', '杭州西湖区'),
      parcel(tracking, `${tracking}-2`, 'in_transit', '2026-11-24T02:00:00Z', '杭州转运中心')]);
    await eventually(async () => (await shownIds(page)).length === 2, 'the late pick-up shows');
    assert.deepEqual(await shownIds(page), [`${tracking}-1`, `${tracking}-2`]);
    const first = page.locator('.parcel-events li').first();
    assert.equal(await first.locator('.parcel-kind').innerText(), language === 'zh' ? '已揽收' : 'Picked up');
    // Still waiting on the carrier: the case did not change.
    assert.equal(await page.locator('dd[data-state="in_transit"]').count(), 1);
    await screenshotChecked(page, `parcel-in-transit-${language}`);
    await assertOneLanguage(page, language, server);

    await report(server, [parcel(tracking, `${tracking}-3`, 'delivered', '2026-11-25T03:00:00Z', '宁波仓')]);
    await page.locator(`.parcel-events li[data-kind="delivered"]`).waitFor();
    assert.equal(await page.locator('.parcel-events li').last().locator('.parcel-kind').innerText(),
      language === 'zh' ? '已签收' : 'Delivered');
    // The carrier's delivery fired receive_item: the page shows the case received.
    await page.locator('dd[data-state="received"]').waitFor();
    // Now the warehouse's turn: the customer's clocks run, and the warehouse has its own.
    await page.locator('dd[data-waiting-on="warehouse"]').waitFor();
    await screenshotChecked(page, `parcel-delivered-${language}`);
    await assertOneLanguage(page, language, server);
    assert.deepEqual(page.consoleErrors, []);
    await page.close();
  });
}

// Page steps shared by the end-to-end tests: firing a transition through its generated form.
import { kWaitMs } from './support.js';

// Opens the transition's form, fills `values` ({field: text | {select: v} | {amount, currency}}),
// submits, and (unless `expectState` is null) waits until the header shows `expectState`.
export async function fire(page, transition, values, expectState) {
  await page.locator(`button[data-transition="${transition}"]`).click();
  const form = page.locator(`#transition-${transition}`);
  await form.waitFor();
  for (const [name, value] of Object.entries(values)) {
    const id = `#transition-${transition}-${name}`;
    if (value && typeof value === 'object' && 'select' in value) {
      await page.locator(id).selectOption(String(value.select));
    } else if (value && typeof value === 'object' && 'amount' in value) {
      await page.locator(id).fill(value.amount);
      if (value.currency) await page.locator(`${id}-currency`).selectOption(value.currency);
    } else {
      await page.locator(id).fill(String(value));
    }
  }
  await form.locator('button[type=submit]').click();
  if (expectState !== null) {
    await page.locator(`dd[data-state="${expectState}"]`).waitFor({ timeout: kWaitMs });
  }
}

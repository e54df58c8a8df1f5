import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { PHONE } from './browser.js';

/** The serious and critical WCAG 2.1 A/AA violations on the page as it is now (as pages.test.ts scans). */
export async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** Nothing wider than a phone's screen, and no serious or critical axe finding: the problems found. */
export async function layoutProblems(page: Page, where: string): Promise<string[]> {
  const found = (await seriousViolations(page)).map((v) => `${where}: ${v}`);
  const size = page.viewportSize();
  await page.setViewportSize(PHONE);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  if (width > PHONE.width) found.push(`${where}: ${width} px wide at ${PHONE.width} px`);
  if (size) await page.setViewportSize(size);
  return found;
}

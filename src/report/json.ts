/** The JSON report: the model as is (see model.ts for the schema and its compatibility rule). */
import type { Report } from './model.js';

export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

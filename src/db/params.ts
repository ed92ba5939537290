/**
 * Numbering a statement's parameters. Builders that assemble a statement from parts (a window,
 * a join, the rule) each add their values here and write the `$n` it hands back, so no builder
 * counts parameters by hand and a part can move without renumbering the others.
 */
export class Params {
  readonly values: unknown[] = [];

  /** `$n` for `value`, with a cast when given (`add(x, 'tid')` → `$3::tid`). */
  add(value: unknown, cast?: string): string {
    this.values.push(value);
    return `$${this.values.length}${cast ? `::${cast}` : ''}`;
  }
}

/**
 * One name, one thing: no exported name is defined in two files of src/ (a type, function,
 * constant or class). Two `RunHolder`s that mean different things make a reader guess which
 * one an import brings; re-exports (`export { x } from`) are not definitions and do not count.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

const isExported = (node: ts.Node): boolean =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

function bindingNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((element) => (ts.isOmittedExpression(element) ? [] : bindingNames(element.name)));
}

/** The names `file` defines and exports: declarations marked `export`, and local `export { a as b }` lists. */
function exportedDefinitions(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const names: string[] = [];
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement)) {
      // `export { a as b }` with no `from` gives a local thing a new exported name.
      if (!statement.moduleSpecifier && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
        names.push(...statement.exportClause.elements.filter((e) => e.propertyName).map((e) => e.name.text));
      }
      continue;
    }
    if (!isExported(statement)) continue;
    if (ts.isVariableStatement(statement)) names.push(...statement.declarationList.declarations.flatMap((d) => bindingNames(d.name)));
    else if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isEnumDeclaration(statement) ||
        ts.isModuleDeclaration(statement)) &&
      statement.name &&
      ts.isIdentifier(statement.name)
    )
      names.push(statement.name.text);
  }
  // A function's overloads are one definition.
  return [...new Set(names)];
}

describe('exported names in src/', () => {
  it('the check sees every kind of definition, and not re-exports', () => {
    const text = `
      export interface A {}
      export type B = string;
      export function c() {}
      export async function d() {}
      export const e = 1, { f, g: [h] } = { f: 1, g: [2] };
      export class I {}
      export enum J {}
      const k = 1;
      export { k as L };
      export { M } from './m.js';
      export type { N } from './n.js';
      function o() {}
      export { o };
    `;
    expect(exportedDefinitions('x.ts', text).sort()).toEqual(['A', 'B', 'I', 'J', 'L', 'c', 'd', 'e', 'f', 'h'].sort());
  });

  // Parses every file of src/: a few seconds on a busy machine.
  it('no name is defined in two files', { timeout: 60_000 }, () => {
    const where = new Map<string, string[]>();
    for (const file of sourceFiles(SRC)) {
      for (const name of exportedDefinitions(file, fs.readFileSync(file, 'utf8'))) {
        where.set(name, [...(where.get(name) ?? []), path.relative(SRC, file)]);
      }
    }
    const twice = Object.fromEntries([...where].filter(([, files]) => files.length > 1));
    expect(twice).toEqual({});
  });
});

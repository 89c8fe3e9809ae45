/**
 * Every dashboard writer goes through write-tx.ts (retried on a deadlock, db/tx-retry.ts): a module that opened its
 * own transaction (`db.tx(`, `writeTx(`) would answer 500 to a step that raced a push into a deadlock.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const DIR = new URL('./', import.meta.url);

describe('dashboard transactions', () => {
  it('no dashboard module opens a transaction except through dashboardTx / dashboardWriteTx', () => {
    const modules = readdirSync(DIR).filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.test.ts') && f !== 'write-tx.ts' && f !== 'testing.ts');
    expect(modules.length).toBeGreaterThan(20);
    const direct = modules.flatMap((f) =>
      readFileSync(new URL(f, DIR), 'utf8')
        .split('\n')
        .flatMap((line, i) => (/\.tx\(|\bwriteTx\(/.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(direct).toEqual([]);
  });
});

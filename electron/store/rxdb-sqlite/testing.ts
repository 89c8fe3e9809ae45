import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RxJsonSchema } from 'rxdb';

/** A fresh temp directory per test file; removed by the returned cleanup. */
export function makeTempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export type Part = {
  id: string;
  name: string;
  qty: number;
  station: string;
  done: boolean;
  note?: string;
  tags?: string[];
};

/** A small schema with string, number and boolean indexes (single and compound), like the floor's documents. */
export const partSchema: RxJsonSchema<Part> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 40 },
    name: { type: 'string', maxLength: 20 },
    qty: { type: 'number', minimum: 0, maximum: 1000, multipleOf: 1 },
    station: { type: 'string', maxLength: 10 },
    done: { type: 'boolean' },
    note: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
  },
  required: ['id', 'name', 'qty', 'station', 'done'],
  indexes: ['name', 'qty', ['station', 'qty'], 'done'],
};

import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// hlc, ids and the barcode codecs are imported by the renderer too: they must not reach for Node built-ins.
const here = dirname(fileURLToPath(import.meta.url));
const files = [
  join(here, '..', 'hlc.ts'),
  join(here, '..', 'ids.ts'),
  ...readdirSync(here)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(here, f)),
];

describe('browser-safe modules', () => {
  it.each(files)('%s uses no Node-only API', (file) => {
    // Comments may name Node APIs (to say they are avoided); only code counts.
    const src = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    expect(src).not.toMatch(/from ['"](node:|fs|path|crypto|buffer)['"/]/);
    expect(src).not.toMatch(/\bBuffer\b|\bprocess\.|\brequire\(/);
  });
});

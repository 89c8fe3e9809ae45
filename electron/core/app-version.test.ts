import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { appVersion } from './app-version';
import { tempDir } from './testing';

const t = tempDir('qsf-version-');
afterAll(() => t.cleanup());

describe('app version for the heartbeat', () => {
  it("takes the shell's QSF_APP_VERSION, else package.json's; a malformed one is not sent", () => {
    const pkg = join(t.dir, 'package.json');
    writeFileSync(pkg, JSON.stringify({ name: 'x', version: '2.4.1' }));
    const url = pathToFileURL(pkg);
    expect(appVersion({ QSF_APP_VERSION: '3.0.0-beta.2' }, url)).toBe('3.0.0-beta.2');
    expect(appVersion({}, url)).toBe('2.4.1');
    expect(appVersion({ QSF_APP_VERSION: 'latest; DROP TABLE' }, url)).toBe('2.4.1');
    writeFileSync(pkg, JSON.stringify({ version: 'x'.repeat(50) }));
    expect(appVersion({}, url)).toBeNull();
    expect(appVersion({}, pathToFileURL(join(t.dir, 'missing.json')))).toBeNull();
  });

  it("this repository's own package.json version is the default", () => {
    expect(appVersion({})).toMatch(/^\d+\.\d+\.\d+/);
  });
});

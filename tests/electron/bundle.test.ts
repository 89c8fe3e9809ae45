/**
 * The built shell (scripts/build-electron.ts), as the packaged app will load it: the preload is one CommonJS file that
 * needs nothing but 'electron'; main and the core process import only Node's modules, electron, their own chunks and
 * packages the installer ships (package.json dependencies, not devDependencies); and the built core process runs
 * under Node behind a stand-in for Electron's parent port: ready, answers a screen, stops cleanly.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildElectron } from '../../scripts/build-electron';
import { tempDir } from '../../electron/core/testing';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; main: string };
let out = '';

beforeAll(async () => {
  // Inside the repository, so the bundle finds node_modules as the packaged app does beside it.
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  out = mkdtempSync(join(ROOT, 'dist', '.test-electron-'));
  // What an earlier build and scripts/electron-native.ts left there.
  mkdirSync(join(out, 'native'));
  writeFileSync(join(out, 'native', 'better_sqlite3.node'), 'electron abi build');
  writeFileSync(join(out, 'stale-chunk.js'), 'old');
  await buildElectron(out);
}, 120_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

const jsFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : []));

describe('built Electron shell', () => {
  it('writes main.js where package.json main points, beside core-process.js and preload.cjs', () => {
    expect(pkg.main).toBe('dist/electron/main.js');
    expect(readdirSync(out)).toEqual(expect.arrayContaining(['main.js', 'core-process.js', 'preload.cjs']));
  });

  it("a rebuild clears the old build but keeps better-sqlite3's staged Electron build", () => {
    expect(existsSync(join(out, 'stale-chunk.js'))).toBe(false);
    expect(readFileSync(join(out, 'native', 'better_sqlite3.node'), 'utf8')).toBe('electron abi build');
  });

  it('main and the core process import only Node, electron, their chunks and shipped dependencies', () => {
    const builtins = new Set(builtinModules);
    const shipped = Object.keys(pkg.dependencies);
    for (const file of jsFiles(out)) {
      const specifiers = [...readFileSync(file, 'utf8').matchAll(/(?:^|\n)import\s[^;]*?from\s*"([^"]+)"|import\("([^"]+)"\)/g)].map((m) => (m[1] ?? m[2]) as string);
      for (const s of specifiers) {
        if (s.startsWith('.') || s.startsWith('node:') || builtins.has(s) || s === 'electron') continue;
        const name = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] as string);
        expect(shipped, `${file} imports ${s}`).toContain(name);
      }
    }
  });

  it('the preload needs only electron and exposes window.quty with the station API', () => {
    const required: string[] = [];
    const exposed = new Map<string, unknown>();
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
      ipcRenderer: { on: () => undefined, send: () => undefined, invoke: () => Promise.resolve(null) },
    };
    const module = { exports: {} };
    runInNewContext(readFileSync(join(out, 'preload.cjs'), 'utf8'), {
      module,
      exports: module.exports,
      require: (id: string) => {
        required.push(id);
        if (id !== 'electron') throw new Error(`a sandboxed preload cannot require ${id}`);
        return electron;
      },
    });
    expect(required).toEqual(['electron']);
    expect([...exposed.keys()]).toEqual(['quty']);
    expect(Object.keys(exposed.get('quty') as object).sort()).toEqual(['call', 'onStatus', 'subscribe']);
  });

  it('the built core process runs a station behind a parent port: ready, a command, a clean stop', async () => {
    const { dir, cleanup } = tempDir('qsf-bundle-core-');
    try {
      // Electron's process.parentPort, played over stdin/stdout.
      const harness = `
        import { EventEmitter } from 'node:events';
        import { createInterface } from 'node:readline';
        const port = new EventEmitter();
        port.postMessage = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
        process.parentPort = port;
        // As in a utility process, argv[1] may name the entry itself: the kiosk's own command-line start (run.ts,
        // bundled into it) must still not run.
        process.argv[1] = ${JSON.stringify(join(out, 'core-process.js'))};
        createInterface({ input: process.stdin }).on('line', (l) => port.emit('message', { data: JSON.parse(l) }));
        await import(${JSON.stringify(join(out, 'core-process.js'))});
      `;
      const child = spawn(process.execPath, ['--input-type=module', '-e', harness], {
        env: { ...process.env, QSF_STATION_ID: 'ST-SEW-1', QSF_DEPARTMENT: 'sewing', QSF_LINE_ID: 'LN-SEW-1', QSF_DATA_DIR: dir },
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      const messages: { t: string; msg?: { id?: number; ok?: boolean; result?: { station?: { id: string } } } }[] = [];
      const waiters: (() => void)[] = [];
      createInterface({ input: child.stdout }).on('line', (l) => {
        // Only the parent port's messages go to stdout here: anything else (a kiosk's READY line) fails the test.
        messages.push(JSON.parse(l) as (typeof messages)[number]);
        waiters.splice(0).forEach((w) => w());
      });
      const next = async (pred: (m: (typeof messages)[number]) => boolean) => {
        for (;;) {
          const hit = messages.find(pred);
          if (hit) return hit;
          await new Promise<void>((r) => waiters.push(r));
        }
      };
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      await next((m) => m.t === 'ready');
      child.stdin.write(JSON.stringify({ t: 'screen', screen: 'ipc-1', msg: { t: 'call', id: 1, name: 'view.get', params: {} } }) + '\n');
      const reply = await next((m) => m.t === 'reply' && m.msg?.id === 1);
      expect(reply.msg?.ok).toBe(true);
      expect(reply.msg?.result?.station?.id).toBe('ST-SEW-1');
      child.stdin.write(JSON.stringify({ t: 'stop' }) + '\n');
      expect(await exited).toBe(0);
    } finally {
      cleanup();
    }
  }, 60_000);
});

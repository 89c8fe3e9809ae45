import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openPortSink, openPtyPair, parseScript, runScript, type ByteSink, type DeviceKind, type PtyPair } from './simulator';

/**
 * Device simulator for integration tests and commissioning.
 *
 *   npx tsx electron/hardware/simulate-cli.ts --device framed-detector --port /dev/pts/7 --script "pass*3;detect:fe"
 *   npx tsx electron/hardware/simulate-cli.ts --device line-detector --link /tmp/md1 --script @steps.txt --loop
 *
 * --port  writes into an existing port or pty end (e.g. one end of `socat -d -d pty,raw,echo=0 pty,raw,echo=0`).
 * --link  starts its own socat pair: the station opens <link> (a stable symlink), the simulator writes into the other
 *         end; `unplug`/`replug` steps kill and restart socat (the pts number changes, the link does not).
 * Script steps: see `parseScript` in simulator.ts. `@file` reads the script from a file.
 */

const USAGE = `usage: simulate-cli --device line-detector|framed-detector|scanner (--port PATH | --link PATH)
       --script "step;step;..."|@file [--delay ms] [--split-delay ms] [--device-id ID] [--baud N] [--loop]`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      device: { type: 'string' },
      port: { type: 'string' },
      link: { type: 'string' },
      script: { type: 'string', default: 'pass' },
      delay: { type: 'string', default: '50' },
      'split-delay': { type: 'string', default: '2' },
      'device-id': { type: 'string' },
      baud: { type: 'string', default: '9600' },
      loop: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const device = values.device;
  if (values.help || (device !== 'line-detector' && device !== 'framed-detector' && device !== 'scanner')) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  if (!values.port === !values.link) {
    console.error('give exactly one of --port or --link\n' + USAGE);
    return 2;
  }
  const scriptText = values.script.startsWith('@') ? readFileSync(values.script.slice(1), 'utf8') : values.script;
  const steps = parseScript(scriptText);
  const baudRate = Number(values.baud);

  let pair: PtyPair | null = null;
  let sink: ByteSink;
  const link = values.link;
  const startPair = async (): Promise<ByteSink> => {
    if (!link) throw new Error('no link');
    pair = await openPtyPair({ linkA: link });
    console.error(`station side: ${link} -> ${pair.a}; simulator writes to ${pair.b}`);
    return openPortSink(pair.b, { baudRate });
  };
  sink = link ? await startPair() : await openPortSink(values.port ?? '', { baudRate });

  const deviceKind: DeviceKind = device;
  const proxy: ByteSink = { write: (b) => sink.write(b), close: () => sink.close() };
  try {
    do {
      await runScript(steps, {
        device: deviceKind,
        sink: proxy,
        stepDelayMs: Number(values.delay),
        splitDelayMs: Number(values['split-delay']),
        ...(values['device-id'] ? { deviceId: values['device-id'] } : {}),
        onStep: (step, bytes) => console.error(`${step.op}${'event' in step ? ' ' + step.event.kind : ''} ${bytes.length} bytes`),
        ...(link
          ? {
              unplug: async () => {
                await sink.close();
                await (pair as PtyPair | null)?.close();
                console.error('unplugged');
              },
              replug: async () => {
                sink = await startPair();
                console.error('replugged');
              },
            }
          : {}),
      });
    } while (values.loop);
  } finally {
    await sink.close();
    await (pair as PtyPair | null)?.close();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);

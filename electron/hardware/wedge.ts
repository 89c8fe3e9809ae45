import { z } from 'zod';

/**
 * Keyboard-wedge scanners type into whatever has focus. This tells a scan burst (keys arriving faster than a person
 * types, ending in Enter/Tab) from human typing. Pure and DOM-free so the renderer can import it: feed it
 * `{ key, timeMs }` from keydown events (hold the keys back), and call `flush(now)` from a timer so a person's
 * keys are released once it is clear they are not a scan.
 *
 * Deliberately self-contained (no import from the serial scanner driver), so the renderer bundle pulls in nothing
 * from the Node side.
 */

export const WedgeConfigSchema = z.object({
  /** Longest gap between two keys of one scan. Scanners send a key every 1–15 ms; people rarely under 50 ms. */
  maxInterKeyMs: z.number().positive().max(1000).default(35),
  /** Shortest scan; shorter fast bursts (a key-repeat, a rolled pair of keys) are typing. */
  minLength: z.number().int().min(1).max(1000).default(4),
  /** `KeyboardEvent.key` values that end a scan. */
  terminators: z.array(z.string().min(1)).min(1).default(['Enter', 'Tab']),
  /** Keys a scanner may be configured to send for GS (0x1D); they become GS in the data. */
  groupSeparatorKeys: z.array(z.string().min(1)).default([]),
  /** Longest scan kept; a longer burst is released as typing rather than grown without bound. */
  maxLength: z.number().int().min(8).max(8192).default(1024),
});
export type WedgeConfig = z.infer<typeof WedgeConfigSchema>;
export type WedgeConfigInput = z.input<typeof WedgeConfigSchema>;

export interface KeyInput {
  key: string;
  timeMs: number;
}

export type WedgeOutput =
  /** A scan: the held keys are consumed; AIM identifier split off when present. */
  | { kind: 'scan'; symbology: string | null; data: string }
  /** Held keys turned out to be a person typing: insert this text where it was typed. */
  | { kind: 'typing'; text: string }
  /** A non-character key (Backspace, arrows, a person's Enter) to pass through after any released text. */
  | { kind: 'key'; key: string };

export interface WedgeDetector {
  /** Returns what became clear with this key; an empty array means the key is being held. */
  push(input: KeyInput): WedgeOutput[];
  /** Releases held keys as typing when the burst has gone quiet for longer than `maxInterKeyMs`. */
  flush(nowMs: number): WedgeOutput[];
  /** Keys currently held. */
  readonly pending: string;
}

// Modifier keys are pressed by the scanner itself for upper-case letters; they neither count nor break a burst.
const IGNORED = new Set(['Shift', 'CapsLock', 'Alt', 'AltGraph', 'Control', 'Meta']);
const AIM = /^\][A-Za-z][0-9A-Za-z]/;

export function createWedgeDetector(input: WedgeConfigInput = {}): WedgeDetector {
  const config = WedgeConfigSchema.parse(input);
  const terminators = new Set(config.terminators);
  const gsKeys = new Set(config.groupSeparatorKeys);
  let held = '';
  // Invariant: every gap inside `held` is within the limit, because a slow gap releases what was held.
  let lastMs = 0;

  const release = (): WedgeOutput[] => {
    const text = held;
    held = '';
    return text ? [{ kind: 'typing', text }] : [];
  };

  return {
    get pending() {
      return held;
    },
    flush(nowMs) {
      if (held && nowMs - lastMs > config.maxInterKeyMs) return release();
      return [];
    },
    push({ key, timeMs }) {
      if (IGNORED.has(key)) return [];
      const gapOk = held === '' || timeMs - lastMs <= config.maxInterKeyMs;
      if (terminators.has(key)) {
        if (held.length >= config.minLength && gapOk) {
          const text = held;
          held = '';
          const aim = text.length >= 3 && AIM.test(text);
          const data = aim ? text.slice(3) : text;
          if (data.length > 0) return [{ kind: 'scan', symbology: aim ? text.slice(0, 3) : null, data }];
          held = text;
        }
        return [...release(), { kind: 'key', key }];
      }
      const ch = gsKeys.has(key) ? '\x1d' : key;
      if ([...ch].length !== 1) return [...release(), { kind: 'key', key }];
      const out: WedgeOutput[] = [];
      // A slow gap ends whatever was held as typing; this key may still start a scan.
      if (!gapOk || held.length >= config.maxLength) out.push(...release());
      held += ch;
      lastMs = timeMs;
      return out;
    },
  };
}

/**
 * Requests the station sends to a framed detector (station -> device), the one direction `framed-detector.ts` does
 * not read. Framed like the device's own messages, with the same checksum:
 *
 *   request  := STX(0x02) 'REQ|' deviceId '|' command ETX(0x03) checksum
 *   checksum := XOR of the payload bytes, 2 upper-case hex characters
 *   command  := VER   enter test mode for a verification run: the detector then reports each certified test piece
 *                     run through it as a VER message
 *
 * Example: <STX>REQ|MD01|VER<ETX>0F
 *
 * Line detectors take no requests: a run started at the station waits for the pieces run through by hand.
 * `HostRequestReader` is the device's side (the simulator answers with it).
 */
import { ETX, STX, xorChecksum } from './framed-detector';

export type HostCommand = 'VER';

export interface HostRequest {
  deviceId: string;
  command: HostCommand;
}

const COMMANDS: readonly HostCommand[] = ['VER'];
const isCommand = (s: string | undefined): s is HostCommand => COMMANDS.some((c) => c === s);
const PAYLOAD = /^REQ\|([A-Za-z0-9_-]{1,32})\|([A-Z]{3})$/;
/** `REQ|` + a 32-character id + `|` + a command, with room to spare. */
const MAX_PAYLOAD = 64;

const hex2 = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');

export function encodeHostRequest(r: HostRequest): Uint8Array {
  const payload = Buffer.from(`REQ|${r.deviceId}|${r.command}`, 'latin1');
  return Buffer.concat([Buffer.of(STX), payload, Buffer.of(ETX), Buffer.from(hex2(xorChecksum(payload)), 'latin1')]);
}

/** Reads requests out of the bytes a station wrote, however split; bytes outside a frame are skipped. */
export class HostRequestReader {
  /** Frames dropped: checksum wrong, payload unknown or too long. */
  errors = 0;
  private payload: number[] | null = null;
  private check: number[] | null = null;

  push(chunk: Uint8Array): HostRequest[] {
    const out: HostRequest[] = [];
    for (const b of chunk) {
      if (this.check) {
        this.check.push(b);
        if (this.check.length === 2) this.complete(out);
      } else if (this.payload) {
        if (b === ETX) this.check = [];
        else if (this.payload.length >= MAX_PAYLOAD) this.drop();
        else this.payload.push(b);
      } else if (b === STX) {
        this.payload = [];
      }
    }
    return out;
  }

  private complete(out: HostRequest[]): void {
    const payload = Uint8Array.from(this.payload ?? []);
    const sent = String.fromCharCode(...(this.check ?? [])).toUpperCase();
    this.payload = null;
    this.check = null;
    const m = PAYLOAD.exec(Buffer.from(payload).toString('latin1'));
    const deviceId = m?.[1];
    const command = m?.[2];
    if (sent !== hex2(xorChecksum(payload)) || !deviceId || !isCommand(command)) {
      this.errors++;
      return;
    }
    out.push({ deviceId, command });
  }

  private drop(): void {
    this.errors++;
    this.payload = null;
  }
}

/**
 * The station's Ed25519 key pair, kept in its data directory: it signs transfer slips so a receiver can accept
 * offline. Written atomically (temp file + rename) so a power cut never leaves half a key.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  exportPrivateKeyPkcs8,
  exportPublicKeyRaw,
  generateStationKeyPair,
  importPrivateKeyPkcs8,
  importPublicKeyRaw,
} from '../../shared/barcode';

const KeyFile = z.object({ publicKey: z.string().min(1), privateKey: z.string().min(1) });

export interface StationKeys {
  publicKeyRaw: string;
  publicKey: CryptoKey;
  privateKey: CryptoKey;
}

export async function loadOrCreateStationKeys(dataDir: string): Promise<StationKeys> {
  const file = join(dataDir, 'station-key.json');
  if (existsSync(file)) {
    const parsed = KeyFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`station key file ${file} is damaged`);
    return {
      publicKeyRaw: parsed.data.publicKey,
      publicKey: await importPublicKeyRaw(parsed.data.publicKey),
      privateKey: await importPrivateKeyPkcs8(parsed.data.privateKey),
    };
  }
  const pair = await generateStationKeyPair();
  const publicKeyRaw = await exportPublicKeyRaw(pair.publicKey);
  const privateKey = await exportPrivateKeyPkcs8(pair.privateKey);
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify({ publicKey: publicKeyRaw, privateKey }), { mode: 0o600 });
  renameSync(tmp, file);
  return { publicKeyRaw, publicKey: pair.publicKey, privateKey: await importPrivateKeyPkcs8(privateKey) };
}

/**
 * The station's Ed25519 key pair, kept in its data directory: it signs transfer slips so a receiver can accept
 * offline. Written atomically (temp file, fsync, rename) so a power cut never leaves half a key, and 0600: whoever reads
 * the private key can sign slips as this station. An older key file (0644) is made private when loaded.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { makePrivateFile, writePrivateFileAtomic } from '../../shared/node/private-files';
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
    makePrivateFile(file);
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
  writePrivateFileAtomic(file, JSON.stringify({ publicKey: publicKeyRaw, privateKey }));
  return { publicKeyRaw, publicKey: pair.publicKey, privateKey: await importPrivateKeyPkcs8(privateKey) };
}

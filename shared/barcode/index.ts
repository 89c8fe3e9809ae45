/** Barcode codecs: what gets scanned on the floor and how it is printed. See each module for its format. */
export * from './errors';
export * from './fields';
export * from './badge';
export * from './spk';
export * from './transfer-slip';
export * from './gs1';
export * from './classify';
export { toBase64url, fromBase64url } from './base64url';

/** Imported first by main.tsx (and by nothing else): starts the first reads as the bundle begins to run (early-reads.ts). */
import { startEarlyReads } from './early-reads';

startEarlyReads(location.hash);

/**
 * What the station core says, in the operator's language, when a command fails for a reason of the station itself
 * rather than a floor rule (those are REFUSAL_TEXT, refusals.ts): carton numbers, a full disk. One entry per code in
 * STATION_MESSAGE_CODES, both languages (checked by the compiler and by station.test.ts).
 */
import type { Bilingual } from '../api';

export const STATION_MESSAGE_CODES = ['sscc_no_lease', 'sscc_not_packing', 'sscc_book_damaged', 'disk_full'] as const;
export type StationMessageCode = (typeof STATION_MESSAGE_CODES)[number];

export const STATION_TEXT: Record<StationMessageCode, Bilingual> = {
  sscc_no_lease: {
    en: 'No carton numbers left on this station. Connect it to the network: it gets a new block from the server by itself.',
    id: 'Nomor karton di stasiun ini habis. Sambungkan ke jaringan: stasiun mengambil blok baru dari server dengan sendirinya.',
  },
  sscc_not_packing: {
    en: 'Only packing stations number cartons.',
    id: 'Hanya stasiun pengemasan yang memberi nomor karton.',
  },
  disk_full: {
    en: "This station's disk is full: nothing was recorded. What you recorded before is safe. Call IT to free space, then try again.",
    id: 'Disk stasiun ini penuh: tidak ada yang dicatat. Yang sudah Anda catat sebelumnya aman. Hubungi TI untuk mengosongkan ruang, lalu coba lagi.',
  },
  sscc_book_damaged: {
    en: 'The carton number file on this station is damaged: no carton is numbered until IT checks it.',
    id: 'Berkas nomor karton di stasiun ini rusak: tidak ada karton yang diberi nomor sampai TI memeriksanya.',
  },
};

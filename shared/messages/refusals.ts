/**
 * What each refusal means, in the operator's language (Bahasa Indonesia and English). One entry per refusal code:
 * a code added to REFUSAL_CODES without its text here does not compile. The rule's own message (English, with the
 * numbers) stays the detail; this is the sentence the operator reads first.
 */
import type { Bilingual } from '../api';
import type { RefusalCode } from '../refusal';

export type Lang = keyof Bilingual;

export const REFUSAL_TEXT: Record<RefusalCode, Bilingual> = {
  unknown_station: { en: 'This station is not known to the floor.', id: 'Stasiun ini tidak dikenal.' },
  unknown_operator: { en: 'This operator is not on the roster.', id: 'Operator ini tidak ada di daftar.' },
  not_logged_in: { en: 'Log in with your badge and PIN first.', id: 'Masuk dulu dengan badge dan PIN Anda.' },
  not_authorised: { en: 'You are not allowed to do this here.', id: 'Anda tidak berwenang melakukan ini di sini.' },
  not_supervisor: { en: 'A supervisor of this department must sign.', id: 'Harus ditandatangani supervisor departemen ini.' },
  unknown_work_order: { en: 'This SPK is not known at this station.', id: 'SPK ini tidak dikenal di stasiun ini.' },
  wrong_department: { en: 'This SPK belongs to another department.', id: 'SPK ini milik departemen lain.' },
  wrong_line: { en: 'This belongs to another line.', id: 'Ini milik lini lain.' },
  work_order_closed: { en: 'This SPK is closed.', id: 'SPK ini sudah ditutup.' },
  article_mismatch: { en: 'The article does not match the line.', id: 'Artikel tidak sesuai dengan lini.' },
  destination_mismatch: { en: 'The destination does not match the order.', id: 'Tujuan tidak sesuai dengan pesanan.' },
  exceeds_planned: { en: 'More than the SPK plans.', id: 'Melebihi rencana SPK.' },
  parts_count_mismatch: { en: 'The parts counted do not make that many complete sets.', id: 'Bagian yang dihitung tidak menjadi set lengkap sebanyak itu.' },
  unknown_part: { en: 'This part is not on the bill of cut parts.', id: 'Bagian ini tidak ada di daftar potong (BOM).' },
  exceeds_available: { en: 'More pieces than are here.', id: 'Melebihi jumlah potong yang ada.' },
  wrong_stage: { en: 'The previous stage has not produced these pieces yet.', id: 'Tahap sebelumnya belum menghasilkan potongan ini.' },
  defect_reason_required: { en: 'Give the defect reason.', id: 'Isi alasan cacat.' },
  not_next_on_route: { en: 'That is not the next place on this order’s route.', id: 'Itu bukan tujuan berikutnya di rute pesanan ini.' },
  wrong_work_order: { en: 'This is for another SPK.', id: 'Ini untuk SPK lain.' },
  unknown_transfer: { en: 'This transfer is not known here.', id: 'Serah terima ini tidak dikenal di sini.' },
  transfer_already_locked: { en: 'This transfer is already locked.', id: 'Serah terima ini sudah dikunci.' },
  transfer_already_accepted: { en: 'This transfer was already accepted.', id: 'Serah terima ini sudah diterima.' },
  count_mismatch: { en: 'The count does not match the slip: record a discrepancy.', id: 'Jumlah tidak sesuai slip: catat selisih.' },
  count_exceeds_sent: { en: 'The count is more than was sent.', id: 'Jumlah melebihi yang dikirim.' },
  slip_signer_not_sender: { en: 'The slip was not signed by the sending department.', id: 'Slip tidak ditandatangani departemen pengirim.' },
  unknown_conflict: { en: 'This conflict is not known here.', id: 'Konflik ini tidak dikenal di sini.' },
  conflict_not_open: { en: 'This conflict is already settled.', id: 'Konflik ini sudah diselesaikan.' },
  slip_mismatch: { en: 'The slip cannot be trusted.', id: 'Slip tidak dapat dipercaya.' },
  line_halted: { en: 'The line is halted: nothing is recorded until a supervisor releases it.', id: 'Lini dihentikan: tidak ada yang dicatat sampai supervisor melepasnya.' },
  line_not_halted: { en: 'The line is not halted.', id: 'Lini tidak sedang dihentikan.' },
  already_halted: { en: 'The line is already halted.', id: 'Lini sudah dihentikan.' },
  halt_mismatch: { en: 'That is not the current halt.', id: 'Itu bukan penghentian yang sedang berlaku.' },
  line_not_cleared: { en: 'Clear the line first (line clearance checklist).', id: 'Bersihkan lini dulu (daftar periksa pembersihan lini).' },
  wrong_step: { en: 'Not the right step for this.', id: 'Bukan langkah yang tepat untuk ini.' },
  checklist_incomplete: { en: 'Tick every item of the checklist.', id: 'Centang semua butir daftar periksa.' },
  verification_inconsistent: { en: 'The verification result does not match its test pieces.', id: 'Hasil verifikasi tidak sesuai dengan potongan uji.' },
  verification_incomplete: { en: 'The verification skipped a required test metal.', id: 'Verifikasi melewatkan logam uji yang wajib.' },
  unknown_hold: { en: 'This hold is not known here.', id: 'Penahanan ini tidak dikenal di sini.' },
  hold_not_open: { en: 'This hold is already released.', id: 'Penahanan ini sudah dilepas.' },
  hold_results_mismatch: { en: 'Passed + rejected must equal the pieces on hold.', id: 'Lolos + ditolak harus sama dengan potongan yang ditahan.' },
  duplicate_carton: { en: 'This carton was already packed.', id: 'Karton ini sudah dikemas.' },
  unknown_carton: { en: 'This carton is not known.', id: 'Karton ini tidak dikenal.' },
  not_ready: { en: 'Not ready yet.', id: 'Belum siap.' },
  unknown_alert: { en: 'This alert is not known here.', id: 'Peringatan ini tidak dikenal di sini.' },
  alert_closed: { en: 'This alert is already closed.', id: 'Peringatan ini sudah ditutup.' },
  labour_running: { en: 'Your time on this SPK is already running.', id: 'Waktu kerja Anda pada SPK ini sudah berjalan.' },
  labour_not_running: { en: 'Your time on this SPK is not running: start it first.', id: 'Waktu kerja Anda pada SPK ini tidak berjalan: mulai dulu.' },
  alert_out_of_order: { en: 'This alert is already past that step.', id: 'Peringatan ini sudah melewati langkah itu.' },
  alert_cause_active: { en: 'The cause is still there: this alert closes when the line is released.', id: 'Penyebabnya masih ada: peringatan ini tertutup saat lini dilepas.' },
  not_supervisor_or_qc: { en: 'A supervisor or QC inspector of this department must sign.', id: 'Harus ditandatangani supervisor atau inspektur QC departemen ini.' },
  pieces_upstream: {
    en: 'Pieces of this order are still in other departments or in transit: wait for them, or a supervisor closes the order short.',
    id: 'Masih ada potongan pesanan ini di departemen lain atau dalam pengiriman: tunggu, atau supervisor menutup pesanan dengan kekurangan.',
  },
  invalid_event: { en: 'The server could not read this record (newer version?).', id: 'Server tidak dapat membaca catatan ini (versi lebih baru?).' },
  seq_conflict: {
    en: 'Another record of this station already holds this number on the server (a restored station?): kept for a supervisor to review, not counted.',
    id: 'Catatan lain dari stasiun ini sudah memakai nomor ini di server (stasiun dipulihkan?): disimpan untuk ditinjau supervisor, tidak dihitung.',
  },
  hlc_node_mismatch: { en: 'This record carries another station’s clock: it was not counted.', id: 'Catatan ini membawa jam stasiun lain: tidak dihitung.' },
  clock_ahead: { en: 'This station’s clock is ahead of the server: the record counts at the server’s time. Set the clock.', id: 'Jam stasiun ini lebih cepat dari server: catatan dihitung dengan waktu server. Atur jamnya.' },
  clock_before_enrollment: { en: 'This record is dated before the station was enrolled: check the station’s clock.', id: 'Catatan ini bertanggal sebelum stasiun didaftarkan: periksa jam stasiun.' },
};

/** The refusal's sentence in `lang`, or undefined for a code this version does not know (a newer server's). */
export function refusalText(code: string, lang: Lang): string | undefined {
  return Object.hasOwn(REFUSAL_TEXT, code) ? REFUSAL_TEXT[code as RefusalCode][lang] : undefined;
}

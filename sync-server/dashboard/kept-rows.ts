/**
 * A view's rows kept from one computation to the next while what each was built from is the same: a row is rebuilt
 * only when its source's signature (the raw column values, as the database returned them) changed. On a busy floor a
 * quarter-second's pushes change a quarter of the 200 stations' rows; the rest come back as the very objects of the
 * last computation, which view-revisions.ts then skips without serialising them again (and nothing new is made of
 * them: less garbage on the event loop that acknowledges the stations' pushes).
 */
export class KeptRows<Source, Row> {
  private last = new Map<string, { signature: string; row: Row }>();

  constructor(
    private readonly keyOf: (s: Source) => string,
    private readonly signatureOf: (s: Source) => string,
    private readonly build: (s: Source) => Row,
  ) {}

  /** The rows for `sources`, in their order: the last computation's row where its source's signature is the same. */
  rows(sources: readonly Source[]): Row[] {
    const next = new Map<string, { signature: string; row: Row }>();
    const out = sources.map((s) => {
      const key = this.keyOf(s);
      const signature = this.signatureOf(s);
      const had = this.last.get(key);
      const row = had && had.signature === signature ? had.row : this.build(s);
      next.set(key, { signature, row });
      return row;
    });
    // Rows whose source is gone are forgotten.
    this.last = next;
    return out;
  }
}

/**
 * A signature of raw column values: their JSON (one native call; null and the text 'null', a number and its text, and
 * any split of texts stay apart).
 */
export const signature = (values: readonly (string | number | boolean | null | undefined)[]): string => JSON.stringify(values);

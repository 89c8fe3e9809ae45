/** A push request refused as a whole (nothing of it stored): the route answers with `status` and `code`. */
export class PushError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

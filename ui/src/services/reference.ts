// Idempotency references for money-moving requests. The core stores (kind, reference) with a hash
// of the request: the same reference with the same request returns the first answer, so the UI
// keeps one reference per submission across retries and takes a new one only after a success.

/** A fresh reference, `ui-<uuid>`. */
export function newReference(): string {
  return `ui-${crypto.randomUUID()}`;
}

/** A job id for a long command that can be cancelled (`job_cancel`). */
export function newJobId(): string {
  return `job-${crypto.randomUUID()}`;
}

/**
 * The reference of the submission in progress. A retry of the same request (double click, retry
 * after a timeout or a refusal) reuses it, so the core answers with the first result instead of
 * moving money twice. A changed request is a new submission and gets a new reference (reusing
 * the old one would be refused as `conflict`), and so does the next request after a success.
 */
export class SubmissionReference {
  private body: string | null = null;
  private reference: string | null = null;
  private pinned: unknown = undefined;

  /** The reference for this request (everything but the reference itself). */
  for(request: unknown): string {
    const body = JSON.stringify(request);
    if (this.reference === null || body !== this.body) {
      this.reference = newReference();
      this.body = body;
      this.pinned = undefined;
    }
    return this.reference;
  }

  /**
   * A value measured at the first attempt of this submission and sent again unchanged on retries
   * (the checkout time: a retry with a different one would be refused as `conflict`). Call after
   * `for`.
   */
  pin<T>(measure: () => T): T {
    if (this.pinned === undefined) this.pinned = measure();
    return this.pinned as T;
  }

  /** The submission went through: the next one is new. */
  succeeded(): void {
    this.reference = null;
    this.body = null;
    this.pinned = undefined;
  }
}

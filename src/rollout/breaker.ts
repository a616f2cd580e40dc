/** Stops a run after too many failed model calls in a row: a dead server should not fill a file with errors. */
export class ErrorBreaker {
  private consecutive = 0;
  /** Why it tripped, once it has. */
  tripped: string | undefined;

  /** `limit` 0 never trips; `controller` is aborted when it does. */
  constructor(
    private readonly limit: number,
    private readonly controller: AbortController,
  ) {}

  /** A call succeeded. */
  ok(): void {
    this.consecutive = 0;
  }

  /** A call failed for good; true when this failure trips the breaker (the run is aborted). */
  fail(message: string): boolean {
    this.consecutive++;
    if (this.limit > 0 && this.consecutive >= this.limit && !this.tripped) {
      this.tripped = `${this.consecutive} model calls in a row failed (last: ${message})`;
      this.controller.abort();
      return true;
    }
    return false;
  }
}

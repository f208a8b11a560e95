/** Port through which callback events leave the service. */
export interface CallbackResponse {
  statusCode: number;
  /** The first bytes of the response body, for the delivery log. */
  bodyExcerpt: string;
}

export interface CallbackSender {
  /**
   * Returns why callbacks may never reach `hostname` when that is already clear without
   * DNS (an IP literal outside the allowed ranges), else undefined.
   */
  refusedHostReason?(hostname: string): string | undefined;

  /** POSTs `body` to `url`; rejects on a refused address, a network error or the timeout. */
  post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<CallbackResponse>;
}

import { Webhook } from 'standardwebhooks';

/**
 * Signs request bodies by the Standard Webhooks spec (https://www.standardwebhooks.com/) with one
 * or more secrets. Several secrets exist during a rotation: each adds a `v1,<base64>` signature to
 * the space-separated `webhook-signature` header, so receivers on the old and on the new secret
 * both verify the request.
 */
export class StandardWebhookSigner {
  private readonly signers: Webhook[];

  constructor(secrets: readonly string[]) {
    this.signers = secrets.map((s) => new Webhook(s));
  }

  get signs(): boolean {
    return this.signers.length > 0;
  }

  /**
   * The `webhook-*` headers for one request. `id` must be the same on every retry of a message (it
   * is what receivers deduplicate on); `at` is the send time, which receivers check for freshness.
   */
  headers(id: string, at: Date, body: string): Record<string, string> {
    const headers: Record<string, string> = {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    };
    if (this.signers.length) headers['webhook-signature'] = this.signers.map((s) => s.sign(id, at, body)).join(' ');
    return headers;
  }
}

import type { Sink } from '@callrelay/core';
import { WebhookReceiver } from './receiver.js';
import type { SinkContractHarness } from './sink-contract.js';

/** What {@link receiverSinkHarness} needs: how to create the sink for a URL, and optionally the rest of a harness. */
export interface ReceiverSinkHarnessOptions extends Pick<SinkContractHarness, 'unsupported' | 'event'> {
  /**
   * A new sink instance that delivers to `url`, the receiver's base URL (`http://127.0.0.1:<port>`,
   * any path below it is accepted): `(url) => sink.create(sink.config.parse({ url: `${url}/hook` }), testContext())`.
   */
  create(url: string): Sink | Promise<Sink>;
  /** The receiver to deliver to (e.g. one answering 202); default a new {@link WebhookReceiver}. */
  receiver?: WebhookReceiver;
}

/**
 * A {@link SinkContractHarness} for an HTTP sink, wired to a {@link WebhookReceiver}: the receiver
 * starts when the first sink is created, answers as each case sets it, counts what it accepted
 * (`received`) and stops after the suite. `receiver` is returned too, to look at the requests.
 *
 * @example
 * ```ts
 * runSinkContract('acme-post', receiverSinkHarness({
 *   create: (url) => post.create(post.config.parse({ url: `${url}/hook` }), testContext({ id: 'acme-post' })),
 * }));
 * ```
 */
export function receiverSinkHarness(options: ReceiverSinkHarnessOptions): SinkContractHarness & { receiver: WebhookReceiver } {
  const receiver = options.receiver ?? new WebhookReceiver();
  return {
    receiver,
    create: async () => options.create(await receiver.start()),
    setBehaviour: (behaviour) => receiver.behave(behaviour),
    received: () => receiver.accepted.length,
    cleanup: () => receiver.stop(),
    ...(options.unsupported ? { unsupported: options.unsupported } : {}),
    ...(options.event ? { event: options.event } : {}),
  };
}

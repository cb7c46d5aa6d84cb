import { secret, z, type StoreContext } from '@callrelay/core';

/** The `store:` section for `type: nats` (the loader adds `type`). */
export const natsConfig = z.object({
  servers: z.array(z.string().min(1)).min(1).default(['nats://127.0.0.1:4222'])
    .meta({ description: 'NATS servers to connect to (any members of the cluster; the client learns the rest).', examples: [['nats://nats-1:4222', 'nats://nats-2:4222', 'nats://nats-3:4222']] }),
  prefix: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only').default('callrelay')
    .meta({ description: 'Prefix of every stream, subject and bucket of this deployment. Nodes that share a prefix share the work; another prefix is another deployment.', examples: ['callrelay', 'callrelay-staging'] }),
  replicas: z.number().int().min(1).max(5).default(1)
    .meta({ description: 'Replicas of each stream and bucket (3 on a 3-node cluster survives the loss of one server). Applied when the streams are created or updated at start.' }),
  duplicateWindowMs: z.number().int().min(100).default(120_000)
    .meta({ description: 'How long NATS remembers message ids: enqueuing the same delivery or timer within this window is a no-op. Events are recognised as duplicates for their whole retention regardless (see maxAgeMs).' }),
  maxAgeMs: z.number().int().min(60_000).default(30 * 86_400_000)
    .meta({ description: 'How long events stay in the event log, and how long a platform retry of an event is recognised as a duplicate.' }),
  ackWaitMs: z.number().int().min(500).default(10_000)
    .meta({ description: 'How long work leased by a node that disappeared (crash, network loss) waits before another node takes it. Live nodes keep longer leases alive with progress signals.' }),
  user: z.string().optional().meta({ description: 'User name, with `pass`.' }),
  pass: secret(z.string()).optional().meta({ description: 'Password for `user`.' }),
  token: secret(z.string()).optional().meta({ description: 'Authentication token (instead of user/pass).' }),
  connectTimeoutMs: z.number().int().min(100).default(5_000)
    .meta({ description: 'How long the first connection may take at start (then start fails).' }),
  requestTimeoutMs: z.number().int().min(100).default(5_000)
    .meta({ description: 'How long a write (and so a webhook) waits for NATS to confirm before answering 503.' }),
});

export type NatsConfig = z.output<typeof natsConfig>;

/** What {@link NatsStore.open} takes: the config, every key optional, plus a logger. */
export type NatsStoreOptions = Partial<NatsConfig> & {
  /** Connection events (disconnected, reconnected) are logged here. */
  logger?: Pick<StoreContext['logger'], 'info' | 'warn' | 'error'>;
  /** The connection name shown by `nats server report connections`. */
  name?: string;
};

/** Options with every default filled in. */
export type ResolvedNatsOptions = NatsConfig & Pick<NatsStoreOptions, 'logger' | 'name'>;

export function resolveOptions(options: NatsStoreOptions): ResolvedNatsOptions {
  const { logger, name, ...config } = options;
  return { ...natsConfig.parse(config), logger, name };
}

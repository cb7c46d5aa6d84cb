import { defineTransform, errorMessage, secret, z, type CallEvent, type ConnectorContext, type Party, type Transform } from '@callrelay/core';
import { HubSpotClient, type HubSpotObject } from './hubspot-client.js';
import { contactLookup, numberKey, phoneForms } from './contact-matching.js';
import { firstMatches } from './search-lookup.js';

/** The `hubspot-contact` transform's config keys. */
export const hubspotContactConfig = z.object({
  accessToken: secret(z.string().min(1)).meta({
    description: 'Private app access token (`pat-...`) with scope `crm.objects.contacts.read`.',
    examples: ['${HUBSPOT_ACCESS_TOKEN}'],
  }),
  baseUrl: z.url({ protocol: /^https?$/ }).default('https://api.hubapi.com').meta({
    description: 'HubSpot API base URL: change it for a proxy or a local emulator.',
    examples: ['http://127.0.0.1:3200'],
  }),
  portalId: z.string().regex(/^\d+$/, 'the HubSpot account id (digits)').optional().meta({
    description: 'Your HubSpot account (portal, hub) id: with it, `caller.contactUrl` links to the contact in HubSpot. Unset: the name without a link.',
    examples: ['12345678'],
  }),
  appUrl: z.url({ protocol: /^https$/ }).default('https://app.hubspot.com').meta({
    description: 'HubSpot web app base of the contact links (`app-eu1.hubspot.com` for EU accounts).',
    examples: ['https://app-eu1.hubspot.com'],
  }),
  timeoutMs: z.number().int().min(50).max(10_000).default(1500).meta({
    description: 'The longest a lookup may hold an event (and so its routing batch: the lookups of a batch run side by side). Past it, the event goes on without the name; a late answer is still cached for the next call.',
  }),
  cacheSeconds: z.number().int().min(0).max(7 * 86_400).default(3600).meta({
    description: 'How long a contact found is remembered per number (in the store, shared by nodes). 0: not cached.',
  }),
  missCacheSeconds: z.number().int().min(0).max(86_400).default(600).meta({
    description: 'How long "no contact has this number" is remembered. 0: not cached.',
  }),
});
export type HubSpotContactConfig = z.output<typeof hubspotContactConfig>;

/** What is cached per number: the contact, or null for none. */
interface CachedContact {
  contact: { id: string; name: string } | null;
}

const ACTION = 'looking up the caller in HubSpot';

/**
 * Names the customer of a call from HubSpot: searches the contacts whose `phone` or `mobilephone`
 * holds the number (E.164 and as the platform sent it; the oldest contact wins, as the sink's
 * association does) and sets `caller.name`, `caller.contactId`, `caller.contactUrl`. Results (and
 * misses) are cached in the store. It never fails or holds the event: HubSpot down, slow (beyond
 * `timeoutMs`) or refusing the token, the event goes on without a name and a warning is logged.
 */
export class HubSpotContactEnricher implements Transform {
  private readonly client: HubSpotClient;
  /** Lookups in flight per number: a batch with three calls from one number asks HubSpot once. */
  private readonly inFlight = new Map<string, Promise<CachedContact>>();

  constructor(private readonly config: HubSpotContactConfig, private readonly context: ConnectorContext) {
    this.client = new HubSpotClient(config.baseUrl, config.accessToken, context.http);
  }

  async apply(event: CallEvent): Promise<CallEvent> {
    const party = customerOf(event);
    if (!party || phoneForms(party).length === 0) return event;
    const key = numberKey(party);
    try {
      const cached = await this.context.state.get<CachedContact>(`contact/${key}`);
      const found = cached?.value ?? (await this.withinTimeout(this.lookup(key, party)));
      if (found?.contact) {
        event.caller = {
          ...event.caller,
          name: found.contact.name,
          contactId: found.contact.id,
          ...(this.config.portalId ? { contactUrl: `${this.config.appUrl.replace(/\/+$/, '')}/contacts/${this.config.portalId}/record/0-1/${encodeURIComponent(found.contact.id)}` } : {}),
          contactSource: 'hubspot',
        };
      }
    } catch (err) {
      this.context.logger.warn({ err: errorMessage(err), event: event.id }, `${ACTION}: failed; the event goes on without the contact`);
    }
    return event;
  }

  /** The lookup's answer, or undefined when it did not come within `timeoutMs` (it goes on, and caches what it finds). */
  private async withinTimeout<T>(work: Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), this.config.timeoutMs); });
    try {
      const result = await Promise.race([work, timeout]);
      if (result === undefined) this.context.logger.warn({ timeoutMs: this.config.timeoutMs }, `${ACTION}: no answer within timeoutMs; the event goes on without the contact`);
      return result;
    } finally {
      clearTimeout(timer);
    }
  }

  private lookup(key: string, party: Party): Promise<CachedContact> {
    const running = this.inFlight.get(key);
    if (running) return running;
    const lookup = this.search(key, party).finally(() => this.inFlight.delete(key));
    // A lookup that outlives its timeout still ends (and caches); its failure is logged by apply, or here when no one waits.
    lookup.catch(() => undefined);
    this.inFlight.set(key, lookup);
    return lookup;
  }

  private async search(key: string, party: Party): Promise<CachedContact> {
    // The request itself is bounded too, so a hanging HubSpot does not hold sockets for ever.
    const signal = AbortSignal.timeout(Math.max(this.config.timeoutMs * 4, 5000));
    const found = (await firstMatches(this.client, 'contacts', [party], contactLookup, signal, ACTION)).get(party);
    const value: CachedContact = { contact: found ? { id: found.id, name: contactName(found) ?? party.e164 ?? party.raw } : null };
    const ttlSeconds = found ? this.config.cacheSeconds : this.config.missCacheSeconds;
    if (ttlSeconds > 0) {
      await this.context.state.put(`contact/${key}`, value, undefined, { ttlMs: ttlSeconds * 1000 }).catch((err: unknown) => {
        this.context.logger.debug({ err: errorMessage(err) }, `${ACTION}: could not cache the result`);
      });
    }
    return value;
  }
}

/** The customer: the caller of an inbound call, the called party of an outbound one. */
function customerOf(event: CallEvent): Party | undefined {
  return event.direction === 'outbound' ? event.to : event.from;
}

function contactName(contact: HubSpotObject): string | undefined {
  const name = [contact.properties.firstname, contact.properties.lastname].filter((p) => typeof p === 'string' && p.trim() !== '').join(' ').trim();
  return name === '' ? undefined : name;
}

/** The `hubspot-contact` transform: names the caller from HubSpot contacts (docs/enrichment.md). */
export const hubspotContact = defineTransform({
  type: 'hubspot-contact',
  description: 'Looks the customer\'s number up in HubSpot contacts and sets caller.name, caller.contactId and caller.contactUrl; cached, bounded by a timeout, never fails the event.',
  config: hubspotContactConfig,
  example: { type: 'hubspot-contact', accessToken: '${HUBSPOT_ACCESS_TOKEN}', portalId: '12345678', timeoutMs: 1500 },
  create: (config, context) => new HubSpotContactEnricher(config, context),
});

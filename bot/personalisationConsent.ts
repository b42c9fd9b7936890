import type { TurnContext } from 'botbuilder';
import type { CustomerRecord } from '../crm';
import { PERSONALISATION_PURPOSE, personalisationAllowed, type ProfileStore } from '../crm/identity';
import type { AuditLog } from '../crm/privacy';
import type { PersonalisationConsentPort } from '../dialogs';
import { CUSTOMER_KEY } from './timelineMiddleware';

/**
 * The customer's consent to personalisation from chat: the customer is the one the timeline middleware
 * resolved for this turn; a decision is written to their profile's consent (with its history) and to
 * the audit log (actor the customer, source chat) in one transaction, so it holds from the next message on.
 */
export class ProfileConsent implements PersonalisationConsentPort {
  constructor(
    private readonly profiles: Pick<ProfileStore, 'get' | 'update'>,
    private readonly audit: Pick<AuditLog, 'record'>,
  ) {}

  async allowed(context: TurnContext): Promise<boolean> {
    const customer = context.turnState.get(CUSTOMER_KEY) as CustomerRecord | undefined;
    if (!customer) return true;
    return personalisationAllowed((await this.profiles.get(customer.id)).consent);
  }

  async set(context: TurnContext, granted: boolean): Promise<{ changed: boolean } | 'unavailable'> {
    const customer = context.turnState.get(CUSTOMER_KEY) as CustomerRecord | undefined;
    if (!customer) return 'unavailable';
    let changed = false;
    await this.profiles.update(customer.id, { consent: { [PERSONALISATION_PURPOSE]: granted } }, 'chat', {
      onChange: async (tx, before, after) => {
        if (before.consent[PERSONALISATION_PURPOSE]?.granted === after.consent[PERSONALISATION_PURPOSE]?.granted) return;
        changed = true;
        await this.audit.record(
          {
            actorUserId: null,
            actorRole: 'customer',
            source: 'chat',
            action: 'consent',
            customerId: customer.id,
            detail: { purpose: PERSONALISATION_PURPOSE, granted, channel: context.activity.channelId, conversationId: context.activity.conversation?.id },
          },
          tx,
        );
      },
    });
    return { changed };
  }
}

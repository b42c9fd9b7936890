import type { Application } from '../../bot/application';
import type { UserRole } from '../../crm/schema';

/** A signed-in (or not) console user over HTTP, keeping the session cookie like a browser would. */
export class ConsoleClient {
  cookie = '';
  lastSetCookie: string[] = [];

  constructor(readonly baseUrl: string) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
    const send = () =>
      fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(this.cookie ? { cookie: this.cookie } : {}), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
    // As a browser does, a GET whose reused keep-alive socket was reset is sent once more on a new one.
    const res = await send().catch((err: unknown) => {
      if (method === 'GET' && ((err as { cause?: { code?: string } }).cause?.code === 'ECONNRESET')) return send();
      throw err;
    });
    this.lastSetCookie = res.headers.getSetCookie();
    for (const c of this.lastSetCookie) {
      const [pair] = c.split(';');
      const [name, value] = pair.split('=');
      if (name === 'concierge_session') this.cookie = value ? `${name}=${value}` : '';
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  get = (path: string) => this.request('GET', path);
  post = (path: string, body: unknown = {}) => this.request('POST', path, body);
  put = (path: string, body: unknown) => this.request('PUT', path, body);

  async signIn(email: string, password: string): Promise<this> {
    const res = await this.post('/api/auth/sign-in', { email, password });
    if (res.status !== 200) throw new Error(`sign-in ${email}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    return this;
  }
}

export const PASSWORD = 'correct horse battery';

/** Each route answers 401 without a session and 403 to `signedIn` (a role it is not for). */
export async function expectClosedRoutes(routes: ReadonlyArray<[string, string]>, anon: () => ConsoleClient, signedIn: ConsoleClient): Promise<void> {
  for (const [method, path] of routes) {
    const none = await anon().request(method, path, method === 'POST' ? {} : undefined);
    expect({ path, status: none.status, code: none.body?.error?.code }).toEqual({ path, status: 401, code: 'not_signed_in' });
    const denied = await signedIn.request(method, path, method === 'POST' ? {} : undefined);
    expect({ path, status: denied.status, code: denied.body?.error?.code }).toEqual({ path, status: 403, code: 'forbidden' });
  }
}

let counter = 0;
/** A user (and, for agents, an agent profile in `queues`) straight through the domain services. */
export async function makeUser(app: Application, role: UserRole, queues: string[] = [], name?: string) {
  counter += 1;
  const email = `${role}${counter}.${Date.now()}@test.concierge`;
  const user = await app.crm.users.create({ email, displayName: name ?? `${role[0].toUpperCase()}${role.slice(1)} ${counter}`, role, password: PASSWORD });
  // Routing assigns by skill: an agent's skills are the categories of their queues.
  const skills = app.support.config.queues.filter((q) => queues.includes(q.id)).flatMap((q) => q.categories);
  if (queues.length || role === 'agent') await app.support.agents.upsert({ userId: user.id, skills, languages: ['en'], maxConcurrent: 3, queues });
  return { ...user, email };
}

/** A ticket opened as the bot would open it (no chat needed). */
export async function openTicket(app: Application, intent: string, text: string, sentiment = -0.2) {
  const customer = await app.crm.customers.resolve({ kind: 'test', externalId: `c-${Date.now()}-${Math.random()}`, displayName: 'Casey Customer' });
  const { ticket } = await app.support.tickets.open({
    customerId: customer.id,
    channel: 'test',
    conversationId: `conv-${Date.now()}-${Math.random()}`,
    intent,
    language: 'en',
    sentiment,
    recentMessages: [text],
    entities: [],
    trigger: 'asked_for_person',
  });
  return ticket;
}

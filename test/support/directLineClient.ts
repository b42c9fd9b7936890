import WebSocket from 'ws';

export interface DlActivity {
  id: string;
  type: string;
  text?: string;
  from: { id: string; role?: string };
  replyToId?: string;
  [k: string]: unknown;
}

/**
 * A small Direct Line 3.0 client for tests and benchmarks: the same calls Web Chat makes.
 * Activities from the stream are collected; waitFor() resolves on an event, never on a timer.
 */
export class DirectLineClient {
  token = '';
  conversationId = '';
  userId = '';
  streamUrl = '';
  readonly received: DlActivity[] = [];
  private ws?: WebSocket;
  private waiters: Array<{ test: (a: DlActivity) => boolean; resolve: (a: DlActivity) => void }> = [];

  constructor(public baseUrl: string) {}

  /** A customer as Web Chat starts one: a session, the conversation, the stream, and the welcome received. */
  static async open(baseUrl: string): Promise<DirectLineClient> {
    const c = new DirectLineClient(baseUrl);
    await c.session();
    await c.start();
    await c.connect();
    await c.waitFor((a) => a.from.role === 'bot');
    return c;
  }

  async session(resumeToken?: string): Promise<{ token: string; conversationId: string; userId: string; resumed: boolean }> {
    const res = await fetch(`${this.baseUrl}/api/webchat/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(resumeToken ? { token: resumeToken } : {}),
    });
    if (!res.ok) throw new Error(`session: HTTP ${res.status}`);
    const s = (await res.json()) as { token: string; conversationId: string; userId: string; resumed: boolean };
    Object.assign(this, { token: s.token, conversationId: s.conversationId, userId: s.userId });
    return s;
  }

  async start(): Promise<void> {
    const res = await this.request('POST', '/v3/directline/conversations');
    if (res.status !== 201 && res.status !== 200) throw new Error(`start: HTTP ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { streamUrl: string; token: string };
    this.streamUrl = body.streamUrl;
  }

  async reconnect(watermark?: string): Promise<void> {
    const res = await this.request('GET', `/v3/directline/conversations/${this.conversationId}${watermark ? `?watermark=${watermark}` : ''}`);
    if (!res.ok) throw new Error(`reconnect: HTTP ${res.status}`);
    this.streamUrl = ((await res.json()) as { streamUrl: string }).streamUrl;
  }

  /** Opens the WebSocket stream; resolves once it is open. */
  async connect(streamUrl = this.streamUrl): Promise<void> {
    const ws = new WebSocket(streamUrl);
    this.ws = ws;
    ws.on('message', (data) => {
      const text = data.toString();
      if (!text) return;
      const set = JSON.parse(text) as { activities: DlActivity[] };
      for (const a of set.activities) this.accept(a);
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`stream: HTTP ${res.statusCode}`)));
    });
  }

  close(): void {
    this.ws?.close();
  }

  async post(activity: Record<string, unknown>): Promise<{ status: number; body: any }> {
    const res = await this.request('POST', `/v3/directline/conversations/${this.conversationId}/activities`, {
      from: { id: this.userId },
      ...activity,
    });
    return { status: res.status, body: await res.json() };
  }

  async say(text: string, extra: Record<string, unknown> = {}): Promise<string> {
    const { status, body } = await this.post({ type: 'message', text, ...extra });
    if (status !== 200) throw new Error(`post: HTTP ${status} ${JSON.stringify(body)}`);
    return body.id as string;
  }

  async poll(watermark?: string): Promise<{ activities: DlActivity[]; watermark?: string }> {
    const q = watermark ? `?watermark=${watermark}` : '';
    const res = await this.request('GET', `/v3/directline/conversations/${this.conversationId}/activities${q}`);
    if (!res.ok) throw new Error(`poll: HTTP ${res.status}`);
    return (await res.json()) as { activities: DlActivity[]; watermark?: string };
  }

  /** Resolves with the first received activity (already received or future) that passes the test. */
  waitFor(test: (a: DlActivity) => boolean): Promise<DlActivity> {
    const found = this.received.find(test);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  /** The bot's reply to one of our activities. */
  replyTo(id: string): Promise<DlActivity> {
    return this.waitFor((a) => a.replyToId === id && a.from.role === 'bot');
  }

  request(method: string, path: string, body?: unknown, token = this.token): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  }

  private accept(a: DlActivity): void {
    if (this.received.some((r) => r.id === a.id)) throw new Error(`activity ${a.id} delivered twice`);
    this.received.push(a);
    this.waiters = this.waiters.filter((w) => {
      if (!w.test(a)) return true;
      w.resolve(a);
      return false;
    });
  }
}

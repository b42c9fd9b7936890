import { startInProcessApp } from '../support/apps';
import { openBrowser, type Browser } from '../support/browser';
import type { Application } from '../../bot/application';
import { ConsoleClient, makeUser, PASSWORD } from './consoleClient';

/**
 * Every response (pages, JSON, errors, files) carries a CSP that forbids framing and X-Frame-Options
 * DENY; HSTS goes out over https (here: X-Forwarded-Proto from the trusted loopback proxy) and never
 * over plain http. The pages that load scripts still work under their policies in a real browser.
 */
describe('security headers', () => {
  let app: Application & { url: string };
  let admin: ConsoleClient;
  let supervisor: ConsoleClient;

  beforeAll(async () => {
    app = await startInProcessApp();
    admin = await new ConsoleClient(app.url).signIn((await makeUser(app, 'admin')).email, PASSWORD);
    supervisor = await new ConsoleClient(app.url).signIn((await makeUser(app, 'supervisor', ['billing'])).email, PASSWORD);
  });
  afterAll(() => app?.stop());

  const directives = (csp: string | null) => new Map((csp ?? '').split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name, values]));

  it('every page, API answer, error and file forbids framing and has a CSP', async () => {
    const anonymous = new ConsoleClient(app.url);
    const cases: Array<[string, ConsoleClient, number]> = [
      ['/', anonymous, 200],
      ['/?new', anonymous, 200],
      ['/index.html', anonymous, 200],
      ['/chat.js', anonymous, 200],
      ['/webchat.js', anonymous, 200],
      ['/console/', anonymous, 200],
      ['/dashboard/', anonymous, 401],
      ['/dashboard/', supervisor, 200],
      ['/admin/queues', anonymous, 401],
      ['/admin/queues', admin, 200],
      ['/admin/queues/api/queues', admin, 200],
      ['/api/docs.html', anonymous, 200],
      ['/api/docs', anonymous, 200],
      ['/api/tickets', anonymous, 401],
      ['/api/tickets', admin, 200],
      ['/healthz', anonymous, 200],
      ['/no/such/page', anonymous, 404],
      ['/api/%zz', anonymous, 400],
    ];
    for (const [path, client, status] of cases) {
      const res = await client.get(path);
      const csp = directives(res.headers.get('content-security-policy'));
      expect({ path, status: res.status, frameAncestors: csp.get('frame-ancestors'), xfo: res.headers.get('x-frame-options'), nosniff: res.headers.get('x-content-type-options') }).toEqual({ path, status, frameAncestors: ["'none'"], xfo: 'DENY', nosniff: 'nosniff' });
      // No policy lets scripts run from anywhere but this server, or inline.
      for (const src of csp.get('script-src') ?? csp.get('default-src') ?? []) expect({ path, src }).toEqual({ path, src: expect.stringMatching(/^'(self|none)'$/) });
      expect({ path, hsts: res.headers.get('strict-transport-security') }).toEqual({ path, hsts: null });
    }
  });

  it('the chat page may load nothing from another host: no remote images, scripts or connections', async () => {
    const csp = directives((await fetch(`${app.url}/`)).headers.get('content-security-policy'));
    expect(csp.get('img-src')).toEqual(["'self'", 'data:', 'blob:']);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('default-src')).toEqual(["'self'"]);
  });

  it('HSTS over https through the trusted proxy, on pages and API answers alike', async () => {
    for (const path of ['/', '/console/', '/api/tickets', '/healthz']) {
      const res = await fetch(`${app.url}${path}`, { headers: { 'x-forwarded-proto': 'https' } });
      expect({ path, hsts: res.headers.get('strict-transport-security') }).toEqual({ path, hsts: 'max-age=31536000; includeSubDomains' });
    }
  });

  describe('in the browser', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await openBrowser(app.url);
    }, 120_000);
    afterAll(() => browser?.close());

    it('the chat page runs Web Chat under its CSP: greeting, a message and its answer over the stream, with no violation', async () => {
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
      });
      // A violation the console does not report (an eval caught by a library) still fires this event.
      await page.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => console.error(`Refused to (CSP event) ${e.violatedDirective} ${e.blockedURI}`));
      });
      const sockets: string[] = [];
      page.on('websocket', (ws) => sockets.push(ws.url()));
      await page.goto(`${app.url}/?new`);
      const said = (text: string | RegExp) => page.getByRole('paragraph').filter({ hasText: text }).last();
      await said(/Concierge, the virtual assistant/).waitFor();
      const box = page.getByRole('textbox').first();
      await box.fill('hello');
      await box.press('Enter');
      await said('Hello! How can I help you today?').waitFor();
      expect(sockets.some((u) => /\/stream/.test(u))).toBe(true);
      expect(violations).toEqual([]);
      expect(browser.foreignRequests).toEqual([]);
      await page.close();
    });

    it('bull-board at /admin/queues renders its queues under its CSP, with no violation', async () => {
      const [name, value] = admin.cookie.split('=');
      await browser.context.addCookies([{ name, value, url: app.url }]);
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
      });
      await page.goto(`${app.url}/admin/queues`);
      await page.getByText('agent-evaluation', { exact: false }).first().waitFor();
      // Its Google Fonts stylesheet is the one thing refused (by the test browser: no other hosts).
      expect(violations.filter((v) => !/fonts\.googleapis\.com/.test(v))).toEqual([]);
      await page.close();
    });
  });
});

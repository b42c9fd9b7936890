/**
 * Demo people for a fresh install (`npm start` on an empty database): agents for the billing and
 * orders queues, a generalist, a supervisor and an admin, with known passwords printed at start.
 * Does nothing once any user exists.
 */
import type { Support } from '../support';
import type { UserRole, UserService } from './index';

export interface DemoSignIn {
  email: string;
  password: string;
  role: UserRole;
  displayName: string;
  queues: string[];
}

export const DEMO_PASSWORD = 'concierge-demo';

export const DEMO_PEOPLE: ReadonlyArray<Omit<DemoSignIn, 'password'> & { languages: string[] }> = [
  { email: 'billing@demo.concierge', displayName: 'Bea Billing', role: 'agent', queues: ['billing'], languages: ['en', 'zh'] },
  { email: 'orders@demo.concierge', displayName: 'Oscar Orders', role: 'agent', queues: ['orders'], languages: ['en'] },
  { email: 'general@demo.concierge', displayName: 'Gia General', role: 'agent', queues: ['general', 'accounts', 'technical'], languages: ['en', 'zh'] },
  { email: 'supervisor@demo.concierge', displayName: 'Sam Supervisor', role: 'supervisor', queues: [], languages: ['en'] },
  { email: 'admin@demo.concierge', displayName: 'Ada Admin', role: 'admin', queues: [], languages: ['en'] },
];


/**
 * Creates the demo people when there are no users yet; returns their sign-ins (empty when the
 * database already has users, so a real install is never touched).
 */
export async function seedDemo(crm: { users: UserService }, support: Pick<Support, 'agents' | 'queues' | 'config'>): Promise<DemoSignIn[]> {
  if ((await crm.users.count()) > 0) return [];
  await support.queues.sync(support.config);
  const queues = new Map(support.config.queues.map((q) => [q.id, q.categories]));
  const created: DemoSignIn[] = [];
  for (const p of DEMO_PEOPLE) {
    const user = await crm.users.create({ email: p.email, displayName: p.displayName, role: p.role, password: DEMO_PASSWORD });
    const memberOf = p.queues.filter((q) => queues.has(q));
    // Routing assigns by skill: an agent's skills are the categories of their queues. The supervisor
    // and admin get an agent profile without queues (a status, and tickets transferred to them).
    const skills = memberOf.flatMap((q) => queues.get(q) ?? []);
    await support.agents.upsert({ userId: user.id, skills, languages: p.languages, maxConcurrent: 3, queues: memberOf });
    created.push({ email: p.email, password: DEMO_PASSWORD, role: p.role, displayName: p.displayName, queues: memberOf });
  }
  return created;
}

/**
 * The demo people who can still sign in with the demo password (printed at every start, not only the
 * seeding one): an account whose password an operator changed, or that was disabled, is left out.
 */
export async function demoSignInsInUse(crm: { users: Pick<UserService, 'verifyCredentials'> }, support: { agents: { queuesOf(userId: string): Promise<string[]> } }): Promise<DemoSignIn[]> {
  const found = await Promise.all(
    DEMO_PEOPLE.map(async (p): Promise<DemoSignIn | null> => {
      const user = await crm.users.verifyCredentials(p.email, DEMO_PASSWORD);
      if (!user) return null;
      const memberOf = await support.agents.queuesOf(user.id);
      // In the seeding order, so every start prints the same lines.
      const queues = [...p.queues.filter((q) => memberOf.includes(q)), ...memberOf.filter((q) => !p.queues.includes(q)).sort()];
      return { email: p.email, password: DEMO_PASSWORD, role: user.role, displayName: user.displayName, queues };
    }),
  );
  return found.filter((s): s is DemoSignIn => s !== null);
}

/** Lines for the start-up banner. */
export function describeDemoSignIns(signIns: DemoSignIn[], consoleUrl: string): string {
  if (!signIns.length) return '';
  const rows = signIns.map((s) => `  ${s.role.padEnd(10)} ${s.email.padEnd(28)} password: ${s.password}${s.queues.length ? `  (queues: ${s.queues.join(', ')})` : ''}`);
  return [`Agent console: ${consoleUrl} — demo sign-ins (change them before real use):`, ...rows].join('\n');
}

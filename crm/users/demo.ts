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

export const DEMO_PEOPLE: ReadonlyArray<Omit<DemoSignIn, 'password'> & { skills: string[]; languages: string[] }> = [
  { email: 'billing@demo.concierge', displayName: 'Bea Billing', role: 'agent', queues: ['billing'], skills: ['billing', 'subscription'], languages: ['en', 'zh'] },
  { email: 'orders@demo.concierge', displayName: 'Oscar Orders', role: 'agent', queues: ['orders'], skills: ['order_status', 'return_refund'], languages: ['en'] },
  { email: 'general@demo.concierge', displayName: 'Gia General', role: 'agent', queues: ['general', 'accounts', 'technical'], skills: [], languages: ['en'] },
  { email: 'supervisor@demo.concierge', displayName: 'Sam Supervisor', role: 'supervisor', queues: [], skills: [], languages: ['en'] },
  { email: 'admin@demo.concierge', displayName: 'Ada Admin', role: 'admin', queues: [], skills: [], languages: ['en'] },
];

/** Queue ids the demo needs: the routing config's queues (falls back to the ids named above). */
function knownQueues(support: Pick<Support, 'config'>): Set<string> {
  return new Set(support.config.queues.map((q) => q.id));
}

/**
 * Creates the demo people when there are no users yet; returns their sign-ins (empty when the
 * database already has users, so a real install is never touched).
 */
export async function seedDemo(crm: { users: UserService }, support: Pick<Support, 'agents' | 'queues' | 'config'>): Promise<DemoSignIn[]> {
  if ((await crm.users.count()) > 0) return [];
  await support.queues.sync(support.config);
  const queues = knownQueues(support);
  const created: DemoSignIn[] = [];
  for (const p of DEMO_PEOPLE) {
    const user = await crm.users.create({ email: p.email, displayName: p.displayName, role: p.role, password: DEMO_PASSWORD });
    const memberOf = p.queues.filter((q) => queues.has(q));
    // People who take tickets are agents; the supervisor and admin oversee and can step in.
    await support.agents.upsert({ userId: user.id, skills: p.skills, languages: p.languages, maxConcurrent: 3, queues: memberOf });
    created.push({ email: p.email, password: DEMO_PASSWORD, role: p.role, displayName: p.displayName, queues: memberOf });
  }
  return created;
}

/** Lines for the start-up banner. */
export function describeDemoSignIns(signIns: DemoSignIn[], consoleUrl: string): string {
  if (!signIns.length) return '';
  const rows = signIns.map((s) => `  ${s.role.padEnd(10)} ${s.email.padEnd(28)} password: ${s.password}${s.queues.length ? `  (queues: ${s.queues.join(', ')})` : ''}`);
  return [`Agent console: ${consoleUrl} — demo sign-ins (change them before real use):`, ...rows].join('\n');
}

import { defineConfig } from 'drizzle-kit';

// Generates SQL migrations from crm/schema into crm/migrations: `npm run db:generate`.
export default defineConfig({
  dialect: 'postgresql',
  schema: './crm/schema/index.ts',
  out: './crm/migrations',
});

/** crm/reports: read-only supervisor reports (queue health, CSAT, sentiment, volume, ranking, CSV). See README.md. */
export * from './types';
export { SupportReports } from './service';
export type { SupportReportsOptions } from './service';
export { shapeQueueHealth, shapeCsat, shapeTeamTrend, fillDays, periodKind, rankAgents } from './shape';
export type { QueueTicketRow, QueueAgentRow, CsatRatingRow, CsatRequestRow } from './shape';
export { csvField, toCsv, rankingCsv } from './csv';
export { seedDemoActivity } from './demo';
export type { DemoActivityResult } from './demo';

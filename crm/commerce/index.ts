/** crm/commerce: products, orders, order lines, behavioural events, API keys (owner of those tables). */
export { CommerceStore } from './store';
export type { CatalogProduct, ObservedProduct, OrderInput, OrderLineInput, EventInput, WriteOutcome, Product, Order, OrderLine, CustomerEvent } from './store';
export { EventIngest, UnknownProductError, UnknownCustomerError } from './ingest';
export type { IncomingEvent, IngestResult } from './ingest';
export { ApiKeyStore, hashApiKey } from './apiKeys';
export type { ApiKeyRecord } from './apiKeys';
export { loadValueOrders, loadValueSummaries, loadCustomerCurrencies, loadInteractions, loadCatalog, customerValue } from './analytics';
export { seedDemoCatalog, DEMO_PRODUCTS, DEMO_ORDERS } from './demo';

import type { Storage, StoreItems } from 'botbuilder';
import type { StateDocumentStore } from '../crm';

/** botbuilder Storage on PostgreSQL (eTag concurrency), so dialog state survives restarts and is shared by instances. */
export class PostgresStorage implements Storage {
  constructor(private readonly documents: StateDocumentStore) {}

  read(keys: string[]): Promise<StoreItems> {
    return this.documents.read(keys);
  }

  write(changes: StoreItems): Promise<void> {
    return this.documents.write(changes);
  }

  delete(keys: string[]): Promise<void> {
    return this.documents.delete(keys);
  }
}

import type { CatalogItem, Interaction } from '../../crm/recommendations';

/**
 * Hand-built co-purchase structure:
 * - cluster 1: A, B, C always bought together (customers k1..k4)
 * - cluster 2: X, Y, Z always bought together (customers k5..k8)
 * - P is bought by every one of them (the popular item)
 * - q1 bought only A and B; q2 only X.
 */
export function clusteredInteractions(): Interaction[] {
  const out: Interaction[] = [];
  const t0 = Date.UTC(2024, 0, 1);
  const buy = (customerId: string, items: string[], day: number): void => {
    for (const itemId of items) out.push({ customerId, itemId, kind: 'purchase', at: t0 + day * 86_400_000 });
  };
  for (let k = 1; k <= 4; k++) buy(`k${k}`, ['A', 'B', 'C', 'P'], k);
  for (let k = 5; k <= 8; k++) buy(`k${k}`, ['X', 'Y', 'Z', 'P'], k);
  buy('q1', ['A', 'B'], 10);
  buy('q2', ['X'], 10);
  return out;
}

export const catalog: CatalogItem[] = [
  { itemId: 'A', title: 'Alpha mug', category: 'kitchen' },
  { itemId: 'B', title: 'Beta plate', category: 'kitchen' },
  { itemId: 'C', title: 'Gamma bowl', category: 'kitchen' },
  { itemId: 'X', title: 'Xylo lamp', category: 'lighting' },
  { itemId: 'Y', title: 'Yew shade', category: 'lighting' },
  { itemId: 'Z', title: 'Zinc bulb', category: 'lighting' },
  { itemId: 'P', title: 'Paper bag' },
  { itemId: 'NEWK', title: 'New kettle', category: 'kitchen' },
];

export const FIXED_NOW = (): Date => new Date('2024-02-01T00:00:00Z');

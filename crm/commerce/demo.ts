/**
 * A small demo shop for a fresh install (`npm start` on an empty database): a few products and one
 * demo customer with three orders, so a newcomer can ask the bot "where is my order A10042?", plus
 * a few dozen shoppers' orders so the recommender has co-purchases to learn from (tea, coffee and
 * home baskets) and one discontinued product it must never suggest. Does nothing once any product exists.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db';
import { products } from '../schema';
import type { CustomerDirectory } from '../customers';
import { CommerceStore, type CatalogProduct } from './store';

export const DEMO_PRODUCTS: CatalogProduct[] = [
  { sku: 'MUG-CLASSIC', name: 'Classic stoneware mug', category: 'kitchen', priceMinor: 1200, currency: 'EUR', attributes: { description: 'A 350 ml stoneware mug with a glazed finish; dishwasher and microwave safe.', description_zh: '350 毫升釉面炻瓷马克杯，可用洗碗机清洗，可微波加热。' } },
  { sku: 'MUG-TRAVEL', name: 'Insulated travel mug', category: 'kitchen', priceMinor: 2400, currency: 'EUR', attributes: { description: 'A double-walled stainless steel travel mug (450 ml) that keeps drinks hot for 6 hours; leak-proof lid.', description_zh: '双层不锈钢保温随行杯（450 毫升），保温 6 小时，防漏杯盖。' } },
  { sku: 'TEA-SENCHA', name: 'Organic sencha tea, 100 g', category: 'tea', priceMinor: 900, currency: 'EUR', attributes: { description: 'Organic Japanese green tea, loose leaf, grassy and fresh; brew at 70–80 °C for 1–2 minutes.', description_zh: '日本有机绿茶散叶，清新草本香；70–80 °C 冲泡 1–2 分钟。' } },
  { sku: 'TEA-EARLGREY', name: 'Earl Grey tea, 100 g', category: 'tea', priceMinor: 800, currency: 'EUR', attributes: { description: 'Black tea scented with bergamot oil, loose leaf; brew at 95 °C for 3–4 minutes.', description_zh: '佛手柑精油熏香红茶散叶；95 °C 冲泡 3–4 分钟。' } },
  { sku: 'KETTLE-GOOSE', name: 'Gooseneck kettle', category: 'kitchen', priceMinor: 5900, currency: 'EUR', attributes: { description: 'A 1-litre stainless steel kettle with a gooseneck spout for a precise pour-over; works on every hob, induction included.', description_zh: '1 升不锈钢细口壶，鹅颈壶嘴便于精准手冲；适用于各种炉灶，包括电磁炉。' } },
  { sku: 'BLANKET-WOOL', name: 'Merino wool blanket', category: 'home', priceMinor: 8900, currency: 'EUR', attributes: { description: 'A soft merino wool throw, 130 × 180 cm; hand wash cold.', description_zh: '柔软美利奴羊毛盖毯，130 × 180 厘米；冷水手洗。' } },
  { sku: 'CANDLE-CEDAR', name: 'Cedar scented candle', category: 'home', priceMinor: 1900, currency: 'EUR', attributes: { description: 'A soy wax candle scented with cedar wood, about 40 hours of burning.', description_zh: '雪松木香大豆蜡蜡烛，可燃烧约 40 小时。' } },
  { sku: 'LAMP-DESK', name: 'Brass desk lamp', category: 'home', priceMinor: 7400, currency: 'EUR', attributes: { description: 'A brass desk lamp with an adjustable arm and a warm-white LED bulb included.', description_zh: '黄铜台灯，灯臂可调节，附暖白光 LED 灯泡。' } },
  { sku: 'TEA-JASMINE', name: 'Jasmine green tea, 100 g', category: 'tea', priceMinor: 1000, currency: 'EUR', attributes: { description: 'Green tea scented with jasmine blossoms, loose leaf; brew at 80 °C for 2–3 minutes.', description_zh: '茉莉花窨制绿茶散叶；80 °C 冲泡 2–3 分钟。' } },
  { sku: 'TEA-INFUSER', name: 'Stainless tea infuser', category: 'tea', priceMinor: 1400, currency: 'EUR', attributes: { description: 'A fine-mesh stainless steel infuser that fits most mugs and teapots.', description_zh: '细网不锈钢滤茶器，适用于大多数马克杯和茶壶。' } },
  { sku: 'COFFEE-BEANS', name: 'Single-origin coffee beans, 250 g', category: 'coffee', priceMinor: 1300, currency: 'EUR', attributes: { description: 'Whole beans from a single Ethiopian farm, medium roast, with notes of berries and chocolate.', description_zh: '埃塞俄比亚单一庄园咖啡豆（整豆），中度烘焙，带莓果与巧克力风味。' } },
  { sku: 'GRINDER-HAND', name: 'Hand coffee grinder', category: 'coffee', priceMinor: 4500, currency: 'EUR', attributes: { description: 'A hand grinder with ceramic burrs and 18 grind settings, from espresso to French press.', description_zh: '陶瓷磨芯手摇磨豆机，18 档研磨粗细，从意式浓缩到法压壶。' } },
  { sku: 'DRIPPER-CERAMIC', name: 'Ceramic pour-over dripper', category: 'coffee', priceMinor: 2200, currency: 'EUR', attributes: { description: 'A ceramic pour-over dripper for one or two cups; uses size 02 paper filters.', description_zh: '陶瓷手冲滤杯，适合 1–2 杯；使用 02 号滤纸。' } },
  { sku: 'CUSHION-LINEN', name: 'Linen cushion cover', category: 'home', priceMinor: 3200, currency: 'EUR', attributes: { description: 'A washed linen cushion cover, 45 × 45 cm, with a hidden zip; machine washable at 40 °C.', description_zh: '水洗亚麻靠垫套，45 × 45 厘米，隐形拉链；可 40 °C 机洗。' } },
  { sku: 'MUG-ENAMEL', name: 'Enamel camping mug (discontinued)', category: 'kitchen', priceMinor: 1500, currency: 'EUR', active: false, attributes: { description: 'A light enamel mug for camping (no longer made).', description_zh: '轻便搪瓷露营杯（已停产）。' } },
];

/** Baskets the demo shoppers buy from (each shopper keeps to one, with an occasional extra). */
const DEMO_BASKETS: string[][] = [
  ['TEA-SENCHA', 'TEA-EARLGREY', 'TEA-JASMINE', 'TEA-INFUSER', 'KETTLE-GOOSE', 'MUG-CLASSIC', 'MUG-ENAMEL'],
  ['COFFEE-BEANS', 'GRINDER-HAND', 'DRIPPER-CERAMIC', 'KETTLE-GOOSE', 'MUG-TRAVEL'],
  ['BLANKET-WOOL', 'CANDLE-CEDAR', 'LAMP-DESK', 'CUSHION-LINEN'],
];
export const DEMO_SHOPPER_COUNT = 30;

/** Deterministic demo orders of shopper `i`: one or two orders of two or three items of their basket. */
function shopperOrders(i: number): Array<{ orderNumber: string; daysAgo: number; lines: Array<[string, number]> }> {
  const basket = DEMO_BASKETS[i % DEMO_BASKETS.length];
  const pick = (start: number, n: number): string[] => Array.from({ length: n }, (_, j) => basket[(start + j * (1 + (i % 2))) % basket.length]);
  const orders = [{ orderNumber: `B2${String(i * 2).padStart(4, '0')}`, daysAgo: 80 - ((i * 7) % 60), lines: [...new Set(pick(i, 3 - (i % 2)))].map((sku): [string, number] => [sku, 1 + (i % 2)]) }];
  if (i % 3 !== 2) {
    const second = [...new Set(pick(i + 3, 2))];
    if (i % 5 === 0) second.push(DEMO_BASKETS[(i + 1) % DEMO_BASKETS.length][0]);
    orders.push({ orderNumber: `B2${String(i * 2 + 1).padStart(4, '0')}`, daysAgo: 15 - (i % 10), lines: [...new Set(second)].map((sku): [string, number] => [sku, 1]) });
  }
  return orders;
}

export const DEMO_ORDERS = [
  { orderNumber: 'A10041', status: 'delivered' as const, daysAgo: 20, lines: [['TEA-SENCHA', 2], ['MUG-CLASSIC', 2]] as Array<[string, number]> },
  { orderNumber: 'A10042', status: 'shipped' as const, daysAgo: 3, lines: [['KETTLE-GOOSE', 1]] as Array<[string, number]> },
  { orderNumber: 'A10043', status: 'paid' as const, daysAgo: 0, lines: [['BLANKET-WOOL', 1], ['CANDLE-CEDAR', 2]] as Array<[string, number]> },
];

/** Seeds the demo shop when the catalog is empty; returns the demo order numbers (empty when it did nothing). */
export async function seedDemoCatalog(db: Db, customers: CustomerDirectory, now = new Date()): Promise<string[]> {
  const [{ n }] = await db.select({ n: sql<number>`count(*)::int` }).from(products);
  if (n > 0) return [];
  const store = new CommerceStore(db);
  const ids = await store.upsertCatalogProducts(DEMO_PRODUCTS);
  const customer = await customers.resolve({ kind: 'email', externalId: 'dana.demo@example.com', displayName: 'Dana Demo' });
  await store.writeOrders(
    DEMO_ORDERS.map((o) => ({
      orderNumber: o.orderNumber,
      customerId: customer.id,
      placedAt: new Date(now.getTime() - o.daysAgo * 86_400_000),
      country: 'DE',
      currency: 'EUR',
      status: o.status,
      totalMinor: null,
      lines: o.lines.map(([sku, quantity], i) => ({
        lineNo: i + 1,
        productId: ids.get(sku)!.id,
        quantity,
        unitPriceMinor: DEMO_PRODUCTS.find((p) => p.sku === sku)!.priceMinor,
      })),
    })),
  );
  const shopperOrderInputs = [];
  for (let i = 1; i <= DEMO_SHOPPER_COUNT; i++) {
    const n = String(i).padStart(2, '0');
    const shopper = await customers.resolve({ kind: 'email', externalId: `shopper${n}.demo@example.com`, displayName: `Demo Shopper ${n}` });
    for (const o of shopperOrders(i)) {
      shopperOrderInputs.push({
        orderNumber: o.orderNumber,
        customerId: shopper.id,
        placedAt: new Date(now.getTime() - o.daysAgo * 86_400_000),
        country: 'DE',
        currency: 'EUR',
        status: 'delivered' as const,
        totalMinor: null,
        lines: o.lines.map(([sku, quantity], j) => ({ lineNo: j + 1, productId: ids.get(sku)!.id, quantity, unitPriceMinor: DEMO_PRODUCTS.find((p) => p.sku === sku)!.priceMinor })),
      });
    }
  }
  await store.writeOrders(shopperOrderInputs);
  return DEMO_ORDERS.map((o) => o.orderNumber);
}

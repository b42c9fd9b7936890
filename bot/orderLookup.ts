import type { CommerceStore } from '../crm/commerce';
import type { Language, OrderLookupPort, OrderSummary } from '../dialogs';

const STATUS: Record<Language, Record<string, string>> = {
  en: { placed: 'received, waiting for payment', paid: 'paid and being prepared', shipped: 'shipped', delivered: 'delivered', completed: 'completed', cancelled: 'cancelled', refunded: 'refunded' },
  zh: { placed: '已下单，等待付款', paid: '已付款，正在备货', shipped: '已发货', delivered: '已送达', completed: '已完成', cancelled: '已取消', refunded: '已退款' },
};

/**
 * Order status for the bot from crm/commerce. To anyone: only the status and the order date. When the
 * chat's customer owns the order (their identity was proven in chat, or an agent merged them), also
 * the items and the total; never the address.
 */
export class CommerceOrderLookup implements OrderLookupPort {
  constructor(private readonly commerce: Pick<CommerceStore, 'findOrder' | 'orderLines'>) {}

  async findOrder(orderNumber: string, context: { customerId?: string; language: Language }): Promise<OrderSummary | null> {
    const order = (await this.commerce.findOrder(orderNumber)) ?? (orderNumber.startsWith('#') ? null : await this.commerce.findOrder(`#${orderNumber}`));
    if (!order) return null;
    const day = order.placedAt.toISOString().slice(0, 10);
    const summary: OrderSummary = {
      orderNumber: order.orderNumber,
      status: STATUS[context.language][order.status] ?? order.status,
      eta: context.language === 'zh' ? `下单日期 ${day}` : `ordered on ${day}`,
    };
    if (!context.customerId || order.customerId !== context.customerId) return summary;
    const lines = await this.commerce.orderLines(order.id);
    const money = new Intl.NumberFormat(context.language === 'zh' ? 'zh-CN' : 'en-GB', { style: 'currency', currency: order.currency });
    summary.items = lines.map((l) => `${l.quantity} × ${l.name}`).join(context.language === 'zh' ? '，' : ', ') || (context.language === 'zh' ? '无明细' : 'no line items');
    // Minor units per the currency's own decimals (JPY has none).
    summary.total = money.format(order.totalMinor / 10 ** (money.resolvedOptions().maximumFractionDigits ?? 2));
    return summary;
  }
}

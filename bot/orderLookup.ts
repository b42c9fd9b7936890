import type { CommerceStore } from '../crm/commerce';
import type { Language, OrderLookupPort, OrderSummary } from '../dialogs';

const STATUS: Record<Language, Record<string, string>> = {
  en: { placed: 'received, waiting for payment', paid: 'paid and being prepared', shipped: 'shipped', delivered: 'delivered', completed: 'completed', cancelled: 'cancelled', refunded: 'refunded' },
  zh: { placed: '已下单，等待付款', paid: '已付款，正在备货', shipped: '已发货', delivered: '已送达', completed: '已完成', cancelled: '已取消', refunded: '已退款' },
};

/**
 * Order status for the bot from crm/commerce. Only the status and the order date are told: the chat
 * visitor has not proven they own the order, so nothing personal (items, address) is revealed.
 */
export class CommerceOrderLookup implements OrderLookupPort {
  constructor(private readonly commerce: Pick<CommerceStore, 'findOrder'>) {}

  async findOrder(orderNumber: string, context: { language: Language }): Promise<OrderSummary | null> {
    const order = (await this.commerce.findOrder(orderNumber)) ?? (orderNumber.startsWith('#') ? null : await this.commerce.findOrder(`#${orderNumber}`));
    if (!order) return null;
    const day = order.placedAt.toISOString().slice(0, 10);
    return {
      orderNumber: order.orderNumber,
      status: STATUS[context.language][order.status] ?? order.status,
      eta: context.language === 'zh' ? `下单日期 ${day}` : `ordered on ${day}`,
    };
  }
}

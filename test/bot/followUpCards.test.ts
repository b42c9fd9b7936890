import { FollowUpRenderer } from '../../bot/followUpCards';
import { ContentCatalog } from '../../dialogs';

/** The follow-up messages as the customer sees them, per language (pure: no database). */
describe('follow-up messages', () => {
  const renderer = new FollowUpRenderer(new ContentCatalog());

  it('renders the CSAT survey as an Adaptive Card in Chinese for a Chinese ticket, with the answer data on its submit', () => {
    const [activity] = renderer.render({ kind: 'csat_survey', language: 'zh', ticketId: 't-1', ticketNumber: 7, resolution: 2 }, 'csat-t-1-2');
    expect(activity.text).toBeUndefined();
    expect(activity.channelData).toEqual({ author: 'system', deliveryId: 'csat-t-1-2' });
    const card = activity.attachments![0];
    expect(card.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const content = card.content as { body: Array<Record<string, any>>; actions: Array<Record<string, any>> };
    expect(content.body[0].text).toBe('服务评价');
    expect(content.body[1]).toMatchObject({ type: 'Input.ChoiceSet', id: 'rating', label: '您对工单 #7 的服务满意吗？请打分。', isRequired: true, errorMessage: '请选择 1 到 5 之间的评分。' });
    expect(content.body[1].choices.map((c: { title: string; value: string }) => [c.value, c.title])).toEqual([
      ['1', '1 – 非常不满意'],
      ['2', '2 – 不满意'],
      ['3', '3 – 一般'],
      ['4', '4 – 满意'],
      ['5', '5 – 非常满意'],
    ]);
    expect(content.body[2]).toMatchObject({ type: 'Input.Text', id: 'comment', label: '还有什么想告诉我们的吗？（选填）' });
    expect(content.actions).toEqual([{ type: 'Action.Submit', title: '提交评价', data: { type: 'concierge.csat', ticketId: 't-1', resolution: 2, deliveryId: 'csat-t-1-2' } }]);
  });

  it('renders the reminder and the auto-close as text in the ticket language, operators may override them', () => {
    expect(renderer.render({ kind: 'pending_reminder', language: 'en', ticketNumber: 12 }, 'r-1')[0].text).toBe(
      'Just checking in on ticket #12: we are waiting for your reply. If we do not hear from you, we will close the ticket.',
    );
    expect(renderer.render({ kind: 'auto_closed', language: 'zh', ticketNumber: 12 }, 'a-1')[0].text).toBe('由于未收到您的回复，工单 #12 已关闭。如仍需帮助，请随时留言。');
    const custom = new FollowUpRenderer(new ContentCatalog({ en: { pendingReminder: 'Still there? Ticket #{ticket} waits for you.' } }));
    expect(custom.render({ kind: 'pending_reminder', language: 'en', ticketNumber: 3 }, 'r-2')[0].text).toBe('Still there? Ticket #3 waits for you.');
  });
});

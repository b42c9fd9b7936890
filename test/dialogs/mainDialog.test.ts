import { ActivityTypes, ConversationState, MemoryStorage, TestAdapter, type Activity } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { KeywordRecognizer, MainDialog, welcomeActivity, type Recognizer, type Understanding } from '../../dialogs';

/** An assertReply inspector that really checks the text against a pattern. */
const textMatching = (pattern: RegExp) => (activity: Partial<Activity>) => {
  expect(activity.text).toMatch(pattern);
};

/** The main dialog's routing, in memory (unit level: no servers). */
function harness(recognizer: Recognizer = new KeywordRecognizer()) {
  const state = new ConversationState(new MemoryStorage());
  const accessor = state.createProperty<DialogState>('dialogState');
  const dialog = new MainDialog(recognizer);
  return new TestAdapter(async (context) => {
    if (context.activity.type === ActivityTypes.Message) await dialog.run(context, accessor);
    await state.saveChanges(context);
  });
}

describe('MainDialog', () => {
  it('answers greetings, thanks and goodbyes', async () => {
    await harness()
      .send('hello')
      .assertReply('Hello! How can I help you today?')
      .send('thanks a lot')
      .assertReply("You're welcome! Is there anything else I can do?")
      .send('bye')
      .assertReply('Goodbye, and thanks for visiting!')
      .startTest();
  });

  it('offers help topics and answers the one picked, across turns', async () => {
    await harness()
      .send('help')
      .assertReply((a) => {
        expect(a.text).toBe('What can I help you with?');
        expect(a.suggestedActions?.actions.map((x) => x.title)).toEqual(['Orders', 'Returns', 'Account', 'Something else']);
      })
      .send('returns')
      .assertReply(textMatching(/return most items within 30 days/))
      .send('help')
      .assertReply('What can I help you with?')
      .send('banana')
      .assertReply(textMatching(/What can I help you with\? \(Orders \/ Returns/))
      .send('2')
      .assertReply(textMatching(/return most items/))
      .startTest();
  });

  it('falls back politely on anything it does not understand', async () => {
    await harness().send('qwerty asdf').assertReply(textMatching(/Sorry, I didn't quite get that/)).startTest();
  });

  it('replies in Chinese to a Chinese message', async () => {
    await harness().send('你好').assertReply('您好！今天有什么可以帮您？').send('帮助').assertReply('请问需要什么帮助？').startTest();
  });

  it('routes by whatever recognizer is wired in', async () => {
    const fixed: Understanding = {
      intent: 'human_agent',
      confidence: 0.9,
      ranking: [{ name: 'human_agent', confidence: 0.9 }],
      outOfScope: false,
      language: 'en',
      sentiment: { label: 'negative', score: -0.6 },
      entities: [],
    };
    await harness({ recognize: async () => fixed }).send('anything').assertReply('I will connect you with a member of our team.').startTest();
  });

  it('welcomes in the customer locale', () => {
    expect(welcomeActivity('en-US').text).toMatch(/Concierge/);
    expect(welcomeActivity('zh-CN').text).toMatch(/您好/);
  });
});

import { ActivityTypes, ConversationState, MemoryStorage, TestAdapter, type Activity } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { MainDialog, welcomeActivity, type ConversationFacts } from '../../dialogs';
import { loadDefaultNlpEngine, type NlpEngine } from '../../nlp';
import { NlpRecognizer } from '../../bot/nlpRecognizer';
import { sharedNlpCache } from '../support/apps';

/** An assertReply inspector that really checks the text against a pattern. */
const textMatching = (pattern: RegExp) => (activity: Partial<Activity>) => {
  expect(activity.text).toMatch(pattern);
};

let engine: NlpEngine;
beforeAll(async () => {
  engine = await loadDefaultNlpEngine({ cacheDir: sharedNlpCache });
});

/** The main dialog with the real trained NLP model, in memory (no handoff port wired: it says it would connect). */
function harness() {
  const state = new ConversationState(new MemoryStorage());
  const accessor = state.createProperty<DialogState>('dialogState');
  const dialog = new MainDialog({ recognizer: new NlpRecognizer(engine), facts: state.createProperty<ConversationFacts>('facts') });
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
      .send('bye, have a nice day')
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

  it('asks for the order number when it is missing, and keeps asking until it gets one', async () => {
    await harness()
      .send('where is my order?')
      .assertReply(textMatching(/What is your order number/))
      .send('I do not remember')
      .assertReply(textMatching(/It looks like #A12345/))
      .send('it is #B77881')
      .assertReply(textMatching(/order B77881 is noted/))
      .startTest();
  });

  it('asks for the order number in Chinese', async () => {
    await harness().send('我的订单到哪里了？').assertReply(textMatching(/请问您的订单号是多少/)).startTest();
  });

  it('falls back politely, then offers a person after repeated misunderstanding', async () => {
    await harness()
      .send('what is the capital of france')
      .assertReply(textMatching(/Sorry, I didn't quite get that/))
      .send('asdkjh qwe zzz')
      .assertReply('I will connect you with a member of our team.')
      .startTest();
  });

  it('hands over when asked for a person, on a complaint, and on strong negative sentiment', async () => {
    await harness()
      .send('I want to talk to a real person')
      .assertReply('I will connect you with a member of our team.')
      .send('this is the worst service ever, I am furious')
      .assertReply('I will connect you with a member of our team.')
      .startTest();
  });

  it('replies in Chinese to a Chinese message', async () => {
    await harness().send('你好').assertReply('您好！今天有什么可以帮您？').send('帮助').assertReply('请问需要什么帮助？').startTest();
  });

  it('welcomes in the customer locale', () => {
    expect(welcomeActivity('en-US').text).toMatch(/Concierge/);
    expect(welcomeActivity('zh-CN').text).toMatch(/您好/);
  });
});

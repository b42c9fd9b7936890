// Customer chat page: Web Chat talking to this server's Direct Line endpoint (no Azure, no CDN).
(async function () {
  const params = new URLSearchParams(location.search);
  const transport = params.get('transport') === 'polling' ? 'polling' : 'websocket';
  const locale = params.get('locale') || navigator.language || 'en-US';
  const storageKey = 'concierge.webchat.session';
  const status = document.getElementById('status');

  function showError(text) {
    status.textContent = text;
    status.hidden = false;
  }

  let saved = null;
  try {
    saved = JSON.parse(localStorage.getItem(storageKey) || 'null');
  } catch (e) {
    saved = null;
  }
  if (params.has('new')) saved = null;

  let session;
  try {
    const res = await fetch('/api/webchat/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(saved && saved.token ? { token: saved.token, locale: locale } : { locale: locale }),
    });
    if (!res.ok) throw new Error('HTTP ' + res.status);
    session = await res.json();
  } catch (err) {
    showError('The chat is unavailable right now. Please try again in a moment.');
    return;
  }
  localStorage.setItem(storageKey, JSON.stringify({ token: session.token, conversationId: session.conversationId }));

  const directLine = window.WebChat.createDirectLine({
    token: session.token,
    conversationId: session.resumed ? session.conversationId : undefined,
    domain: location.origin + '/v3/directline',
    webSocket: transport === 'websocket',
    pollingInterval: 500,
  });
  // Keep the refreshed token so a reload resumes the same conversation.
  setInterval(function () {
    if (directLine.token) localStorage.setItem(storageKey, JSON.stringify({ token: directLine.token, conversationId: session.conversationId }));
  }, 60000);

  // A reply written by a person (an agent) says so: their name and role above their words (fonts
  // without emoji would show a person symbol as a box, so the mark is words).
  var personLabel = /^zh/i.test(locale) ? '人工客服' : 'Support agent';
  function agentName(activity) {
    var sender = activity && activity.from && activity.from.role === 'bot' && activity.channelData && activity.channelData.sender;
    return sender && sender.role === 'agent' && typeof sender.name === 'string' && sender.name.trim() ? sender.name.trim() : null;
  }
  function escapeMarkdown(text) {
    return text.replace(/([\\`*_{}\[\]()#+\-.!<>|~])/g, '\\$1');
  }
  // The agent's words as markdown that renders them exactly as written (the bubble is markdown for the
  // name in bold): every ASCII punctuation character escaped, so no image, HTML or link (markdown or
  // bare URL) forms and no quote or dash is made typographic; each line break kept.
  function plainAsMarkdown(text) {
    return text.replace(/[!-\/:-@\[-`{-~]/g, '\\$&').replace(/\r?\n/g, '  \n');
  }
  var store = window.WebChat.createStore({}, function () {
    return function (next) {
      return function (action) {
        if (action.type === 'DIRECT_LINE/INCOMING_ACTIVITY') {
          var activity = action.payload.activity;
          var name = agentName(activity);
          if (name) {
            var marked = Object.assign({}, activity, { textFormat: 'markdown', text: '**' + escapeMarkdown(name) + '** · ' + personLabel + '\n\n' + plainAsMarkdown(activity.text || '') });
            action = Object.assign({}, action, { payload: Object.assign({}, action.payload, { activity: marked }) });
          }
        }
        return next(action);
      };
    };
  });

  window.conciergeChat = { directLine: directLine, session: session, transport: transport };
  window.WebChat.renderWebChat(
    { directLine: directLine, store: store, userID: session.userId, locale: locale, styleOptions: { hideUploadButton: true } },
    document.getElementById('webchat'),
  );
})();

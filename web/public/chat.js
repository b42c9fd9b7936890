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

  window.conciergeChat = { directLine: directLine, session: session, transport: transport };
  window.WebChat.renderWebChat(
    { directLine: directLine, userID: session.userId, locale: locale, styleOptions: { hideUploadButton: true } },
    document.getElementById('webchat'),
  );
})();

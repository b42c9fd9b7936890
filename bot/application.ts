import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { createHmac, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ConversationState, TurnContext } from 'botbuilder';
import type { Activity } from 'botbuilder';
import type { Redis } from 'ioredis';
import type { AppConfig } from '../config';
import { createCrm, DeliveryLog, openDatabase, type Crm, type CustomerRecord, type Database } from '../crm';
import { ContentCatalog, MainDialog, languageOf, type ConversationFacts, type Recognizer } from '../dialogs';
import { createSupport, loadRoutingConfig, RedisLiveEvents, type Support } from '../crm/support';
import { loadDefaultNlpEngine, type NlpEngine } from '../nlp';
import { NlpRecognizer } from './nlpRecognizer';
import { Delivery } from './delivery';
import { HandoffBridge } from './handoff';
import { CsatAnswers } from './csatAnswers';
import { startDeliveryWorker } from './deliveryWorker';
import { FollowUpRenderer } from './followUpCards';
import { createQueue, createQueues, enqueuePrivacyRequest, QUEUE_NAMES, queueAdminRoutes, requestAgentEvaluation, requestIntentModelTrainingNow, requestRecommendationTrainingNow, startWorkers, type WorkerHost } from '../workers';
import { authenticate, DEFAULT_ACCOUNT_MAX, RedisSignInThrottle, requireRole, SignInLimits } from './auth';
import type { Logger } from './logger';
import { closeRedis, ensureRedis, failFastRedisClient, redisClient, redisNamespace, type RedisEndpoint } from './redis';
import { PostgresStorage } from './storage';
import { CUSTOMER_KEY, TimelineMiddleware } from './timelineMiddleware';
import { RedactionMiddleware } from './redactionMiddleware';
import { TurnUnderstanding } from './turnUnderstanding';
import { RedisConversationOrigins } from './conversationOrigins';
import { ChatIdentityProof, RedisAttemptLimiter } from './identityProof';
import { ChatPrivacyRequests } from './privacyRequests';
import { createCustomer360, LearnedProfileStore } from '../crm/identity';
import { AuditLog, createPrivacy, EncryptedArchiveStore, ErasedCustomerError, RedisCustomerPurge, resolveArchiveKey, retentionPolicyFromConfig, type PrivacyService } from '../crm/privacy';
import { cachedCatalogueVocabulary, ConversationLearner } from './conversationLearning';
import { LearningCatchUp } from './learningCatchUp';
import { ConciergeBot } from './conciergeBot';
import { DirectLineAdapter } from './directline/adapter';
import { TranscriptBus } from './directline/bus';
import { DirectLineService } from './directline/service';
import { directLineRoutes } from './directline/routes';
import { DirectLineStream } from './directline/stream';
import { DirectLineTokens } from './directline/tokens';
import { UnansweredTurnSweep } from './directline/unansweredTurnSweep';
import { channelRoutes, createChannelAdapter } from './teams';
import { createHttpApp } from './server';
import { consoleRoutes } from './api';
import { eventsRoutes } from './api/events';
import { seedDemoCatalog } from '../crm/commerce';
import { CommerceOrderLookup } from './orderLookup';
import { RecommendationModelAdmin, RecommendationModelStore, RecommendationService, RedisModelActivations } from '../crm/recommendations';
import { ServiceRecommendations } from './recommendations';
import { CataloguePreferences } from './preferences';
import { ProfileConsent } from './personalisationConsent';
import { CommerceProductCatalogue } from './productCatalogue';
import { demoSignInsInUse, seedDemo, type DemoSignIn } from '../crm/users/demo';
import { AgentEvaluationService, scoreOptionsFromEnv } from '../crm/scores';
import { SupportReports, seedDemoActivity } from '../crm/reports';
import { dashboardRoutes } from './api/dashboard';
import { CustomerValueStore } from '../crm/value';
import { BotAnalytics, IntentLabelStore, IntentModelAdmin, IntentModelStore, IntentModelTrainer } from '../crm/understanding';
import { IntentModelServing } from './intentModels';
import { botAnalyticsRoutes } from './api/understanding';

export type ProcessRole = 'all' | 'web' | 'workers';

export interface Application {
  /** The address customers open (web roles only). */
  url?: string;
  crm: Crm;
  support: Support;
  database: Database;
  /** Demo sign-ins that still work (demo accounts with the demo password), whichever start created them. */
  demoSignIns: DemoSignIn[];
  /** Demo order numbers created at this start (empty catalog only). */
  demoOrders: string[];
  /** Web roles only: the bridge between the bot and agents. */
  handoff?: HandoffBridge;
  /** Roles `all` and `workers`: the outbox relay, the queues and the workers of this process. */
  workers?: WorkerHost;
  /** Web roles with the NLP recognizer: which intent model version the bot serves, and its switching. */
  intentModels?: IntentModelServing;
  /** Data subject requests: exports (encrypted at rest) and erasures. */
  privacy: PrivacyService;
  stop(): Promise<void>;
}

export interface ApplicationOptions {
  config: AppConfig;
  log: Logger;
  role?: ProcessRole;
  /** The recognizer the bot understands messages with (default: the NLP engine's). */
  recognizer?: Recognizer;
  /** The NLP engine (default: loadDefaultNlpEngine with the configured model and cache). */
  nlpEngine?: NlpEngine;
}

/** Where the Direct Line signing key comes from: DIRECTLINE_SECRET, else one generated once and kept in DATA_DIR. */
function directLineSigningKey(config: AppConfig): string {
  if (config.DIRECTLINE_SECRET) return config.DIRECTLINE_SECRET;
  const file = path.join(config.dataDir, 'directline.key');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    fs.mkdirSync(config.dataDir, { recursive: true });
    const key = randomBytes(48).toString('base64url');
    fs.writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
    return key;
  }
}

/**
 * Wires the whole product: storage, Redis, the bot and its adapters, the HTTP edge, and (role
 * `all`/`workers`) the background workers. The one place where parts meet.
 */
export async function startApplication(options: ApplicationOptions): Promise<Application> {
  const { config, log } = options;
  const role = options.role ?? 'all';
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  const stopAll = async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (err) {
        log.warn({ err }, 'cleanup step failed');
      }
    }
  };

  try {
    // Redis first: when it does not answer, say so at once, before the database's migrations.
    const redisEndpoint: RedisEndpoint = await ensureRedis({
      url: config.redisUrl,
      defaulted: config.redisDefaulted,
      dataDir: config.dataDir,
      log,
      tlsCa: config.REDIS_TLS_CA_FILE ? fs.readFileSync(config.REDIS_TLS_CA_FILE, 'utf8') : undefined,
    });
    if (redisEndpoint.launched) {
      const child = redisEndpoint.launched;
      cleanups.push(
        () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      );
    }
    const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.dataDir, poolSize: config.DATABASE_POOL_SIZE, sslCaFile: config.DATABASE_SSL_CA_FILE });
    cleanups.push(() => database.close());
    const crm = createCrm(database.db);
    // Customer 360 services (commerce, events, API keys, profiles, merges, history, search), one set for every part.
    const customer360 = createCustomer360(database.db);
    const routing = loadRoutingConfig(config.ROUTING_CONFIG_FILE);
    const followUps = { csatSurveyDelaySeconds: config.CSAT_SURVEY_DELAY_SECONDS, pendingReminderSeconds: config.PENDING_REMINDER_SECONDS, pendingAutoCloseSeconds: config.PENDING_AUTO_CLOSE_SECONDS, reopenWindowSeconds: config.REOPEN_WINDOW_SECONDS };

    const names = redisNamespace(config.REDIS_PREFIX);
    const queueConnection = { redisUrl: redisEndpoint.url, prefix: names.queuePrefix, redisTlsCa: redisEndpoint.tlsCa };
    const redis: Redis = await failFastRedisClient(redisEndpoint);
    cleanups.push(() => closeRedis(redis));
    // Subscribers keep their offline queue: a subscription made while Redis is away is made when it is back.
    const liveSubscriber = redisClient(redisEndpoint);
    cleanups.push(() => closeRedis(liveSubscriber));
    const live = new RedisLiveEvents(redis, liveSubscriber, names.liveChannel);
    // "A new recommendation model is active": the training job says it, web processes reload.
    const modelActivations = new RedisModelActivations(redis, liveSubscriber, names.recommendationModelChannel);
    // The same for intent model versions: the retraining job or a supervisor activates one, web processes load it.
    const intentActivations = new RedisModelActivations(redis, liveSubscriber, names.intentModelChannel);
    const intentTrainer = new IntentModelTrainer({ db: database.db });
    // Data subject requests. Exports are encrypted at rest under PRIVACY_ARCHIVE_KEY, else under a key kept in DATA_DIR (said at every start).
    const archiveKey = resolveArchiveKey({ configured: config.PRIVACY_ARCHIVE_KEY, dataDir: config.dataDir });
    if (archiveKey.origin !== 'config') {
      log.warn({ keyFile: archiveKey.file }, 'PRIVACY_ARCHIVE_KEY is not set: customers’ data exports are encrypted with a key generated once and kept beside the data in DATA_DIR; set PRIVACY_ARCHIVE_KEY (openssl rand -base64 32) to keep the key apart, and the same on every instance');
    }
    // Producer handles: the erasure removes a customer's queued follow-ups, SLA timers and deliveries; the API queues requests.
    const privacyQueues = {
      followUps: createQueue(QUEUE_NAMES.followUps, queueConnection),
      slaTimers: createQueue(QUEUE_NAMES.slaTimers, queueConnection),
      deliveries: createQueue(QUEUE_NAMES.deliveries, queueConnection),
      requests: createQueue(QUEUE_NAMES.privacyRequests, queueConnection),
    };
    cleanups.push(() => Promise.all(Object.values(privacyQueues).map((q) => q.close())));
    const privacy = createPrivacy({
      db: database.db,
      archives: new EncryptedArchiveStore({ dir: path.join(config.dataDir, 'privacy-exports'), key: archiveKey.key }),
      redis: new RedisCustomerPurge({ redis, keys: names, queues: [privacyQueues.followUps, privacyQueues.slaTimers, privacyQueues.deliveries] }),
      live,
    });
    // Customer value (RFM segment) feeds ticket priority: valued segments of the routing rules are raised.
    const values = new CustomerValueStore(database.db);
    const support = createSupport({ db: database.db, config: routing, live, followUps, customerSegment: (customerId) => values.segmentOf(customerId) });
    await support.queues.sync(routing);
    const seed = config.DEMO_SEED === 'always' || (config.DEMO_SEED === 'auto' && config.embeddedDatabase);
    const seededSignIns = seed && role !== 'workers' ? await seedDemo(crm, support) : [];
    // Printed at every start while they work, so a restart still tells how to sign in.
    const demoSignIns = role === 'workers' ? [] : seededSignIns.length ? seededSignIns : await demoSignInsInUse(crm, support);
    const demoOrders = seed && role !== 'workers' ? await seedDemoCatalog(database.db, crm.customers) : [];
    const scores = new AgentEvaluationService(database.db, scoreOptionsFromEnv({ SCORES_OPTIONS: config.SCORES_OPTIONS }));
    // Four weeks of demo tickets and daily scores for the supervisor dashboard (with the demo people only).
    if (seededSignIns.length) await seedDemoActivity({ db: database.db, scores, routing, agents: await support.agents.list(), timeZone: config.SUPPORT_TIME_ZONE });

    let workers: WorkerHost | undefined;
    if (role === 'all' || role === 'workers') {
      workers = await startWorkers({
        ...queueConnection,
        crm,
        db: database.db,
        live,
        log: log.child({ part: 'workers' }),
        evaluation: scores,
        evaluationCron: config.AGENT_EVALUATION_CRON,
        timeZone: config.SUPPORT_TIME_ZONE,
        followUps,
        values,
        customerValueCron: config.CUSTOMER_VALUE_CRON,
        recommendationsCron: config.RECOMMENDATIONS_TRAIN_CRON,
        recommendationsAlgorithm: config.RECOMMENDATIONS_ALGORITHM,
        recommendationActivations: modelActivations,
        intentModelCron: config.INTENT_MODEL_TRAIN_CRON,
        intentTrainer,
        intentModelActivations: intentActivations,
        privacy,
        retentionPolicy: retentionPolicyFromConfig(config),
        retentionCron: config.RETENTION_CRON,
      });
      cleanups.push(() => workers!.close());
    }

    if (role === 'workers') {
      return { crm, support, database, demoSignIns, demoOrders, workers, privacy, stop: stopAll };
    }

    const subscriber = redisClient(redisEndpoint);
    cleanups.push(() => closeRedis(subscriber));
    const bus = new TranscriptBus(redis, subscriber, { channelPrefix: names.directLineChannel });

    const nlpCacheDir = config.NLP_CACHE_DIR ?? path.join(config.dataDir, 'nlp');
    const builtInEngine = async () =>
      options.nlpEngine ??
      loadDefaultNlpEngine({ cacheDir: nlpCacheDir, modelDir: config.NLP_MODEL_DIR, modelsDir: config.NLP_MODELS_DIR, onWarning: (message) => log.warn({ part: 'nlp' }, message) });
    // The intent model served is the version active in the database (retrained from learned labels, or
    // activated on the dashboard), switched without a restart; the built-in model while none is stored.
    // An operator's NLP_MODEL_DIR is served as it is: its data is not the built-in data the versions learn from.
    // A caller's own engine (tests count its calls) is served as it is too.
    const serveIntentVersions = !options.recognizer && !options.nlpEngine && !config.NLP_MODEL_DIR;
    const intentServing = serveIntentVersions
      ? new IntentModelServing({ store: new IntentModelStore(database.db), cacheDir: path.join(nlpCacheDir, 'intent-versions'), fallback: builtInEngine, engineOptions: { modelsDir: config.NLP_MODELS_DIR }, log: log.child({ part: 'nlp' }) })
      : undefined;
    const recognizer = options.recognizer ?? new NlpRecognizer(intentServing ? await intentServing.start() : await builtInEngine());
    if (intentServing) {
      await intentServing.watch({ activations: intentActivations, pollMs: config.INTENT_MODEL_POLL_SECONDS * 1000 });
      cleanups.push(() => intentServing.close());
    }
    const content = ContentCatalog.fromFile(config.CONTENT_FILE, (file) => fs.readFileSync(file, 'utf8'));
    const storage = new PostgresStorage(crm.state);
    const conversationState = new ConversationState(storage);
    const facts = conversationState.createProperty<ConversationFacts>('facts');
    const conversationLanguage = conversationState.createProperty<string | undefined>('conversationLanguage');
    const botIdentity = { id: config.MicrosoftAppId || 'concierge-bot', name: 'Concierge' };

    const server = http.createServer();
    const listening = new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, config.HOST, () => resolve());
    });
    await listening;
    const address = server.address() as AddressInfo;
    const localUrl = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${address.port}`;
    const publicUrl = config.PUBLIC_URL ?? localUrl;

    // Learning from conversations: language, sentiment trend and stated preferences of every stored customer message.
    const learned = new LearnedProfileStore(database.db);
    // One catalogue vocabulary for the learner and the bot's preference replies, so both read a message alike.
    const vocabulary = cachedCatalogueVocabulary(database.db);
    const learner = new ConversationLearner({ recognizer, learned, vocabulary });
    // Each customer message is understood once, before the dialogs; the understanding and its outcome are recorded.
    const understanding = new TurnUnderstanding({
      recognizer,
      recorder: crm.understanding,
      conversationLanguage,
      onError: (err) => log.warn({ err, part: 'understanding' }, 'could not record a message understanding'),
    });
    const middleware = new TimelineMiddleware(crm, { learner, onError: (err) => log.warn({ err, part: 'learning' }, 'could not learn from a message') }, understanding);
    // Messages stored but not learned (the process died mid-turn, the database failed) are learned by a catch-up, at start and periodically.
    const learningCatchUp = new LearningCatchUp({ timeline: crm.timeline, learned, observer: learner, graceMs: config.LEARNING_GRACE_SECONDS * 1000, periodMs: config.LEARNING_CATCH_UP_SECONDS * 1000, maxAttempts: config.LEARNING_MAX_ATTEMPTS, log: log.child({ part: 'learning' }) });
    learningCatchUp.start();
    cleanups.push(() => learningCatchUp.stop());
    const onTurnError = async (context: TurnContext, error: Error) => {
      // Someone erased at their request writes again from the same handle: told so, nothing stored (the timeline refused them before any write).
      if (error instanceof ErasedCustomerError) {
        log.info({ channel: context.activity.channelId }, 'message from an erased customer refused');
        await context
          .sendActivity(content.texts(languageOf(context.activity.locale, context.activity.text)).erasedCustomer)
          .catch((err: unknown) => log.error({ err }, 'could not tell an erased customer'));
        return;
      }
      // The message that failed the turn is in the line only with LOG_MESSAGE_TEXT on (and masked then).
      log.error({ err: error, channel: context.activity.channelId, text: context.activity.text }, 'turn failed');
      // A broken dialog must not trap the customer: clear the conversation's dialog state.
      await conversationState.delete(context).catch(() => undefined);
      await context
        .sendActivity(content.texts(languageOf(context.activity.locale, context.activity.text)).error)
        .catch((err: unknown) => log.error({ err }, 'could not send the error message'));
    };

    // Card numbers and IBANs are masked before anything reads or stores a message (the timeline middleware stores it first).
    const redaction = new RedactionMiddleware();
    const directLineAdapter = new DirectLineAdapter({ transcripts: crm.transcripts, bus, bot: botIdentity, serviceUrl: publicUrl });
    directLineAdapter.use(redaction, middleware);
    directLineAdapter.onTurnError = onTurnError;

    const channelAdapter = createChannelAdapter(config);
    channelAdapter.use(redaction, middleware);
    channelAdapter.onTurnError = onTurnError;

    // Recommendations served from memory: the active model version (trained now for a small shop without one), shaped by what the customer told the bot.
    const recommendations = new RecommendationService({ db: database.db, algorithm: config.RECOMMENDATIONS_ALGORITHM, preferences: learned, log: log.child({ part: 'recommendations' }) });
    await recommendations.start().catch((err: unknown) => log.warn({ err }, 'recommendations unavailable at start (the bot answers without them until a model is trained)'));
    await recommendations.watch({ activations: modelActivations });
    cleanups.push(() => recommendations.close());

    const delivery = new Delivery({ directLine: directLineAdapter, channel: channelAdapter, appId: config.MicrosoftAppId });
    const handoff = new HandoffBridge({ crm, support, recognizer, delivery, content });
    const conversationOrigins = new RedisConversationOrigins(redis, { keyPrefix: names.conversationOrigin });
    // Identity proof in chat (email + order number): IDENTITY_PROOF_MAX_ATTEMPTS per conversation per hour, counted in Redis.
    const identity = new ChatIdentityProof({
      linker: customer360.linker,
      customers: crm.customers,
      limiter: new RedisAttemptLimiter(redis, { max: config.IDENTITY_PROOF_MAX_ATTEMPTS, windowMs: 3_600_000, keyPrefix: names.identityProof }),
      // One email or order number across conversations: four conversations' worth of attempts an hour.
      subjectLimiter: new RedisAttemptLimiter(redis, { max: config.IDENTITY_PROOF_MAX_ATTEMPTS * 4, windowMs: 3_600_000, keyPrefix: names.identityProofSubject }),
      origin: { origins: conversationOrigins, limiter: new RedisAttemptLimiter(redis, { max: config.IDENTITY_PROOF_MAX_ATTEMPTS * 4, windowMs: 3_600_000, keyPrefix: names.identityProofOrigin }) },
      onError: (err) => log.warn({ err, part: 'identity-proof' }, 'identity proof could not run'),
    });
    const customerOf = (ctx: TurnContext) => (ctx.turnState.get(CUSTOMER_KEY) as CustomerRecord | undefined)?.id;
    // Data subject requests in chat: filed for the proven customer, processed by the workers once the turn is over.
    const privacyRequests = new ChatPrivacyRequests({
      service: privacy,
      references: crm.references,
      enqueue: (requestId) => enqueuePrivacyRequest(privacyQueues.requests, requestId),
      onEnqueueError: (err, requestId) => log.warn({ err, requestId, part: 'privacy' }, 'privacy request stored but not queued; the workers queue it at their next start'),
    });
    const dialog = new MainDialog({ recognizer, facts, handoff, content, privacy: privacyRequests, orders: new CommerceOrderLookup(customer360.commerce), recommendations: new ServiceRecommendations(recommendations), preferences: new CataloguePreferences(vocabulary), personalisation: new ProfileConsent(customer360.profiles, new AuditLog(database.db)), products: new CommerceProductCatalogue(customer360.commerce, vocabulary), identity, customerOf, clarifications: crm.understanding });
    const bot = new ConciergeBot(conversationState, dialog, handoff, new CsatAnswers({ followUps: support.followUps, content }));
    // What workers send customers (CSAT surveys, reminders) goes out from web processes, which hold the channel adapters.
    const deliveryWorker = startDeliveryWorker({ ...queueConnection, delivery, references: crm.references, deliveries: new DeliveryLog(database.db), renderer: new FollowUpRenderer(content), log: log.child({ part: 'deliveries' }) });
    cleanups.push(() => deliveryWorker.close());

    const tokens = new DirectLineTokens(directLineSigningKey(config), config.DIRECTLINE_TOKEN_TTL_SECONDS);
    const directLine = new DirectLineService({
      transcripts: crm.transcripts,
      bus,
      tokens,
      bot: botIdentity,
      serviceUrl: publicUrl,
      runTurn: (activity: Partial<Activity>) => directLineAdapter.processActivity(activity, (ctx) => bot.run(ctx)),
      turnLeaseMs: config.TURN_LEASE_MS,
      onLeaseRenewalError: (err, activityId) => log.warn({ err, activityId, part: 'directline' }, 'could not renew the lease of a turn in progress'),
    });
    const stream = new DirectLineStream({ service: directLine, tokens, transcripts: crm.transcripts, bus, log });

    let stopping = false;
    // The queue dashboard (/admin/queues): this process's queues, or producer handles in a web-only process.
    const queuesForAdmin = workers?.queues ?? createQueues(queueConnection);
    if (!workers) cleanups.push(() => Promise.all(Object.values(queuesForAdmin).map((q) => q.close())));
    // The dashboard's model versions: activating one announces it like a training does, so every web process reloads.
    const recommendationModels = new RecommendationModelAdmin({ store: new RecommendationModelStore(database.db), notifier: modelActivations, log: log.child({ part: 'recommendations' }) });
    const intentLabels = new IntentLabelStore(database.db);
    const botAnalytics = botAnalyticsRoutes({
      analytics: new BotAnalytics({ db: database.db, timeZone: config.SUPPORT_TIME_ZONE }),
      labels: intentLabels,
      timeline: crm.timeline,
      models: new IntentModelAdmin({ store: intentTrainer.store, notifier: intentActivations, log: log.child({ part: 'nlp' }) }),
      requestTraining: () => requestIntentModelTrainingNow(queuesForAdmin.intentModelTraining, intentTrainer),
    });
    // Failed sign-ins, counted in Redis by every web instance; keys are HMACs under a key derived from the
    // Direct Line signing key, which every instance already shares (no email or address in key names).
    const signInLimits = new SignInLimits({
      perAddress: new RedisSignInThrottle(redis, { keyPrefix: `${names.signInFailures}address:` }),
      perAccount: new RedisSignInThrottle(redis, { keyPrefix: `${names.signInFailures}account:`, max: DEFAULT_ACCOUNT_MAX }),
      hashKey: createHmac('sha256', directLineSigningKey(config)).update('concierge sign-in throttle keys').digest(),
    });
    const consoleApi = consoleRoutes({ crm, support, conversations: handoff, events: live, recommendations, signInLimits, customer360, audit: new AuditLog(database.db), privacy: { privacy, enqueue: (requestId) => enqueuePrivacyRequest(privacyQueues.requests, requestId), log: log.child({ part: 'privacy' }) }, insights: { values, learned }, extensions: [dashboardRoutes({ reports: new SupportReports({ db: database.db, scores, timeZone: config.SUPPORT_TIME_ZONE }), scores, sessions: crm.sessions, requestEvaluation: (o) => requestAgentEvaluation(queuesForAdmin.agentEvaluation, o), models: recommendationModels, requestTraining: () => requestRecommendationTrainingNow(queuesForAdmin.recommendationTraining, database.db) }), botAnalytics], understanding: { labels: intentLabels }, log: log.child({ part: 'console' }), maxBodyBytes: config.MAX_BODY_BYTES, isStopping: () => stopping });
    cleanups.push(() => consoleApi.close());
    const app = createHttpApp({
      log,
      isStopping: () => stopping,
      readinessChecks: { database: () => database.ping(), redis: () => redis.ping() },
      routers: [
        eventsRoutes({ commerce: customer360.events, apiKeys: customer360.apiKeys, maxBodyBytes: config.MAX_BODY_BYTES }),
        directLineRoutes({ service: directLine, tokens, secret: config.DIRECTLINE_SECRET, maxBodyBytes: config.MAX_BODY_BYTES, origins: conversationOrigins }),
        channelRoutes({
          adapter: channelAdapter,
          config,
          allowUnauthenticated: config.BOT_ALLOW_UNAUTHENTICATED && config.NODE_ENV !== 'production',
          logic: (ctx) => bot.run(ctx),
        }),
        consoleApi,
        queueAdminRoutes({ queues: queuesForAdmin, requireAdmin: [authenticate(crm.sessions), requireRole('admin')] }),
      ],
    });
    server.on('request', app);
    stream.attach(server);

    // Shutdown order: refuse new work, finish turns in progress, close streams and the server, then pools.
    cleanups.push(async () => {
      stream.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    cleanups.push(() => directLine.drain());
    // Customer messages stored but never answered (a process died or stalled mid-turn, here or in another
    // instance) are answered once their turn lease has passed, by whichever web process claims them first.
    const unansweredSweep = new UnansweredTurnSweep({ transcripts: crm.transcripts, directLine, log: log.child({ part: 'directline' }), intervalMs: config.TURN_SWEEP_INTERVAL_MS });
    // Stopped (its pass in progress ended) before directLine.drain() waits for the turns in progress.
    cleanups.push(() => unansweredSweep.stop());
    cleanups.push(() => {
      stopping = true;
      server.closeIdleConnections();
    });
    unansweredSweep.start();

    return { url: localUrl, crm, support, database, handoff, demoSignIns, demoOrders, workers, intentModels: intentServing, privacy, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

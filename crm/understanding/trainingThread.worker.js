'use strict';
// Entry of the intent model training thread (trainingThread.ts). A worker thread starts as plain
// Node: neither tsx's loader (npm start) nor ts-jest (tests) reaches it, so it registers tsx's
// CommonJS hook itself and then loads the TypeScript code.
require('tsx/cjs/api').register();
require('./trainingThreadEntry.ts');

/**
 * Jest runs tests in a separate V8 realm, so typed arrays made there fail onnxruntime's
 * `instanceof Float32Array` checks against arrays from the native addon (the outer realm).
 * This environment shares the outer realm's typed-array constructors with the tests.
 * Used via the `@jest-environment` docblock of the embedding tests.
 */
const { TestEnvironment } = require('jest-environment-node');

class OnnxEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of [
      'Float32Array', 'Float64Array', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array',
      'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array',
    ]) {
      this.global[name] = globalThis[name];
    }
  }
}

module.exports = OnnxEnvironment;

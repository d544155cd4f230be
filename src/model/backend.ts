import * as tf from '@tensorflow/tfjs';

/** Which TensorFlow.js backend to train on; `auto` takes the fastest one that loads. */
export type BackendPreference = 'auto' | 'node' | 'wasm' | 'cpu';

let active: Promise<string> | undefined;
let activePreference: BackendPreference | undefined;

/**
 * Picks and initialises the TensorFlow.js backend once per process and returns its name.
 * `auto` tries `@tensorflow/tfjs-node` (optional dependency, native), then wasm, then the pure-JS cpu
 * backend. Asking for `node` or `wasm` explicitly fails with a clear error when it cannot load.
 * Threads: tfjs-backend-wasm 4.x never loads its threaded binary under Node (the feature flag is
 * hard-wired off there, tfjs issue 3830), so `setThreadsCount` does not help and is not called.
 */
export function initBackend(preference: BackendPreference = 'auto'): Promise<string> {
  if (active && activePreference === preference) return active;
  activePreference = preference;
  active = pick(preference);
  return active;
}

async function pick(preference: BackendPreference): Promise<string> {
  const order: Exclude<BackendPreference, 'auto'>[] = preference === 'auto' ? ['node', 'wasm', 'cpu'] : [preference];
  const failures: string[] = [];
  for (const name of order) {
    try {
      if (name === 'node') {
        // A variable specifier keeps TypeScript from requiring the optional package at compile time.
        const nodeBackend = '@tensorflow/tfjs-node';
        await import(nodeBackend);
        if (!(await tf.setBackend('tensorflow'))) throw new Error('tfjs-node loaded but the tensorflow backend did not initialise');
      } else if (name === 'wasm') {
        await import('@tensorflow/tfjs-backend-wasm');
        if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
      } else if (!(await tf.setBackend('cpu'))) {
        throw new Error('the cpu backend did not initialise');
      }
      await tf.ready();
      return tf.getBackend();
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  }
  throw new Error(`No TensorFlow.js backend could be initialised for TF_BACKEND=${preference} (${failures.join('; ')}).`);
}

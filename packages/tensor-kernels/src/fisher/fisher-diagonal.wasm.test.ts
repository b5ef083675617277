import { afterAll, beforeAll } from 'vitest';
import { describeFisherChecks } from '../../test/fisher-suite.js';
import { disposeBackend, initBackend } from '../init-backend.js';

beforeAll(() => initBackend({ backends: 'wasm' }));
afterAll(disposeBackend);

describeFisherChecks('wasm', 'auto');
